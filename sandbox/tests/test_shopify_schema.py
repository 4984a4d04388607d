"""Schema loading, document validation helper, and Shopify-style validation errors."""

from __future__ import annotations

import gzip
import json

import pytest

from sandbox.shopify.schema import SCHEMA_PATH, build_schema, validate_document
from sandbox.shopify.server import start_server
from sandbox.shopify.testing import SandboxClient


@pytest.fixture(scope="module")
def client():
    server = start_server(seed=True)
    yield SandboxClient(server.url)
    server.stop()


def test_schema_file_is_the_2026_10_introspection():
    with gzip.open(SCHEMA_PATH, "rt") as fh:
        data = json.load(fh)
    assert "__schema" in data["data"]
    assert (SCHEMA_PATH.parent / "ORIGIN.md").read_text().count("@shopify/dev-mcp 1.16.0") == 1


def test_build_schema_is_cached_and_knows_2026_10_types():
    schema = build_schema()
    assert schema is build_schema()
    fields = schema.get_type("InventoryQuantityInput").fields
    assert "changeFromQuantity" in fields
    assert "ignoreCompareQuantity" not in schema.get_type("InventorySetQuantitiesInput").fields


def test_validate_document_helper():
    assert validate_document("{ shop { id name } }") == []
    errors = validate_document("{ shop { id nope } }")
    assert len(errors) == 1 and "nope" in errors[0]
    assert validate_document("{ shop {") != []


def test_unknown_input_field_is_rejected_over_http(client):
    query = """
    mutation {
      inventorySetQuantities(input: {
        name: "available", reason: "correction", ignoreCompareQuantity: true,
        quantities: [{inventoryItemId: "gid://shopify/InventoryItem/1",
                      locationId: "gid://shopify/Location/1", quantity: 1}]
      }) { userErrors { message } }
    }"""
    result = client.gql_raw(query)
    assert result.status == 200
    body = result.json()
    assert "data" not in body
    err = body["errors"][0]
    assert "ignoreCompareQuantity" in err["message"]
    assert err["locations"][0]["line"] >= 1
    assert err["extensions"]["code"] == "argumentNotAccepted"


def test_unknown_field_error_is_shopify_shaped(client):
    body = client.gql("{ shop { id bogusField } }")
    err = body["errors"][0]
    assert err["message"] == "Field 'bogusField' doesn't exist on type 'Shop'"
    assert err["extensions"]["code"] == "undefinedField"
    assert "cost" in body["extensions"]


def test_unknown_variable_field_is_rejected(client):
    query = """mutation Set($input: InventorySetQuantitiesInput!) {
        inventorySetQuantities(input: $input) { userErrors { message } } }"""
    variables = {
        "input": {
            "name": "available",
            "reason": "correction",
            "ignoreCompareQuantity": True,
            "quantities": [],
        }
    }
    body = client.gql(query, variables)
    assert "ignoreCompareQuantity" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"
    assert "data" not in body


def test_syntax_error(client):
    body = client.gql("{ shop { id ")
    assert body["errors"][0]["extensions"]["code"] == "PARSE_ERROR"


def test_unmodelled_non_null_fields_get_neutral_values(client):
    body = client.gql("{ shop { id analyticsToken checkoutApiSupported primaryDomain { host } } }")
    assert "errors" not in body
    assert body["data"]["shop"]["checkoutApiSupported"] is False
