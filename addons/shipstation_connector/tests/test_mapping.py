"""mapping/: the documents sent to ShipStation match its declarations; what it sends
back (messy as real accounts are) reads into the values the connector acts on."""

import json
from datetime import datetime
from decimal import Decimal

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from odoo.addons.shipstation_connector.mapping.order import (
    address,
    address_problems,
    label_request,
    order_document,
    order_key,
    pick_rate,
    rates_request,
)
from odoo.addons.shipstation_connector.mapping.shipment import (
    batch_id,
    carrier_code,
    delivery_identity,
    pacific,
    parse_timestamp,
    resource_url_problem,
    shipment,
    shipped_quantities,
)

from sandbox.shipstation.declarations import check_request

from .common import REPO_ROOT  # noqa: F401  (puts the sandbox on the path)


def wire(document):
    """What ShipStation reads: the JSON the client sends, numbers as Decimal."""
    return json.loads(json.dumps(document, default=float), parse_float=Decimal)


def assert_declared(testcase, document, type_name):
    checker = check_request(wire(document), type_name)
    testcase.assertEqual(checker.errors, [], type_name)
    testcase.assertEqual(checker.unknown, [], "fields %s does not declare" % type_name)


PARTNER = {
    "name": " Alice  Smith ",
    "company": None,
    "street": "1 Park Row ",
    "street2": "",
    "city": "Leeds ",
    "state_code": False,
    "zip": "ls1 5ab",
    "country_code": "gb",
    "phone": False,
    "is_company": False,
}


def delivery(**overrides):
    values = {
        "number": "#1001",
        "key": "odoo-abc-picking-7",
        "date": "2026-12-03T10:00:00Z",
        "status": "awaiting_shipment",
        "customer_email": "alice@example.com",
        "customer_username": "alice@example.com",
        "ship_to": PARTNER,
        "bill_to": PARTNER,
        "items": [
            {
                "line_key": "product-5",
                "sku": "BRK-1",
                "name": "Brake pads",
                "quantity": 2.0,
                "unit_price": 45.0,
                "weight_kg": 1.2,
            },
            {
                "line_key": "product-6",
                "sku": False,  # a product without an internal reference
                "name": "Workshop towel",
                "quantity": 1,
                "unit_price": 2.5,
                "weight_kg": 0,
            },
        ],
        "amount_paid": 111.5,
        "tax_amount": 18.58,
        "shipping_amount": 4.01,
        "weight_kg": 2.4,
        "origin_country": "GB",
        "warehouse_id": "17",
        "store_id": None,
    }
    values.update(overrides)
    return values


@tagged("post_install", "-at_install")
class TestOrderMapping(BaseCase):
    def test_order_document_is_declared_and_clean(self):
        document = order_document(delivery())
        assert_declared(self, document, "CreateOrUpdateOrderOptions")
        self.assertEqual(document["orderKey"], "odoo-abc-picking-7")
        self.assertEqual(document["shipTo"]["name"], "Alice Smith")
        self.assertEqual(document["shipTo"]["postalCode"], "LS1 5AB")
        self.assertEqual(document["shipTo"]["country"], "GB")
        self.assertEqual(document["items"][1]["sku"], "")
        self.assertEqual(document["items"][0]["quantity"], 2)
        self.assertEqual(document["shippingAmount"], Decimal("4.01"))
        self.assertEqual(document["advancedOptions"], {"warehouseId": 17})
        self.assertNotIn("internationalOptions", document)

    def test_order_abroad_carries_customs(self):
        abroad = dict(PARTNER, country_code="US", state_code="CA", zip="94105")
        document = order_document(delivery(ship_to=abroad, order_id="99"))
        assert_declared(self, document, "CreateOrUpdateOrderOptions")
        customs = document["internationalOptions"]
        self.assertEqual(customs["contents"], "merchandise")
        self.assertEqual(
            [
                (i["description"], i["quantity"], i["countryOfOrigin"])
                for i in customs["customsItems"]
            ],
            [("Brake pads", 2, "GB"), ("Workshop towel", 1, "GB")],
        )
        self.assertEqual(document["orderId"], 99)

    def test_address_problems_name_what_is_missing(self):
        self.assertEqual(address_problems(PARTNER), [])
        problems = address_problems(dict(PARTNER, street=" ", zip=False))
        self.assertEqual(
            problems,
            ["The address of Alice Smith has no street, postcode: complete it on the contact."],
        )

    def test_order_key_is_stable_per_database_and_delivery(self):
        self.assertEqual(order_key("3f2a9c1e-0000", 42), order_key("3f2a9c1e-0000", 42))
        self.assertNotEqual(order_key("3f2a9c1e-0000", 42), order_key("77aa0000-0000", 42))

    def test_rates_and_label_requests_are_declared(self):
        request = rates_request(
            {"from_zip": "ls1 4ap", "warehouse_id": "17", "to": PARTNER, "weight_kg": 2.4},
            "royal_mail",
            "rm_tracked_48",
        )
        assert_declared(self, request, "GetRatesOptions")
        self.assertEqual(request["weight"], {"value": Decimal("2400.0"), "units": "grams"})
        label = label_request(
            123, {"carrier_code": "royal_mail", "service_code": "rm_tracked_48"}, "2026-12-04", 2.4
        )
        assert_declared(self, label, "CreateOrderLabelOptions")

    def test_pick_rate_adds_other_costs_and_prefers_the_service(self):
        rates = [
            {
                "serviceCode": "a",
                "serviceName": "A",
                "shipmentCost": Decimal("8.95"),
                "otherCost": Decimal("1.05"),
            },
            {
                "serviceCode": "b",
                "serviceName": "B",
                "shipmentCost": Decimal("7.00"),
                "otherCost": 0,
            },
        ]
        self.assertEqual(pick_rate(rates), (Decimal("7.00"), "B"))
        self.assertEqual(pick_rate(rates, "a"), (Decimal("10.00"), "A"))
        self.assertIsNone(pick_rate(rates, "c"))

    def test_address_of_a_company_is_not_residential(self):
        self.assertFalse(address(dict(PARTNER, is_company=True))["residential"])


@tagged("post_install", "-at_install")
class TestShipmentMapping(BaseCase):
    def test_pacific_timestamps_with_seven_decimals(self):
        # 06:52 in Los Angeles in December (PST, UTC-8) is 14:52 UTC.
        self.assertEqual(
            parse_timestamp("2026-12-03T06:52:05.6500000"), datetime(2026, 12, 3, 14, 52, 5, 650000)
        )
        # In July (PDT, UTC-7).
        self.assertEqual(parse_timestamp("2026-07-01T00:00:00.0000000"), datetime(2026, 7, 1, 7, 0))
        self.assertEqual(parse_timestamp("2026-12-03T14:52:05Z"), datetime(2026, 12, 3, 14, 52, 5))
        self.assertIsNone(parse_timestamp(None))
        self.assertEqual(pacific(datetime(2026, 12, 3, 14, 52, 5)), "2026-12-03 06:52:05")

    def test_shipment_reads_typed_carrier_codes_and_null_items(self):
        parsed = shipment(
            {
                "shipmentId": 5,
                "orderId": 9,
                "orderKey": "k",
                "trackingNumber": " 1Z999 ",
                "carrierCode": "Royal Mail ",
                "shipmentCost": Decimal("8.9500"),
                "insuranceCost": Decimal("0.99"),
                "voided": False,
                "shipDate": "2026-12-04",
                "createDate": "2026-12-03T06:52:05.6500000",
                "shipmentItems": None,
            }
        )
        self.assertEqual(parsed["tracking"], "1Z999")
        self.assertEqual(parsed["carrier_code"], "royal_mail")
        self.assertEqual(parsed["cost"], Decimal("9.94"))
        self.assertIsNone(parsed["items"])
        self.assertEqual(carrier_code("DPD UK "), "dpd_uk")

    def test_resource_url_only_from_shipstation_hosts(self):
        ok = "https://ssapi6.shipstation.com/shipments?batchId=12&includeShipmentItems=False"
        self.assertIsNone(resource_url_problem(ok))
        self.assertIsNone(resource_url_problem("https://ssapi.shipstation.com/shipments"))
        for url, why in (
            ("http://ssapi.shipstation.com/shipments", "not https"),
            ("https://ssapi.shipstation.com.evil.example/x", "not one of ShipStation's"),
            ("https://evil.example/ssapi.shipstation.com", "not one of ShipStation's"),
            ("https://ssapi.shipstation.com:8443/x", "port 8443"),
            ("https://user:pw@ssapi.shipstation.com/x", "user information"),
            ("https://shipstation.com/x", "not one of ShipStation's"),
            ("https://169.254.169.254/latest/meta-data", "not one of ShipStation's"),
        ):
            self.assertIn(why, resource_url_problem(url) or "", url)
        sandbox = "http://127.0.0.1:8703"
        self.assertIsNone(resource_url_problem(sandbox + "/shipments?batchId=1", sandbox))
        self.assertIn("not https", resource_url_problem("http://127.0.0.1:9/x", sandbox))
        self.assertEqual(batch_id(ok), 12)

    def test_delivery_identity_is_the_same_for_a_retry(self):
        body = {
            "resource_url": "https://ssapi.shipstation.com/shipments?batchId=1",
            "resource_type": "SHIP_NOTIFY",
        }
        first, topic = delivery_identity(body)
        self.assertEqual(topic, "SHIP_NOTIFY")
        self.assertEqual(delivery_identity(dict(body)), (first, topic))
        other = delivery_identity(dict(body, resource_url=body["resource_url"] + "2"))[0]
        self.assertNotEqual(other, first)
        self.assertEqual(delivery_identity({"resource_type": "SHIP_NOTIFY"}), (None, None))
        self.assertEqual(delivery_identity(["not", "an", "object"]), (None, None))

    def test_shipped_quantities_by_line_key_then_unique_sku(self):
        lines = {"product-1": "BRK-1", "product-2": "OIL-2", "product-3": ""}
        shipments = [
            {"shipment_id": 1, "items": [{"line_key": "product-1", "sku": "BRK-1", "quantity": 2}]},
            {"shipment_id": 2, "items": [{"line_key": None, "sku": "OIL-2", "quantity": 1}]},
            {"shipment_id": 3, "items": [{"line_key": None, "sku": "XXX", "quantity": 4}]},
        ]
        shipped, unknown = shipped_quantities(shipments, lines)
        self.assertEqual(shipped, {"product-1": 2, "product-2": 1})
        self.assertEqual(unknown, ["Shipment 3 ships 4 x XXX, which is not on the delivery."])
