"""Bulk query (JSONL results) and bulk mutation through a staged upload."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from sandbox.shopify.server import start_server
from sandbox.shopify.testing import SandboxClient

RUN_QUERY = """mutation($q: String!) { bulkOperationRunQuery(query: $q) {
  bulkOperation { id status type } userErrors { field message code } } }"""

POLL = """query($id: ID!) { node(id: $id) { ... on BulkOperation {
  id status objectCount rootObjectCount url fileSize errorCode completedAt } } }"""


@pytest.fixture(scope="module")
def server():
    srv = start_server(bulk_step_delay=0.05)
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    c = SandboxClient(server.url)
    c.control("POST", "reset", {"seed": True})
    return c


def wait_done(client, op_id, timeout=10.0):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        op = client.gql(POLL, {"id": op_id})["data"]["node"]
        if not seen or seen[-1] != op["status"]:
            seen.append(op["status"])
        if op["status"] in ("COMPLETED", "FAILED", "CANCELED"):
            return op, seen
        time.sleep(0.02)
    raise AssertionError(f"bulk operation still {seen}")


def fetch(client, url):
    path = url[len(client.url) :]
    result = client.request("GET", path)
    assert result.status == 200
    return [json.loads(line) for line in result.body.decode().splitlines()]


def test_bulk_query_produces_jsonl(client):
    query = """{ products { edges { node { id title
        variants { edges { node { id sku price } } } } } } }"""
    started = client.gql(RUN_QUERY, {"q": query})["data"]["bulkOperationRunQuery"]
    assert started["userErrors"] == []
    assert started["bulkOperation"]["status"] == "CREATED"
    op, seen = wait_done(client, started["bulkOperation"]["id"])
    assert seen[-1] == "COMPLETED"
    assert op["objectCount"] == "8" and op["rootObjectCount"] == "3"
    lines = fetch(client, op["url"])
    products = [x for x in lines if "__parentId" not in x]
    variants = [x for x in lines if "__parentId" in x]
    assert [p["title"] for p in products] == ["Brake Pad Set", "Oil Filter", "Spark Plug"]
    assert {v["sku"] for v in variants} == {
        "BP-100-F",
        "BP-100-R",
        "OF-200",
        "SP-300-08",
        "SP-300-10",
    }
    first_product = products[0]["id"]
    assert {v["sku"] for v in variants if v["__parentId"] == first_product} == {
        "BP-100-F",
        "BP-100-R",
    }
    current = client.gql("{ currentBulkOperation(type: QUERY) { id status url } }")["data"][
        "currentBulkOperation"
    ]
    assert current["id"] == op["id"] and current["status"] == "COMPLETED"
    assert int(op["fileSize"]) > 0


def test_bulk_query_rejects_invalid_query(client):
    body = client.gql(RUN_QUERY, {"q": "{ products { edges { node { nope } } } }"})
    errors = body["data"]["bulkOperationRunQuery"]["userErrors"]
    assert errors[0]["code"] == "INVALID" and errors[0]["field"] == ["query"]


def test_bulk_mutation_via_staged_upload(client):
    staged = client.gql("""mutation { stagedUploadsCreate(input: [{
        resource: BULK_MUTATION_VARIABLES,
        filename: "vars.jsonl", mimeType: "text/jsonl", httpMethod: POST}]) {
        stagedTargets { url resourceUrl parameters { name value } } userErrors { message } } }""")
    target = staged["data"]["stagedUploadsCreate"]["stagedTargets"][0]
    params = {p["name"]: p["value"] for p in target["parameters"]}
    lines = [
        {
            "input": {
                "title": f"Bulk Part {i}",
                "productOptions": [{"name": "Title", "values": [{"name": "Default Title"}]}],
                "variants": [
                    {
                        "optionValues": [{"optionName": "Title", "name": "Default Title"}],
                        "inventoryItem": {"sku": f"BULK-{i}"},
                        "price": "1.00",
                    }
                ],
            }
        }
        for i in range(3)
    ]
    jsonl = "".join(json.dumps(x) + "\n" for x in lines).encode()
    boundary = uuid.uuid4().hex
    parts = b""
    for name, value in params.items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts += f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode()
    parts += (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="vars.jsonl"\r\n'
            f"Content-Type: text/jsonl\r\n\r\n"
        ).encode()
        + jsonl
        + f"\r\n--{boundary}--\r\n".encode()
    )
    upload = client.request(
        "POST",
        target["url"][len(client.url) :],
        raw=parts,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert upload.status == 201

    mutation = """mutation call($input: ProductSetInput!) { productSet(
        input: $input, synchronous: true) {
        product { id title } userErrors { message } } }"""
    run = client.gql(
        """mutation($m: String!, $p: String!) { bulkOperationRunMutation(
        mutation: $m, stagedUploadPath: $p) {
        bulkOperation { id status type } userErrors { message code } } }""",
        {"m": mutation, "p": params["key"]},
    )
    payload = run["data"]["bulkOperationRunMutation"]
    assert payload["userErrors"] == [] and payload["bulkOperation"]["type"] == "MUTATION"
    op, _ = wait_done(client, payload["bulkOperation"]["id"])
    assert op["status"] == "COMPLETED" and op["objectCount"] == "3"
    results = fetch(client, op["url"])
    assert [r["__lineNumber"] for r in results] == [0, 1, 2]
    assert results[2]["data"]["productSet"]["product"]["title"] == "Bulk Part 2"
    assert "BULK-1" in client.state()["variants_by_sku"]

    missing = client.gql(
        """mutation($m: String!) { bulkOperationRunMutation(
        mutation: $m, stagedUploadPath: "tmp/none") {
        userErrors { code } } }""",
        {"m": mutation},
    )
    assert missing["data"]["bulkOperationRunMutation"]["userErrors"][0]["code"] == "NO_SUCH_FILE"
