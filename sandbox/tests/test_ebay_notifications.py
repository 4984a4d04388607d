"""Notification API getPublicKey, signed notifications verified as a receiver would
(key fetched by kid), forged ones refused, and the endpoint challenge."""

from __future__ import annotations

import base64
import hashlib
import json
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sandbox.ebay import contract
from sandbox.ebay.server import start_server
from sandbox.ebay.testing import EbayClient

TOKEN = "a-verification-token-of-32-chars-or-more"


class Receiver:
    """An account-deletion endpoint: answers the challenge, verifies signatures with
    the keys it fetches from getPublicKey, keeps what it accepted."""

    def __init__(self, client: EbayClient):
        self.client = client
        self.app_token = client.application_token()
        self.accepted: list[dict] = []
        self.refused: list[str] = []
        self.keys_fetched: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: dict | None = None):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                code = parse_qs(urlsplit(self.path).query)["challenge_code"][0]
                digest = hashlib.sha256((code + TOKEN + receiver.endpoint).encode()).hexdigest()
                self._answer(200, {"challengeResponse": digest})

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                reason = receiver.verify(self.headers.get("X-EBAY-SIGNATURE"), body)
                if reason:
                    receiver.refused.append(reason)
                    self._answer(412, {"error": reason})
                else:
                    receiver.accepted.append(json.loads(body))
                    self._answer(204)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}/ebay/account-deletion"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def public_key(self, kid: str):
        self.keys_fetched.append(kid)
        result = self.client.rest(
            "GET", f"/commerce/notification/v1/public_key/{kid}", token=self.app_token
        )
        if result.status != 200:
            return None
        key = result.json()
        body = (
            key["key"]
            .replace("-----BEGIN PUBLIC KEY-----", "")
            .replace("-----END PUBLIC KEY-----", "")
        )
        pem = "-----BEGIN PUBLIC KEY-----\n" + "\n".join(textwrap.wrap(body, 64))
        return serialization.load_pem_public_key((pem + "\n-----END PUBLIC KEY-----\n").encode())

    def verify(self, header: str | None, body: bytes) -> str | None:
        if not header:
            return "unsigned"
        try:
            signature = json.loads(base64.b64decode(header))
        except ValueError:
            return "malformed header"
        key = self.public_key(signature["kid"])
        if key is None:
            return "unknown key"
        try:
            key.verify(base64.b64decode(signature["signature"]), body, ec.ECDSA(hashes.SHA1()))
        except InvalidSignature:
            return "bad signature"
        return None

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server():
    srv = start_server(seed=True)
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    c = EbayClient(server.url)
    c.control("POST", "reset", {"seed": True})
    return c


@pytest.fixture
def receiver(client):
    r = Receiver(client)
    client.control(
        "POST",
        "config",
        {"notification_endpoint": r.endpoint, "notification_verification_token": TOKEN},
    )
    yield r
    r.stop()


def test_get_public_key_as_ebay_answers_it(client):
    token = client.application_token()
    kid = client.control("GET", "config")["notification_key_id"]
    result = client.rest("GET", f"/commerce/notification/v1/public_key/{kid}", token=token)
    body = result.json()
    assert contract.validate_response("commerce.notification", "PublicKey", body) == []
    assert body["algorithm"] == "ECDSA" and body["digest"] == "SHA1"
    assert body["key"].startswith("-----BEGIN PUBLIC KEY-----MFkw")  # one line, P-256
    assert "\n" not in body["key"]
    missing = client.rest("GET", "/commerce/notification/v1/public_key/unknown", token=token)
    assert (missing.status, missing.error_ids()) == (404, [195001])


def test_the_key_is_deterministic_per_seed(client):
    token = client.application_token()
    kid = client.control("GET", "config")["notification_key_id"]
    first = client.rest("GET", f"/commerce/notification/v1/public_key/{kid}", token=token).json()
    client.control("POST", "reset")
    again = client.rest(
        "GET", f"/commerce/notification/v1/public_key/{kid}", token=client.application_token()
    ).json()
    assert first == again


def test_a_signed_account_deletion_verifies_with_the_public_key(client, receiver):
    delivery = client.control("POST", "notifications", {"buyer": "motorhead_mike"})
    assert delivery["status"] == 204, delivery
    (message,) = receiver.accepted
    assert message["metadata"] == {
        "topic": "MARKETPLACE_ACCOUNT_DELETION",
        "schemaVersion": "1.0",
        "deprecated": False,
    }
    assert message["notification"]["data"] == {
        "username": "motorhead_mike",
        "userId": "f8Zw2q1KxLp",
        "eiasToken": "nY+sHZ2PrBmdj6wVnY+sEZ2PrA2dj6AElIGkC5aGpAidj6x9nY+seQ==",
    }
    assert message["notification"]["publishAttemptCount"] == 1
    header = json.loads(base64.b64decode(delivery["headers"]["X-EBAY-SIGNATURE"]))
    assert set(header) == {"alg", "kid", "signature", "digest"}
    assert header["alg"] == "ECDSA" and header["digest"] == "SHA1"
    assert receiver.keys_fetched == [header["kid"]]


@pytest.mark.parametrize(
    "forge, reason",
    [
        ("tampered", "bad signature"),
        ("wrong_key", "bad signature"),
        ("unknown_kid", "unknown key"),
        ("unsigned", "unsigned"),
        ("garbage", "malformed header"),
    ],
)
def test_forged_notifications_fail_verification(client, receiver, forge, reason):
    delivery = client.control("POST", "notifications", {"buyer": "motorhead_mike", "forge": forge})
    assert delivery["status"] == 412
    assert receiver.refused == [reason] and receiver.accepted == []
    assert delivery["forged"] == forge


def test_key_rotation_keeps_old_keys_verifiable(client, receiver):
    old = client.control("GET", "config")["notification_key_id"]
    new = client.control("POST", "notifications/keys/rotate")["kid"]
    assert new != old
    client.control("POST", "notifications", {"buyer": "brakes4less"})
    assert receiver.keys_fetched == [new]
    token = client.application_token()
    assert (
        client.rest("GET", f"/commerce/notification/v1/public_key/{old}", token=token).status == 200
    )


def test_deletion_in_immutable_mode_carries_the_user_id_twice(client, receiver):
    client.control("POST", "config", {"buyer_identity": "immutable"})
    client.control("POST", "notifications", {"buyer": "brakes4less"})
    data = receiver.accepted[0]["notification"]["data"]
    assert data["username"] == data["userId"] == "k2Rt7nQw9Ez"


def test_the_challenge(client, receiver):
    result = client.control("POST", "notifications/challenge")
    assert result["ok"] is True and result["status"] == 200
    expected = hashlib.sha256(
        (result["challenge_code"] + TOKEN + receiver.endpoint).encode()
    ).hexdigest()
    assert result["received"] == result["expected"] == expected
    client.control("POST", "config", {"notification_verification_token": "another-token"})
    assert client.control("POST", "notifications/challenge")["ok"] is False


def test_only_loopback_endpoints_are_contacted(client):
    client.control("POST", "config", {"notification_endpoint": "https://example.com/hook"})
    delivery = client.control("POST", "notifications", {"buyer": "brakes4less"})
    assert delivery["status"] is None and "refused" in delivery["error"]
    assert client.control("POST", "notifications/challenge")["ok"] is False


def test_a_down_endpoint_is_recorded(client):
    client.control("POST", "config", {"notification_endpoint": "http://127.0.0.1:9/down"})
    delivery = client.control("POST", "notifications", {"buyer": "brakes4less"})
    assert delivery["status"] is None and delivery["error"]
    assert client.control("GET", "notifications")["deliveries"][-1]["topic"] == (
        "MARKETPLACE_ACCOUNT_DELETION"
    )
