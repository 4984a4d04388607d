"""Refunds and order edits through the control API: current quantities and totals,
fulfillment orders and stock kept consistent, the signed webhooks Shopify sends
(refunds/create with the Refund, orders/edited with the edit), presentment money."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from sandbox.shopify.server import start_server
from sandbox.shopify.testing import SandboxClient

from .test_shopify_webhooks import CREATE, SECRET, Receiver

ORDER = {
    "email": "rita@example.com",
    "line_items": [{"sku": "BP-100-F", "quantity": 2}, {"sku": "OF-200", "quantity": 4}],
    "shipping": {"title": "Standard", "price": "5.00"},
    "tax_rate": "0.2",
}
CURRENT = """query($id: ID!) { order(id: $id) {
  displayFinancialStatus
  currentTotalPriceSet { shopMoney { amount } presentmentMoney { amount currencyCode } }
  currentSubtotalPriceSet { shopMoney { amount } }
  currentTotalTaxSet { shopMoney { amount } }
  currentShippingPriceSet { shopMoney { amount } }
  totalPriceSet { shopMoney { amount } }
  totalRefundedSet { shopMoney { amount } }
  lineItems(first: 10) { nodes { id sku quantity currentQuantity fulfillableQuantity
    variant { id } } }
  shippingLines(first: 2) { nodes { currentDiscountedPriceSet { shopMoney { amount } } } }
  refunds(first: 5) { id
    totalRefundedSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
    refundLineItems(first: 5) { nodes { quantity restockType restocked lineItem { id }
      subtotalSet { shopMoney { amount } } totalTaxSet { shopMoney { amount } } } }
    refundShippingLines(first: 2) { nodes { subtotalAmountSet { shopMoney { amount } }
      taxAmountSet { shopMoney { amount } } } }
    orderAdjustments(first: 2) { nodes { reason amountSet { shopMoney { amount } } } }
    transactions(first: 2) { nodes { kind status amountSet { shopMoney { amount } } } } }
  fulfillmentOrders(first: 5) { nodes { lineItems(first: 10) { nodes {
    lineItem { id } totalQuantity remainingQuantity } } } }
} }"""
FULFILL = """mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
  fulfillment { id } userErrors { message } } }"""


@pytest.fixture
def server():
    srv = start_server(seed=True, client_secret=SECRET, webhook_retry_delays=[0.1])
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    return SandboxClient(server.url)


@pytest.fixture
def receiver(client):
    r = Receiver()
    for topic in ("REFUNDS_CREATE", "ORDERS_EDITED", "ORDERS_UPDATED"):
        client.gql(CREATE, {"topic": topic, "uri": r.url})
    yield r
    r.close()


def place(client, **extra):
    return client.control("POST", "orders", dict(ORDER, **extra))["order"]


def current(client, order):
    return client.gql(CURRENT, {"id": order["admin_graphql_api_id"]})["data"]["order"]


def stock(client, sku):
    return client.state()["inventory_by_sku"][sku]["Main Warehouse"]


def amount(bag):
    return bag["shopMoney"]["amount"]


def delivered(receiver, count, topic):
    """The bodies of ``topic`` among the first ``count`` deliveries, their HMAC checked."""
    bodies = []
    for request in receiver.wait_for(count):
        digest = hmac.new(SECRET.encode(), request["body"], hashlib.sha256).digest()
        assert request["headers"]["X-Shopify-Hmac-Sha256"] == base64.b64encode(digest).decode()
        if request["headers"]["X-Shopify-Topic"] == topic:
            bodies.append(json.loads(request["body"]))
    return bodies


def test_an_edit_takes_units_off_and_adds_an_item_without_sku(client, receiver):
    order = place(client)
    variant = client.state()["variants_by_sku"]["BP-100-R"]["id"]
    client.control(
        "POST",
        "orders/%s/edit" % order["id"],
        {
            "set_quantity": [{"sku": "BP-100-F", "quantity": 1}, {"sku": "OF-200", "quantity": 0}],
            "add": [{"variant_id": variant, "sku": "", "quantity": 1}],
        },
    )
    data = current(client, order)
    lines = data["lineItems"]["nodes"]
    assert [(li["sku"], li["quantity"], li["currentQuantity"]) for li in lines] == [
        ("BP-100-F", 2, 1),
        ("OF-200", 4, 0),
        (None, 1, 1),
    ]
    assert lines[2]["variant"]["id"] == variant
    assert [li["fulfillableQuantity"] for li in lines] == [1, 0, 1]
    # 45 + 39 (the rear pads added) + 5 shipping, 20 % VAT on top
    assert amount(data["currentSubtotalPriceSet"]) == "84.0"
    assert amount(data["currentTotalPriceSet"]) == "106.8"
    assert stock(client, "BP-100-F") == {"available": 19, "on_hand": 20, "committed": 1}
    assert stock(client, "OF-200") == {"available": 100, "on_hand": 100, "committed": 0}
    assert stock(client, "BP-100-R")["committed"] == 1
    (edited,) = delivered(receiver, 2, "orders/edited")
    edit = edited["order_edit"]
    assert edit["order_id"] == order["id"] and edit["committed_at"]
    assert edit["line_items"]["removals"] == [
        {"id": order["line_items"][0]["id"], "delta": 1},
        {"id": order["line_items"][1]["id"], "delta": 4},
    ]
    assert [a["delta"] for a in edit["line_items"]["additions"]] == [1]


def test_only_unfulfilled_units_can_be_edited_away(client):
    order = place(client)
    fulfillment_order = client.state()["orders"][0]["fulfillment_orders"][0]
    client.gql(
        FULFILL,
        {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fulfillment_order["id"]}]}},
    )
    result = client.request(
        "POST",
        "/_sandbox/orders/%s/edit" % order["id"],
        {"set_quantity": [{"sku": "BP-100-F", "quantity": 0}]},
    )
    assert result.status == 422 and b"unfulfilled" in result.body


def test_a_refund_restocks_or_not_and_fires_refunds_create(client, receiver):
    order = place(client)
    client.control(
        "POST",
        "orders/%s/refund" % order["id"],
        {
            "line_items": [
                {"sku": "BP-100-F", "quantity": 1, "restock_type": "cancel"},
                {"sku": "OF-200", "quantity": 1, "restock_type": "no_restock"},
            ]
        },
    )
    assert stock(client, "BP-100-F") == {"available": 19, "on_hand": 20, "committed": 1}
    assert stock(client, "OF-200") == {"available": 96, "on_hand": 99, "committed": 3}
    data = current(client, order)
    assert [li["currentQuantity"] for li in data["lineItems"]["nodes"]] == [1, 3]
    (refund,) = data["refunds"]
    # one pad 45 + one filter 8.50, with 20 % VAT
    assert amount(refund["totalRefundedSet"]) == "64.2"
    assert [x["restockType"] for x in refund["refundLineItems"]["nodes"]] == [
        "CANCEL",
        "NO_RESTOCK",
    ]
    assert not refund["orderAdjustments"]["nodes"]
    assert data["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    # 45 + 3 * 8.50 + 5 = 75.50, 20 % VAT
    assert amount(data["currentTotalPriceSet"]) == "90.6"
    assert amount(data["totalPriceSet"]) == "154.8", "the total as placed stays"
    remaining = [
        x["remainingQuantity"] for x in data["fulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"]
    ]
    assert remaining == [1, 3]
    (body,) = delivered(receiver, 2, "refunds/create")
    assert body["order_id"] == order["id"] and body["admin_graphql_api_id"] == refund["id"]
    assert [x["restock_type"] for x in body["refund_line_items"]] == ["cancel", "no_restock"]
    assert body["refund_line_items"][0]["subtotal"] == 45.0, "a number, as Shopify sends it"
    assert body["refund_line_items"][0]["line_item"]["current_quantity"] == 1
    assert body["transactions"][0]["amount"] == "64.20"
    assert body["transactions"][0]["kind"] == "refund"


def test_a_returned_item_comes_back_to_stock(client):
    order = place(client)
    fulfillment_order = client.state()["orders"][0]["fulfillment_orders"][0]
    client.gql(
        FULFILL,
        {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fulfillment_order["id"]}]}},
    )
    assert stock(client, "BP-100-F") == {"available": 18, "on_hand": 18, "committed": 0}
    refused = client.request(
        "POST",
        "/_sandbox/orders/%s/refund" % order["id"],
        {"line_items": [{"sku": "BP-100-F", "quantity": 1, "restock_type": "cancel"}]},
    )
    assert refused.status == 422
    client.control(
        "POST",
        "orders/%s/refund" % order["id"],
        {"line_items": [{"sku": "BP-100-F", "quantity": 2, "restock_type": "return"}]},
    )
    assert stock(client, "BP-100-F") == {"available": 20, "on_hand": 20, "committed": 0}
    data = current(client, order)
    assert data["lineItems"]["nodes"][0]["currentQuantity"] == 0


def test_a_refund_of_shipping_only(client, receiver):
    order = place(client)
    client.control("POST", "orders/%s/refund" % order["id"], {"shipping": {"full_refund": True}})
    data = current(client, order)
    (refund,) = data["refunds"]
    assert not refund["refundLineItems"]["nodes"]
    (shipping,) = refund["refundShippingLines"]["nodes"]
    assert (amount(shipping["subtotalAmountSet"]), amount(shipping["taxAmountSet"])) == (
        "5.0",
        "1.0",
    )
    assert amount(refund["totalRefundedSet"]) == "6.0"
    assert amount(data["currentShippingPriceSet"]) == "0.0"
    assert amount(data["shippingLines"]["nodes"][0]["currentDiscountedPriceSet"]) == "0.0"
    assert amount(data["currentTotalPriceSet"]) == "148.8"
    assert [li["currentQuantity"] for li in data["lineItems"]["nodes"]] == [2, 4]
    (body,) = delivered(receiver, 2, "refunds/create")
    assert body["refund_line_items"] == []
    assert body["refund_shipping_lines"][0]["subtotal_amount_set"]["shop_money"]["amount"] == "5.00"


def test_a_refund_for_less_than_the_items_records_the_discrepancy(client):
    order = place(client)
    client.control(
        "POST",
        "orders/%s/refund" % order["id"],
        {"line_items": [{"sku": "BP-100-F", "quantity": 1}], "amount": "40.00"},
    )
    (refund,) = current(client, order)["refunds"]
    assert amount(refund["totalRefundedSet"]) == "40.0"
    assert amount(refund["refundLineItems"]["nodes"][0]["subtotalSet"]) == "45.0"
    (adjustment,) = refund["orderAdjustments"]["nodes"]
    assert adjustment["reason"] == "REFUND_DISCREPANCY"
    assert amount(adjustment["amountSet"]) == "14.0", "54 worth, 40 returned"
    refused = client.request(
        "POST", "/_sandbox/orders/%s/refund" % order["id"], {"amount": "1000.00"}
    )
    assert refused.status == 422


def test_a_refund_in_the_customer_currency(client, receiver):
    order = place(client, presentment_currency="EUR", presentment_rate="1.17")
    assert order["currency"] == "GBP" and order["presentment_currency"] == "EUR"
    assert order["total_price_set"]["presentment_money"] == {
        "amount": "181.12",
        "currency_code": "EUR",
    }
    client.control(
        "POST",
        "orders/%s/refund" % order["id"],
        {"line_items": [{"sku": "OF-200", "quantity": 2}]},
    )
    (refund,) = current(client, order)["refunds"]
    assert refund["totalRefundedSet"] == {
        "shopMoney": {"amount": "20.4", "currencyCode": "GBP"},
        "presentmentMoney": {"amount": "23.87", "currencyCode": "EUR"},
    }
    (body,) = delivered(receiver, 2, "refunds/create")
    # The REST transaction is in the customer's currency, not the shop's.
    assert (body["transactions"][0]["amount"], body["transactions"][0]["currency"]) == (
        "23.87",
        "EUR",
    )
    assert body["refund_line_items"][0]["subtotal_set"]["shop_money"]["amount"] == "17.00"
