"""productSet and friends, product queries, metafield definitions, collections."""

from __future__ import annotations

import pytest

from sandbox.shopify.server import start_server
from sandbox.shopify.testing import SandboxClient

PRODUCT_SET = """
mutation Set($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, synchronous: true, identifier: $identifier) {
    product {
      id title handle status vendor productType tags descriptionHtml
      options { name values }
      metafields(first: 5) { nodes { namespace key type value } }
      variants(first: 10) {
        nodes {
          id sku barcode price compareAtPrice title
          selectedOptions { name value }
          inventoryItem { id sku measurement { weight { value unit } } }
        }
      }
    }
    userErrors { field message code }
  }
}"""


def three_variant_input(**extra):
    values = ["Small", "Medium", "Large"]
    data = {
        "title": "Clutch Kit",
        "vendor": "Valeo",
        "productType": "Clutch",
        "tags": ["clutch", "kit"],
        "descriptionHtml": "<p>Complete clutch kit</p>",
        "status": "ACTIVE",
        "metafields": [
            {"namespace": "odoo", "key": "template_id", "type": "number_integer", "value": "42"}
        ],
        "productOptions": [{"name": "Size", "values": [{"name": v} for v in values]}],
        "variants": [
            {
                "optionValues": [{"optionName": "Size", "name": v}],
                "inventoryItem": {
                    "sku": f"CK-{v[0]}",
                    "measurement": {"weight": {"value": 2.5 + i, "unit": "KILOGRAMS"}},
                },
                "barcode": f"400000000000{i}",
                "price": f"{100 + i * 10}.00",
                "compareAtPrice": "150.00" if i == 0 else None,
            }
            for i, v in enumerate(values)
        ],
    }
    data.update(extra)
    return data


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


def test_product_set_three_variants_and_query_back(client):
    body = client.gql(PRODUCT_SET, {"input": three_variant_input()})
    payload = body["data"]["productSet"]
    assert payload["userErrors"] == []
    product = payload["product"]
    assert product["id"].startswith("gid://shopify/Product/")
    assert product["handle"] == "clutch-kit"
    assert product["options"] == [{"name": "Size", "values": ["Small", "Medium", "Large"]}]
    skus = [v["sku"] for v in product["variants"]["nodes"]]
    assert skus == ["CK-S", "CK-M", "CK-L"]

    query = """query($id: ID!) { product(id: $id) {
        title vendor tags status descriptionHtml totalVariants
        metafields(first: 5) { nodes { namespace key value } }
        variants(first: 10) { nodes { sku barcode price compareAtPrice title
          inventoryItem { sku measurement { weight { value unit } } } } } } }"""
    got = client.gql(query, {"id": product["id"]})["data"]["product"]
    assert got["vendor"] == "Valeo" and got["tags"] == ["clutch", "kit"]
    assert got["totalVariants"] == 3
    assert got["metafields"]["nodes"] == [
        {"namespace": "odoo", "key": "template_id", "value": "42"}
    ]
    first = got["variants"]["nodes"][0]
    assert first == {
        "sku": "CK-S",
        "barcode": "4000000000000",
        "price": "100.00",
        "compareAtPrice": "150.00",
        "title": "Small",
        "inventoryItem": {
            "sku": "CK-S",
            "measurement": {"weight": {"value": 2.5, "unit": "KILOGRAMS"}},
        },
    }
    assert got["variants"]["nodes"][1]["compareAtPrice"] is None

    state = client.state()
    assert state["variants_by_sku"]["CK-L"]["price"] == "120.00"


def test_product_set_update_matches_variants_and_removes_missing(client):
    created = client.gql(PRODUCT_SET, {"input": three_variant_input()})["data"]["productSet"][
        "product"
    ]
    variant_ids = [v["id"] for v in created["variants"]["nodes"]]
    update = three_variant_input(title="Clutch Kit v2", status="DRAFT")
    update["productOptions"][0]["values"] = [{"name": "Small"}, {"name": "Medium"}]
    update["variants"] = update["variants"][:2]
    update["variants"][1]["price"] = "99.99"
    body = client.gql(PRODUCT_SET, {"input": update, "identifier": {"id": created["id"]}})
    product = body["data"]["productSet"]["product"]
    assert body["data"]["productSet"]["userErrors"] == []
    assert product["id"] == created["id"] and product["title"] == "Clutch Kit v2"
    assert product["status"] == "DRAFT"
    assert [v["id"] for v in product["variants"]["nodes"]] == variant_ids[:2]
    assert product["variants"]["nodes"][1]["price"] == "99.99"


def test_product_set_user_errors(client):
    dup = three_variant_input()
    dup["variants"][1]["inventoryItem"]["sku"] = "CK-S"
    errors = client.gql(PRODUCT_SET, {"input": dup})["data"]["productSet"]["userErrors"]
    assert errors and errors[0]["code"] == "DUPLICATED_VALUE"
    assert errors[0]["field"] == ["input", "variants", "1", "inventoryItem", "sku"]

    missing = client.gql(
        PRODUCT_SET,
        {"input": three_variant_input(), "identifier": {"id": "gid://shopify/Product/999999"}},
    )["data"]["productSet"]
    assert missing["product"] is None
    assert missing["userErrors"][0]["code"] == "PRODUCT_DOES_NOT_EXIST"

    bad_option = three_variant_input()
    bad_option["variants"][0]["optionValues"] = [{"optionName": "Colour", "name": "Red"}]
    errors = client.gql(PRODUCT_SET, {"input": bad_option})["data"]["productSet"]["userErrors"]
    assert errors[0]["code"] == "OPTION_DOES_NOT_EXIST"

    no_options = three_variant_input()
    del no_options["productOptions"]
    errors = client.gql(PRODUCT_SET, {"input": no_options})["data"]["productSet"]["userErrors"]
    assert errors[0]["code"] == "PRODUCT_OPTIONS_INPUT_MISSING"
    assert client.state()["variants_by_sku"].get("CK-S") is None


def test_products_query_by_sku_and_pagination(client):
    q = """query($q: String, $after: String) { products(first: 2, after: $after, query: $q) {
        nodes { title } pageInfo { hasNextPage endCursor } } }"""
    page1 = client.gql(q)["data"]["products"]
    assert len(page1["nodes"]) == 2 and page1["pageInfo"]["hasNextPage"] is True
    page2 = client.gql(q, {"after": page1["pageInfo"]["endCursor"]})["data"]["products"]
    assert [n["title"] for n in page2["nodes"]] == ["Spark Plug"]
    assert page2["pageInfo"]["hasNextPage"] is False
    by_sku = client.gql(q, {"q": "sku:OF-200"})["data"]["products"]["nodes"]
    assert by_sku == [{"title": "Oil Filter"}]
    future = client.gql(q, {"q": "updated_at:>2999-01-01T00:00:00Z"})["data"]["products"]["nodes"]
    assert future == []
    past = client.gql(q, {"q": "updated_at:>=2000-01-01T00:00:00Z"})["data"]["products"]["nodes"]
    assert len(past) == 2


def test_product_variants_by_sku_and_bulk_update(client):
    q = """{ productVariants(first: 5, query: "sku:BP-100-R") {
        nodes { id sku price product { id title } } } }"""
    nodes = client.gql(q)["data"]["productVariants"]["nodes"]
    assert len(nodes) == 1 and nodes[0]["product"]["title"] == "Brake Pad Set"
    mutation = """mutation($pid: ID!, $v: [ProductVariantsBulkInput!]!) {
        productVariantsBulkUpdate(productId: $pid, variants: $v) {
          productVariants { sku price barcode } userErrors { field message code } } }"""
    body = client.gql(
        mutation,
        {
            "pid": nodes[0]["product"]["id"],
            "v": [{"id": nodes[0]["id"], "price": "41.50", "inventoryItem": {"sku": "BP-100-R2"}}],
        },
    )
    payload = body["data"]["productVariantsBulkUpdate"]
    assert payload["userErrors"] == []
    assert payload["productVariants"][0]["price"] == "41.50"
    assert payload["productVariants"][0]["sku"] == "BP-100-R2"
    bad = client.gql(
        mutation,
        {"pid": nodes[0]["product"]["id"], "v": [{"id": "gid://shopify/ProductVariant/1"}]},
    )
    assert (
        bad["data"]["productVariantsBulkUpdate"]["userErrors"][0]["code"]
        == "PRODUCT_VARIANT_DOES_NOT_EXIST"
    )


def test_product_create_update_and_variants_bulk_create(client):
    create = """mutation($p: ProductCreateInput!) { productCreate(product: $p) {
        product { id title variants(first: 5) { nodes { title } } } userErrors { message } } }"""
    product = client.gql(create, {"p": {"title": "Wiper Blade", "vendor": "Bosch"}})["data"][
        "productCreate"
    ]["product"]
    assert product["variants"]["nodes"] == [{"title": "Default Title"}]
    bulk = """mutation($pid: ID!, $v: [ProductVariantsBulkInput!]!) {
        productVariantsBulkCreate(
          productId: $pid, variants: $v, strategy: REMOVE_STANDALONE_VARIANT) {
          product { options { name values } variants(first: 5) { nodes { sku title } } }
          userErrors { field message code } } }"""
    loc = client.state()["locations"][0]["id"]
    body = client.gql(
        bulk,
        {
            "pid": product["id"],
            "v": [
                {
                    "optionValues": [{"optionName": "Length", "name": length}],
                    "inventoryItem": {"sku": f"WB-{length}"},
                    "price": "12.00",
                    "inventoryQuantities": [{"locationId": loc, "availableQuantity": 7}],
                }
                for length in ("500mm", "600mm")
            ],
        },
    )
    payload = body["data"]["productVariantsBulkCreate"]
    assert payload["userErrors"] == []
    assert [v["sku"] for v in payload["product"]["variants"]["nodes"]] == ["WB-500mm", "WB-600mm"]
    assert payload["product"]["options"] == [{"name": "Length", "values": ["500mm", "600mm"]}]
    assert client.state()["inventory_by_sku"]["WB-600mm"]["Main Warehouse"]["available"] == 7

    update = """mutation($p: ProductUpdateInput!) { productUpdate(product: $p) {
        product { title status } userErrors { field message } } }"""
    body = client.gql(
        update, {"p": {"id": product["id"], "title": "Wiper Blade Pro", "status": "ARCHIVED"}}
    )
    assert body["data"]["productUpdate"]["product"] == {
        "title": "Wiper Blade Pro",
        "status": "ARCHIVED",
    }
    body = client.gql(update, {"p": {"id": "gid://shopify/Product/1", "title": "x"}})
    assert body["data"]["productUpdate"]["userErrors"][0]["message"] == "Product does not exist"


def test_metafield_definitions(client):
    create = """mutation($d: MetafieldDefinitionInput!) {
        metafieldDefinitionCreate(definition: $d) {
        createdDefinition { id namespace key name type { name } ownerType }
        userErrors { field message code } } }"""
    d = {
        "name": "Odoo ID",
        "namespace": "odoo",
        "key": "id",
        "type": "single_line_text_field",
        "ownerType": "PRODUCT",
    }
    created = client.gql(create, {"d": d})["data"]["metafieldDefinitionCreate"]
    assert created["userErrors"] == []
    assert created["createdDefinition"]["type"] == {"name": "single_line_text_field"}
    again = client.gql(create, {"d": d})["data"]["metafieldDefinitionCreate"]
    assert again["userErrors"][0]["code"] == "TAKEN"
    listing = client.gql(
        "{ metafieldDefinitions(ownerType: PRODUCT, first: 10) { nodes { namespace key } } }"
    )["data"]["metafieldDefinitions"]["nodes"]
    assert listing == [{"namespace": "odoo", "key": "id"}]
    assert (
        client.gql("{ metafieldDefinitions(ownerType: ORDER, first: 10) { nodes { id } } }")[
            "data"
        ]["metafieldDefinitions"]["nodes"]
        == []
    )


def test_collections(client):
    pid = client.state()["products"][0]["id"]
    create = """mutation($i: CollectionInput!) { collectionCreate(input: $i) {
        collection { id title handle } userErrors { field message } } }"""
    col = client.gql(create, {"i": {"title": "Brakes & Discs"}})["data"]["collectionCreate"][
        "collection"
    ]
    assert col["handle"] == "brakes-discs"
    add = """mutation($id: ID!, $p: [ID!]!) { collectionAddProducts(id: $id, productIds: $p) {
        collection { productsCount { count } products(first: 5) { nodes { id } } }
        userErrors { field message } } }"""
    payload = client.gql(add, {"id": col["id"], "p": [pid]})["data"]["collectionAddProducts"]
    assert payload["collection"]["productsCount"]["count"] == 1
    bad = client.gql(add, {"id": "gid://shopify/Collection/999", "p": [pid]})["data"][
        "collectionAddProducts"
    ]
    assert bad["userErrors"][0]["field"] == ["id"]
    found = client.gql('{ collections(first: 5, query: "title:Brakes*") { nodes { title } } }')
    assert found["data"]["collections"]["nodes"] == [{"title": "Brakes & Discs"}]


def test_locations_and_node(client):
    body = client.gql("""{
        locations(first: 5) { nodes { id name isActive address { city countryCode } } }
        location { name } }""")
    nodes = body["data"]["locations"]["nodes"]
    assert [n["name"] for n in nodes] == ["Main Warehouse", "Trade Counter"]
    assert body["data"]["location"]["name"] == "Main Warehouse"
    one = client.gql(
        "query($id: ID!) { location(id: $id) { name } "
        "node(id: $id) { id ... on Location { name } } }",
        {"id": nodes[1]["id"]},
    )["data"]
    assert one["location"]["name"] == "Trade Counter" and one["node"]["name"] == "Trade Counter"
