"""Notification API getPublicKey, and notifications signed and sent as eBay sends them.

The scheme, as eBay's event-notification SDKs verify it
(github.com/eBay/event-notification-java-sdk, ``SignatureValidator``):

- header ``X-EBAY-SIGNATURE`` = base64 of the JSON
  ``{"alg": "ECDSA", "kid": <public key id>, "signature": <base64 DER ECDSA>,
  "digest": "SHA1"}``;
- the signature is ECDSA with SHA-1 over the JSON message body (the SDK verifies the
  re-serialised message; the sandbox sends compact JSON, so the raw body and its
  re-serialisation are the same bytes);
- the key is fetched by its ``kid`` with getPublicKey, which answers
  ``{"key": "-----BEGIN PUBLIC KEY-----MFkw...-----END PUBLIC KEY-----",
  "algorithm": "ECDSA", "digest": "SHA1"}``: one line, no newlines inside the PEM
  (eBay's SDK test data), so a client must re-wrap it before loading it.

The marketplace account deletion endpoint is validated with a GET carrying
``challenge_code``; it must answer ``{"challengeResponse": hex(sha256(challengeCode +
verificationToken + endpoint))}`` (the SDK's ``EndpointValidator``).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .routes import Response, rest

API = "commerce.notification"
SIGNATURE_HEADER = "X-EBAY-SIGNATURE"
FORGERIES = ("tampered", "wrong_key", "unknown_kid", "unsigned", "garbage")


def _derive(seed: str) -> ec.EllipticCurvePrivateKey:
    order = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)
    value = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big") % (order - 1) + 1
    return ec.derive_private_key(value, ec.SECP256R1())


def one_line_pem(public_key) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return (
        "-----BEGIN PUBLIC KEY-----"
        + base64.b64encode(der).decode("ascii")
        + "-----END PUBLIC KEY-----"
    )


def challenge_response(code: str, token: str, endpoint: str) -> str:
    digest = hashlib.sha256()
    for part in (code, token, endpoint):
        digest.update(part.encode("utf-8"))
    return digest.hexdigest()


def compact(message: dict) -> bytes:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Notifier:
    def __init__(self, app):
        self.app = app
        self._lock = threading.Lock()
        self.deliveries: list[dict] = []
        self.keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.deliveries = []
            config = self.app.config
            self.keys = {config.notification_key_id: _derive(f"{config.notification_key_seed}:0")}

    @property
    def kid(self) -> str:
        return self.app.config.notification_key_id

    def rotate(self) -> str:
        """A new signing key (and key id); the old ones stay published."""
        with self._lock:
            count = len(self.keys)
            kid = str(uuid.UUID(bytes=hashlib.md5(f"kid{count}".encode()).digest()))
            self.keys[kid] = _derive(f"{self.app.config.notification_key_seed}:{count}")
            self.app.config.notification_key_id = kid
            return kid

    def public_key(self, kid: str) -> dict | None:
        key = self.keys.get(kid)
        if key is None:
            return None
        return {"key": one_line_pem(key.public_key()), "algorithm": "ECDSA", "digest": "SHA1"}

    def sign(self, body: bytes, kid: str | None = None, key=None) -> str:
        kid = kid or self.kid
        key = key or self.keys[kid]
        signature = key.sign(body, ec.ECDSA(hashes.SHA1()))
        header = {
            "alg": "ECDSA",
            "kid": kid,
            "signature": base64.b64encode(signature).decode("ascii"),
            "digest": "SHA1",
        }
        return base64.b64encode(compact(header)).decode("ascii")

    # ------------------------------------------------------------- messages
    def message(self, topic: str, data: dict) -> dict:
        now = self.app.store.now()
        return {
            "metadata": {"topic": topic, "schemaVersion": "1.0", "deprecated": False},
            "notification": {
                "notificationId": f"{uuid.uuid4()}_{uuid.uuid4()}",
                "eventDate": now,
                "publishDate": now,
                "publishAttemptCount": 1,
                "data": data,
            },
        }

    def account_deletion(self, buyer: dict) -> dict:
        """MARKETPLACE_ACCOUNT_DELETION for a buyer; in "immutable" mode the username
        field carries the user id too (eBay's data-handling change)."""
        username = buyer["userId"] if self.app.config.buyer_identity == "immutable" else None
        return self.message(
            "MARKETPLACE_ACCOUNT_DELETION",
            {
                "username": username or buyer["username"],
                "userId": buyer["userId"],
                "eiasToken": buyer["eiasToken"],
            },
        )

    # ------------------------------------------------------------- delivery
    def _allowed(self, url: str) -> bool:
        host = urllib.parse.urlsplit(url).hostname or ""
        if host in self.app.config.notification_allowed_hosts or host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def deliver(self, message: dict, endpoint: str | None = None, forge: str | None = None):
        """POST one notification to the endpoint (synchronously) and record the answer."""
        endpoint = endpoint or self.app.config.notification_endpoint
        if not endpoint:
            raise ValueError("no notification endpoint: set config notification_endpoint")
        if forge and forge not in FORGERIES:
            raise ValueError(f"forge must be one of {list(FORGERIES)}")
        body = compact(message)
        headers = {"Content-Type": "application/json"}
        sent = body
        if forge is None:
            headers[SIGNATURE_HEADER] = self.sign(body)
        elif forge == "tampered":
            headers[SIGNATURE_HEADER] = self.sign(body)
            altered = json.loads(body)
            altered["notification"]["data"]["userId"] = "tampered0000"
            sent = compact(altered)
        elif forge == "wrong_key":
            headers[SIGNATURE_HEADER] = self.sign(body, self.kid, _derive("not-ebay"))
        elif forge == "unknown_kid":
            headers[SIGNATURE_HEADER] = self.sign(body, "unknown-" + self.kid, _derive("other"))
        elif forge == "garbage":
            headers[SIGNATURE_HEADER] = "bm90LWEtc2lnbmF0dXJl"
        record = {
            "endpoint": endpoint,
            "topic": message["metadata"]["topic"],
            "forged": forge,
            "headers": headers,
            "body": sent.decode("utf-8"),
        }
        record.update(self._post(endpoint, sent, headers))
        with self._lock:
            self.deliveries.append(record)
        return record

    def _post(self, url: str, body: bytes, headers: dict) -> dict:
        if not self._allowed(url):
            return {"status": None, "error": "refused: host not allowed (loopback only)"}
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        timeout = float(self.app.config.notification_timeout)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:
                return {
                    "status": resp.status,
                    "response": resp.read(2000).decode("utf-8", "replace"),
                }
        except urllib.error.HTTPError as exc:
            return {"status": exc.code, "response": exc.read(2000).decode("utf-8", "replace")}
        except (OSError, ValueError) as exc:
            return {"status": None, "error": f"{type(exc).__name__}: {exc}"}

    def challenge(self, endpoint: str | None = None) -> dict:
        """Validate the endpoint as eBay does before it sends deletions there."""
        endpoint = endpoint or self.app.config.notification_endpoint
        if not endpoint:
            raise ValueError("no notification endpoint: set config notification_endpoint")
        code = uuid.uuid4().hex
        expected = challenge_response(
            code, self.app.config.notification_verification_token, endpoint
        )
        sep = "&" if "?" in endpoint else "?"
        url = f"{endpoint}{sep}{urllib.parse.urlencode({'challenge_code': code})}"
        result = {"endpoint": endpoint, "challenge_code": code, "expected": expected}
        if not self._allowed(endpoint):
            return {**result, "ok": False, "error": "refused: host not allowed"}
        try:
            with urllib.request.urlopen(
                url, timeout=float(self.app.config.notification_timeout)
            ) as resp:
                status, text = resp.status, resp.read(2000).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read(2000).decode("utf-8", "replace")
        except OSError as exc:
            return {**result, "ok": False, "error": f"{type(exc).__name__}: {exc}"}
        try:
            received = json.loads(text).get("challengeResponse")
        except (ValueError, AttributeError):
            received = None
        ok = status == 200 and received == expected
        return {**result, "ok": ok, "status": status, "received": received}

    def snapshot(self) -> list[dict]:
        with self._lock:
            return [dict(d) for d in self.deliveries]


@rest(API, "getPublicKey")
def get_public_key(app, req):
    key = app.notifier.public_key(req.path_params["public_key_id"])
    if key is None:
        raise app.fail(req, 195001)
    return Response(200, key)
