"""Daily quotas, fault injection, the control API, the command line, and concurrent
callers."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zoneinfo
from pathlib import Path

import pytest

from sandbox.ebay.server import start_server
from sandbox.ebay.testing import INVENTORY, EbayClient

REPO = Path(__file__).resolve().parents[2]
POLICIES = "/sell/account/v1/fulfillment_policy?marketplace_id=EBAY_MOTORS_US"
ITEMS = f"{INVENTORY}/inventory_item"


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


# ------------------------------------------------------------------------ quotas


def test_a_daily_quota_per_api_answers_429_past_it(client):
    client.control("POST", "quotas", {"limits": {"sell.inventory": 2}})
    assert client.rest("GET", ITEMS).status == 200
    assert client.rest("GET", ITEMS).status == 200
    over = client.rest("GET", ITEMS)
    assert over.status == 429
    assert over.json() == {
        "errors": [
            {
                "errorId": 2001,
                "domain": "ACCESS",
                "category": "REQUEST",
                "message": "Too many requests",
                "longMessage": "The request limit has been reached for the resource.",
            }
        ]
    }
    assert client.rest("GET", POLICIES).status == 200  # another API, another quota
    state = client.control("GET", "quotas")
    assert state["sell.inventory"]["used"] == 2 and state["sell.inventory"]["remaining"] == 0
    assert state["sell.account"]["used"] == 1


def test_quotas_reset_at_the_configured_time(client):
    tz = zoneinfo.ZoneInfo("Europe/London")
    now = dt.datetime.fromisoformat(client.control("GET", "clock")["now"].replace("Z", "+00:00"))
    reset_at = (now.astimezone(tz) + dt.timedelta(minutes=10)).strftime("%H:%M")
    client.control(
        "POST",
        "config",
        {"quota_reset_time": reset_at, "quota_reset_tz": "Europe/London"},
    )
    client.control("POST", "quotas", {"limits": {"sell.account": 1}})
    assert client.rest("GET", POLICIES).status == 200
    assert client.rest("GET", POLICIES).status == 429
    window = client.control("GET", "quotas")["sell.account"]
    reset = dt.datetime.fromisoformat(window["reset"].replace("Z", "+00:00"))
    assert dt.timedelta(minutes=9) < reset - now <= dt.timedelta(minutes=10)
    client.control("POST", "clock", {"advance": 9 * 60})
    assert client.rest("GET", POLICIES).status == 429
    client.control("POST", "clock", {"advance": 2 * 60})
    assert client.rest("GET", POLICIES).status == 200


def test_quota_usage_can_be_set_and_reset(client):
    client.control("POST", "quotas", {"used": {"sell.fulfillment": 5000}})
    assert client.rest("GET", "/sell/fulfillment/v1/order").status == 429
    client.control("POST", "quotas", {"reset": True})
    assert client.rest("GET", "/sell/fulfillment/v1/order").status == 200


# ------------------------------------------------------------------------ faults


def test_429_with_retry_after_for_count_requests(client):
    client.control("POST", "faults", {"status": 429, "count": 2, "retry_after": 1.5})
    first = client.rest("GET", POLICIES)
    assert first.status == 429 and first.headers["Retry-After"] == "1.5"
    assert first.error_ids() == [2001]
    assert client.rest("GET", POLICIES).status == 429
    assert client.rest("GET", POLICIES).status == 200


@pytest.mark.parametrize("status, error_id", [(500, 2003), (502, 3005), (503, 2003), (504, 2003)])
def test_server_errors_in_ebays_shape(client, status, error_id):
    client.control("POST", "faults", {"status": status, "count": 1})
    result = client.rest("GET", POLICIES)
    assert (result.status, result.error_ids()) == (status, [error_id])
    assert client.rest("GET", POLICIES).status == 200


def test_faults_aim_at_one_api_oauth_or_trading(client):
    client.control("POST", "faults", {"status": 503, "target": "sell.inventory"})
    assert client.rest("GET", POLICIES).status == 200
    assert client.rest("GET", ITEMS).status == 503
    client.control("DELETE", "faults")
    client.control("POST", "faults", {"status": 503, "count": 1, "target": "oauth"})
    assert client.rest("GET", ITEMS).status == 200
    token = client.token_request({"grant_type": "refresh_token", "refresh_token": "x"})
    assert token.status == 503
    client.control("POST", "faults", {"status": 500, "count": 1, "target": "tradingapi"})
    result = client.request(
        "POST", "/ws/api.dll", raw=b"<GetItemRequest/>", headers={"X-EBAY-API-CALL-NAME": "GetItem"}
    )
    assert result.status == 500 and b"<ErrorCode>10007</ErrorCode>" in result.body


def test_rate_faults_are_seeded_and_clearable(client):
    client.control("POST", "faults", {"rate": 0.5, "status": 503, "seed": 7})
    statuses = [client.rest("GET", POLICIES).status for _ in range(20)]
    client.control("DELETE", "faults")
    client.control("POST", "faults", {"rate": 0.5, "status": 503, "seed": 7})
    again = [client.rest("GET", POLICIES).status for _ in range(20)]
    assert statuses == again and 503 in statuses and 200 in statuses
    client.control("DELETE", "faults")
    assert all(client.rest("GET", POLICIES).status == 200 for _ in range(5))


def test_slow_answers_and_hangs(client):
    client.control("POST", "faults", {"delay": 0.3, "count": 1})
    start = time.monotonic()
    assert client.rest("GET", POLICIES).status == 200
    assert time.monotonic() - start >= 0.3
    client.control("POST", "faults", {"timeout": True, "seconds": 3, "count": 1})
    with pytest.raises((TimeoutError, OSError)):
        client.rest("GET", POLICIES, timeout=0.5)
    assert client.rest("GET", POLICIES).status == 200


def test_connection_resets(client):
    client.control("POST", "faults", {"reset": True, "count": 1})
    host, port = client.url.split("://")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError)):
        conn.request("GET", POLICIES, headers={"Authorization": f"Bearer {client.token}"})
        conn.getresponse()
    conn.close()
    assert client.rest("GET", POLICIES).status == 200


def test_faults_fired_are_counted_per_kind(client):
    client.control("POST", "faults", {"status": 429, "count": 2})
    client.control("POST", "faults", {"rate": 1.0, "reset": True, "count": 1})
    for _ in range(2):
        client.rest("GET", POLICIES)
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected, OSError)):
        client.rest("GET", POLICIES)
    assert client.control("GET", "faults")["fired"] == {"429": 2, "reset": 1}
    client.control("DELETE", "faults")
    assert client.control("GET", "faults")["fired"] == {}


def test_control_api_errors(client):
    assert client.request("POST", "/_sandbox/faults", {"status": 418}).status == 400
    assert client.request("POST", "/_sandbox/faults", {"status": 500, "target": "x"}).status == 400
    assert client.request("GET", "/_sandbox/nothing").status == 404
    short = client.request(
        "POST", "/_sandbox/orders", {"buyer": "motorhead_mike", "lines": [{"sku": "NOPE"}]}
    )
    assert short.status == 422 and "no active listing" in short.json()["error"]
    assert client.request("POST", "/_sandbox/orders/42/pay").status == 404
    assert client.request("POST", "/_sandbox/config", {"buyer_identity": "email"}).status == 400


def test_reset_restores_the_starting_configuration(client):
    client.control("POST", "config", {"access_token_ttl": 5, "quotas": {"tradingapi": 1}})
    client.control("POST", "reset")
    config = client.control("GET", "config")
    assert config["access_token_ttl"] == 7200 and config["quotas"]["tradingapi"] == 5000
    assert client.state()["listings"] == []  # not reseeded without {"seed": true}
    assert "33564" in {c["category"]["categoryId"] for c in _leaves(client)}


def _leaves(client):
    token = client.application_token()
    tree = client.rest("GET", "/commerce/taxonomy/v1/category_tree/100", token=token).json()
    out, stack = [], [tree["rootCategoryNode"]]
    while stack:
        node = stack.pop()
        stack.extend(node.get("childCategoryTreeNodes", []))
        if node.get("leafCategoryTreeNode"):
            out.append(node)
    return out


# ------------------------------------------------------------------- concurrency


def test_concurrent_orders_never_oversell(client):
    client.list_part("BRK-PAD-1001", quantity=20)
    results: list[int] = []
    lock = threading.Lock()

    def buy():
        for _ in range(5):
            status = client.request(
                "POST",
                "/_sandbox/orders",
                {"buyer": "motorhead_mike", "lines": [{"sku": "BRK-PAD-1001"}]},
            ).status
            with lock:
                results.append(status)

    threads = [threading.Thread(target=buy) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(results)) == [201, 422]
    assert results.count(201) == 20
    state = client.state()
    assert "BRK-PAD-1001" in state["listings_by_sku"]
    assert state["listings_by_sku"]["BRK-PAD-1001"]["quantity"] == 0
    sold = sum(o["lineItems"][0]["quantity"] for o in state["orders"])
    assert sold == 20


def test_concurrent_creates_of_one_offer_make_one(client):
    client.list_part("BRK-PAD-1001", publish=False)
    offers_before = len(client.state()["offers"])
    body = {
        "sku": "BRK-PAD-1001",
        "marketplaceId": "EBAY_US",
        "format": "FIXED_PRICE",
    }
    statuses: list[int] = []

    def create():
        statuses.append(client.rest("POST", f"{INVENTORY}/offer", body).status)

    threads = [threading.Thread(target=create) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [400] * 9
    assert len(client.state()["offers"]) == offers_before + 1


def test_concurrent_quantity_updates_each_land_whole(client):
    skus = [f"C-{n}" for n in range(6)]
    for sku in skus:
        client.list_part(sku, quantity=1)

    def update(value):
        body = {
            "requests": [
                {"sku": s, "shipToLocationAvailability": {"quantity": value}} for s in skus
            ]
        }
        assert client.rest("POST", f"{INVENTORY}/bulk_update_price_quantity", body).status == 200

    threads = [threading.Thread(target=update, args=(v,)) for v in range(2, 12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    by_sku = client.state()["listings_by_sku"]
    assert len({by_sku[s]["quantity"] for s in skus}) == 1  # one call's figure, all SKUs


# ------------------------------------------------------------------ command line


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_cli_starts_a_seeded_server():
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox.ebay",
            "--port",
            str(port),
            "--seed",
            "--token-ttl",
            "600",
            "--quota",
            "tradingapi=1234",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=dict(os.environ),
    )
    try:
        line = proc.stdout.readline().decode()
        assert f"127.0.0.1:{port}" in line
        base = f"http://127.0.0.1:{port}"
        req = urllib.request.Request(base + "/_sandbox/tokens", data=b"{}", method="POST")
        tokens = json.load(urllib.request.urlopen(req, timeout=10))
        assert tokens["expires_in"] == 600
        req = urllib.request.Request(
            base + POLICIES, headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        body = json.load(urllib.request.urlopen(req, timeout=10))
        assert body["fulfillmentPolicies"][0]["fulfillmentPolicyId"] == "6200011000"
        quotas = json.load(urllib.request.urlopen(base + "/_sandbox/quotas", timeout=10))
        assert quotas["tradingapi"]["limit"] == 1234
    finally:
        proc.terminate()
        proc.wait(timeout=10)
