"""The contracts: copied unchanged, every route one of their operations, every JSON
body validated against its schema, every API error one eBay documents."""

from __future__ import annotations

import hashlib
import re

import pytest

from sandbox.ebay import contract, errors, routes
from sandbox.ebay.app import EbayApp  # noqa: F401  (registers the routes)
from sandbox.ebay.server import start_server
from sandbox.ebay.testing import EbayClient


def _recorded_digests() -> dict:
    """The table of contracts/ORIGIN.md: file -> sha256."""
    text = (contract.CONTRACTS_DIR / "ORIGIN.md").read_text()
    return dict(re.findall(r"^\| `(\w+\.json)` \|.*\| `([0-9a-f]{64})` \|$", text, re.M))


def test_the_copied_contracts_are_eBays_files_unchanged():
    recorded = _recorded_digests()
    assert sorted(recorded) == sorted(contract.CONTRACT_FILES.values())
    for name, digest in recorded.items():
        data = (contract.CONTRACTS_DIR / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name


def test_every_contract_route_is_a_contract_operation():
    served = [r for r in routes.ROUTES if r.api in contract.CONTRACT_FILES]
    assert len(served) > 50
    for route in served:
        op = contract.operation(route.operation_id, route.api)
        assert (route.method, route.template) == (op.method, op.path)
        assert route.template.startswith(
            (
                "/sell/",
                "/commerce/taxonomy/",
                "/commerce/notification/",
                "/commerce/message/",
                "/commerce/identity/",
            )
        )


def test_the_image_routes_are_the_media_apis_paths():
    media = {(r.method, r.template) for r in routes.ROUTES if r.api == "commerce.media"}
    assert media == {
        ("POST", "/commerce/media/v1_beta/image/create_image_from_file"),
        ("POST", "/commerce/media/v1_beta/image/create_image_from_url"),
        ("GET", "/commerce/media/v1_beta/image/{image_id}"),
    }


def test_aspects_are_objects_of_string_arrays_by_the_overlay():
    assert (
        contract.first_violation(
            "sell.inventory", "InventoryItem", {"product": {"aspects": {"Brand": ["Bosch"]}}}
        )
        is None
    )
    assert (
        contract.first_violation(
            "sell.inventory", "InventoryItem", {"product": {"aspects": "Brand=Bosch"}}
        )
        == "product.aspects"
    )
    raw = contract.contract("sell.inventory").document["components"]["schemas"]["Product"]
    assert raw["properties"]["aspects"]["type"] == "string"  # the file itself is unchanged


def test_an_undocumented_error_id_cannot_be_answered():
    with pytest.raises(KeyError):
        errors.api_error("sell.inventory", "getOffer", 25702)
    err = errors.api_error("sell.inventory", "getOffer", 25713, additionalInfo="42")
    assert err.status == 400
    assert err.errors[0] == {
        "errorId": 25713,
        "domain": "API_INVENTORY",
        "category": "REQUEST",
        "message": "This Offer is not available : 42.",
        "longMessage": "This Offer is not available : 42.",
    }


def _wrong_value(schema: dict, components: dict):
    """A value of the wrong JSON type for ``schema``."""
    if "$ref" in schema:
        return "not-an-object"
    kind = schema.get("type")
    return {"string": 12345, "integer": "x", "number": "x", "boolean": "x", "array": "x"}.get(
        kind, "not-an-object"
    )


def _body_routes():
    out = []
    for route in routes.ROUTES:
        if route.api not in contract.CONTRACT_FILES or route.method not in ("POST", "PUT"):
            continue
        op = contract.operation(route.operation_id, route.api)
        if op.body_schema:
            out.append(route)
    return out


@pytest.fixture(scope="module")
def client():
    server = start_server(seed=True)
    c = EbayClient(server.url)
    c.authorize()
    yield c
    server.stop()


@pytest.mark.parametrize("route", _body_routes(), ids=lambda r: r.operation_id)
def test_every_json_body_is_validated_against_its_contract_schema(client, route):
    """One wrongly typed field per operation: eBay's 2004 naming the field."""
    doc = contract.contract(route.api)
    schema = doc.components["schemas"][
        contract.operation(route.operation_id, route.api).body_schema
    ]
    name, prop = sorted(schema["properties"].items())[0]
    path = re.sub(r"\{\w+\}", "sandbox-key", route.template)
    result = client.rest(route.method, path, {name: _wrong_value(prop, doc.components)})
    assert result.status == 400, (route.operation_id, result.body)
    (err,) = result.json()["errors"]
    assert err["errorId"] == 2004 and err["domain"] == "ACCESS"
    assert err["parameters"] == [{"name": "reason", "value": f"Could not serialize field [{name}]"}]


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"{not json", "Could not parse the request body"),
        (b"", "The request body is missing."),
    ],
)
def test_unparseable_bodies_are_invalid_requests(client, body, reason):
    result = client.rest("PUT", "/sell/inventory/v1/inventory_item/SKU-1", raw=body)
    assert result.status == 400
    assert result.error_ids() == [2004]
    assert result.json()["errors"][0]["parameters"][0]["value"].startswith(reason)


def test_a_condition_outside_condition_enum_cannot_be_deserialised(client):
    # eBay answers a condition sent as a condition id ("3000") with 2004.
    result = client.rest("PUT", "/sell/inventory/v1/inventory_item/SKU-1", {"condition": "3000"})
    assert result.error_ids() == [2004]
    assert "Could not serialize field [condition]" in result.body.decode()


def test_nested_violations_name_their_full_path(client):
    result = client.rest(
        "POST",
        "/sell/inventory/v1/bulk_update_price_quantity",
        {"requests": [{"sku": "A", "shipToLocationAvailability": {"quantity": "five"}}]},
    )
    reason = result.json()["errors"][0]["parameters"][0]["value"]
    assert reason == "Could not serialize field [requests[0].shipToLocationAvailability.quantity]"


def test_a_missing_content_language_is_refused(client):
    result = client.request(
        "PUT",
        "/sell/inventory/v1/inventory_item/SKU-1",
        {"condition": "NEW"},
        headers={"Authorization": f"Bearer {client.token}"},
    )
    assert result.status == 400 and result.error_ids() == [25709]


def test_unknown_paths_are_not_resolved(client):
    result = client.rest("GET", "/sell/inventory/v1/nothing_here")
    assert result.status == 404 and result.error_ids() == [2002]
