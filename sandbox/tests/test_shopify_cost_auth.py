"""Query cost extensions, leaky-bucket throttling, max cost, tokens and the
client-credentials grant."""

from __future__ import annotations

import time
import urllib.parse

import pytest

from sandbox.shopify.server import start_server
from sandbox.shopify.testing import SandboxClient

INVALID = "[API] Invalid API key or access token (unrecognized login or wrong password)"


@pytest.fixture
def server():
    srv = start_server(seed=True)
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    return SandboxClient(server.url)


def test_cost_extension_requested_and_actual(client):
    body = client.gql("{ products(first: 10) { edges { node { id title } } } }")
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 12  # 2 + 10 * 1
    assert cost["actualQueryCost"] == 5  # 2 + 3 products returned
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == 2000.0 and status["restoreRate"] == 100.0
    assert status["currentlyAvailable"] <= 2000 - 5
    assert client.gql("{ shop { name } }")["extensions"]["cost"]["requestedQueryCost"] == 1
    mutation = """mutation { webhookSubscriptionDelete(id: "gid://shopify/WebhookSubscription/1") {
        userErrors { message } } }"""
    assert client.gql(mutation)["extensions"]["cost"]["requestedQueryCost"] == 10


def test_throttled_when_bucket_is_dry(client):
    client.control("POST", "config", {"bucket_size": 50, "restore_rate": 10})
    query = "{ products(first: 20) { nodes { id } } }"  # requested 22
    first = client.gql(query)
    assert "data" in first
    client.control("POST", "throttle", {"currentlyAvailable": 5})
    body = client.gql(query)
    assert body["errors"][0]["message"] == "Throttled"
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert "data" not in body
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 22 and cost["actualQueryCost"] is None
    assert cost["throttleStatus"]["maximumAvailable"] == 50.0
    assert cost["throttleStatus"]["currentlyAvailable"] < 22
    time.sleep(2.0)  # 10 points/s restore
    assert "data" in client.gql(query)


def test_plans_set_restore_rate(client):
    client.control("POST", "config", {"plan": "plus"})
    status = client.gql("{ shop { id } }")["extensions"]["cost"]["throttleStatus"]
    assert status["restoreRate"] == 1000.0 and status["maximumAvailable"] == 20000.0
    client.control("POST", "config", {"plan": "advanced"})
    assert (
        client.gql("{ shop { id } }")["extensions"]["cost"]["throttleStatus"]["restoreRate"]
        == 200.0
    )


def test_max_cost_exceeded(client):
    q = "{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }"
    body = client.gql(q)
    err = body["errors"][0]
    assert err["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert err["extensions"]["maxCost"] == 1000
    assert body["extensions"]["cost"]["requestedQueryCost"] > 1000


def test_missing_or_wrong_token_is_401(client):
    for token in ("", "shpat_wrong"):
        result = client.gql_raw("{ shop { id } }", token=token)
        assert result.status == 401
        assert result.json() == {"errors": INVALID}


def _token_request(client, body, as_json=True):
    if as_json:
        return client.request("POST", "/admin/oauth/access_token", body)
    raw = urllib.parse.urlencode(body).encode()
    return client.request(
        "POST",
        "/admin/oauth/access_token",
        raw=raw,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def test_client_credentials_grant_and_expiry(client):
    client.control(
        "POST", "config", {"client_id": "cid", "client_secret": "csecret", "token_ttl": 1}
    )
    creds = {"client_id": "cid", "client_secret": "csecret", "grant_type": "client_credentials"}
    form = _token_request(client, creds, as_json=False)
    assert form.status == 200
    grant = form.json()
    assert set(grant) == {"access_token", "scope", "expires_in"} and grant["expires_in"] == 1
    assert "write_products" in grant["scope"]
    assert client.gql_raw("{ shop { id } }", token=grant["access_token"]).status == 200
    time.sleep(1.2)
    expired = client.gql_raw("{ shop { id } }", token=grant["access_token"])
    assert expired.status == 401 and expired.json() == {"errors": INVALID}

    as_json = _token_request(client, creds)
    assert as_json.status == 200
    bad = _token_request(client, dict(creds, client_secret="nope"))
    assert bad.status == 400 and bad.json()["error"] == "invalid_client"
    wrong_grant = _token_request(client, dict(creds, grant_type="authorization_code"))
    assert wrong_grant.status == 400
