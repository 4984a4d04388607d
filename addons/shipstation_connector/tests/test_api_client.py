"""ShipStationClient against recorded sandbox answers (vcrpy cassettes): the account,
orders, rates, labels, shipments, webhooks, and the errors as ShipStation gives them.

To record again, from the repository root::

    SHIPSTATION_VCR_RECORD=1 .venv/bin/python -m pytest --odoo-config=... \\
        addons/shipstation_connector/tests/test_api_client.py
"""

import base64
from pathlib import Path

from odoo.tests import tagged

from odoo.addons.integration_base.exceptions import (
    AuthenticationError,
    PermanentError,
    RateLimitedError,
)
from odoo.addons.integration_base.tests.cassettes import CassetteCase
from odoo.addons.shipstation_connector.api.client import ShipStationClient
from odoo.addons.shipstation_connector.mapping.order import label_request, rates_request

CASSETTES = Path(__file__).resolve().parent / "cassettes"
KEY, SECRET = "sandbox-api-key", "sandbox-api-secret"
PARTNER = {
    "name": "Alice Smith",
    "street": "1 Park Row",
    "city": "Leeds",
    "zip": "LS1 5AB",
    "country_code": "GB",
}


def order(number, key, **overrides):
    body = {
        "orderNumber": number,
        "orderKey": key,
        "orderDate": "2026-12-03T10:00:00Z",
        "orderStatus": "awaiting_shipment",
        "billTo": {
            "name": "Alice Smith",
            "street1": "1 Park Row",
            "city": "Leeds",
            "state": "",
            "postalCode": "LS1 5AB",
            "country": "GB",
        },
        "shipTo": {
            "name": "Alice Smith",
            "street1": "1 Park Row",
            "city": "Leeds",
            "state": "",
            "postalCode": "LS1 5AB",
            "country": "GB",
        },
        "items": [
            {
                "lineItemKey": "product-1",
                "sku": "BRK-1",
                "name": "Brake pads",
                "quantity": 2,
                "adjustment": False,
                "weight": {"value": 1200, "units": "grams"},
            },
        ],
        "weight": {"value": 2400, "units": "grams"},
    }
    body.update(overrides)
    return body


@tagged("post_install", "-at_install")
class TestShipStationClient(CassetteCase):
    cassette_dir = CASSETTES
    cassette_origin = "https://ssapi.shipstation.com"
    record_env = "SHIPSTATION_VCR_RECORD"
    sandbox_package = "sandbox.shipstation"
    platform_label = "ShipStation"
    sandbox_config = {"rate_limit": 1000, "rate_window": 60}
    reset_body = {"seed": True}
    kept_response_headers = frozenset(
        {"content-type", "x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"}
    )

    def client(self, secret=SECRET):
        self.rates = []
        return ShipStationClient(
            self.base_url, KEY, secret, self.send, on_rate_headers=lambda *r: self.rates.append(r)
        )

    def test_account(self):
        with self.cassette("account"):
            client = self.client()
            stores = client.list_stores()
            warehouses = client.list_warehouses()
            carriers = client.list_carriers()
            services = client.list_services("royal_mail")
            packages = client.list_packages("royal_mail")
        self.assertIn("Motor Parts Odoo", [s["storeName"] for s in stores])
        self.assertIn(False, [s["active"] for s in stores], "inactive stores too")
        self.assertEqual([w["isDefault"] for w in warehouses].count(True), 1)
        self.assertIn("royal_mail", [c["code"] for c in carriers])
        self.assertIn("rm_tracked_48", [s["code"] for s in services])
        self.assertIn("package", [p["code"] for p in packages])
        limit, remaining, _reset = self.rates[-1]
        self.assertEqual((limit, remaining), (1000, 995), "the window as ShipStation reports it")

    def test_orders_by_key_never_double(self):
        with self.cassette("orders"):
            client = self.client()
            batch = client.create_orders(
                [order("SO1", "key-1"), order("SO2", "key-2", items=[{"sku": "X"}])]
            )
            again = client.create_order(order("SO1", "key-1", internalNotes="edited"))
            found = client.find_order("SO1", "key-1")
            fetched = client.get_order(again["orderId"])
        self.assertTrue(batch["hasErrors"])
        first, second = batch["results"]
        self.assertTrue(first["success"])
        self.assertFalse(second["success"], "one bad order fails alone")
        self.assertIn("lineItemKey", second["errorMessage"])
        self.assertEqual(again["orderId"], first["orderId"], "the key updates the order")
        self.assertEqual(found["orderId"], first["orderId"])
        self.assertEqual(fetched["internalNotes"], "edited")

    def test_rates_label_void_and_shipments(self):
        with self.cassette("labels"):
            client = self.client()
            created = client.create_order(
                order(
                    "SO3",
                    "key-3",
                    carrierCode="royal_mail",
                    serviceCode="rm_tracked_48",
                    packageCode="package",
                )
            )
            rates = client.get_rates(
                rates_request(
                    {"from_zip": "LS1 4AP", "to": PARTNER, "weight_kg": 2.4}, "royal_mail"
                )
            )
            label = client.create_label_for_order(
                label_request(
                    created["orderId"],
                    {"carrier_code": "royal_mail", "service_code": "rm_tracked_48"},
                    "2026-12-04",
                    2.4,
                )
            )
            shipments = client.shipments_of_order(created["orderId"])
            voided = client.void_label(label["shipmentId"])
            twice = client.void_label(label["shipmentId"])
        self.assertTrue(rates and all(r["shipmentCost"] > 0 for r in rates))
        self.assertTrue(base64.b64decode(label["labelData"]).startswith(b"%PDF"))
        self.assertEqual([s["shipmentId"] for s in shipments], [label["shipmentId"]])
        self.assertEqual(shipments[0]["shipmentItems"][0]["sku"], "BRK-1", "items included")
        self.assertTrue(voided["approved"])
        self.assertFalse(twice["approved"])

    def test_pages(self):
        with self.cassette("pages"):
            client = self.client()
            client.create_orders([order("PG%s" % i, "pg-%s" % i) for i in range(3)])
            pages = list(client.pages("/orders", "orders", page_size=2, orderNumber="PG"))
        self.assertEqual(
            [(number, total, len(rows)) for number, total, rows in pages], [(1, 2, 2), (2, 2, 1)]
        )

    def test_webhooks(self):
        with self.cassette("webhooks"):
            client = self.client()
            hook = client.subscribe_webhook(
                "https://odoo.example.com/shipstation/webhook/1/t", "SHIP_NOTIFY", "Odoo"
            )
            listed = client.list_webhooks()
            client.unsubscribe_webhook(hook["id"])
            after = client.list_webhooks()
        self.assertEqual(
            [(h["WebHookID"], h["HookType"]) for h in listed], [(hook["id"], "SHIP_NOTIFY")]
        )
        self.assertEqual(after, [])

    def test_errors(self):
        self.sandbox(
            "POST",
            "/ratelimit",
            {"limit": 40, "window": 60, "reset": True, "used": 40, "api_key": KEY},
        )
        with self.cassette("errors"):
            with self.assertRaises(AuthenticationError):
                self.client(secret="wrong").list_stores()
            with self.assertRaises(RateLimitedError) as limited:
                self.client().list_stores()
        self.assertGreater(limited.exception.retry_after, 30, "the window's reset")
        self.sandbox("POST", "/ratelimit", {"reset": True, "limit": 1000})
        with self.cassette("invalid"), self.assertRaises(PermanentError) as invalid:
            self.client().create_order(
                order("SO9", "key-9", items=[{"sku": "BRK-1", "quantity": "2"}])
            )
        self.assertIn("quantity", invalid.exception.message)

    def test_no_secret_in_a_cassette(self):
        basic = base64.b64encode(("%s:%s" % (KEY, SECRET)).encode()).decode()
        for path in CASSETTES.glob("*.yaml"):
            text = path.read_text()
            self.assertNotIn(SECRET, text, path.name)
            self.assertNotIn(basic, text, path.name)
