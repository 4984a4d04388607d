"""Helpers for tests that talk to a ShipStation sandbox over real HTTP (stdlib only).

from sandbox.shipstation.server import start_server
from sandbox.shipstation.testing import SandboxClient

server = start_server(seed=True)
client = SandboxClient(server.url)
client.api("POST", "/orders/createorder", {...}).json()
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from decimal import Decimal

from .formats import dumps

API_KEY = "sandbox-api-key"
API_SECRET = "sandbox-api-secret"


def basic_auth(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


class HTTPResult:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        """The body with numbers as Decimal, so ``4.0100`` keeps its digits."""
        return json.loads(self.body or b"null", parse_float=Decimal)


class SandboxClient:
    def __init__(self, url: str, key: str = API_KEY, secret: str = API_SECRET, timeout=10.0):
        self.url = url.rstrip("/")
        self.key = key
        self.secret = secret
        self.timeout = timeout

    def request(self, method, path, body=None, headers=None, raw=None, timeout=None):
        if raw is None and body is not None:
            raw = dumps(body).encode()
        hdrs = {"Content-Type": "application/json"} if raw is not None else {}
        hdrs.update(headers or {})
        req = urllib.request.Request(self.url + path, data=raw, headers=hdrs, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.timeout) as resp:
                return HTTPResult(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as exc:
            return HTTPResult(exc.code, exc.headers, exc.read())

    def api(self, method, path, body=None, key=None, secret=None, **kwargs) -> HTTPResult:
        """A V1 API call with this client's API key and secret (Basic auth)."""
        auth = basic_auth(key or self.key, secret if secret is not None else self.secret)
        headers = {"Authorization": auth, **kwargs.pop("headers", {})}
        return self.request(method, path, body, headers=headers, **kwargs)

    def ok(self, method, path, body=None, **kwargs):
        result = self.api(method, path, body, **kwargs)
        assert 200 <= result.status < 300, (result.status, result.body[:800])
        return result.json()

    def control(self, method: str, path: str, body=None):
        result = self.request(method, "/_sandbox/" + path.lstrip("/"), body)
        assert result.status < 300, (result.status, result.body[:800])
        return result.json()

    def state(self) -> dict:
        return self.control("GET", "state")

    def deliveries(self, wait: float = 5.0, event: str | None = None) -> list[dict]:
        query = f"?wait={wait}" + (f"&event={event}" if event else "")
        return self.control("GET", "webhooks/deliveries" + query)["deliveries"]


def order_body(number: str = "SO001", key: str | None = None, **overrides) -> dict:
    """A createorder body with every field the declarations require."""
    address = {
        "name": "Alice Smith",
        "company": None,
        "street1": "1 Park Row",
        "street2": None,
        "city": "Leeds",
        "state": "",
        "postalCode": "LS1 5AB",
        "country": "GB",
        "phone": "0113 000 0000",
        "residential": True,
    }
    body = {
        "orderNumber": number,
        "orderKey": key or f"odoo-{number}",
        "orderDate": "2026-12-03T06:52:05.0000000",
        "orderStatus": "awaiting_shipment",
        "customerUsername": "alice@example.com",
        "customerEmail": "alice@example.com",
        "billTo": dict(address),
        "shipTo": dict(address),
        "items": [
            {
                "lineItemKey": "L1",
                "sku": "BP-100-F",
                "name": "Brake Pad Set Front",
                "quantity": 2,
                "unitPrice": Decimal("45.00"),
                "weight": {"value": Decimal("1.2"), "units": "pounds"},
                "adjustment": False,
            },
            {
                "lineItemKey": "L2",
                "sku": "OF-200",
                "name": "Oil Filter",
                "quantity": 3,
                "unitPrice": Decimal("8.50"),
                "weight": {"value": 6, "units": "ounces"},
                "adjustment": False,
            },
        ],
        "amountPaid": Decimal("121.50"),
        "taxAmount": Decimal("20.25"),
        "shippingAmount": Decimal("4.01"),
    }
    body.update(overrides)
    return body


def wait_for(predicate, timeout: float = 10.0, step: float = 0.02):
    """Poll ``predicate`` until it returns something true (returned) or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)
