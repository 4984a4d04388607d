"""The default seed: a small eBay Motors US category tree with eBay's real category
ids, its item aspects, conditions and compatibility vehicles, the seller's business
policies and location, buyers, and a listing made outside the Inventory API.

Category ids and their sources (eBay's own category pages carry the id in the URL,
``www.ebay.com/b/<name>/<categoryId>/bn_<node>``; found with the search tool):

- 6000 eBay Motors: eBay's top-level Motors category (public category lists,
  e.g. carlesmateu/eBaywebscraper ``"Automotive": 6000``).
- 6028 Parts & Accessories: ancestor of 33559 in a getCategorySuggestions answer kept
  as a fixture in a public repository (ancestors 33559, 6030, 6028).
- 6030 Car & Truck Parts & Accessories: two public repositories map it so.
- 33559 Brakes & Brake Parts: ``ebay.com/b/Car-Truck-Brakes-Brake-Parts/33559/bn_557694``.
- 33560 Additional ABS Parts: ``ebay.com/b/Car-Truck-Additional-ABS-Parts/33560/bn_583684``.
- 33564 Brake Pads: one source only (the same getCategorySuggestions fixture);
  not confirmed on an eBay page.
- 33566 Other Brake Parts: an item's ``categoryPath`` ("eBay Motors > Parts &
  Accessories > Car & Truck Parts & Accessories > Brakes & Brake Parts > Other Brake
  Parts", categoryId 33566) in a public repository's Browse API fixture.
- 33549 Air & Fuel Delivery: ``ebay.com/b/Car-Truck-Air-Fuel-Delivery/33549/bn_584325``.
- 33557 Air Intake & Fuel Delivery Sensors (its Type facet lists Oxygen Sensor):
  ``ebay.com/b/Car-Truck-Air-Intake-Fuel-Delivery-Sensors/33557``.
- 33612 Engines & Components: ``ebay.com/b/Car-Truck-Engines-Components/33612/bn_560118``.
- 33625 Engine Timing Components: ``ebay.com/b/Car-Truck-Engine-Timing-Components/33625``.
- 33687 Ignition Systems: ``ebay.com/b/Car-Truck-Ignition-Systems/33687/bn_577605``.
- 33693 Spark Plugs & Glow Plugs: ``ebay.com/b/Car-Truck-Spark-Plugs-Glow-Plugs/33693``.
- 33572 Starters, Alternators, ECUs & Wiring:
  ``ebay.com/b/Car-Truck-Starters-Alternators-ECUs-Wiring/33572/bn_583502``.
- 33596 ECUs & Computer Modules: ``ebay.com/b/Car-Truck-ECUs-Computer-Modules/33596/bn_584314``.
- 9886 Other Car & Truck Parts & Accessories:
  ``ebay.com/b/Other-Car-Truck-Parts-Accessories/9886/bn_7117878185``.

No oil filter or brake rotor category id could be confirmed; they are left out.
Category tree 100 is eBay Motors US (the Taxonomy contract's category_tree_id list:
"eBay Motors US: 100"). Condition ids are eBay's
(https://developer.ebay.com/api-docs/sell/static/metadata/condition-id-values.html);
the aspects, the conditions allowed per category and the vehicles are sandbox data in
eBay's shapes (engine strings in the format of eBay's compatibility values).
"""

from __future__ import annotations

PARTS_CONDITIONS = ["1000", "2500", "3000", "7000"]  # New, Remanufactured, Used, For parts
NEW_OR_USED = ["1000", "3000", "7000"]

BRAND = {"name": "Brand", "required": True, "usage": "RECOMMENDED", "mode": "FREE_TEXT"}
MPN = {
    "name": "Manufacturer Part Number",
    "required": True,
    "usage": "RECOMMENDED",
    "mode": "FREE_TEXT",
}
OEM = {"name": "OE/OEM Part Number", "usage": "RECOMMENDED", "mode": "FREE_TEXT"}
INTERCHANGE = {
    "name": "Interchange Part Number",
    "usage": "OPTIONAL",
    "mode": "FREE_TEXT",
    "cardinality": "MULTI",
}
PLACEMENT = {
    "name": "Placement on Vehicle",
    "usage": "RECOMMENDED",
    "mode": "SELECTION_ONLY",
    "cardinality": "MULTI",
    "values": ["Front", "Rear", "Left", "Right", "Upper", "Lower", "Inner", "Outer"],
}
WARRANTY = {
    "name": "Manufacturer Warranty",
    "usage": "OPTIONAL",
    "mode": "FREE_TEXT",
    "values": ["1 Year", "2 Years", "Lifetime", "Unspecified Length"],
}
FITMENT = {
    "name": "Fitment Type",
    "usage": "RECOMMENDED",
    "mode": "SELECTION_ONLY",
    "values": ["Direct Replacement", "Performance/Custom"],
}
COUNTRY = {"name": "Country/Region of Manufacture", "usage": "OPTIONAL", "mode": "FREE_TEXT"}


def _category(cid, name, parent, keywords=(), aspects=(), conditions=None, compat=True):
    return {
        "categoryId": cid,
        "categoryName": name,
        "parentId": parent,
        "keywords": list(keywords),
        "aspects": [dict(a) for a in aspects],
        "conditions": list(conditions or []),
        "compatibility": compat,
    }


DEFAULT_CATEGORIES = [
    _category("6000", "eBay Motors", "0", compat=False),
    _category("6028", "Parts & Accessories", "6000", compat=False),
    _category("6030", "Car & Truck Parts & Accessories", "6028", compat=False),
    _category("33559", "Brakes & Brake Parts", "6030", compat=False),
    _category(
        "33560",
        "Additional ABS Parts",
        "33559",
        ["abs", "wheel speed sensor", "abs sensor", "abs pump"],
        [BRAND, MPN, OEM, PLACEMENT, FITMENT, WARRANTY],
        PARTS_CONDITIONS,
    ),
    _category(
        "33564",
        "Brake Pads",
        "33559",
        ["brake pad", "brake pads", "pad set", "ceramic pads", "disc pads"],
        [
            BRAND,
            MPN,
            OEM,
            PLACEMENT,
            {
                "name": "Friction Material",
                "usage": "RECOMMENDED",
                "mode": "SELECTION_ONLY",
                "values": ["Ceramic", "Semi-Metallic", "Organic", "Carbon Fiber"],
            },
            FITMENT,
            INTERCHANGE,
            WARRANTY,
        ],
        NEW_OR_USED,
    ),
    _category(
        "33566",
        "Other Brake Parts",
        "33559",
        ["brake", "brake hardware", "brake rotor", "rotor", "brake disc"],
        [BRAND, MPN, OEM, PLACEMENT, WARRANTY],
        PARTS_CONDITIONS,
    ),
    _category("33549", "Air & Fuel Delivery", "6030", compat=False),
    _category(
        "33557",
        "Air Intake & Fuel Delivery Sensors",
        "33549",
        ["oxygen sensor", "o2 sensor", "maf sensor", "map sensor", "sensor"],
        [
            BRAND,
            MPN,
            OEM,
            {
                "name": "Type",
                "required": True,
                "usage": "RECOMMENDED",
                "mode": "SELECTION_ONLY",
                "values": [
                    "Oxygen Sensor",
                    "Mass Airflow Sensor (MAF Sensor)",
                    "Manifold Air Pressure Sensor (MAP Sensor)",
                    "Throttle Position Sensor (TPS)",
                    "Knock (Detonation) Sensor",
                ],
            },
            {
                "name": "Sensor Position",
                "usage": "RECOMMENDED",
                "mode": "SELECTION_ONLY",
                "values": ["Upstream", "Downstream"],
            },
            INTERCHANGE,
            WARRANTY,
        ],
        NEW_OR_USED,
    ),
    _category("33612", "Engines & Components", "6030", compat=False),
    _category(
        "33625",
        "Engine Timing Components",
        "33612",
        ["timing belt", "timing chain", "water pump", "timing kit"],
        [BRAND, MPN, OEM, INTERCHANGE, WARRANTY],
        PARTS_CONDITIONS,
    ),
    _category("33687", "Ignition Systems", "6030", compat=False),
    _category(
        "33693",
        "Spark Plugs & Glow Plugs",
        "33687",
        ["spark plug", "spark plugs", "glow plug", "iridium plug"],
        [
            BRAND,
            MPN,
            {
                "name": "Type",
                "usage": "RECOMMENDED",
                "mode": "SELECTION_ONLY",
                "values": ["Spark Plug", "Glow Plug"],
            },
            {
                "name": "Electrode Material",
                "usage": "OPTIONAL",
                "mode": "FREE_TEXT",
                "values": ["Copper", "Iridium", "Platinum"],
            },
            OEM,
        ],
        ["1000", "3000"],
    ),
    _category("33572", "Starters, Alternators, ECUs & Wiring", "6030", compat=False),
    _category(
        "33596",
        "ECUs & Computer Modules",
        "33572",
        ["ecu", "engine computer", "control module", "pcm"],
        [BRAND, MPN, OEM, WARRANTY, COUNTRY],
        PARTS_CONDITIONS,
    ),
    _category(
        "9886",
        "Other Car & Truck Parts & Accessories",
        "6030",
        ["filter", "oil filter", "air filter", "part", "accessory"],
        [BRAND, MPN, OEM, INTERCHANGE, WARRANTY],
        PARTS_CONDITIONS,
    ),
]

# Condition ids eBay uses in Motors parts categories, with the names these
# categories show (2500 "Seller refurbished" is "Remanufactured" in parts).
CONDITION_NAMES = {
    "1000": "New",
    "1500": "New other (see details)",
    "2500": "Remanufactured",
    "3000": "Used",
    "7000": "For parts or not working",
}
# ConditionEnum of the Inventory API -> condition id (eBay's condition-id-values page).
CONDITION_IDS = {
    "NEW": "1000",
    "LIKE_NEW": "2750",
    "NEW_OTHER": "1500",
    "NEW_WITH_DEFECTS": "1750",
    "MANUFACTURER_REFURBISHED": "2000",
    "CERTIFIED_REFURBISHED": "2000",
    "EXCELLENT_REFURBISHED": "2010",
    "VERY_GOOD_REFURBISHED": "2020",
    "GOOD_REFURBISHED": "2030",
    "SELLER_REFURBISHED": "2500",
    "USED_EXCELLENT": "3000",
    "USED_VERY_GOOD": "4000",
    "USED_GOOD": "5000",
    "USED_ACCEPTABLE": "6000",
    "FOR_PARTS_OR_NOT_WORKING": "7000",
    "PRE_OWNED_EXCELLENT": "2990",
    "PRE_OWNED_FAIR": "3010",
}


def _vehicle(year, make, model, trim, engine):
    return {"Year": str(year), "Make": make, "Model": model, "Trim": trim, "Engine": engine}


CAMRY_L4 = "2.5L 2487CC 152Cu. In. l4 GAS DOHC Naturally Aspirated"
CAMRY_V6 = "3.5L 3456CC 211Cu. In. V6 GAS DOHC Naturally Aspirated"
F150_V8 = "5.0L 4951CC 302Cu. In. V8 GAS DOHC Naturally Aspirated"
F150_V6T = "3.5L 3496CC 213Cu. In. V6 GAS DOHC Turbocharged"
CIVIC_18 = "1.8L 1799CC 110Cu. In. l4 GAS SOHC Naturally Aspirated"
CIVIC_20 = "2.0L 1996CC 122Cu. In. l4 GAS DOHC Naturally Aspirated"
CIVIC_15T = "1.5L 1497CC 91Cu. In. l4 GAS DOHC Turbocharged"

DEFAULT_VEHICLES = [
    _vehicle(2015, "Ford", "F-150", "XLT Crew Cab Pickup 4-Door", F150_V8),
    _vehicle(2015, "Ford", "F-150", "XLT Crew Cab Pickup 4-Door", F150_V6T),
    _vehicle(2015, "Ford", "F-150", "Lariat Crew Cab Pickup 4-Door", F150_V8),
    _vehicle(2016, "Ford", "F-150", "XLT Crew Cab Pickup 4-Door", F150_V8),
    _vehicle(2016, "Ford", "F-150", "XL Regular Cab Pickup 2-Door", F150_V6T),
    _vehicle(2016, "Ford", "F-150", "Lariat Crew Cab Pickup 4-Door", F150_V8),
    _vehicle(2018, "Toyota", "Camry", "LE Sedan 4-Door", CAMRY_L4),
    _vehicle(2018, "Toyota", "Camry", "SE Sedan 4-Door", CAMRY_L4),
    _vehicle(2018, "Toyota", "Camry", "XSE Sedan 4-Door", CAMRY_V6),
    _vehicle(2019, "Toyota", "Camry", "LE Sedan 4-Door", CAMRY_L4),
    _vehicle(2012, "Honda", "Civic", "LX Sedan 4-Door", CIVIC_18),
    _vehicle(2012, "Honda", "Civic", "EX Coupe 2-Door", CIVIC_18),
    _vehicle(2017, "Honda", "Civic", "LX Sedan 4-Door", CIVIC_20),
    _vehicle(2017, "Honda", "Civic", "EX-T Sedan 4-Door", CIVIC_15T),
    _vehicle(
        2015, "Volkswagen", "Golf", "TSI S Hatchback 4-Door", "1.8L 1798CC l4 GAS DOHC Turbocharged"
    ),
    _vehicle(
        2019,
        "Chevrolet",
        "Silverado 1500",
        "LT Crew Cab Pickup 4-Door",
        "5.3L 325Cu. In. V8 FLEX OHV Naturally Aspirated",
    ),
]

DEFAULT_POLICIES = {
    "fulfillment": [
        {
            "fulfillmentPolicyId": "6200011000",
            "name": "Ground - 1 business day handling",
            "marketplaceId": "EBAY_MOTORS_US",
            "categoryTypes": [{"name": "ALL_EXCLUDING_MOTORS_VEHICLES", "default": True}],
            "handlingTime": {"value": 1, "unit": "DAY"},
            "shippingOptions": [
                {
                    "optionType": "DOMESTIC",
                    "costType": "FLAT_RATE",
                    "shippingServices": [
                        {
                            "sortOrder": 1,
                            "shippingCarrierCode": "USPS",
                            "shippingServiceCode": "USPSGroundAdvantage",
                            "shippingCost": {"value": "0.0", "currency": "USD"},
                            "freeShipping": True,
                        }
                    ],
                }
            ],
            "localPickup": False,
            "freightShipping": False,
            "globalShipping": False,
        },
        {
            "fulfillmentPolicyId": "6200011001",
            "name": "Freight - heavy parts",
            "marketplaceId": "EBAY_MOTORS_US",
            "categoryTypes": [{"name": "ALL_EXCLUDING_MOTORS_VEHICLES", "default": False}],
            "handlingTime": {"value": 3, "unit": "DAY"},
            "shippingOptions": [],
            "freightShipping": True,
        },
    ],
    "payment": [
        {
            "paymentPolicyId": "6200012000",
            "name": "eBay Managed Payments",
            "marketplaceId": "EBAY_MOTORS_US",
            "categoryTypes": [{"name": "ALL_EXCLUDING_MOTORS_VEHICLES", "default": True}],
            "immediatePay": True,
            "paymentMethods": [],
        }
    ],
    "return": [
        {
            "returnPolicyId": "6200013000",
            "name": "30 days, buyer pays return shipping",
            "marketplaceId": "EBAY_MOTORS_US",
            "categoryTypes": [{"name": "ALL_EXCLUDING_MOTORS_VEHICLES", "default": True}],
            "returnsAccepted": True,
            "returnPeriod": {"value": 30, "unit": "DAY"},
            "refundMethod": "MONEY_BACK",
            "returnShippingCostPayer": "BUYER",
        },
        {
            "returnPolicyId": "6200013001",
            "name": "No returns",
            "marketplaceId": "EBAY_MOTORS_US",
            "categoryTypes": [{"name": "ALL_EXCLUDING_MOTORS_VEHICLES", "default": False}],
            "returnsAccepted": False,
        },
    ],
}

DEFAULT_LOCATIONS = [
    {
        "merchantLocationKey": "san-jose-warehouse",
        "name": "San Jose warehouse",
        "merchantLocationStatus": "ENABLED",
        "locationTypes": ["WAREHOUSE"],
        "location": {
            "address": {
                "addressLine1": "2145 Hamilton Avenue",
                "city": "San Jose",
                "stateOrProvince": "CA",
                "postalCode": "95125",
                "country": "US",
            }
        },
    }
]

# Buyers: username (changeable), immutable userId and eiasToken (as eBay's account
# deletion notifications carry them), e-mail as eBay gives it to the seller (masked
# relay addresses beside real ones; some older orders have none), ship-to address.
DEFAULT_BUYERS = [
    {
        "username": "motorhead_mike",
        "userId": "f8Zw2q1KxLp",
        "eiasToken": "nY+sHZ2PrBmdj6wVnY+sEZ2PrA2dj6AElIGkC5aGpAidj6x9nY+seQ==",
        "email": "mike.reyes@example.com",
        "fullName": "Mike Reyes",
        "phone": "408 555 0142",
        "address": {
            "addressLine1": "1120 Oakmead Pkwy",
            "city": "Sunnyvale",
            "stateOrProvince": "CA",
            "postalCode": "94085",
            "countryCode": "US",
        },
    },
    {
        "username": "brakes4less",
        "userId": "k2Rt7nQw9Ez",
        "eiasToken": "nY+sHZ2PrBmdj6wVnY+sEZ2PrA2dj6AFl4eoD5aEoQ6dj6x9nY+seQ==",
        "email": "1d4f3a9c2b7e5a60@members.ebay.com",
        "fullName": "Dana Okafor",
        "phone": "312 555 0199",
        "address": {
            "addressLine1": "455 N Cityfront Plaza Dr",
            "addressLine2": "Unit 1804",
            "city": "Chicago",
            "stateOrProvince": "IL",
            "postalCode": "60611",
            "countryCode": "US",
        },
    },
    {
        "username": "hk_parts_trader",
        "userId": "p9Lm3vCx1Ya",
        "eiasToken": "nY+sHZ2PrBmdj6wVnY+sEZ2PrA2dj6MGmYKhAZSEpAmdj6x9nY+seQ==",
        "email": "",
        "fullName": "Wong Ka Ming",
        "phone": "852 5555 0123",
        "address": {
            "addressLine1": "Flat 12B, 88 Nathan Road",
            "city": "Tsim Sha Tsui",
            "stateOrProvince": "Kowloon",
            "countryCode": "HK",
        },
    },
]

# A listing made outside the Inventory API (with the Trading API or Seller Hub):
# only the Trading API can revise it.
DEFAULT_TRADING_LISTINGS = [
    {
        "itemId": "110554411001",
        "sku": "FLT-AIR-0520",
        "title": "K&N Panel Engine Air Filter 17801-0P051 for Toyota Camry",
        "price": "21.00",
        "quantity": 12,
        "categoryId": "9886",
        "conditionId": "1000",
        "pictures": ["https://i.ebayimg.com/images/g/sandboxAIRfltr/s-l1600.jpg"],
        "specifics": {"Brand": ["K&N"], "Manufacturer Part Number": ["17801-0P051"]},
        "compatibility": [{"Year": "2018", "Make": "Toyota", "Model": "Camry"}],
    },
    {
        "itemId": "110554411002",
        "sku": "",
        "title": "Used OEM Ford F-150 Engine Computer ECU 2015",
        "price": "145.00",
        "quantity": 1,
        "categoryId": "33596",
        "conditionId": "3000",
        "pictures": ["https://i.ebayimg.com/images/g/sandboxECUused/s-l1600.jpg"],
        "specifics": {"Brand": ["Ford"], "Manufacturer Part Number": ["FL3A-12A650-AFB"]},
        "compatibility": [],
    },
]

DEFAULT_SEED = {
    "categories": DEFAULT_CATEGORIES,
    "vehicles": DEFAULT_VEHICLES,
    "policies": DEFAULT_POLICIES,
    "locations": DEFAULT_LOCATIONS,
    "buyers": DEFAULT_BUYERS,
    "trading_listings": DEFAULT_TRADING_LISTINGS,
}

# The part of the seed every instance starts with, seeded or not: a marketplace
# without its category tree, conditions and vehicles is not eBay.
REFERENCE_SEED = {
    "categories": DEFAULT_CATEGORIES,
    "vehicles": DEFAULT_VEHICLES,
}
