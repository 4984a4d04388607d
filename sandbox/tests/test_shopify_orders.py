"""Orders placed through the control API, order queries, fulfilment, cancellation."""

from __future__ import annotations

import pytest

from sandbox.shopify.server import start_server
from sandbox.shopify.testing import SandboxClient

ORDER_QUERY = """query($id: ID!) { order(id: $id) {
  id name email updatedAt cancelledAt displayFinancialStatus displayFulfillmentStatus
  customer { email firstName }
  shippingAddress { firstName address1 city zip countryCodeV2 }
  billingAddress { city }
  totalPriceSet { shopMoney { amount currencyCode } }
  subtotalPriceSet { shopMoney { amount } }
  totalTaxSet { shopMoney { amount } }
  totalDiscountsSet { shopMoney { amount } }
  shippingLines(first: 5) { nodes { title code originalPriceSet { shopMoney { amount } } } }
  taxLines { title rate priceSet { shopMoney { amount } } }
  lineItems(first: 10) { nodes { id sku quantity fulfillableQuantity
    originalUnitPriceSet { shopMoney { amount } }
    discountAllocations { allocatedAmountSet { shopMoney { amount } }
      discountApplication { __typename ... on DiscountCodeApplication { code } } }
    taxLines { rate priceSet { shopMoney { amount } } } } }
  fulfillmentOrders(first: 5) { nodes { id status
    lineItems(first: 10) { nodes { id sku totalQuantity remainingQuantity } } } }
} }"""

FULFILL = """mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
  fulfillment { id status name trackingInfo { number company url } totalQuantity
    fulfillmentLineItems(first: 10) { nodes { quantity lineItem { sku } } } }
  userErrors { field message } } }"""

ORDER = {
    "email": "bob@example.com",
    "line_items": [{"sku": "BP-100-F", "quantity": 2}, {"sku": "OF-200", "quantity": 4}],
    "shipping_address": {
        "first_name": "Bob",
        "address1": "2 Lane",
        "city": "York",
        "zip": "YO1",
        "country_code": "GB",
    },
    "shipping": {"title": "Standard", "price": "5.00"},
    "discount": {"code": "SAVE10", "amount": "10.00"},
    "tax_rate": "0.2",
}


@pytest.fixture(scope="module")
def server():
    srv = start_server()
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    c = SandboxClient(server.url)
    c.control("POST", "reset", {"seed": True})
    return c


def stock(client, sku, location="Main Warehouse"):
    return client.state()["inventory_by_sku"][sku][location]


def test_order_placement_lowers_stock_and_is_queryable(client):
    assert stock(client, "BP-100-F") == {"available": 20, "on_hand": 20, "committed": 0}
    order = client.control("POST", "orders", ORDER)["order"]
    assert stock(client, "BP-100-F") == {"available": 18, "on_hand": 20, "committed": 2}
    assert stock(client, "OF-200")["available"] == 96
    data = client.gql(ORDER_QUERY, {"id": order["admin_graphql_api_id"]})["data"]["order"]
    assert data["name"] == "#1001" and data["email"] == "bob@example.com"
    assert data["customer"] == {"email": "bob@example.com", "firstName": "Bob"}
    assert data["shippingAddress"]["city"] == "York" and data["billingAddress"]["city"] == "York"
    assert (
        data["displayFinancialStatus"] == "PAID"
        and data["displayFulfillmentStatus"] == "UNFULFILLED"
    )
    # 2*45 + 4*8.5 = 124; discount 10 -> 114; tax 20% of 114 + 20% of 5 shipping = 23.8
    assert data["subtotalPriceSet"]["shopMoney"]["amount"] == "114.0"
    assert data["totalDiscountsSet"]["shopMoney"]["amount"] == "10.0"
    assert data["totalTaxSet"]["shopMoney"]["amount"] == "23.8"
    assert data["totalPriceSet"]["shopMoney"] == {"amount": "142.8", "currencyCode": "GBP"}
    assert data["shippingLines"]["nodes"][0]["originalPriceSet"]["shopMoney"]["amount"] == "5.0"
    lines = data["lineItems"]["nodes"]
    assert [(li["sku"], li["quantity"]) for li in lines] == [("BP-100-F", 2), ("OF-200", 4)]
    assert lines[0]["originalUnitPriceSet"]["shopMoney"]["amount"] == "45.0"
    allocation = lines[0]["discountAllocations"][0]
    assert allocation["discountApplication"] == {
        "__typename": "DiscountCodeApplication",
        "code": "SAVE10",
    }
    total_alloc = sum(
        float(li["discountAllocations"][0]["allocatedAmountSet"]["shopMoney"]["amount"])
        for li in lines
    )
    assert total_alloc == pytest.approx(10.0)


def test_a_line_by_variant_id_can_carry_an_empty_sku(client):
    """Live shops send items without a SKU: a line placed by variant id keeps the
    SKU it is given (none here), in the webhook body and in GraphQL."""
    variant_id = client.state()["variants_by_sku"]["BP-100-F"]["id"]
    order = client.control(
        "POST",
        "orders",
        dict(ORDER, line_items=[{"variant_id": variant_id, "sku": "", "quantity": 1}]),
    )["order"]
    item = order["line_items"][0]
    assert item["sku"] is None and item["admin_graphql_api_id"]
    assert "gid://shopify/ProductVariant/%s" % item["variant_id"] == variant_id
    data = client.gql(
        "query($id: ID!) { order(id: $id) {"
        " lineItems(first: 5) { nodes { sku variant { id } } } } }",
        {"id": order["admin_graphql_api_id"]},
    )["data"]["order"]
    assert data["lineItems"]["nodes"] == [{"sku": None, "variant": {"id": variant_id}}]
    assert stock(client, "BP-100-F")["available"] == 19


def test_orders_query_by_updated_at_and_sort(client):
    client.control("POST", "orders", ORDER)
    client.control("POST", "orders", dict(ORDER, email="alice@example.com", discount=None))
    q = """query($q: String) { orders(first: 10, query: $q, sortKey: UPDATED_AT) {
        nodes { name email updatedAt } pageInfo { hasNextPage } } }"""
    nodes = client.gql(q, {"q": "updated_at:>=2026-01-01T00:00:00Z"})["data"]["orders"]["nodes"]
    assert [n["name"] for n in nodes] == ["#1001", "#1002"]
    assert (
        client.gql(q, {"q": "updated_at:>=2999-01-01T00:00:00Z"})["data"]["orders"]["nodes"] == []
    )
    assert [
        n["name"]
        for n in client.gql(q, {"q": "email:alice@example.com"})["data"]["orders"]["nodes"]
    ] == ["#1002"]


def test_insufficient_stock_is_refused(client):
    result = client.request(
        "POST", "/_sandbox/orders", {"line_items": [{"sku": "BP-100-R", "quantity": 999}]}
    )
    assert result.status == 422 and "insufficient stock" in result.json()["error"]


def test_partial_then_full_fulfilment(client):
    order = client.control("POST", "orders", ORDER)["order"]
    data = client.gql(ORDER_QUERY, {"id": order["admin_graphql_api_id"]})["data"]["order"]
    fo = data["fulfillmentOrders"]["nodes"][0]
    assert fo["status"] == "OPEN"
    brake = next(li for li in fo["lineItems"]["nodes"] if li["sku"] == "BP-100-F")
    body = client.gql(
        FULFILL,
        {
            "f": {
                "lineItemsByFulfillmentOrder": [
                    {
                        "fulfillmentOrderId": fo["id"],
                        "fulfillmentOrderLineItems": [{"id": brake["id"], "quantity": 1}],
                    }
                ],
                "trackingInfo": {
                    "number": "1Z999",
                    "company": "UPS",
                    "url": "https://ups.example/1Z999",
                },
                "notifyCustomer": False,
            }
        },
    )["data"]["fulfillmentCreate"]
    assert body["userErrors"] == []
    ful = body["fulfillment"]
    assert ful["status"] == "SUCCESS" and ful["totalQuantity"] == 1 and ful["name"] == "#1001-F1"
    assert ful["trackingInfo"] == [
        {"number": "1Z999", "company": "UPS", "url": "https://ups.example/1Z999"}
    ]
    assert stock(client, "BP-100-F") == {"available": 18, "on_hand": 19, "committed": 1}
    data = client.gql(ORDER_QUERY, {"id": order["admin_graphql_api_id"]})["data"]["order"]
    assert data["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    fo = data["fulfillmentOrders"]["nodes"][0]
    assert fo["status"] == "IN_PROGRESS"
    assert {li["sku"]: li["remainingQuantity"] for li in fo["lineItems"]["nodes"]} == {
        "BP-100-F": 1,
        "OF-200": 4,
    }

    too_many = client.gql(
        FULFILL,
        {
            "f": {
                "lineItemsByFulfillmentOrder": [
                    {
                        "fulfillmentOrderId": fo["id"],
                        "fulfillmentOrderLineItems": [{"id": brake["id"], "quantity": 5}],
                    }
                ]
            }
        },
    )
    assert too_many["data"]["fulfillmentCreate"]["userErrors"][0]["message"] == (
        "Invalid fulfillment order line item quantity requested."
    )

    rest = client.gql(
        FULFILL, {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}}
    )
    assert rest["data"]["fulfillmentCreate"]["fulfillment"]["totalQuantity"] == 5
    data = client.gql(ORDER_QUERY, {"id": order["admin_graphql_api_id"]})["data"]["order"]
    assert data["displayFulfillmentStatus"] == "FULFILLED"
    assert data["fulfillmentOrders"]["nodes"][0]["status"] == "CLOSED"
    assert stock(client, "OF-200") == {"available": 96, "on_hand": 96, "committed": 0}
    unknown = client.gql(
        FULFILL,
        {
            "f": {
                "lineItemsByFulfillmentOrder": [
                    {"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/999"}
                ]
            }
        },
    )
    assert (
        unknown["data"]["fulfillmentCreate"]["userErrors"][0]["message"]
        == "Fulfillment order does not exist."
    )


def test_cancel_restocks_and_fires_webhook(client):
    order = client.control("POST", "orders", ORDER)["order"]
    assert stock(client, "OF-200")["available"] == 96
    cancelled = client.control("POST", f"orders/{order['id']}/cancel", {"reason": "customer"})[
        "order"
    ]
    assert cancelled["cancelled_at"] and cancelled["cancel_reason"] == "customer"
    assert stock(client, "OF-200") == {"available": 100, "on_hand": 100, "committed": 0}
    data = client.gql(ORDER_QUERY, {"id": order["admin_graphql_api_id"]})["data"]["order"]
    assert data["cancelledAt"] and data["lineItems"]["nodes"][0]["fulfillableQuantity"] == 0
    again = client.request("POST", f"/_sandbox/orders/{order['id']}/cancel", {})
    assert again.status == 422
