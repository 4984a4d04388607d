"""Fault injection, the control API basics, and starting the process from the CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sandbox.shopify.server import start_server
from sandbox.shopify.testing import SandboxClient

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server():
    srv = start_server(seed=True)
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    c = SandboxClient(server.url)
    c.control("DELETE", "faults")
    return c


def test_429_with_retry_after_for_count_requests(client):
    client.control("POST", "faults", {"status": 429, "count": 2, "retry_after": 1.5})
    first = client.gql_raw("{ shop { id } }")
    assert first.status == 429 and first.headers["Retry-After"] == "1.5"
    assert "Exceeded" in first.json()["errors"]
    assert client.gql_raw("{ shop { id } }").status == 429
    assert client.gql_raw("{ shop { id } }").status == 200


def test_500_and_503(client):
    client.control("POST", "faults", {"status": 500, "count": 1})
    assert client.gql_raw("{ shop { id } }").status == 500
    client.control("POST", "faults", {"status": 503, "count": 1})
    assert client.gql_raw("{ shop { id } }").status == 503
    assert client.gql_raw("{ shop { id } }").status == 200


def test_rate_fault_is_seeded_and_clearable(client):
    client.control("POST", "faults", {"rate": 0.5, "status": 503, "seed": 7})
    statuses = [client.gql_raw("{ shop { id } }").status for _ in range(20)]
    assert 503 in statuses and 200 in statuses
    client.control("DELETE", "faults")
    assert all(client.gql_raw("{ shop { id } }").status == 200 for _ in range(5))


def test_delay_and_timeout(client):
    client.control("POST", "faults", {"delay": 0.4, "count": 1})
    start = time.monotonic()
    assert client.gql_raw("{ shop { id } }").status == 200
    assert time.monotonic() - start >= 0.4
    client.control("POST", "faults", {"timeout": True, "seconds": 3, "count": 1})
    start = time.monotonic()
    with pytest.raises((TimeoutError, OSError)):
        client.gql_raw("{ shop { id } }", timeout=0.5)
    assert time.monotonic() - start < 2.5
    assert client.gql_raw("{ shop { id } }").status == 200


def test_faults_fired_are_counted_per_kind_until_cleared(client):
    client.control("POST", "faults", {"status": 429, "count": 2})
    client.control("POST", "faults", {"rate": 1.0, "status": 502, "count": 1})
    client.control("POST", "faults", {"rate": 1.0, "timeout": True, "seconds": 0.2, "count": 1})
    statuses = [client.gql_raw("{ shop { id } }").status for _ in range(3)]
    with pytest.raises((TimeoutError, OSError)):
        client.gql_raw("{ shop { id } }")
    assert client.gql_raw("{ shop { id } }").status == 200
    assert statuses == [429, 429, 502]
    assert client.control("GET", "faults")["fired"] == {"429": 2, "502": 1, "timeout": 1}
    client.control("DELETE", "faults")
    assert client.control("GET", "faults")["fired"] == {}


def test_oauth_target_fault(client):
    client.control("POST", "faults", {"status": 503, "count": 1, "target": "oauth"})
    assert client.gql_raw("{ shop { id } }").status == 200
    token = client.request(
        "POST", "/admin/oauth/access_token", {"grant_type": "client_credentials"}
    )
    assert token.status == 503


def test_control_api_errors_and_state(client):
    assert client.request("POST", "/_sandbox/faults", {"status": 418}).status == 400
    assert client.request("GET", "/_sandbox/nothing").status == 404
    assert (
        client.request("POST", "/_sandbox/orders", {"line_items": [{"sku": "NOPE"}]}).status == 422
    )
    state = client.state()
    assert {
        "products",
        "variants_by_sku",
        "inventory",
        "orders",
        "fulfillments",
        "webhook_deliveries",
    } <= set(state)
    client.control("POST", "reset")
    assert client.state()["products"] == []
    created = client.control(
        "POST",
        "seed",
        {
            "locations": [{"name": "Depot"}],
            "products": [
                {
                    "title": "Fan Belt",
                    "variants": [{"sku": "FB-1", "price": "9.99", "inventory": {"Depot": 4}}],
                }
            ],
        },
    )
    assert len(created["created"]["products"]) == 1
    assert client.state()["inventory_by_sku"]["FB-1"]["Depot"]["available"] == 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_cli_starts_a_server():
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox.shopify",
            "--port",
            str(port),
            "--plan",
            "advanced",
            "--bucket-size",
            "300",
            "--seed",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=dict(os.environ),
    )
    try:
        line = proc.stdout.readline().decode()
        assert f"127.0.0.1:{port}" in line
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/admin/api/2026-10/graphql.json",
            data=json.dumps({"query": "{ shop { name } }"}).encode(),
            headers={"X-Shopify-Access-Token": "shpat_sandbox", "Content-Type": "application/json"},
        )
        body = json.load(urllib.request.urlopen(req, timeout=10))
        assert body["data"]["shop"]["name"] == "Sandbox Motor Parts"
        status = body["extensions"]["cost"]["throttleStatus"]
        assert status["maximumAvailable"] == 300.0 and status["restoreRate"] == 200.0
        assert status["currentlyAvailable"] in (299, 300)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
