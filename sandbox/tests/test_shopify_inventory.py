"""inventorySetQuantities (changeFromQuantity compare-and-swap), adjust, levels, 250 cap."""

from __future__ import annotations

import pytest

from sandbox.shopify.server import start_server
from sandbox.shopify.testing import SandboxClient

SET = """mutation Set($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup {
      reason referenceDocumentUri changes { name delta quantityAfterChange }
    }
    userErrors { field message code }
  }
}"""

LEVEL = """query($id: ID!, $loc: ID!) { inventoryItem(id: $id) { sku
    inventoryLevel(locationId: $loc) {
      quantities(names: ["available", "on_hand", "committed"]) { name quantity } } } }"""


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


def ids(client, sku="OF-200", location="Main Warehouse"):
    state = client.state()
    item = state["variants_by_sku"][sku]["inventory_item_id"]
    loc = next(x["id"] for x in state["locations"] if x["name"] == location)
    return item, loc


def quantities(client, item, loc):
    level = client.gql(LEVEL, {"id": item, "loc": loc})["data"]["inventoryItem"]["inventoryLevel"]
    return {q["name"]: q["quantity"] for q in level["quantities"]}


def test_set_available_with_and_without_compare(client):
    item, loc = ids(client)
    assert quantities(client, item, loc) == {"available": 100, "on_hand": 100, "committed": 0}
    body = client.gql(
        SET,
        {
            "input": {
                "name": "available",
                "reason": "correction",
                "referenceDocumentUri": "odoo://stock.quant/7",
                "quantities": [
                    {
                        "inventoryItemId": item,
                        "locationId": loc,
                        "quantity": 60,
                        "changeFromQuantity": 100,
                    }
                ],
            }
        },
    )
    payload = body["data"]["inventorySetQuantities"]
    assert payload["userErrors"] == []
    changes = {c["name"]: c for c in payload["inventoryAdjustmentGroup"]["changes"]}
    assert (
        changes["available"]["delta"] == -40 and changes["available"]["quantityAfterChange"] == 60
    )
    assert changes["on_hand"]["quantityAfterChange"] == 60
    assert quantities(client, item, loc)["available"] == 60

    stale = client.gql(
        SET,
        {
            "input": {
                "name": "available",
                "reason": "correction",
                "quantities": [
                    {
                        "inventoryItemId": item,
                        "locationId": loc,
                        "quantity": 5,
                        "changeFromQuantity": 100,
                    }
                ],
            }
        },
    )["data"]["inventorySetQuantities"]
    assert stale["inventoryAdjustmentGroup"] is None
    assert stale["userErrors"][0]["code"] == "CHANGE_FROM_QUANTITY_STALE"
    assert stale["userErrors"][0]["field"] == ["input", "quantities", "0", "changeFromQuantity"]
    assert quantities(client, item, loc)["available"] == 60

    skip = client.gql(
        SET,
        {
            "input": {
                "name": "on_hand",
                "reason": "cycle_count_available",
                "quantities": [
                    {
                        "inventoryItemId": item,
                        "locationId": loc,
                        "quantity": 75,
                        "changeFromQuantity": None,
                    }
                ],
            }
        },
    )["data"]["inventorySetQuantities"]
    assert skip["userErrors"] == []
    assert quantities(client, item, loc) == {"available": 75, "on_hand": 75, "committed": 0}


def test_change_from_quantity_must_be_given(client):
    item, loc = ids(client)
    omitted = client.gql(
        SET,
        {
            "input": {
                "name": "available",
                "reason": "correction",
                "quantities": [{"inventoryItemId": item, "locationId": loc, "quantity": 5}],
            }
        },
    )["data"]["inventorySetQuantities"]
    assert omitted["userErrors"][0]["code"] == "COMPARE_QUANTITY_REQUIRED"


def test_set_validation_errors(client):
    item, loc = ids(client)
    body = client.gql(
        SET,
        {
            "input": {
                "name": "available",
                "reason": "because",
                "quantities": [
                    {
                        "inventoryItemId": "gid://shopify/InventoryItem/1",
                        "locationId": loc,
                        "quantity": 1,
                        "changeFromQuantity": None,
                    },
                    {
                        "inventoryItemId": item,
                        "locationId": "gid://shopify/Location/999",
                        "quantity": 1,
                        "changeFromQuantity": None,
                    },
                ],
            }
        },
    )["data"]["inventorySetQuantities"]
    codes = {e["code"] for e in body["userErrors"]}
    assert codes == {"INVALID_REASON", "INVALID_INVENTORY_ITEM", "INVALID_LOCATION"}
    bad_name = client.gql(
        SET, {"input": {"name": "committed", "reason": "correction", "quantities": []}}
    )
    assert bad_name["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "INVALID_NAME"


def test_input_array_over_250_is_rejected(client):
    item, loc = ids(client)
    quantities_in = [
        {"inventoryItemId": item, "locationId": loc, "quantity": i, "changeFromQuantity": None}
        for i in range(251)
    ]
    body = client.gql(
        SET, {"input": {"name": "available", "reason": "correction", "quantities": quantities_in}}
    )
    err = body["errors"][0]
    assert (
        err["message"] == "The input array size of 251 is greater than the maximum allowed of 250."
    )
    assert err["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
    assert body["data"]["inventorySetQuantities"] is None
    ok = client.gql(
        SET,
        {"input": {"name": "available", "reason": "correction", "quantities": quantities_in[:250]}},
    )
    assert (
        ok["data"]["inventorySetQuantities"]["userErrors"][0]["code"]
        == "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR"
    )


def test_adjust_quantities(client):
    item, loc = ids(client, "SP-300-08")
    adjust = """mutation($input: InventoryAdjustQuantitiesInput!) {
        inventoryAdjustQuantities(input: $input) {
        inventoryAdjustmentGroup { changes { name delta quantityAfterChange } }
        userErrors { code field } } }"""
    body = client.gql(
        adjust,
        {
            "input": {
                "name": "available",
                "reason": "received",
                "changes": [{"inventoryItemId": item, "locationId": loc, "delta": -15}],
            }
        },
    )
    changes = body["data"]["inventoryAdjustQuantities"]["inventoryAdjustmentGroup"]["changes"]
    assert {"name": "available", "delta": -15, "quantityAfterChange": 185} in changes
    stale = client.gql(
        adjust,
        {
            "input": {
                "name": "available",
                "reason": "received",
                "changes": [
                    {
                        "inventoryItemId": item,
                        "locationId": loc,
                        "delta": 1,
                        "changeFromQuantity": 3,
                    }
                ],
            }
        },
    )
    assert (
        stale["data"]["inventoryAdjustQuantities"]["userErrors"][0]["code"]
        == "CHANGE_FROM_QUANTITY_STALE"
    )


def test_new_location_level_and_inventory_levels_connection(client):
    item, _ = ids(client)
    _, loc2 = ids(client, location="Trade Counter")
    q = """query($id: ID!) { inventoryItem(id: $id) { tracked variant { sku }
        inventoryLevels(first: 5) { nodes { id location { name }
          quantities(names: ["available"]) { quantity } } } } }"""
    item_data = client.gql(q, {"id": item})["data"]["inventoryItem"]
    assert item_data["variant"]["sku"] == "OF-200"
    levels = item_data["inventoryLevels"]["nodes"]
    assert [(x["location"]["name"], x["quantities"][0]["quantity"]) for x in levels] == [
        ("Main Warehouse", 100),
        ("Trade Counter", 12),
    ]
    level = client.gql(
        "query($id: ID!) { inventoryLevel(id: $id) { location { id } } }", {"id": levels[1]["id"]}
    )
    assert level["data"]["inventoryLevel"]["location"]["id"] == loc2
