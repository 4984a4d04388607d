"""Basic auth, the rate limit per API key shared by every caller, fault injection,
the control API's own errors, and starting the sandbox from the command line."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from sandbox.shipstation.server import start_server
from sandbox.shipstation.testing import SandboxClient, basic_auth, order_body

REPO = Path(__file__).resolve().parents[2]
CLI_ARGS = ["--rate-limit", "7", "--api-key", "k", "--api-secret", "s"]


@pytest.fixture(scope="module")
def server():
    srv = start_server(
        seed=True,
        credentials={"key-a": "secret-a", "key-b": "secret-b"},
        fault_timeout_seconds=2.0,
    )
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    c = SandboxClient(server.url, key="key-a", secret="secret-a")
    c.control("POST", "reset", {"seed": True})
    return c


def test_requests_need_valid_basic_auth(client):
    assert client.api("GET", "/stores").status == 200
    for headers in (
        {},
        {"Authorization": basic_auth("key-a", "wrong")},
        {"Authorization": basic_auth("nobody", "secret-a")},
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": "Bearer secret-a"},
        {"Authorization": "Basic " + base64.b64encode(b"key-a").decode()},
    ):
        result = client.request("GET", "/stores", headers=headers)
        assert result.status == 401, headers
        assert result.json() == {"Message": "Authorization has been denied for this request."}
        assert "X-Rate-Limit-Remaining" not in result.headers
    assert client.api("GET", "/stores", key="key-b", secret="secret-b").status == 200


def test_rate_limit_headers_on_every_answer(client):
    first = client.api("GET", "/carriers")
    assert first.headers["X-Rate-Limit-Limit"] == "40"
    assert first.headers["X-Rate-Limit-Remaining"] == "39"
    assert 0 < int(first.headers["X-Rate-Limit-Reset"]) <= 60
    not_found = client.api("GET", "/orders/1")
    assert not_found.status == 404 and not_found.headers["X-Rate-Limit-Remaining"] == "38"
    unknown = client.api("GET", "/nothing/here")
    assert unknown.status == 404 and unknown.headers["X-Rate-Limit-Remaining"] == "37"
    assert "No HTTP resource" in unknown.json()["Message"]


def test_429_past_the_limit_with_the_reset_and_a_window_per_key(client):
    client.control("POST", "ratelimit", {"limit": 5, "window": 1.5})
    statuses = [client.api("GET", "/stores").status for _ in range(5)]
    assert statuses == [200] * 5
    refused = client.api("GET", "/stores")
    assert refused.status == 429 and refused.json() == {"message": "Too Many Requests"}
    assert refused.headers["X-Rate-Limit-Remaining"] == "0"
    assert refused.headers["X-Rate-Limit-Reset"] in ("1", "2")
    # another key has its own window
    assert client.api("GET", "/stores", key="key-b", secret="secret-b").status == 200
    time.sleep(int(refused.headers["X-Rate-Limit-Reset"]) + 0.05)
    again = client.api("GET", "/stores")
    assert again.status == 200 and again.headers["X-Rate-Limit-Remaining"] == "4"
    state = client.control("GET", "ratelimit")
    assert state["limit"] == 5 and state["rejected"] == 1


def test_the_limit_is_shared_by_every_caller_of_a_key(client):
    client.control("POST", "ratelimit", {"limit": 12, "window": 30})
    statuses = []
    lock = threading.Lock()

    def caller():
        mine = SandboxClient(client.url, key="key-a", secret="secret-a")
        for _ in range(5):
            status = mine.api("GET", "/warehouses").status
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=caller) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) == 12 and statuses.count(429) == 8


def test_control_can_drain_the_window(client):
    client.control("POST", "ratelimit", {"used": 40, "api_key": "key-a"})
    assert client.api("GET", "/stores").status == 429
    client.control("POST", "ratelimit", {"reset": True})
    assert client.api("GET", "/stores").status == 200


def test_status_faults_count_down_and_are_counted(client):
    client.control("POST", "faults", {"status": 503, "count": 2, "path": "/orders"})
    assert client.api("GET", "/stores").status == 200  # another path
    assert [client.api("GET", "/orders").status for _ in range(3)] == [503, 503, 200]
    client.control("POST", "faults", {"status": 500, "count": 1})
    failed = client.api("POST", "/orders/createorder", order_body("F500"))
    assert failed.status == 500 and failed.json()["ExceptionMessage"]
    assert client.ok("GET", "/orders")["total"] == 0  # a failed call changed nothing
    client.control("POST", "faults", {"status": 429, "count": 1, "retry_after": 7})
    throttled = client.api("GET", "/stores")
    assert throttled.status == 429 and throttled.headers["X-Rate-Limit-Reset"] == "7"
    assert client.control("GET", "faults")["fired"] == {"503": 2, "500": 1, "429": 1}
    client.control("DELETE", "faults")
    assert client.control("GET", "faults") == {"faults": [], "fired": {}}


def test_rate_faults_are_seeded(client):
    client.control("POST", "faults", {"rate": 0.5, "status": 502, "seed": 3})
    first = [client.api("GET", "/stores").status for _ in range(20)]
    client.control("DELETE", "faults")
    client.control("POST", "faults", {"rate": 0.5, "status": 502, "seed": 3})
    second = [client.api("GET", "/stores").status for _ in range(20)]
    client.control("DELETE", "faults")
    assert first == second and {200, 502} == set(first)


def test_slow_answers_hangs_and_resets(client):
    client.control("POST", "faults", {"delay": 0.4, "count": 1})
    started = time.monotonic()
    assert client.api("GET", "/stores").status == 200
    assert time.monotonic() - started >= 0.4
    client.control("POST", "faults", {"timeout": True, "seconds": 2, "count": 1})
    with pytest.raises((TimeoutError, OSError)):
        client.api("GET", "/stores", timeout=0.5)
    client.control("POST", "faults", {"reset": True, "count": 1})
    with pytest.raises(ConnectionError):
        client.api("GET", "/stores")
    assert client.api("GET", "/stores").status == 200
    assert client.control("GET", "faults")["fired"] == {"delay": 1, "timeout": 1, "reset": 1}


def test_control_api_errors_and_state(client):
    assert client.request("POST", "/_sandbox/faults", {"status": 418}).status == 400
    assert client.request("POST", "/_sandbox/faults", {"count": 1}).status == 400
    assert client.request("GET", "/_sandbox/nothing").status == 404
    assert client.request("POST", "/_sandbox/seed", raw=b"[1]").status == 400
    assert client.request("POST", "/_sandbox/config", {"rate_limit": 0}).status == 400
    assert client.request("POST", "/_sandbox/webhooks/faults", {"count": 1}).status == 400
    client.ok("POST", "/orders/createorder", order_body("ST1"))
    state = client.state()
    assert {
        "stores",
        "warehouses",
        "carriers",
        "orders",
        "shipments",
        "webhooks",
        "webhook_deliveries",
        "ratelimit",
        "calls",
        "log",
    } <= set(state)
    assert state["calls"]["POST /orders/createorder"] == 1
    assert state["config"]["credentials"] == {"key-a": "***", "key-b": "***"}
    assert state["orders"][0]["remaining"]
    client.control("POST", "reset")
    assert client.state()["orders"] == [] and client.state()["carriers"] == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_cli_starts_a_seeded_server():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox.shipstation", "--port", str(port), "--seed", *CLI_ARGS],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=dict(os.environ),
    )
    try:
        assert f"127.0.0.1:{port}" in proc.stdout.readline().decode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/carriers", headers={"Authorization": basic_auth("k", "s")}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.headers["X-Rate-Limit-Limit"] == "7"
            assert b"ups_walleted" in resp.read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
