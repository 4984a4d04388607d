"""Fulfillment API orders and shipping fulfilments, with what real accounts send."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from sandbox.ebay import contract
from sandbox.ebay.server import start_server
from sandbox.ebay.testing import EbayClient

ORDERS = "/sell/fulfillment/v1/order"


@pytest.fixture(scope="module")
def server():
    srv = start_server(seed=True)
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    c = EbayClient(server.url)
    c.control("POST", "reset", {"seed": True})
    c.authorize()
    c.list_part("BRK-PAD-1001", quantity=10, price="54.90")
    c.list_part(
        "SNS-O2-7710",
        quantity=3,
        price="64.00",
        category_id="33557",
        aspects={
            "Brand": ["Bosch"],
            "Manufacturer Part Number": ["0258986602"],
            "Type": ["Oxygen Sensor"],
        },
    )
    return c


def place(client, **data):
    body = {"buyer": "motorhead_mike", "lines": [{"sku": "BRK-PAD-1001", "quantity": 2}], **data}
    return client.control("POST", "orders", body)


def get_orders(client, query=""):
    return client.rest("GET", f"{ORDERS}{query}")


def test_an_order_as_ebay_returns_it(client):
    order = place(client, shipping_cost="7.5", tax_rate="0.0825")
    got = client.ok("GET", f"{ORDERS}/{order['orderId']}")
    assert contract.validate_response("sell.fulfillment", "Order", got) == []
    assert got["legacyOrderId"]  # not in the contract: eBay sends it anyway
    assert got["orderPaymentStatus"] == "PAID" and got["orderFulfillmentStatus"] == "NOT_STARTED"
    assert got["pricingSummary"] == {
        "priceSubtotal": {"value": "109.8", "currency": "USD"},
        "deliveryCost": {"value": "7.5", "currency": "USD"},
        "total": {"value": "117.3", "currency": "USD"},
    }
    (line,) = got["lineItems"]
    assert line["sku"] == "BRK-PAD-1001" and line["quantity"] == 2
    assert line["legacyItemId"] == client.state()["listings_by_sku"]["BRK-PAD-1001"]["listingId"]
    assert line["ebayCollectAndRemitTaxes"][0]["amount"]["value"] == "9.68"
    assert got["buyer"]["username"] == "motorhead_mike"
    assert got["creationDate"].endswith("Z") and len(got["creationDate"]) == 24
    ship_to = got["fulfillmentStartInstructions"][0]["shippingStep"]["shipTo"]
    assert ship_to["contactAddress"]["postalCode"] == "94085"
    assert client.state()["listings_by_sku"]["BRK-PAD-1001"]["quantity"] == 8


def test_the_messy_cases_real_accounts_send(client):
    no_sku = place(client, lines=[{"sku": "BRK-PAD-1001", "omit_sku": True}])
    line = client.ok("GET", f"{ORDERS}/{no_sku['orderId']}")["lineItems"][0]
    assert "sku" not in line
    bundle = place(client, lines=[{"sku": "BRK-PAD-1001", "sku_as": "BRK-PAD-1001+BRK-ROT-2040"}])
    assert bundle["lineItems"][0]["sku"] == "BRK-PAD-1001+BRK-ROT-2040"
    outside = place(client, lines=[{"listingId": "110554411002"}])  # a listing without a SKU
    assert "sku" not in outside["lineItems"][0]
    masked = place(client, buyer="brakes4less")
    assert masked["fulfillmentStartInstructions"][0]["shippingStep"]["shipTo"]["email"].endswith(
        "@members.ebay.com"
    )
    old = place(client, email="none")
    assert "email" not in old["fulfillmentStartInstructions"][0]["shippingStep"]["shipTo"]
    hong_kong = place(client, buyer="hk_parts_trader")
    address = hong_kong["fulfillmentStartInstructions"][0]["shippingStep"]["shipTo"][
        "contactAddress"
    ]
    assert address["countryCode"] == "HK" and "postalCode" not in address
    free = place(client, lines=[{"sku": "BRK-PAD-1001", "price": "100"}])
    assert free["pricingSummary"]["deliveryCost"]["value"] == "0.0"
    assert free["pricingSummary"]["total"]["value"] == "100.0"


def test_refunds_cancellation_and_negative_due(client):
    order = place(client, lines=[{"sku": "BRK-PAD-1001", "quantity": 2, "price": "132.40"}])
    line_id = order["lineItems"][0]["lineItemId"]
    refunded = client.control(
        "POST",
        f"orders/{order['orderId']}/refund",
        {"amount": "25.00", "lines": [{"lineItemId": line_id, "amount": "20.00"}]},
    )
    assert refunded["orderPaymentStatus"] == "PARTIALLY_REFUNDED"
    assert refunded["paymentSummary"]["refunds"][0]["amount"]["value"] == "25.0"
    assert refunded["lineItems"][0]["refunds"][0]["amount"]["value"] == "20.0"  # not 25
    cancelled = client.control("POST", f"orders/{order['orderId']}/cancel", {})
    assert cancelled["cancelStatus"]["cancelState"] == "CANCELED"
    assert cancelled["orderPaymentStatus"] == "FULLY_REFUNDED"
    due = float(cancelled["paymentSummary"]["totalDueSeller"]["value"])
    assert due < 0  # eBay kept its fee
    assert cancelled["paymentSummary"]["totalDueSeller"]["value"] == "-35.09"
    assert client.state()["listings_by_sku"]["BRK-PAD-1001"]["quantity"] == 10  # restocked
    listed = get_orders(client).json()["orders"]
    assert [
        o["cancelStatus"]["cancelRequests"] for o in listed if o["orderId"] == order["orderId"]
    ] == [[]]
    full = client.ok("GET", f"{ORDERS}/{order['orderId']}")
    assert full["cancelStatus"]["cancelRequests"][0]["cancelRequestState"] == "COMPLETED"


def test_a_cancelled_order_can_also_be_shipped(client):
    order = place(client)
    line_id = order["lineItems"][0]["lineItemId"]
    client.ok(
        "POST",
        f"{ORDERS}/{order['orderId']}/shipping_fulfillment",
        {
            "lineItems": [{"lineItemId": line_id, "quantity": 2}],
            "trackingNumber": "9400111899223344556677",
            "shippingCarrierCode": "USPS",
        },
    )
    both = client.control("POST", f"orders/{order['orderId']}/cancel", {"restock": False})
    assert both["cancelStatus"]["cancelState"] == "CANCELED"
    assert both["orderFulfillmentStatus"] == "FULFILLED"


def test_pending_payment_purchases_appear_once_paid(client):
    awaiting = place(client, payment="AWAITING")
    assert awaiting["orderId"] not in [o["orderId"] for o in get_orders(client).json()["orders"]]
    assert client.rest("GET", f"{ORDERS}/{awaiting['orderId']}").error_ids() == [32100]
    client.control("POST", f"orders/{awaiting['orderId']}/pay")
    assert awaiting["orderId"] in [o["orderId"] for o in get_orders(client).json()["orders"]]
    pending = place(client, payment="PENDING")
    assert client.ok("GET", f"{ORDERS}/{pending['orderId']}")["orderPaymentStatus"] == "PENDING"


def test_oversell_is_refused_unless_asked(client):
    result = client.request(
        "POST",
        "/_sandbox/orders",
        {"buyer": "motorhead_mike", "lines": [{"sku": "SNS-O2-7710", "quantity": 4}]},
    )
    assert result.status == 422
    forced = place(client, lines=[{"sku": "SNS-O2-7710", "quantity": 4}], allow_oversell=True)
    assert forced["lineItems"][0]["quantity"] == 4
    assert client.state()["listings_by_sku"]["SNS-O2-7710"]["quantity"] == 0


def test_get_orders_filters_by_last_modified_date_and_status(client):
    first = place(client)
    client.control("POST", "clock", {"advance": 60})
    mark = client.control("GET", "clock")["now"]
    client.control("POST", "clock", {"advance": 60})
    second = place(client)
    client.control("POST", "clock", {"advance": 60})
    recent = get_orders(client, f"?filter=lastmodifieddate:%5B{quote(mark)}..%5D").json()
    assert [o["orderId"] for o in recent["orders"]] == [second["orderId"]]
    client.ok(
        "POST",
        f"{ORDERS}/{first['orderId']}/shipping_fulfillment",
        {"lineItems": [{"lineItemId": first["lineItems"][0]["lineItemId"]}]},
    )
    recent = get_orders(client, f"?filter=lastmodifieddate:%5B{quote(mark)}..%5D").json()
    assert {o["orderId"] for o in recent["orders"]} == {first["orderId"], second["orderId"]}
    open_ = get_orders(client, "?filter=orderfulfillmentstatus:%7BNOT_STARTED%7CIN_PROGRESS%7D")
    assert [o["orderId"] for o in open_.json()["orders"]] == [second["orderId"]]
    both = get_orders(
        client,
        f"?filter=lastmodifieddate:%5B{quote(mark)}..%5D,"
        "orderfulfillmentstatus:%7BFULFILLED%7CIN_PROGRESS%7D",
    )
    assert [o["orderId"] for o in both.json()["orders"]] == [first["orderId"]]


def test_get_orders_pages_with_next_hrefs(client):
    made = [
        place(client, lines=[{"sku": "BRK-PAD-1001", "quantity": 1}])["orderId"] for _ in range(5)
    ]
    seen = []
    page = get_orders(client, "?limit=2").json()
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 0
    assert contract.validate_response("sell.fulfillment", "OrderSearchPagedCollection", page) == []
    while True:
        seen += [o["orderId"] for o in page["orders"]]
        if "next" not in page:
            break
        nxt = urlsplit(page["next"])
        assert f"{nxt.scheme}://{nxt.netloc}" == client.url  # follow it as it is
        page = client.rest("GET", f"{nxt.path}?{nxt.query}").json()
    assert seen == list(reversed(made))  # newest first
    assert "prev" in page


@pytest.mark.parametrize(
    "query, error_id",
    [
        ("?filter=modtime:%5B2024-01-01T00:00:00.000Z..%5D", 30700),
        ("?filter=orderfulfillmentstatus:%7BFULFILLED%7D", 30800),
        ("?filter=lastmodifieddate:%5Byesterday..%5D", 30810),
        ("?filter=lastmodifieddate:%5B..2024-01-01T00:00:00.000Z%5D", 30820),
        ("?filter=creationdate:%5B2024-02-01T00:00:00.000Z..2024-01-01T00:00:00.000Z%5D", 30840),
        ("?filter=creationdate:%5B2999-01-01T00:00:00.000Z..%5D", 30850),
        ("?limit=201", 31100),
        ("?offset=-1", 31000),
        ("?orderIds=" + ",".join(str(n) for n in range(51)), 30900),
        ("?fieldGroups=EVERYTHING", 32800),
    ],
)
def test_get_orders_errors(client, query, error_id):
    result = get_orders(client, query)
    assert (result.status, result.error_ids()) == (400, [error_id])


def test_get_orders_by_ids(client):
    a, b = place(client)["orderId"], place(client)["orderId"]
    body = get_orders(client, f"?orderIds={a},{b},nope").json()
    assert {o["orderId"] for o in body["orders"]} == {a, b}


def test_shipping_fulfillments_partial_then_full(client):
    order = place(client, lines=[{"sku": "BRK-PAD-1001", "quantity": 3}, {"sku": "SNS-O2-7710"}])
    pads, sensor = (x["lineItemId"] for x in order["lineItems"])
    path = f"{ORDERS}/{order['orderId']}/shipping_fulfillment"
    first = client.rest(
        "POST",
        path,
        {
            "lineItems": [{"lineItemId": pads, "quantity": 1}],
            "shippedDate": "2020-01-02T10:00:00.000Z",
            "shippingCarrierCode": "UPS",
            "trackingNumber": "1Z999AA10123456784",
        },
    )
    assert first.status == 201 and first.json() == {}
    assert first.headers["Location"] == f"{client.url}{path}/1Z999AA10123456784"
    state = client.ok("GET", f"{ORDERS}/{order['orderId']}")
    assert state["orderFulfillmentStatus"] == "IN_PROGRESS"
    assert [x["lineItemFulfillmentStatus"] for x in state["lineItems"]] == [
        "IN_PROGRESS",
        "NOT_STARTED",
    ]
    assert state["fulfillmentHrefs"] == [first.headers["Location"]]
    over = client.rest("POST", path, {"lineItems": [{"lineItemId": pads, "quantity": 3}]})
    assert (over.status, over.error_ids()) == (400, [32600])
    assert "has 2 of 3 left to ship" in over.body.decode()
    rest = client.rest("POST", path, {"lineItems": [{"lineItemId": pads}, {"lineItemId": sensor}]})
    assert rest.status == 201
    listing = client.ok("GET", path)
    assert (
        contract.validate_response(
            "sell.fulfillment", "ShippingFulfillmentPagedCollection", listing
        )
        == []
    )
    assert listing["total"] == 2
    assert listing["fulfillments"][0] == {
        "fulfillmentId": "1Z999AA10123456784",
        "lineItems": [{"lineItemId": pads, "quantity": 1}],
        "shippedDate": "2020-01-02T10:00:00.000Z",
        "shipmentTrackingNumber": "1Z999AA10123456784",
        "shippingCarrierCode": "UPS",
    }
    assert client.ok("GET", f"{ORDERS}/{order['orderId']}")["orderFulfillmentStatus"] == "FULFILLED"
    done = client.rest("POST", path, {"lineItems": [{"lineItemId": sensor}]})
    assert done.error_ids() == [32600]
    one = client.ok("GET", f"{path}/1Z999AA10123456784")
    assert one["fulfillmentId"] == "1Z999AA10123456784"
    assert client.rest("GET", f"{path}/nope").error_ids() == [32110]


@pytest.mark.parametrize(
    "body, error_id",
    [
        ({"lineItems": []}, 32600),
        ({"lineItems": [{"lineItemId": "999"}]}, 32200),
        ({"lineItems": ["SAME", "SAME"]}, 32210),
        ({"lineItems": ["LINE"], "trackingNumber": "1Z999"}, 32300),
        (
            {
                "lineItems": ["LINE"],
                "trackingNumber": "1Z999AA1012345",
                "shippingCarrierCode": "PIGEON",
            },
            32300,
        ),
        ({"lineItems": ["LINE"], "shippedDate": "2999-01-01T00:00:00.000Z"}, 32500),
        ({"lineItems": ["LINE"], "shippedDate": "tomorrow"}, 32500),
    ],
)
def test_shipping_fulfillment_errors(client, body, error_id):
    order = place(client)
    line_id = order["lineItems"][0]["lineItemId"]
    body["lineItems"] = [
        {"lineItemId": line_id} if x in ("LINE", "SAME") else x for x in body["lineItems"]
    ]
    result = client.rest("POST", f"{ORDERS}/{order['orderId']}/shipping_fulfillment", body)
    assert (result.status, result.error_ids()) == (400, [error_id])
    unknown = client.rest(
        "POST", f"{ORDERS}/00-00000-00000/shipping_fulfillment", {"lineItems": []}
    )
    assert unknown.error_ids() == [32100]


def test_buyers_by_immutable_id_when_usernames_are_replaced(client):
    order = place(client)
    client.control("POST", "buyers/motorhead_mike/rename", {"username": "mike_4x4"})
    renamed = client.ok("GET", f"{ORDERS}/{order['orderId']}")["buyer"]["username"]
    assert renamed == "mike_4x4"  # usernames change
    client.control("POST", "config", {"buyer_identity": "immutable"})
    immutable = client.ok("GET", f"{ORDERS}/{order['orderId']}")["buyer"]["username"]
    assert immutable == "f8Zw2q1KxLp"
    client.control("POST", "buyers/mike_4x4/rename", {"username": "mike_again"})
    assert client.ok("GET", f"{ORDERS}/{order['orderId']}")["buyer"]["username"] == "f8Zw2q1KxLp"


def test_tracking_added_after_shipping(client):
    order = place(client)
    line_id = order["lineItems"][0]["lineItemId"]
    path = f"{ORDERS}/{order['orderId']}/shipping_fulfillment"
    assert client.rest("POST", path, {"lineItems": [{"lineItemId": line_id}]}).status == 201
    no_tracking_again = client.rest("POST", path, {"lineItems": [{"lineItemId": line_id}]})
    assert no_tracking_again.error_ids() == [32600]  # nothing left to ship
    tracked = {
        "lineItems": [{"lineItemId": line_id}],
        "trackingNumber": "9400111899223344556677",
        "shippingCarrierCode": "USPS",
    }
    added = client.rest("POST", path, tracked)
    assert added.status == 201
    assert added.headers["Location"].endswith("/9400111899223344556677")
    fulfillments = client.ok("GET", path)["fulfillments"]
    assert [f.get("shipmentTrackingNumber") for f in fulfillments] == [
        None,
        "9400111899223344556677",
    ]
    assert fulfillments[1]["lineItems"] == [{"lineItemId": line_id, "quantity": 2}]
    state = client.ok("GET", f"{ORDERS}/{order['orderId']}")
    assert state["orderFulfillmentStatus"] == "FULFILLED"
    again = dict(tracked, trackingNumber="9400111899223344556688")
    assert client.rest("POST", path, again).error_ids() == [32600]  # every unit is tracked
