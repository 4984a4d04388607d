"""Sell Inventory API: inventory items, bulk calls, price and quantity, compatibility,
inventory item groups, locations."""

from __future__ import annotations

import pytest

from sandbox.ebay import contract
from sandbox.ebay.server import start_server
from sandbox.ebay.testing import INVENTORY, EbayClient


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
    return c


def item(quantity=5, **product):
    return {
        "availability": {"shipToLocationAvailability": {"quantity": quantity}},
        "condition": "NEW",
        "product": {
            "title": "Ceramic Brake Pad Set",
            "aspects": {"Brand": ["Akebono"], "Manufacturer Part Number": ["ACT905"]},
            "imageUrls": ["https://i.ebayimg.com/images/g/pad/s-l1600.jpg"],
            **product,
        },
    }


def test_put_get_and_delete_an_inventory_item(client):
    put = client.rest("PUT", f"{INVENTORY}/inventory_item/BRK-PAD-1001", item(7))
    assert put.status == 204 and put.body == b""
    got = client.ok("GET", f"{INVENTORY}/inventory_item/BRK-PAD-1001")
    assert got["sku"] == "BRK-PAD-1001" and got["locale"] == "en_US"
    assert got["availability"]["shipToLocationAvailability"]["quantity"] == 7
    assert got["product"]["aspects"]["Brand"] == ["Akebono"]
    schema = "InventoryItemWithSkuLocaleGroupid"
    assert contract.validate_response("sell.inventory", schema, got) == []
    assert client.rest("PUT", f"{INVENTORY}/inventory_item/BRK-PAD-1001", item(3)).status == 204
    assert (
        client.ok("GET", f"{INVENTORY}/inventory_item/BRK-PAD-1001")["availability"][
            "shipToLocationAvailability"
        ]["quantity"]
        == 3
    )
    assert client.rest("DELETE", f"{INVENTORY}/inventory_item/BRK-PAD-1001").status == 204
    gone = client.rest("GET", f"{INVENTORY}/inventory_item/BRK-PAD-1001")
    assert (gone.status, gone.error_ids()) == (404, [25710])


def test_a_sku_eBay_refuses(client):
    result = client.rest("PUT", f"{INVENTORY}/inventory_item/has%20space", item())
    assert (result.status, result.error_ids()) == (400, [25707])
    long = client.rest("PUT", f"{INVENTORY}/inventory_item/{'X' * 51}", item())
    assert long.error_ids() == [25707]


def test_item_level_checks(client):
    http_image = item(imageUrls=["http://example.com/pad.jpg"])
    assert client.rest("PUT", f"{INVENTORY}/inventory_item/S1", http_image).error_ids() == [25015]
    long_title = item(title="x" * 81)
    assert client.rest("PUT", f"{INVENTORY}/inventory_item/S1", long_title).error_ids() == [25016]
    negative = item(-1)
    assert client.rest("PUT", f"{INVENTORY}/inventory_item/S1", negative).error_ids() == [25004]
    unknown_location = item()
    unknown_location["availability"]["shipToLocationAvailability"] = {
        "availabilityDistributions": [{"merchantLocationKey": "nowhere", "quantity": 2}]
    }
    result = client.rest("PUT", f"{INVENTORY}/inventory_item/S1", unknown_location)
    assert result.error_ids() == [25012]


def test_get_inventory_items_pages(client):
    for n in range(5):
        client.ok("PUT", f"{INVENTORY}/inventory_item/SKU-{n}", item())
    page = client.ok("GET", f"{INVENTORY}/inventory_item?limit=2&offset=2")
    assert [i["sku"] for i in page["inventoryItems"]] == ["SKU-2", "SKU-3"]
    assert page["total"] == 5 and page["size"] == 2
    assert page["next"].endswith("limit=2&offset=4") and "prev" in page
    assert client.rest("GET", f"{INVENTORY}/inventory_item?limit=0").error_ids() == [25706]


def test_bulk_create_or_replace_answers_per_item(client):
    requests = [{"sku": f"B-{n}", "locale": "en_US", **item(n)} for n in range(3)]
    requests.append({"sku": "bad sku", "locale": "en_US", **item()})
    result = client.rest(
        "POST", f"{INVENTORY}/bulk_create_or_replace_inventory_item", {"requests": requests}
    )
    assert result.status == 207
    responses = result.json()["responses"]
    assert [r["statusCode"] for r in responses] == [200, 200, 200, 400]
    assert responses[3]["errors"][0]["errorId"] == 25707
    assert (
        client.ok("GET", f"{INVENTORY}/inventory_item/B-2")["availability"][
            "shipToLocationAvailability"
        ]["quantity"]
        == 2
    )


@pytest.mark.parametrize(
    "requests, error_id",
    [
        ([], 25727),
        ([{"sku": f"S{n}", "locale": "en_US"} for n in range(26)], 25727),
        ([{"sku": "S", "locale": "en_US"}, {"sku": "S", "locale": "en_US"}], 25728),
        ([{"sku": "S"}], 25733),
    ],
)
def test_bulk_create_or_replace_limits(client, requests, error_id):
    result = client.rest(
        "POST", f"{INVENTORY}/bulk_create_or_replace_inventory_item", {"requests": requests}
    )
    assert (result.status, result.error_ids()) == (400, [error_id])


def test_bulk_get(client):
    client.ok("PUT", f"{INVENTORY}/inventory_item/G-1", item(4))
    result = client.rest(
        "POST",
        f"{INVENTORY}/bulk_get_inventory_item",
        {"requests": [{"sku": "G-1"}, {"sku": "NO"}]},
    )
    assert result.status == 207
    found, missing = result.json()["responses"]
    assert found["statusCode"] == 200 and found["inventoryItem"]["sku"] == "G-1"
    assert missing["statusCode"] == 404 and missing["errors"][0]["errorId"] == 25702
    dup = client.rest(
        "POST", f"{INVENTORY}/bulk_get_inventory_item", {"requests": [{"sku": "A"}, {"sku": "A"}]}
    )
    assert dup.error_ids() == [25734]


def test_bulk_update_price_quantity_25_a_call_with_per_sku_answers(client):
    listing = client.list_part("BRK-PAD-1001", quantity=5)
    for n in range(3):
        client.ok("PUT", f"{INVENTORY}/inventory_item/Q-{n}", item(1))
    body = {
        "requests": [
            {"sku": "Q-0", "shipToLocationAvailability": {"quantity": 9}},
            {"sku": "Q-1", "shipToLocationAvailability": {"quantity": -1}},
            {"sku": "MISSING", "shipToLocationAvailability": {"quantity": 1}},
            {
                "sku": "BRK-PAD-1001",
                "shipToLocationAvailability": {"quantity": 11},
                "offers": [
                    {
                        "offerId": listing["offerId"],
                        "availableQuantity": 4,
                        "price": {"value": "49.95", "currency": "USD"},
                    }
                ],
            },
        ]
    }
    result = client.rest("POST", f"{INVENTORY}/bulk_update_price_quantity", body)
    assert result.status == 207
    responses = result.json()["responses"]
    assert [(r.get("sku"), r.get("offerId"), r["statusCode"]) for r in responses] == [
        ("Q-0", None, 200),
        ("Q-1", None, 400),
        ("MISSING", None, 400),
        ("BRK-PAD-1001", None, 200),
        ("BRK-PAD-1001", listing["offerId"], 200),
    ]
    assert responses[1]["errors"][0]["errorId"] == 25709
    assert responses[2]["errors"][0]["errorId"] == 25002
    state = client.state()
    assert state["listings_by_sku"]["BRK-PAD-1001"]["quantity"] == 4  # the offer's figure
    assert state["listings_by_sku"]["BRK-PAD-1001"]["price"] == "49.95"
    assert (
        state["inventory_items"]["Q-0"]["availability"]["shipToLocationAvailability"]["quantity"]
        == 9
    )
    too_many = {"requests": [{"sku": f"Q-{n % 3}"} for n in range(26)]}
    over = client.rest("POST", f"{INVENTORY}/bulk_update_price_quantity", too_many)
    assert (over.status, over.error_ids()) == (400, [25002])


def test_bulk_update_quantity_per_location_and_all_ok_is_200(client):
    client.ok(
        "POST",
        f"{INVENTORY}/location/leeds-depot",
        {"location": {"address": {"city": "Leeds", "country": "GB", "postalCode": "LS1 1AA"}}},
    )
    client.list_part(
        "SNS-O2-7710",
        quantity=2,
        category_id="33557",
        aspects={
            "Brand": ["Bosch"],
            "Manufacturer Part Number": ["0258"],
            "Type": ["Oxygen Sensor"],
        },
    )
    body = {
        "requests": [
            {
                "sku": "SNS-O2-7710",
                "shipToLocationAvailability": {
                    "availabilityDistributions": [
                        {"merchantLocationKey": "san-jose-warehouse", "quantity": 3},
                        {"merchantLocationKey": "leeds-depot", "quantity": 4},
                    ]
                },
            }
        ]
    }
    result = client.rest("POST", f"{INVENTORY}/bulk_update_price_quantity", body)
    assert result.status == 200
    assert client.control("GET", "listings")["SNS-O2-7710"]["quantity"] == 7
    history = client.control("GET", "history/SNS-O2-7710")["history"]
    assert [h["quantity"] for h in history] == [0, 2, 7]


def test_an_offer_of_another_sku_or_unpublished_is_refused_in_bulk_update(client):
    listed = client.list_part("BRK-PAD-1001", quantity=5)
    draft = client.list_part("BRK-PAD-2002", quantity=5, publish=False)
    body = {
        "requests": [
            {
                "sku": "BRK-PAD-2002",
                "offers": [{"offerId": listed["offerId"], "availableQuantity": 1}],
            },
            {"offers": [{"offerId": draft["offerId"], "availableQuantity": 1}]},
        ]
    }
    responses = client.rest("POST", f"{INVENTORY}/bulk_update_price_quantity", body).json()[
        "responses"
    ]
    assert [r["statusCode"] for r in responses] == [400, 400]
    assert {r["errors"][0]["errorId"] for r in responses} == {25709}


def test_product_compatibility_put_get_delete(client):
    client.ok("PUT", f"{INVENTORY}/inventory_item/BRK-PAD-1001", item())
    body = {
        "compatibleProducts": [
            {
                "compatibilityProperties": [
                    {"name": "Year", "value": "2016"},
                    {"name": "Make", "value": "Ford"},
                    {"name": "Model", "value": "F-150"},
                ],
                "notes": "Front axle",
            }
        ]
    }
    path = f"{INVENTORY}/inventory_item/BRK-PAD-1001/product_compatibility"
    assert client.rest("PUT", path, body).status == 201
    assert client.rest("PUT", path, body).status == 204
    got = client.ok("GET", path)
    assert got["sku"] == "BRK-PAD-1001" and got["compatibleProducts"][0]["notes"] == "Front axle"
    assert client.rest("DELETE", path).status == 204
    assert client.rest("GET", path).status == 404


def test_product_compatibility_input_errors(client):
    path = f"{INVENTORY}/inventory_item/NOPE/product_compatibility"
    assert client.rest("PUT", path, {"compatibleProducts": []}).error_ids() == [25702]
    client.ok("PUT", f"{INVENTORY}/inventory_item/P-1", item())
    path = f"{INVENTORY}/inventory_item/P-1/product_compatibility"
    both = {
        "compatibleProducts": [
            {
                "compatibilityProperties": [{"name": "Make", "value": "Ford"}],
                "productFamilyProperties": {"make": "Ford"},
            }
        ]
    }
    assert client.rest("PUT", path, both).error_ids() == [25742]
    long_value = {
        "compatibleProducts": [{"compatibilityProperties": [{"name": "Make", "value": "x" * 101}]}]
    }
    assert client.rest("PUT", path, long_value).error_ids() == [25741]
    empty_name = {"compatibleProducts": [{"compatibilityProperties": [{"name": "", "value": "x"}]}]}
    assert client.rest("PUT", path, empty_name).error_ids() == [25740]
    client.control("POST", "config", {"max_compatible_vehicles": 2})
    three = {
        "compatibleProducts": [{"compatibilityProperties": [{"name": "Make", "value": "Ford"}]}] * 3
    }
    assert client.rest("PUT", path, three).error_ids() == [25739]


def test_inventory_item_groups(client):
    for sku, axle in (("PAD-F", "Front"), ("PAD-R", "Rear")):
        body = item()
        body["product"]["aspects"]["Placement on Vehicle"] = [axle]
        client.ok("PUT", f"{INVENTORY}/inventory_item/{sku}", body)
    group = {
        "title": "Ceramic Brake Pad Set",
        "description": "Front or rear.",
        "imageUrls": ["https://i.ebayimg.com/images/g/grp/s-l1600.jpg"],
        "aspects": {"Brand": ["Akebono"]},
        "variantSKUs": ["PAD-F", "PAD-R"],
        "variesBy": {
            "specifications": [{"name": "Placement on Vehicle", "values": ["Front", "Rear"]}]
        },
    }
    path = f"{INVENTORY}/inventory_item_group/PADS"
    assert client.rest("PUT", path, group).status == 201
    got = client.ok("GET", path)
    assert got["variantSKUs"] == ["PAD-F", "PAD-R"] and got["inventoryItemGroupKey"] == "PADS"
    assert client.ok("GET", f"{INVENTORY}/inventory_item/PAD-F")["inventoryItemGroupKeys"] == [
        "PADS"
    ]
    other = client.rest("PUT", f"{INVENTORY}/inventory_item_group/OTHER", group)
    assert other.error_ids() == [25703]  # a SKU belongs to one group
    unknown = dict(group, variantSKUs=["NOPE"])
    assert client.rest("PUT", f"{INVENTORY}/inventory_item_group/X", unknown).error_ids() == [25702]
    no_specs = dict(group, variesBy={})
    assert client.rest("PUT", f"{INVENTORY}/inventory_item_group/Y", no_specs).error_ids() == [
        25013
    ]
    assert client.rest("DELETE", path).status == 204
    assert client.rest("GET", path).error_ids() == [25705]


def test_locations_create_get_list_delete(client):
    body = {
        "name": "Leeds depot",
        "location": {"address": {"city": "Leeds", "country": "GB", "postalCode": "LS1 1AA"}},
        "locationTypes": ["WAREHOUSE"],
    }
    assert client.rest("POST", f"{INVENTORY}/location/leeds-depot", body).status == 204
    again = client.rest("POST", f"{INVENTORY}/location/leeds-depot", body)
    assert (again.status, again.error_ids()) == (409, [25803])
    got = client.ok("GET", f"{INVENTORY}/location/leeds-depot")
    assert (
        got["merchantLocationKey"] == "leeds-depot" and got["merchantLocationStatus"] == "ENABLED"
    )
    listing = client.ok("GET", f"{INVENTORY}/location")
    assert [x["merchantLocationKey"] for x in listing["locations"]] == [
        "leeds-depot",
        "san-jose-warehouse",
    ]
    assert contract.validate_response("sell.inventory", "LocationResponse", listing) == []
    no_country = {"location": {"address": {"city": "Leeds"}}}
    assert client.rest("POST", f"{INVENTORY}/location/x", no_country).error_ids() == [25801]
    assert client.rest("POST", f"{INVENTORY}/location/bad%20key", body).error_ids() == [25800]
    missing = client.rest("GET", f"{INVENTORY}/location/nowhere")
    assert (missing.status, missing.error_ids()) == (404, [25805])
    assert client.rest("DELETE", f"{INVENTORY}/location/leeds-depot").status == 204


def test_deleting_a_listed_item_ends_its_listing_and_offers(client):
    listed = client.list_part("BRK-PAD-1001")
    assert client.rest("DELETE", f"{INVENTORY}/inventory_item/BRK-PAD-1001").status == 204
    state = client.state()
    assert "BRK-PAD-1001" not in state["listings_by_sku"]
    assert [x["status"] for x in state["listings"] if x["listingId"] == listed["listingId"]] == [
        "ENDED"
    ]
    assert client.rest("GET", f"{INVENTORY}/offer/{listed['offerId']}").status == 404


def test_a_seed_object_adds_categories_and_locations(client):
    client.control(
        "POST",
        "reset",
        {
            "seed": {
                "locations": [
                    {
                        "merchantLocationKey": "depot-2",
                        "location": {"address": {"country": "US", "postalCode": "10001"}},
                    }
                ],
                "buyers": [{"username": "new_buyer", "userId": "n3wBuy3r001"}],
            }
        },
    )
    state = client.state()
    assert [x["merchantLocationKey"] for x in state["locations"]] == ["depot-2"]
    assert [b["userId"] for b in state["buyers"]] == ["n3wBuy3r001"]
    assert state["policies"] == {"fulfillment": [], "payment": [], "return": []}
