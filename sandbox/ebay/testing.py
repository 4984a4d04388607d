"""Helpers for tests that talk to an eBay sandbox over real HTTP (stdlib urllib).

from sandbox.ebay.server import start_server
from sandbox.ebay.testing import EbayClient

server = start_server(seed=True)
client = EbayClient(server.url)
client.authorize()                       # user tokens, as a finished consent gives
client.rest("GET", "/sell/account/v1/fulfillment_policy?marketplace_id=EBAY_MOTORS_US")
client.list_part("BRK-PAD-1001", quantity=5)   # item + offer + publish
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request

from .config import Config

INVENTORY = "/sell/inventory/v1"
DEFAULT_POLICIES = {
    "fulfillmentPolicyId": "6200011000",
    "paymentPolicyId": "6200012000",
    "returnPolicyId": "6200013000",
}


class HTTPResult:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body or b"null")

    def error_ids(self) -> list[int]:
        return [e["errorId"] for e in (self.json() or {}).get("errors", [])]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class EbayClient:
    def __init__(self, url: str, timeout: float = 10.0, config: Config | None = None):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.config = config or Config()
        self.token: str | None = None
        self.refresh_token: str | None = None
        self._opener = urllib.request.build_opener(_NoRedirect)

    # ----------------------------------------------------------------- raw
    def request(
        self,
        method: str,
        path: str,
        body=None,
        headers: dict | None = None,
        raw: bytes | None = None,
        timeout: float | None = None,
    ) -> HTTPResult:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        hdrs = {"Content-Type": "application/json"} if raw is None and body is not None else {}
        hdrs.update(headers or {})
        req = urllib.request.Request(self.url + path, data=data, headers=hdrs, method=method)
        try:
            with self._opener.open(req, timeout=timeout or self.timeout) as resp:
                return HTTPResult(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as exc:
            return HTTPResult(exc.code, exc.headers, exc.read())

    def rest(self, method: str, path: str, body=None, token: str | None = None, **kwargs):
        """A REST call with the user token (``Content-Language`` on writes)."""
        headers = {"Authorization": f"Bearer {token or self.token}"}
        if method in ("POST", "PUT"):
            headers["Content-Language"] = "en-US"
        headers.update(kwargs.pop("headers", {}) or {})
        return self.request(method, path, body, headers=headers, **kwargs)

    def ok(self, method: str, path: str, body=None, **kwargs) -> dict | None:
        result = self.rest(method, path, body, **kwargs)
        assert result.status < 300, (method, path, result.status, result.body[:800])
        return result.json() if result.body else None

    def control(self, method: str, path: str, body=None) -> dict:
        result = self.request(method, "/_sandbox/" + path.lstrip("/"), body)
        assert result.status < 300, (result.status, result.body[:800])
        return result.json()

    def state(self) -> dict:
        return self.control("GET", "state")

    # --------------------------------------------------------------- oauth
    def basic(self, app_id: str | None = None, cert_id: str | None = None) -> str:
        pair = f"{app_id or self.config.app_id}:{cert_id or self.config.cert_id}"
        return "Basic " + base64.b64encode(pair.encode()).decode()

    def token_request(self, form: dict, authorization: str | None = None) -> HTTPResult:
        return self.request(
            "POST",
            "/identity/v1/oauth2/token",
            raw=urllib.parse.urlencode(form).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": authorization or self.basic(),
            },
        )

    def authorize(self) -> dict:
        """User tokens without the consent round trip (the control API issues them)."""
        tokens = self.control("POST", "tokens")
        self.token, self.refresh_token = tokens["access_token"], tokens["refresh_token"]
        return tokens

    def application_token(self) -> str:
        result = self.token_request(
            {"grant_type": "client_credentials", "scope": "https://api.ebay.com/oauth/api_scope"}
        )
        assert result.status == 200, result.body
        return result.json()["access_token"]

    # ------------------------------------------------------------- listing
    def list_part(
        self,
        sku: str,
        quantity: int = 5,
        price: str = "54.90",
        category_id: str = "33564",
        aspects: dict | None = None,
        compatibility: list | None = None,
        location: str = "san-jose-warehouse",
        condition: str = "NEW",
        publish: bool = True,
    ) -> dict:
        """Inventory item, compatibility, offer and publish through the real API (needs
        the default seed's policies and location). Returns offerId and listingId."""
        self.ok(
            "PUT",
            f"{INVENTORY}/inventory_item/{sku}",
            {
                "availability": {"shipToLocationAvailability": {"quantity": quantity}},
                "condition": condition,
                "product": {
                    "title": f"Sandbox part {sku}",
                    "description": f"Part {sku} for the sandbox.",
                    "aspects": aspects or {"Brand": ["Akebono"], "Manufacturer Part Number": [sku]},
                    "imageUrls": [f"https://i.ebayimg.com/images/g/{sku}/s-l1600.jpg"],
                },
            },
        )
        if compatibility:
            self.ok(
                "PUT",
                f"{INVENTORY}/inventory_item/{sku}/product_compatibility",
                {
                    "compatibleProducts": [
                        {
                            "compatibilityProperties": [
                                {"name": k, "value": v} for k, v in vehicle.items()
                            ]
                        }
                        for vehicle in compatibility
                    ]
                },
            )
        offer = self.ok(
            "POST",
            f"{INVENTORY}/offer",
            {
                "sku": sku,
                "marketplaceId": "EBAY_MOTORS_US",
                "format": "FIXED_PRICE",
                "categoryId": category_id,
                "listingDescription": f"Part {sku}.",
                "listingPolicies": dict(DEFAULT_POLICIES),
                "merchantLocationKey": location,
                "pricingSummary": {"price": {"value": price, "currency": "USD"}},
            },
        )
        out = {"offerId": offer["offerId"]}
        if publish:
            out.update(self.ok("POST", f"{INVENTORY}/offer/{offer['offerId']}/publish"))
        return out
