"""Orders: createorder upserts by orderKey, createorders batches, get and list with
filters and paging, holds, mark as shipped, delete, and bodies that break the shapes."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from sandbox.shipstation.server import start_server
from sandbox.shipstation.testing import SandboxClient, order_body


@pytest.fixture(scope="module")
def server():
    srv = start_server(seed=True, rate_limit=100000)
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    c = SandboxClient(server.url)
    c.control("POST", "reset", {"seed": True})
    return c


def test_createorder_same_key_updates_and_never_doubles(client):
    first = client.ok("POST", "/orders/createorder", order_body("SO1", "key-1"))
    assert first["orderKey"] == "key-1" and first["orderStatus"] == "awaiting_shipment"
    changed = order_body("SO1", "key-1", amountPaid=Decimal("99.00"))
    changed["items"] = changed["items"][:1]
    second = client.ok("POST", "/orders/createorder", changed)
    assert second["orderId"] == first["orderId"]
    assert second["amountPaid"] == Decimal("99.0000") and len(second["items"]) == 1
    # an item keeps its orderItemId when its lineItemKey is sent again
    assert second["items"][0]["orderItemId"] == first["items"][0]["orderItemId"]
    assert (
        second["modifyDate"] >= first["modifyDate"] and second["createDate"] == first["createDate"]
    )
    listing = client.ok("GET", "/orders?orderNumber=SO1")
    assert listing["total"] == 1


def test_concurrent_createorder_with_one_key_makes_one_order(client):
    results = []

    def send():
        results.append(client.api("POST", "/orders/createorder", order_body("RACE", "race-key")))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {r.status for r in results} == {200}
    assert len({r.json()["orderId"] for r in results}) == 1
    assert client.ok("GET", "/orders?orderNumber=RACE")["total"] == 1


def test_createorder_without_key_generates_one_and_by_order_id_updates(client):
    body = order_body("NOKEY")
    del body["orderKey"]
    made = client.ok("POST", "/orders/createorder", body)
    assert made["orderKey"]
    again = client.ok("POST", "/orders/createorder", dict(body, orderId=made["orderId"], gift=True))
    assert again["orderId"] == made["orderId"] and again["gift"] is True
    missing = client.api("POST", "/orders/createorder", dict(body, orderId=1))
    assert missing.status == 400 and "was not found" in missing.json()["ExceptionMessage"]


def test_order_totals_and_defaults(client):
    order = client.ok("POST", "/orders/createorder", order_body("TOT"))
    # 2 x 45 + 3 x 8.50 + tax 20.25 + shipping 4.01
    assert order["orderTotal"] == Decimal("139.7600")
    assert order["weight"] == {"value": Decimal("56.4"), "units": "ounces", "WeightUnits": 1}
    assert order["advancedOptions"]["storeId"] == client.ok("GET", "/stores")[0]["storeId"]
    assert (
        order["advancedOptions"]["warehouseId"] == client.ok("GET", "/warehouses")[0]["warehouseId"]
    )


def test_validation_failures_are_400_in_shipstations_shape(client):
    body = order_body("BAD")
    body["items"][0]["quantity"] = "2"
    body["orderDate"] = None
    result = client.api("POST", "/orders/createorder", body)
    assert result.status == 400
    error = result.json()
    assert error["Message"] == "The request is invalid."
    assert error["ExceptionType"] and "StackTrace" in error
    assert "items[0].quantity must be a number" in error["ExceptionMessage"]
    assert error["ModelState"]["apiOrder.orderDate"] == ["must be a string, not null"]
    assert client.ok("GET", "/orders")["total"] == 0
    bad_date = client.api("POST", "/orders/createorder", order_body("BAD2", orderDate="yesterday"))
    assert bad_date.status == 400 and "orderDate" in bad_date.json()["ExceptionMessage"]
    not_json = client.api("POST", "/orders/createorder", raw=b"{nope")
    assert not_json.status == 400 and "not valid JSON" in not_json.json()["ExceptionMessage"]
    empty = client.api("POST", "/orders/createorder", raw=b"")
    assert empty.status == 400
    unknown_store = client.api(
        "POST", "/orders/createorder", order_body("BAD3", advancedOptions={"storeId": 1})
    )
    assert unknown_store.status == 400 and "storeId" in unknown_store.json()["ExceptionMessage"]


def test_unknown_fields_are_ignored_and_logged(client):
    client.ok("POST", "/orders/createorder", order_body("UNK", carrier_code="ups"))
    log = client.control("GET", "requests")["log"]
    assert log[-1]["route"] == "POST /orders/createorder" and log[-1]["unknown_fields"] == [
        "carrier_code"
    ]


def test_createorders_answers_per_order(client):
    bad = order_body("B2")
    del bad["shipTo"]
    result = client.ok(
        "POST",
        "/orders/createorders",
        [order_body("B1", "k-b1"), bad, order_body("B1", "k-b1", gift=True)],
    )
    assert result["hasErrors"] is True
    first, second, third = result["results"]
    assert first["success"] and first["orderKey"] == "k-b1" and first["errorMessage"] is None
    assert not second["success"] and "shipTo is required" in second["errorMessage"]
    assert third["success"] and third["orderId"] == first["orderId"]
    assert client.ok("GET", "/orders")["total"] == 1
    clean = client.ok("POST", "/orders/createorders", [order_body("C1"), order_body("C2")])
    assert clean["hasErrors"] is False


def test_createorders_takes_at_most_100(client):
    many = [order_body(f"M{i}") for i in range(101)]
    refused = client.api("POST", "/orders/createorders", many)
    assert refused.status == 400 and "maximum is 100" in refused.json()["ExceptionMessage"]
    assert client.ok("POST", "/orders/createorders", many[:100])["hasErrors"] is False
    assert client.ok("GET", "/orders?pageSize=500")["total"] == 100
    assert client.api("POST", "/orders/createorders", {"not": "a list"}).status == 400


def test_get_and_list_with_filters_and_paging(client):
    for index in range(7):
        status = "awaiting_payment" if index == 0 else "awaiting_shipment"
        client.ok("POST", "/orders/createorder", order_body(f"LP-{index}", orderStatus=status))
    client.ok("POST", "/orders/createorder", order_body("OTHER-1"))
    page = client.ok("GET", "/orders?orderNumber=LP-&pageSize=3&page=2")
    assert page["total"] == 7 and page["pages"] == 3 and page["page"] == 2
    assert [o["orderNumber"] for o in page["orders"]] == ["LP-3", "LP-4", "LP-5"]
    assert client.ok("GET", "/orders?orderStatus=awaiting_payment")["total"] == 1
    desc = client.ok("GET", "/orders?sortBy=CreateDate&sortDir=DESC&pageSize=1")
    assert desc["orders"][0]["orderNumber"] == "OTHER-1"
    store_id = client.ok("GET", "/stores")[0]["storeId"]
    assert client.ok("GET", f"/orders?storeId={store_id}")["total"] == 8
    assert client.ok("GET", "/orders?STOREID=1")["total"] == 0  # parameter names ignore case
    one = client.ok("GET", "/orders?orderNumber=OTHER")["orders"][0]
    assert client.ok("GET", f"/orders/{one['orderId']}")["orderNumber"] == "OTHER-1"
    assert client.api("GET", "/orders/1").status == 404
    assert client.api("GET", "/orders?page=x").status == 400


def test_modify_date_filter(client):
    client.control("POST", "clock", {"now": "2026-12-01T12:00:00Z"})
    client.ok("POST", "/orders/createorder", order_body("OLD"))
    client.control("POST", "clock", {"now": "2026-12-03T12:00:00Z"})
    client.ok("POST", "/orders/createorder", order_body("NEW"))
    client.control("POST", "clock", {"reset": True})
    recent = client.ok("GET", "/orders?modifyDateStart=2026-12-02%2000:00:00")
    assert [o["orderNumber"] for o in recent["orders"]] == ["NEW"]
    older = client.ok("GET", "/orders?modifyDateEnd=2026-12-02")
    assert [o["orderNumber"] for o in older["orders"]] == ["OLD"]
    assert client.api("GET", "/orders?modifyDateStart=soon").status == 400


def test_hold_restore_and_hold_expiry(client):
    order = client.ok("POST", "/orders/createorder", order_body("HOLD"))
    held = client.ok(
        "POST", "/orders/holduntil", {"orderId": order["orderId"], "holdUntilDate": "2026-12-20"}
    )
    assert held == {"success": True, "message": "Order held successfully."}
    fetched = client.ok("GET", f"/orders/{order['orderId']}")
    assert fetched["orderStatus"] == "on_hold" and fetched["holdUntilDate"].startswith("2026-12-20")
    client.ok("POST", "/orders/restorefromhold", {"orderId": order["orderId"]})
    assert client.ok("GET", f"/orders/{order['orderId']}")["orderStatus"] == "awaiting_shipment"
    client.control("POST", "clock", {"now": "2026-12-01T12:00:00Z"})
    client.ok(
        "POST", "/orders/holduntil", {"orderId": order["orderId"], "holdUntilDate": "2026-12-02"}
    )
    client.control("POST", "clock", {"now": "2026-12-03T12:00:00Z"})
    assert client.ok("GET", f"/orders/{order['orderId']}")["orderStatus"] == "awaiting_shipment"
    client.control("POST", "clock", {"reset": True})
    bad = client.api("POST", "/orders/holduntil", {"orderId": order["orderId"]})
    assert bad.status == 400 and "holdUntilDate is required" in bad.json()["ExceptionMessage"]


def test_mark_as_shipped_and_no_changes_after(client):
    order = client.ok("POST", "/orders/createorder", order_body("MAS", "k-mas"))
    answer = client.ok(
        "POST",
        "/orders/markasshipped",
        {"orderId": order["orderId"], "carrierCode": "Royal Mail ", "trackingNumber": "TT1GB"},
    )
    assert answer == {"orderId": order["orderId"], "orderNumber": "MAS"}
    shipped = client.ok("GET", f"/orders/{order['orderId']}")
    assert shipped["orderStatus"] == "shipped" and shipped["carrierCode"] == "Royal Mail "
    # marked shipped is not a label: no shipment is listed
    assert client.ok("GET", f"/shipments?orderId={order['orderId']}")["total"] == 0
    refused = client.api("POST", "/orders/createorder", order_body("MAS", "k-mas"))
    assert refused.status == 400 and "is shipped" in refused.json()["ExceptionMessage"]
    cancelled = client.ok("POST", "/orders/createorder", order_body("CAN", orderStatus="cancelled"))
    assert cancelled["orderStatus"] == "cancelled"


def test_delete_is_soft_and_hides_the_order(client):
    order = client.ok("POST", "/orders/createorder", order_body("DEL"))
    answer = client.ok("DELETE", f"/orders/{order['orderId']}")
    assert answer["success"] is True
    assert client.api("GET", f"/orders/{order['orderId']}").status == 404
    assert client.ok("GET", "/orders")["total"] == 0
    assert client.api("DELETE", f"/orders/{order['orderId']}").status == 404
    assert client.state()["orders"][0]["active"] is False


def test_placed_orders_are_messy_like_real_accounts(client):
    placed = client.control("POST", "orders", order_body("WEB-1"))["order"]
    ship_to = placed["shipTo"]
    assert ship_to["name"].endswith(" ") and ship_to["postalCode"] == "ls1 5ab"
    assert ship_to["street2"] == "" and ship_to["addressVerified"]
