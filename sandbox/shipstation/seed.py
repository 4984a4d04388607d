"""The default account: stores, ship-from locations and carriers with services and
packages, as a small motor-parts seller's ShipStation account has them."""

from __future__ import annotations

_DOMESTIC = {"domestic": True, "international": False}
_INTL = {"domestic": False, "international": True}
_BOTH = {"domestic": True, "international": True}

DEFAULT_SEED: dict = {
    "stores": [
        {"storeName": "Manual Orders", "marketplaceName": "ShipStation", "marketplaceId": 0},
        {"storeName": "Motor Parts Odoo", "marketplaceName": "Custom Store", "marketplaceId": 4},
        {
            "storeName": "Old eBay shop",
            "marketplaceName": "eBay",
            "marketplaceId": 2,
            "active": False,
        },
    ],
    "warehouses": [
        {
            "warehouseName": "Leeds Warehouse",
            "isDefault": True,
            "originAddress": {
                "name": "Dispatch",
                "company": "Sandbox Motor Parts Ltd",
                "street1": "Unit 4, Aire Valley Trade Park",
                "street2": "",
                "city": "Leeds",
                "state": "West Yorkshire",
                "postalCode": "LS9 0PS",
                "country": "GB",
                "phone": "0113 496 0000",
                "residential": False,
            },
        },
        {
            "warehouseName": "York Trade Counter",
            "originAddress": {
                "name": "Counter",
                "company": "Sandbox Motor Parts Ltd",
                "street1": "12 Foss Islands Road",
                "city": "York",
                "state": "",
                "postalCode": "YO31 7UL",
                "country": "GB",
                "phone": "",
                "residential": False,
            },
        },
    ],
    "carriers": [
        {
            "name": "Royal Mail",
            "code": "royal_mail",
            "accountNumber": "RM0093412",
            "requiresFundedAccount": False,
            "balance": "0",
            "primary": True,
            "services": [
                {"code": "rm_tracked_24", "name": "Royal Mail Tracked 24", **_DOMESTIC},
                {"code": "rm_tracked_48", "name": "Royal Mail Tracked 48", **_DOMESTIC},
                {"code": "rm_international_tracked", "name": "International Tracked", **_INTL},
            ],
            "packages": [
                {"code": "package", "name": "Package", **_BOTH},
                {"code": "large_letter", "name": "Large Letter", **_BOTH},
            ],
            "rates": {"base": "3.35", "per_lb": "0.85"},
        },
        {
            "name": "Stamps.com",
            "code": "stamps_com",
            "accountNumber": "SS123",
            "requiresFundedAccount": True,
            "balance": "24.2700",
            "services": [
                {"code": "usps_first_class_mail", "name": "USPS First Class Mail", **_DOMESTIC},
                {"code": "usps_priority_mail", "name": "USPS Priority Mail", **_DOMESTIC},
                {
                    "code": "usps_priority_mail_international",
                    "name": "USPS Priority Mail Intl",
                    **_INTL,
                },
            ],
            "packages": [
                {"code": "package", "name": "Package", **_BOTH},
                {"code": "flat_rate_envelope", "name": "Flat Rate Envelope", **_BOTH},
                {"code": "large_flat_rate_box", "name": "Large Flat Rate Box", **_BOTH},
            ],
            "rates": {"base": "4.10", "per_lb": "1.10"},
        },
        {
            "name": "UPS by ShipStation",
            "code": "ups_walleted",
            "accountNumber": "",
            "requiresFundedAccount": True,
            "balance": "112.5000",
            "nickname": "UPS (ShipStation rates)",
            "services": [
                {"code": "ups_ground", "name": "UPS® Ground", **_DOMESTIC},
                {"code": "ups_next_day_air", "name": "UPS Next Day Air®", **_DOMESTIC},
                {"code": "ups_standard_international", "name": "UPS Standard®", **_INTL},
                {
                    "code": "ups_worldwide_expedited",
                    "name": "UPS Worldwide Expedited®",
                    **_INTL,
                },
            ],
            "packages": [
                {"code": "package", "name": "Package", **_BOTH},
                {"code": "ups_letter", "name": "UPS Letter", **_BOTH},
            ],
            "rates": {"base": "7.95", "per_lb": "1.45"},
        },
        {
            "name": "FedEx",
            "code": "fedex",
            "accountNumber": "510087020",
            "requiresFundedAccount": False,
            "balance": "0",
            "nickname": None,
            "services": [
                {"code": "fedex_ground", "name": "FedEx Ground®", **_DOMESTIC},
                {"code": "fedex_2day", "name": "FedEx 2Day®", **_DOMESTIC},
                {
                    "code": "fedex_international_priority",
                    "name": "FedEx International Priority®",
                    **_INTL,
                },
                {
                    "code": "fedex_international_economy",
                    "name": "FedEx International Economy®",
                    **_INTL,
                },
            ],
            "packages": [
                {"code": "package", "name": "Package", **_BOTH},
                {"code": "fedex_envelope", "name": "FedEx® Envelope", **_BOTH},
                {"code": "fedex_pak", "name": "FedEx® Pak", **_BOTH},
            ],
            "rates": {"base": "8.60", "per_lb": "1.60"},
        },
    ],
}
