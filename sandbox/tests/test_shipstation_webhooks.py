"""Webhooks as ShipStation sends them (unsigned, resource_url + resource_type), retried,
dropped, delayed or held; and the warehouse shipping orders fully, in part, in several
packages or as a split order, as the control API lets a test do."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from sandbox.shipstation.server import start_server
from sandbox.shipstation.testing import SandboxClient, order_body, wait_for


class Receiver:
    """A tiny local endpoint; answers the first ``fail_first`` requests with 500."""

    def __init__(self, fail_first: int = 0):
        self.requests: list[dict] = []
        self.fail_first = fail_first
        receiver = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = 500 if len(receiver.requests) <= receiver.fail_first else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/ss/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        wait_for(lambda: len(self.requests) >= count, timeout)
        return self.requests

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server():
    srv = start_server(seed=True, rate_limit=100000, webhook_retry_delays=[0.05, 0.1])
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    c = SandboxClient(server.url)
    c.control("POST", "reset", {"seed": True})
    return c


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def subscribe(client, url, event="SHIP_NOTIFY", **extra):
    return client.ok("POST", "/webhooks/subscribe", {"target_url": url, "event": event, **extra})[
        "id"
    ]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + "?" + parts.query


def test_subscribe_list_unsubscribe(client, receiver):
    hook_id = subscribe(client, receiver.url, friendly_name="Odoo", store_id=None)
    listed = client.ok("GET", "/webhooks")["webhooks"]
    assert [(h["WebHookID"], h["HookType"], h["Url"]) for h in listed] == [
        (hook_id, "SHIP_NOTIFY", receiver.url)
    ]
    assert listed[0]["IsLabelAPIHook"] is False and listed[0]["Active"] is True
    bad = client.api("POST", "/webhooks/subscribe", {"target_url": receiver.url, "event": "X"})
    assert bad.status == 400 and "event must be one of" in bad.json()["ExceptionMessage"]
    assert client.api("POST", "/webhooks/subscribe", {"event": "SHIP_NOTIFY"}).status == 400
    gone = client.api("DELETE", f"/webhooks/{hook_id}")
    assert gone.status == 200 and gone.body == b""
    assert client.ok("GET", "/webhooks")["webhooks"] == []
    assert client.api("DELETE", f"/webhooks/{hook_id}").status == 404
    client.control("POST", "config", {"webhooks_list_wrapped": False})
    assert client.ok("GET", "/webhooks") == []


def test_ship_notify_is_unsigned_and_its_resource_url_gives_items_null(client, receiver):
    subscribe(client, receiver.url)
    order = client.ok("POST", "/orders/createorder", order_body("W1"))
    shipped = client.control("POST", f"orders/{order['orderId']}/ship", {"carrierCode": "fedex"})
    request = receiver.wait_for(1)[0]
    body = json.loads(request["body"])
    assert set(body) == {"resource_url", "resource_type"} and body["resource_type"] == "SHIP_NOTIFY"
    assert body["resource_url"].endswith(
        f"/shipments?batchId={shipped['batchId']}&includeShipmentItems=False"
    )
    headers = {k.lower() for k in request["headers"]}
    assert not any("signature" in h or "hmac" in h for h in headers)
    fetched = client.ok("GET", path_of(body["resource_url"]))
    assert fetched["total"] == 1 and fetched["shipments"][0]["shipmentItems"] is None
    assert fetched["shipments"][0]["orderId"] == order["orderId"]
    with_items = client.ok("GET", path_of(body["resource_url"]).replace("False", "True"))
    assert with_items["shipments"][0]["shipmentItems"][0]["sku"] == "BP-100-F"
    # the resource_url needs the account's own credentials like any call
    assert client.request("GET", path_of(body["resource_url"])).status == 401


def test_resource_url_host_is_configurable(client, receiver):
    client.control("POST", "config", {"resource_url_base": "https://ssapi{n}.shipstation.com"})
    subscribe(client, receiver.url)
    order = client.ok("POST", "/orders/createorder", order_body("W2"))
    client.control("POST", f"orders/{order['orderId']}/ship", {})
    url = json.loads(receiver.wait_for(1)[0]["body"])["resource_url"]
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.hostname.startswith("ssapi")
    assert parts.hostname.endswith(".shipstation.com") and parts.hostname[5:-16].isdigit()
    assert parts.query.endswith("includeShipmentItems=False")
    client.control("POST", "config", {"resource_url_base": "http://evil.example:8080"})
    client.control(
        "POST", "webhooks/trigger", {"event": "SHIP_NOTIFY", "orderId": order["orderId"]}
    )
    hostile = json.loads(receiver.wait_for(2)[1]["body"])["resource_url"]
    assert hostile.startswith("http://evil.example:8080/shipments?orderId=")


def test_failed_deliveries_are_retried_then_given_up(client):
    flaky = Receiver(fail_first=2)
    try:
        subscribe(client, flaky.url)
        order = client.ok("POST", "/orders/createorder", order_body("W3"))
        client.control("POST", f"orders/{order['orderId']}/ship", {})
        assert len(flaky.wait_for(3)) == 3
        assert len({r["body"] for r in flaky.requests}) == 1  # the same body every time
        delivery = client.deliveries(event="SHIP_NOTIFY")[0]
        assert delivery["status"] == "delivered"
        assert [a.get("status_code") for a in delivery["attempts"]] == [500, 500, 200]
    finally:
        flaky.close()
    dead = Receiver(fail_first=100)
    try:
        client.control("POST", "config", {"webhook_max_attempts": 2})
        client.control("DELETE", "webhooks/deliveries")
        for hook in client.ok("GET", "/webhooks")["webhooks"]:
            client.api("DELETE", f"/webhooks/{hook['WebHookID']}")
        subscribe(client, dead.url)
        order = client.ok("POST", "/orders/createorder", order_body("W4"))
        client.control("POST", f"orders/{order['orderId']}/ship", {})
        delivery = wait_for(
            lambda: [d for d in client.deliveries() if d["status"] == "failed"], timeout=5
        )[0]
        assert len(delivery["attempts"]) == 2
    finally:
        dead.close()


def test_drop_delay_and_hold(client, receiver):
    subscribe(client, receiver.url)
    client.control("POST", "webhooks/faults", {"drop": True, "count": 1})
    client.control("POST", "webhooks/faults", {"delay": 0.5, "count": 1})
    client.control("POST", "webhooks/faults", {"hold": True, "count": 1})
    orders = [client.ok("POST", "/orders/createorder", order_body(f"D{i}")) for i in range(4)]
    started = time.monotonic()
    for order in orders:
        client.control("POST", f"orders/{order['orderId']}/ship", {})
    statuses = [d["status"] for d in client.deliveries(wait=0)]
    assert statuses[0] == "dropped" and statuses[2] == "held"
    receiver.wait_for(2)
    assert time.monotonic() - started >= 0.5  # the delayed one came after its delay
    assert len(receiver.requests) == 2
    delivered = {json.loads(r["body"])["resource_url"] for r in receiver.requests}
    assert all("batchId" in url for url in delivered)
    held = client.deliveries(wait=0)[2]
    assert client.control("POST", "webhooks/release", {"id": held["id"]})["released"] == 1
    receiver.wait_for(3)
    assert client.deliveries()[2]["status"] == "delivered"
    assert client.deliveries()[0]["attempts"] == []  # a dropped webhook is never sent


def test_store_filter_and_order_notify(client, receiver):
    stores = client.ok("GET", "/stores")
    subscribe(client, receiver.url, event="ORDER_NOTIFY", store_id=stores[1]["storeId"])
    client.ok("POST", "/orders/createorder", order_body("N1"))  # the default (manual) store
    assert client.deliveries(wait=0) == []
    body = order_body("N2", advancedOptions={"storeId": stores[1]["storeId"]})
    made = client.ok("POST", "/orders/createorder", body)
    url = json.loads(receiver.wait_for(1)[0]["body"])["resource_url"]
    assert "/orders?importBatch=" in url
    assert [o["orderId"] for o in client.ok("GET", path_of(url))["orders"]] == [made["orderId"]]
    # an order awaiting payment is not announced until it is paid
    waiting = order_body(
        "N3", orderStatus="awaiting_payment", advancedOptions=body["advancedOptions"]
    )
    client.ok("POST", "/orders/createorder", waiting)
    time.sleep(0.1)
    assert len(receiver.requests) == 1
    client.ok("POST", "/orders/createorder", dict(waiting, orderStatus="awaiting_shipment"))
    assert len(receiver.wait_for(2)) == 2
    # the orders of one createorders call come in one webhook
    batch = [dict(body, orderNumber=f"NB{i}", orderKey=f"nb-{i}") for i in range(3)]
    client.ok("POST", "/orders/createorders", batch)
    url = json.loads(receiver.wait_for(3)[2]["body"])["resource_url"]
    assert client.ok("GET", path_of(url))["total"] == 3
    time.sleep(0.1)
    assert len(receiver.requests) == 3


def test_non_loopback_targets_are_never_contacted(client):
    subscribe(client, "https://example.com/ss")
    order = client.ok("POST", "/orders/createorder", order_body("R1"))
    client.control("POST", f"orders/{order['orderId']}/ship", {})
    assert client.deliveries()[0]["status"] == "refused"


def test_partial_then_rest_in_several_packages(client, receiver):
    subscribe(client, receiver.url, event="ITEM_SHIP_NOTIFY")
    order = client.ok("POST", "/orders/createorder", order_body("P1"))
    first = client.control(
        "POST",
        f"orders/{order['orderId']}/ship",
        {"packages": [{"items": [{"sku": "BP-100-F", "quantity": 1}]}], "carrierCode": "fedex"},
    )
    assert first["order"]["orderStatus"] == "awaiting_shipment"
    assert [(i["sku"], i["quantity"]) for i in first["shipments"][0]["shipmentItems"]] == [
        ("BP-100-F", 1)
    ]
    rest = client.control(
        "POST",
        f"orders/{order['orderId']}/ship",
        {
            "packages": [
                {"items": [{"lineItemKey": "L1", "quantity": 1}], "carrierCode": "ups_walleted"},
                {"items": [{"sku": "OF-200", "quantity": 3}], "carrierCode": "ups_walleted"},
            ]
        },
    )
    assert rest["order"]["orderStatus"] == "shipped"
    numbers = [s["trackingNumber"] for s in rest["shipments"]]
    assert len(set(numbers)) == 2 and all(n.startswith("1Z") for n in numbers)
    url = json.loads(receiver.wait_for(2)[1]["body"])["resource_url"]
    assert url.endswith("includeShipmentItems=True")
    batch = client.ok("GET", path_of(url))["shipments"]
    assert [s["trackingNumber"] for s in batch] == numbers
    assert all(s["shipmentItems"] for s in batch)
    assert client.ok("GET", f"/shipments?orderId={order['orderId']}")["total"] == 3
    too_many = client.request(
        "POST",
        f"/_sandbox/orders/{order['orderId']}/ship",
        {"packages": [{"items": [{"sku": "OF-200"}]}]},
    )
    assert too_many.status == 422


def test_split_order_as_shipstation_does(client):
    order = client.ok("POST", "/orders/createorder", order_body("S1", "key-s1"))
    answer = client.control(
        "POST",
        "orders/key-s1/ship",
        {"split": True, "packages": [{"items": [{"sku": "OF-200", "quantity": 3}]}]},
    )
    child, parent = answer["order"], answer["parent"]
    assert child["orderId"] != order["orderId"] and child["orderKey"] == "key-s1"
    assert child["orderNumber"] == "S1" and child["orderStatus"] == "shipped"
    assert child["advancedOptions"]["parentId"] == order["orderId"]
    assert child["advancedOptions"]["mergedOrSplit"] is True
    assert [i["sku"] for i in child["items"]] == ["OF-200"]
    assert parent["orderStatus"] == "awaiting_shipment"
    assert [i["sku"] for i in parent["items"]] == ["BP-100-F"]
    assert client.ok("GET", "/orders?orderNumber=S1")["total"] == 2
    shipment = answer["shipments"][0]
    assert shipment["orderId"] == child["orderId"] and shipment["orderKey"] == "key-s1"


def test_shipments_filters_and_messy_addresses(client):
    client.control("POST", "clock", {"now": "2026-12-01T18:00:00Z"})
    one = client.ok("POST", "/orders/createorder", order_body("F1"))
    client.control("POST", f"orders/{one['orderId']}/ship", {"shipDate": "2026-12-01"})
    client.control("POST", "clock", {"now": "2026-12-03T18:00:00Z"})
    two = client.ok("POST", "/orders/createorder", order_body("F2"))
    client.control(
        "POST",
        f"orders/{two['orderId']}/ship",
        {
            "shipDate": "2026-12-03",
            "carrierCode": "DPD UK ",
            "packages": [{"trackingNumber": "15501234567890"}],
        },
    )
    client.control("POST", "clock", {"reset": True})
    by_ship = client.ok("GET", "/shipments?shipDateStart=2026-12-02&shipDateEnd=2026-12-04")
    assert [s["orderNumber"] for s in by_ship["shipments"]] == ["F2"]
    assert by_ship["shipments"][0]["carrierCode"] == "DPD UK "  # typed by a user
    assert by_ship["shipments"][0]["trackingNumber"] == "15501234567890"
    by_create = client.ok("GET", "/shipments?createDateEnd=2026-12-02%2000:00:00")
    assert [s["orderNumber"] for s in by_create["shipments"]] == ["F1"]
    assert client.ok("GET", "/shipments?orderNumber=F1")["total"] == 1
    assert client.ok("GET", "/shipments?pageSize=1&page=2")["pages"] == 2
    ship_to = by_ship["shipments"][0]["shipTo"]
    assert ship_to["name"] == "Alice Smith " and ship_to["postalCode"] == "ls1 5ab"
    client.control("POST", "config", {"messy": False})
    three = client.ok("POST", "/orders/createorder", order_body("F3"))
    clean = client.control("POST", f"orders/{three['orderId']}/ship", {})["shipments"][0]
    assert clean["shipTo"]["name"] == "Alice Smith"
    assert client.api("GET", "/shipments?includeShipmentItems=maybe").status == 400


def test_control_void_markshipped_and_update(client):
    order = client.ok("POST", "/orders/createorder", order_body("C1", "key-c1"))
    shipped = client.control("POST", "orders/C1/ship", {})["shipments"][0]
    client.control("POST", f"shipments/{shipped['shipmentId']}/void")
    assert client.ok("GET", f"/orders/{order['orderId']}")["orderStatus"] == "awaiting_shipment"
    client.control("POST", "orders/key-c1/update", {"shipTo": dict(order["shipTo"], city="York ")})
    assert client.ok("GET", f"/orders/{order['orderId']}")["shipTo"]["city"] == "York "
    marked = client.control(
        "POST", "orders/C1/markshipped", {"carrierCode": "royal mail", "trackingNumber": "X1"}
    )["order"]
    assert marked["orderStatus"] == "shipped" and marked["carrierCode"] == "royal mail"
    assert client.request("POST", "/_sandbox/orders/nope/ship", {}).status == 404
