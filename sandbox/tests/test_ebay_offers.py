"""Sell Inventory API offers: create, update, get by SKU, publish (with eBay's checks),
withdraw, publish by inventory item group, bulk create and bulk publish."""

from __future__ import annotations

import copy

import pytest

from sandbox.ebay import contract
from sandbox.ebay.server import start_server
from sandbox.ebay.testing import DEFAULT_POLICIES, INVENTORY, EbayClient


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


PAD_ASPECTS = {"Brand": ["Akebono"], "Manufacturer Part Number": ["ACT905"]}


def put_item(client, sku="BRK-PAD-1001", quantity=5, condition="NEW", **product):
    body = {
        "availability": {"shipToLocationAvailability": {"quantity": quantity}},
        "condition": condition,
        "product": {
            "title": "Ceramic Brake Pad Set",
            "description": "Front pads.",
            "aspects": copy.deepcopy(PAD_ASPECTS),
            "imageUrls": ["https://i.ebayimg.com/images/g/pad/s-l1600.jpg"],
            **product,
        },
    }
    client.ok("PUT", f"{INVENTORY}/inventory_item/{sku}", body)


def offer_body(sku="BRK-PAD-1001", **overrides):
    body = {
        "sku": sku,
        "marketplaceId": "EBAY_MOTORS_US",
        "format": "FIXED_PRICE",
        "categoryId": "33564",
        "listingDescription": "Ceramic pads.",
        "listingPolicies": dict(DEFAULT_POLICIES),
        "merchantLocationKey": "san-jose-warehouse",
        "pricingSummary": {"price": {"value": "54.90", "currency": "USD"}},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def create_offer(client, **overrides) -> str:
    result = client.rest("POST", f"{INVENTORY}/offer", offer_body(**overrides))
    assert result.status == 201, result.body
    return result.json()["offerId"]


def test_create_get_and_get_by_sku(client):
    put_item(client)
    offer_id = create_offer(client)
    offer = client.ok("GET", f"{INVENTORY}/offer/{offer_id}")
    assert offer["status"] == "UNPUBLISHED" and "listing" not in offer
    assert contract.validate_response("sell.inventory", "EbayOfferDetailsWithAll", offer) == []
    by_sku = client.ok("GET", f"{INVENTORY}/offer?sku=BRK-PAD-1001")
    assert [o["offerId"] for o in by_sku["offers"]] == [offer_id] and by_sku["total"] == 1
    assert contract.validate_response("sell.inventory", "Offers", by_sku) == []
    missing = client.rest("GET", f"{INVENTORY}/offer/99")
    assert (missing.status, missing.error_ids()) == (404, [25713])
    assert client.rest("GET", f"{INVENTORY}/offer?sku=NOPE").error_ids() == [25709]


def test_a_second_offer_for_the_same_sku_says_which_offer_exists(client):
    put_item(client)
    offer_id = create_offer(client)
    again = client.rest("POST", f"{INVENTORY}/offer", offer_body())
    assert again.status == 400
    (err,) = again.json()["errors"]
    assert err["errorId"] == 25002
    assert err["message"] == "A user error has occurred. Offer entity already exists."
    assert err["parameters"] == [{"name": "offerId", "value": offer_id}]


@pytest.mark.parametrize(
    "overrides, error_id",
    [
        ({"sku": "NO-SUCH-SKU"}, 25702),
        ({"marketplaceId": "EBAY_XX"}, 25709),
        ({"format": None}, 25709),
        ({"format": "AUCTION"}, 25755),
    ],
)
def test_create_offer_errors(client, overrides, error_id):
    put_item(client)
    body = offer_body(**overrides)
    result = client.rest("POST", f"{INVENTORY}/offer", body)
    assert (result.status, result.error_ids()) == (400, [error_id])


def test_publish_gives_a_listing_and_withdraw_ends_it(client):
    put_item(client)
    offer_id = create_offer(client)
    published = client.rest("POST", f"{INVENTORY}/offer/{offer_id}/publish")
    assert published.status == 200
    listing_id = published.json()["listingId"]
    assert len(listing_id) == 12 and listing_id.isdigit()
    offer = client.ok("GET", f"{INVENTORY}/offer/{offer_id}")
    assert offer["status"] == "PUBLISHED"
    assert offer["listing"] == {
        "listingId": listing_id,
        "listingStatus": "ACTIVE",
        "listingOnHold": False,
        "soldQuantity": 0,
    }
    assert client.state()["listings_by_sku"]["BRK-PAD-1001"]["quantity"] == 5
    again = client.rest("POST", f"{INVENTORY}/offer/{offer_id}/publish")
    assert again.json()["listingId"] == listing_id  # publishing a live offer revises it
    withdrawn = client.rest("POST", f"{INVENTORY}/offer/{offer_id}/withdraw")
    assert withdrawn.json() == {"listingId": listing_id}
    assert client.ok("GET", f"{INVENTORY}/offer/{offer_id}")["listing"]["listingStatus"] == "ENDED"
    assert "BRK-PAD-1001" not in client.state()["listings_by_sku"]
    twice = client.rest("POST", f"{INVENTORY}/offer/{offer_id}/withdraw")
    assert twice.error_ids() == [25002]


def test_publish_answers_every_problem_at_once(client):
    body = {
        "availability": {"shipToLocationAvailability": {"quantity": 0}},
        "condition": "SELLER_REFURBISHED",  # not allowed in Brake Pads (33564)
        "product": {"title": "Pads", "aspects": {"Brand": ["Akebono"]}},
    }
    client.ok("PUT", f"{INVENTORY}/inventory_item/BAD-1", body)
    offer_id = create_offer(
        client,
        sku="BAD-1",
        listingPolicies={"fulfillmentPolicyId": "6200011000", "paymentPolicyId": "999"},
        listingDescription=None,
        merchantLocationKey="nowhere",
        pricingSummary={"price": {"value": "0", "currency": "USD"}},
    )
    result = client.rest("POST", f"{INVENTORY}/offer/{offer_id}/publish")
    assert result.status == 400
    errors = result.json()["errors"]
    ids = [e["errorId"] for e in errors]
    assert ids == [25035, 25009, 25021, 25016, 25002, 25002, 25003, 25004, 25012]
    messages = " | ".join(e["message"] for e in errors)
    assert "item specific Manufacturer Part Number is missing" in messages
    assert "Add at least 1 photo" in messages
    for err in errors:
        assert err["domain"] == "API_INVENTORY" and err["category"] == "REQUEST"
    assert client.ok("GET", f"{INVENTORY}/offer/{offer_id}")["status"] == "UNPUBLISHED"


@pytest.mark.parametrize(
    "category_id, fragment",
    [("33559", "not a leaf"), ("424242", "not a leaf"), (None, "missing")],
)
def test_publish_needs_a_leaf_category(client, category_id, fragment):
    put_item(client)
    offer_id = create_offer(client, categoryId=category_id)
    result = client.rest("POST", f"{INVENTORY}/offer/{offer_id}/publish")
    assert 25005 in result.error_ids()
    assert fragment in next(e["message"] for e in result.json()["errors"] if e["errorId"] == 25005)


def test_publish_checks_selection_only_aspect_values(client):
    aspects = dict(PAD_ASPECTS, **{"Placement on Vehicle": ["Sideways"]})
    put_item(client, aspects=aspects)
    offer_id = create_offer(client)
    result = client.rest("POST", f"{INVENTORY}/offer/{offer_id}/publish")
    assert result.error_ids() == [25002]
    assert "Placement on Vehicle has an invalid value: Sideways" in result.body.decode()


def _compat(client, sku, vehicles):
    client.ok(
        "PUT",
        f"{INVENTORY}/inventory_item/{sku}/product_compatibility",
        {
            "compatibleProducts": [
                {"compatibilityProperties": [{"name": k, "value": v} for k, v in veh.items()]}
                for veh in vehicles
            ]
        },
    )


def test_publish_checks_compatibility_against_the_categorys_vehicles(client):
    put_item(client)
    good = {
        "Year": "2016",
        "Make": "Ford",
        "Model": "F-150",
        "Engine": "5.0L 4951CC 302Cu. In. V8 GAS DOHC Naturally Aspirated",
    }
    _compat(client, "BRK-PAD-1001", [good, {"year": "2018", "make": "Toyota", "model": "Camry"}])
    offer_id = create_offer(client)
    assert client.rest("POST", f"{INVENTORY}/offer/{offer_id}/publish").status == 200
    # The fitment row's own engine wording is not eBay's value: refused.
    _compat(client, "BRK-PAD-1001", [dict(good, Engine="5.0L V8")])
    put_item(client, sku="BRK-PAD-2002")
    _compat(
        client, "BRK-PAD-2002", [dict(good, Engine="5.0L V8"), {"Make": "Ford", "Model": "F-150"}]
    )
    second = create_offer(client, sku="BRK-PAD-2002")
    result = client.rest("POST", f"{INVENTORY}/offer/{second}/publish")
    assert result.error_ids() == [25023, 25023]
    text = result.body.decode()
    assert "No vehicle matches Year 2016, Make Ford, Model F-150, Engine 5.0L V8" in text
    assert "lacks Year" in text


def test_compatibility_in_a_category_without_it_is_refused(client):
    client.control(
        "POST",
        "seed",
        {"categories": [{"categoryId": "9887", "categoryName": "Test leaf", "parentId": "6030"}]},
    )
    put_item(client)
    _compat(client, "BRK-PAD-1001", [{"Year": "2016", "Make": "Ford", "Model": "F-150"}])
    offer_id = create_offer(client, categoryId="9887")
    result = client.rest("POST", f"{INVENTORY}/offer/{offer_id}/publish")
    assert result.error_ids() == [25023]


def test_the_compatibility_maximum_comes_from_the_policy(client):
    client.control("POST", "config", {"max_compatible_vehicles": 1})
    put_item(client)
    vehicle = {"Year": "2016", "Make": "Ford", "Model": "F-150"}
    client.control("POST", "config", {"max_compatible_vehicles": 3000})
    _compat(client, "BRK-PAD-1001", [vehicle, dict(vehicle, Year="2015")])
    client.control("POST", "config", {"max_compatible_vehicles": 1})
    offer_id = create_offer(client)
    result = client.rest("POST", f"{INVENTORY}/offer/{offer_id}/publish")
    assert result.error_ids() == [25023]
    assert "2 compatible vehicles exceed the maximum of 1" in result.body.decode()


def test_update_offer_replaces_and_revises_a_live_listing(client):
    put_item(client)
    offer_id = create_offer(client)
    client.ok("POST", f"{INVENTORY}/offer/{offer_id}/publish")
    body = {k: v for k, v in offer_body().items() if k not in ("sku", "marketplaceId", "format")}
    body["pricingSummary"] = {"price": {"value": "59.00", "currency": "USD"}}
    body["availableQuantity"] = 2
    assert client.rest("PUT", f"{INVENTORY}/offer/{offer_id}", body).status == 204
    assert client.state()["listings_by_sku"]["BRK-PAD-1001"] == {
        "listingId": client.ok("GET", f"{INVENTORY}/offer/{offer_id}")["listing"]["listingId"],
        "quantity": 2,
        "price": "59.00",
        "source": "inventory",
    }
    broken = dict(body, listingPolicies={})
    result = client.rest("PUT", f"{INVENTORY}/offer/{offer_id}", broken)
    assert result.error_ids() == [25007, 25008, 25009]
    assert client.ok("GET", f"{INVENTORY}/offer/{offer_id}")["listingPolicies"] == DEFAULT_POLICIES


def test_delete_offer_ends_its_listing(client):
    put_item(client)
    offer_id = create_offer(client)
    client.ok("POST", f"{INVENTORY}/offer/{offer_id}/publish")
    assert client.rest("DELETE", f"{INVENTORY}/offer/{offer_id}").status == 204
    assert client.rest("GET", f"{INVENTORY}/offer/{offer_id}").status == 404
    assert [x["status"] for x in client.state()["listings"]].count("ENDED") == 1


def _group(client):
    for sku, axle, quantity in (("PAD-F", "Front", 3), ("PAD-R", "Rear", 4)):
        aspects = dict(PAD_ASPECTS, **{"Placement on Vehicle": [axle]})
        put_item(client, sku=sku, quantity=quantity, aspects=aspects)
    client.ok(
        "PUT",
        f"{INVENTORY}/inventory_item_group/PADS",
        {
            "title": "Ceramic Brake Pad Set, front or rear",
            "description": "Choose the axle.",
            "imageUrls": ["https://i.ebayimg.com/images/g/grp/s-l1600.jpg"],
            "aspects": {"Brand": ["Akebono"]},
            "variantSKUs": ["PAD-F", "PAD-R"],
            "variesBy": {
                "specifications": [{"name": "Placement on Vehicle", "values": ["Front", "Rear"]}]
            },
        },
    )


def test_publish_and_withdraw_by_inventory_item_group(client):
    _group(client)
    create_offer(client, sku="PAD-F")
    rear = create_offer(client, sku="PAD-R")
    single = client.rest("POST", f"{INVENTORY}/offer/{rear}/publish")
    assert single.error_ids() == [25002]  # a variant publishes with its group
    body = {"inventoryItemGroupKey": "PADS", "marketplaceId": "EBAY_MOTORS_US"}
    result = client.rest("POST", f"{INVENTORY}/offer/publish_by_inventory_item_group", body)
    assert result.status == 200
    listing_id = result.json()["listingId"]
    by_sku = client.state()["listings_by_sku"]
    assert by_sku["PAD-F"] == {
        "listingId": listing_id,
        "quantity": 3,
        "price": "54.90",
        "source": "inventory",
    }
    assert by_sku["PAD-R"]["listingId"] == listing_id and by_sku["PAD-R"]["quantity"] == 4
    withdrawn = client.rest("POST", f"{INVENTORY}/offer/withdraw_by_inventory_item_group", body)
    assert withdrawn.status == 204
    assert {"PAD-F", "PAD-R"}.isdisjoint(client.state()["listings_by_sku"])
    again = client.rest("POST", f"{INVENTORY}/offer/withdraw_by_inventory_item_group", body)
    assert again.error_ids() == [25725]
    unknown = dict(body, inventoryItemGroupKey="NOPE")
    missing = client.rest("POST", f"{INVENTORY}/offer/publish_by_inventory_item_group", unknown)
    assert missing.error_ids() == [25705]


def test_group_publish_checks_each_variant(client):
    _group(client)
    create_offer(client, sku="PAD-F")
    body = {"inventoryItemGroupKey": "PADS", "marketplaceId": "EBAY_MOTORS_US"}
    result = client.rest("POST", f"{INVENTORY}/offer/publish_by_inventory_item_group", body)
    assert result.error_ids() == [25002]
    assert "No offer exists on EBAY_MOTORS_US for PAD-R" in result.body.decode()
    create_offer(client, sku="PAD-R")
    put_item(client, sku="PAD-R", aspects=PAD_ASPECTS)  # lost its Placement on Vehicle
    result = client.rest("POST", f"{INVENTORY}/offer/publish_by_inventory_item_group", body)
    assert result.error_ids() == [25013]


def test_bulk_create_and_bulk_publish(client):
    for n in range(3):
        put_item(client, sku=f"BULK-{n}")
    body = {"requests": [offer_body(sku=f"BULK-{n}") for n in range(3)]}
    body["requests"][2]["sku"] = "NOT-THERE"
    result = client.rest("POST", f"{INVENTORY}/bulk_create_offer", body)
    assert result.status == 207
    responses = result.json()["responses"]
    assert [r["statusCode"] for r in responses] == [200, 200, 400]
    assert responses[2]["errors"][0]["errorId"] == 25702
    ids = [r["offerId"] for r in responses[:2]]
    publish = client.rest(
        "POST",
        f"{INVENTORY}/bulk_publish_offer",
        {"requests": [{"offerId": ids[0]}, {"offerId": ids[1]}, {"offerId": "404"}]},
    )
    assert publish.status == 207
    answers = publish.json()["responses"]
    assert [a["statusCode"] for a in answers] == [200, 200, 404]
    assert all(a.get("listingId") for a in answers[:2])
    dup = client.rest(
        "POST", f"{INVENTORY}/bulk_publish_offer", {"requests": [{"offerId": ids[0]}] * 2}
    )
    assert dup.error_ids() == [25731]
    too_many = client.rest(
        "POST", f"{INVENTORY}/bulk_create_offer", {"requests": [offer_body()] * 26}
    )
    assert too_many.error_ids() == [25730]
    same = client.rest("POST", f"{INVENTORY}/bulk_create_offer", {"requests": [offer_body()] * 2})
    assert same.error_ids() == [25729]
