"""Taxonomy, Metadata and Account APIs over the motor-parts category tree."""

from __future__ import annotations

import pytest

from sandbox.ebay import contract
from sandbox.ebay.server import start_server
from sandbox.ebay.testing import EbayClient

TREE = "/commerce/taxonomy/v1/category_tree/100"
METADATA = "/sell/metadata/v1/marketplace/EBAY_MOTORS_US"


@pytest.fixture(scope="module")
def client():
    server = start_server(seed=True)
    c = EbayClient(server.url)
    c.authorize()
    c.app_token = c.application_token()
    yield c
    server.stop()


def get(client, path, token=None):
    return client.rest("GET", path, token=token or client.app_token)


@pytest.mark.parametrize(
    "marketplace, tree", [("EBAY_MOTORS_US", "100"), ("EBAY_US", "0"), ("EBAY_GB", "3")]
)
def test_default_category_tree_ids(client, marketplace, tree):
    body = get(
        client, f"/commerce/taxonomy/v1/get_default_category_tree_id?marketplace_id={marketplace}"
    ).json()
    assert body["categoryTreeId"] == tree
    assert contract.validate_response("commerce.taxonomy", "BaseCategoryTree", body) == []


def test_default_category_tree_errors(client):
    base = "/commerce/taxonomy/v1/get_default_category_tree_id"
    assert get(client, base).error_ids() == [62002]
    assert get(client, f"{base}?marketplace_id=EBAY_MARS").error_ids() == [62003]


def test_the_tree_is_ebay_motors_with_real_category_ids(client):
    body = get(client, TREE).json()
    assert contract.validate_response("commerce.taxonomy", "CategoryTree", body) == []
    root = body["rootCategoryNode"]
    motors = root["childCategoryTreeNodes"][0]
    assert motors["category"] == {"categoryId": "6000", "categoryName": "eBay Motors"}
    parts = motors["childCategoryTreeNodes"][0]["childCategoryTreeNodes"][0]
    assert parts["category"]["categoryId"] == "6030"
    names = {
        n["category"]["categoryId"]: n["category"]["categoryName"]
        for n in parts["childCategoryTreeNodes"]
    }
    assert names["33559"] == "Brakes & Brake Parts"
    assert names["9886"] == "Other Car & Truck Parts & Accessories"
    assert get(client, "/commerce/taxonomy/v1/category_tree/3").error_ids() == [62004]


def test_category_subtree(client):
    body = get(client, f"{TREE}/get_category_subtree?category_id=33559").json()
    kids = [
        n["category"]["categoryId"] for n in body["categorySubtreeNode"]["childCategoryTreeNodes"]
    ]
    assert kids == ["33560", "33564", "33566"]
    assert all(
        n["leafCategoryTreeNode"] for n in body["categorySubtreeNode"]["childCategoryTreeNodes"]
    )
    assert get(client, f"{TREE}/get_category_subtree?category_id=1").error_ids() == [62005]
    assert get(client, f"{TREE}/get_category_subtree").error_ids() == [62006]
    assert get(client, f"{TREE}/get_category_subtree?category_id=0").error_ids() == [62008]


def test_category_suggestions(client):
    body = get(client, f"{TREE}/get_category_suggestions?q=ceramic%20brake%20pads%20front").json()
    assert contract.validate_response("commerce.taxonomy", "CategorySuggestionResponse", body) == []
    first = body["categorySuggestions"][0]
    assert first["category"] == {"categoryId": "33564", "categoryName": "Brake Pads"}
    assert [a["categoryId"] for a in first["categoryTreeNodeAncestors"]] == [
        "33559",
        "6030",
        "6028",
        "6000",
    ]
    sensor = get(client, f"{TREE}/get_category_suggestions?q=upstream%20oxygen%20sensor").json()
    assert sensor["categorySuggestions"][0]["category"]["categoryId"] == "33557"
    none = get(client, f"{TREE}/get_category_suggestions?q=wedding%20dress")
    assert none.status == 204
    assert get(client, f"{TREE}/get_category_suggestions").error_ids() == [62007]


def test_item_aspects_for_a_leaf(client):
    body = get(client, f"{TREE}/get_item_aspects_for_category?category_id=33564").json()
    assert contract.validate_response("commerce.taxonomy", "AspectMetadata", body) == []
    aspects = {a["localizedAspectName"]: a for a in body["aspects"]}
    assert aspects["Brand"]["aspectConstraint"]["aspectRequired"] is True
    assert aspects["Manufacturer Part Number"]["aspectConstraint"]["aspectRequired"] is True
    placement = aspects["Placement on Vehicle"]
    assert placement["aspectConstraint"]["aspectMode"] == "SELECTION_ONLY"
    assert {"Front", "Rear"} <= {v["localizedValue"] for v in placement["aspectValues"]}
    assert get(client, f"{TREE}/get_item_aspects_for_category?category_id=33559").error_ids() == [
        62009
    ]


def test_compatibility_properties_and_values(client):
    props = get(client, f"{TREE}/get_compatibility_properties?category_id=33564").json()
    assert [p["name"] for p in props["compatibilityProperties"]] == [
        "Year",
        "Make",
        "Model",
        "Trim",
        "Engine",
    ]
    makes = get(
        client,
        f"{TREE}/get_compatibility_property_values?category_id=33564&compatibility_property=Make",
    ).json()
    assert [v["value"] for v in makes["compatibilityPropertyValues"]] == [
        "Chevrolet",
        "Ford",
        "Honda",
        "Toyota",
        "Volkswagen",
    ]
    engines = get(
        client,
        f"{TREE}/get_compatibility_property_values?category_id=33564&compatibility_property=Engine"
        "&filter=Year:2016,Make:Ford,Model:F-150",
    ).json()
    assert [v["value"] for v in engines["compatibilityPropertyValues"]] == [
        "3.5L 3496CC 213Cu. In. V6 GAS DOHC Turbocharged",
        "5.0L 4951CC 302Cu. In. V8 GAS DOHC Naturally Aspirated",
    ]
    assert (
        contract.validate_response(
            "commerce.taxonomy", "GetCompatibilityPropertyValuesResponse", engines
        )
        == []
    )


@pytest.mark.parametrize(
    "query, error_id",
    [
        ("category_id=33564", 62104),
        ("category_id=33564&compatibility_property=Colour", 62102),
        ("category_id=33564&compatibility_property=Trim&filter=Year2016", 62100),
        ("category_id=33559&compatibility_property=Make", 62101),
    ],
)
def test_compatibility_value_errors(client, query, error_id):
    assert get(client, f"{TREE}/get_compatibility_property_values?{query}").error_ids() == [
        error_id
    ]


def test_item_condition_policies(client):
    body = get(
        client, f"{METADATA}/get_item_condition_policies?filter=categoryIds:%7B33559%7D"
    ).json()
    assert contract.validate_response("sell.metadata", "ItemConditionPolicyResponse", body) == []
    policies = {p["categoryId"]: p for p in body["itemConditionPolicies"]}
    assert sorted(policies) == ["33560", "33564", "33566"]
    pads = [c["conditionId"] for c in policies["33564"]["itemConditions"]]
    assert pads == ["1000", "3000", "7000"]
    abs_parts = {
        c["conditionId"]: c["conditionDescription"] for c in policies["33560"]["itemConditions"]
    }
    assert abs_parts["2500"] == "Remanufactured"
    assert get(
        client, "/sell/metadata/v1/marketplace/EBAY_XX/get_item_condition_policies"
    ).error_ids() == [46001]


def test_automotive_parts_compatibility_policies(client):
    body = get(client, f"{METADATA}/get_automotive_parts_compatibility_policies").json()
    assert (
        contract.validate_response(
            "sell.metadata", "AutomotivePartsCompatibilityPolicyResponse", body
        )
        == []
    )
    policies = {p["categoryId"]: p for p in body["automotivePartsCompatibilityPolicies"]}
    assert {"33564", "33557", "33693", "9886"} <= set(policies)
    assert policies["33564"]["maxNumberOfCompatibleVehicles"] == 3000
    assert policies["33564"]["compatibilityBasedOn"] == "ASSEMBLY"
    us = get(
        client, "/sell/metadata/v1/marketplace/EBAY_US/get_automotive_parts_compatibility_policies"
    )
    assert us.error_ids() == [46001]  # Motors parts compatibility is EBAY_MOTORS_US's


@pytest.mark.parametrize(
    "kind, key, ids",
    [
        ("fulfillment_policy", "fulfillmentPolicies", ["6200011000", "6200011001"]),
        ("payment_policy", "paymentPolicies", ["6200012000"]),
        ("return_policy", "returnPolicies", ["6200013000", "6200013001"]),
    ],
)
def test_business_policies_by_marketplace(client, kind, key, ids):
    result = client.rest("GET", f"/sell/account/v1/{kind}?marketplace_id=EBAY_MOTORS_US")
    body = result.json()
    schema = {
        "fulfillment_policy": "FulfillmentPolicyResponse",
        "payment_policy": "PaymentPolicyResponse",
        "return_policy": "ReturnPolicyResponse",
    }[kind]
    assert contract.validate_response("sell.account", schema, body) == []
    id_key = {"fulfillment_policy": "fulfillmentPolicyId"}.get(
        kind, kind.split("_")[0] + "PolicyId"
    )
    assert [p[id_key] for p in body[key]] == ids
    assert client.rest("GET", f"/sell/account/v1/{kind}?marketplace_id=EBAY_GB").json()[key] == []
    assert client.rest("GET", f"/sell/account/v1/{kind}").error_ids() == [20401]
    one = client.rest("GET", f"/sell/account/v1/{kind}/{ids[0]}").json()
    assert one[id_key] == ids[0]


def test_policies_are_seedable(client):
    created = client.control(
        "POST",
        "policies",
        {"kind": "return", "policy": {"name": "60 days", "returnsAccepted": True}},
    )
    body = client.rest("GET", "/sell/account/v1/return_policy?marketplace_id=EBAY_MOTORS_US").json()
    assert created["id"] in [p["returnPolicyId"] for p in body["returnPolicies"]]
    assert client.rest("GET", "/sell/account/v1/return_policy/123").error_ids() == [20404]


def test_identity_get_user_is_the_sellers_account(client):
    body = client.rest("GET", "/commerce/identity/v1/user/").json()
    assert contract.validate_response("commerce.identity", "UserResponse", body) == []
    assert (body["username"], body["userId"]) == ("sandbox_motor_parts", "sNdBxSeLl3r")
    assert client.rest("GET", "/commerce/identity/v1/user").status == 200
    denied = client.rest("GET", "/commerce/identity/v1/user/", token=client.app_token)
    assert denied.error_ids() == [1100]
