"""The declared shapes: read from the copied TypeScript declarations, checked in
requests, and met by the sandbox's own answers; ShipStation's number and date formats."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from sandbox.shipstation import declarations as decl
from sandbox.shipstation.formats import dumps, parse_date, stamp
from sandbox.shipstation.server import start_server
from sandbox.shipstation.testing import SandboxClient, order_body

ORIGIN = Path(decl.CONTRACTS).parents[1] / "ORIGIN.md"


@pytest.fixture(scope="module")
def client():
    server = start_server(seed=True, rate_limit=10000)
    yield SandboxClient(server.url)
    server.stop()


def test_the_copies_are_unchanged():
    """Each copy has the SHA-256 that ORIGIN.md records for the shared file (the
    repository holds the copies, not the shared folder)."""
    recorded = {
        line.split()[1].removeprefix("./types/"): line.split()[0]
        for line in ORIGIN.read_text().splitlines()
        if line.endswith(".d.ts") and len(line.split()) == 2
    }
    copies = {
        str(path.relative_to(decl.CONTRACTS)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in Path(decl.CONTRACTS).rglob("*.d.ts")
    }
    assert copies and copies == recorded


def test_every_interface_the_endpoints_use_is_read():
    for name in (
        "CreateOrUpdateOrderOptions",
        "CreateOrderLabelOptions",
        "MarkShippedOptions",
        "GetRatesOptions",
        "CreateShipmentLabelOptions",
        "SubscribeToWebhookOptions",
        "OrderResponseItem",
        "ShipmentResponseItem",
    ):
        assert decl.named(name)[0] == "object", name
    order = decl.named("CreateOrUpdateOrderOptions")[1]
    assert order["orderNumber"][1] is False and order["orderKey"][1] is True
    # Omit<OrderItem, ...> drops the read-only fields from request items
    item = decl.resolve(decl.resolve(order["items"][0])[1])[1]
    assert "orderItemId" not in item and "sku" in item
    # the slip in shipments.d.ts (Address imported from 'cluster') resolves to the model
    assert "postalCode" in decl.resolve(decl.named("CreateShipmentLabelOptions")[1]["shipTo"][0])[1]


def test_request_checker_reports_each_field():
    body = order_body()
    body.update(orderStatus="waiting", amountPaid="121.50", surprise=True)
    del body["shipTo"]["city"]
    body["items"][0]["quantity"] = None
    checker = decl.check_request(body, "CreateOrUpdateOrderOptions")
    found = dict(checker.errors)
    assert found["orderStatus"].startswith("must be one of 'awaiting_payment'")
    assert found["amountPaid"] == "must be a number, not the string '121.50'"
    assert found["shipTo.city"] == "is required"
    assert found["items[0].quantity"] == "must be a number, not null"
    assert checker.unknown == ["surprise"]
    # optional fields may be null, as ShipStation's own examples send them
    assert (
        decl.check_request(order_body(paymentDate=None), "CreateOrUpdateOrderOptions").errors == []
    )


def test_required_but_nullable_fields_must_be_present():
    label = {
        "carrierCode": "fedex",
        "serviceCode": None,
        "shipDate": "2026-12-04",
        "weight": {"value": 1, "units": "pounds"},
        "shipFrom": order_body()["shipTo"],
        "shipTo": order_body()["shipTo"],
    }
    errors = dict(decl.check_request(label, "CreateShipmentLabelOptions").errors)
    assert errors == {"packageCode": "is required"}


def test_answers_carry_every_declared_field(client):
    order = client.ok("POST", "/orders/createorder", order_body())
    assert decl.check_response(order, "OrderResponseItem").errors == []
    client.ok(
        "POST",
        "/orders/createlabelfororder",
        {
            "orderId": order["orderId"],
            "carrierCode": "fedex",
            "serviceCode": "fedex_ground",
            "confirmation": "none",
            "shipDate": "2026-12-04",
            "testLabel": False,
        },
    )
    listing = client.ok("GET", f"/shipments?orderId={order['orderId']}")
    assert decl.check_response(listing, "ListShipmentsResponse").errors == []
    for path, type_name in (
        ("/carriers", "CarrierResponseItem"),
        ("/carriers/listservices?carrierCode=fedex", "ListPackagesOrServicesResponseItem"),
        ("/carriers/listpackages?carrierCode=fedex", "ListPackagesOrServicesResponseItem"),
        ("/warehouses", "WarehouseResponseItem"),
        ("/stores", "StoreResponseItem"),
    ):
        for entry in client.ok("GET", path):
            errors = decl.check_response(entry, type_name).errors
            errors = [e for e in errors if e[0] != "statusMappings"] if "stores" in path else errors
            assert errors == [], (path, errors)


def test_fields_beyond_the_declarations_are_there(client):
    order = client.ok("POST", "/orders/createorder", order_body("EXTRA1"))
    assert "labelMessages" in order
    warehouse = client.ok("GET", "/warehouses")[0]
    assert {"createDate", "extInventoryIdentity"} <= set(warehouse)


def test_amounts_keep_their_trailing_zeros_on_the_wire(client):
    result = client.api("POST", "/orders/createorder", order_body("ZEROS1"))
    assert b'"shippingAmount":4.0100' in result.body and b'"unitPrice":45.0000' in result.body
    assert result.json()["shippingAmount"] == Decimal("4.0100")
    assert dumps({"a": Decimal("4.0100"), "b": [None, True]}) == '{"a":4.0100,"b":[null,true]}'


def test_timestamps_are_pacific_with_seven_decimals():
    winter = dt.datetime(2026, 12, 3, 14, 52, 5, 650000, tzinfo=dt.timezone.utc)
    summer = dt.datetime(2026, 7, 3, 14, 0, tzinfo=dt.timezone.utc)
    assert stamp(winter) == "2026-12-03T06:52:05.6500000"  # PST, UTC-8
    assert stamp(summer) == "2026-07-03T07:00:00.0000000"  # PDT, UTC-7
    assert parse_date("2026-12-03T14:52:05Z") == dt.datetime(2026, 12, 3, 6, 52, 5)
    assert parse_date("2026-12-03") == dt.datetime(2026, 12, 3)
    assert parse_date("03/12/2026") is None


def test_answers_use_pacific_time_for_create_date(client):
    client.control("POST", "clock", {"now": "2026-12-03T14:52:05Z"})
    try:
        order = client.ok("POST", "/orders/createorder", order_body("CLOCK1"))
    finally:
        client.control("POST", "clock", {"reset": True})
    assert order["createDate"].startswith("2026-12-03T06:52:0")
    assert len(order["createDate"].split(".")[1]) == 7 and order["createDate"][-1] != "Z"
