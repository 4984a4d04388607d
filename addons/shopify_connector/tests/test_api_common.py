"""What the api tests share: a ShopifyClient over recorded HTTP (vcrpy cassettes).

By default the cassettes of ``cassettes/`` are replayed with ``record_mode="none"``:
no sandbox, no network, and every request must match a recorded one (method, URL and
JSON or form body) and every recorded one must be played. To record them again, from
the repository root::

    SHOPIFY_VCR_RECORD=1 .venv/bin/python -m pytest --odoo-config=... \\
        addons/shopify_connector/tests/test_api_*.py

which starts the Shopify sandbox in-process, drives it through its control API
(never recorded) and rewrites each cassette from scratch. The recorded URLs use the
fixed origin ``CASSETTE_SHOP`` instead of the sandbox's random port; the access token
header, the client secret and any issued token are filtered out.

This module holds no test.
"""

import json
import re
import time
from pathlib import Path

from odoo.addons.integration_base.tests.cassettes import FILTERED, CassetteCase
from odoo.addons.shopify_connector.api.client import ShopifyClient

CASSETTES = Path(__file__).resolve().parent / "cassettes"

CASSETTE_SHOP = "https://vcr-sandbox.myshopify.com"
ADMIN_TOKEN = "shpat_sandbox"
CLIENT_ID = "sandbox-client-id"
CLIENT_SECRET = "sandbox-client-secret"
# What must never be found in a cassette.
SECRET_PATTERNS = [
    re.compile(re.escape(ADMIN_TOKEN)),
    re.compile(re.escape(CLIENT_SECRET)),
    re.compile(r"shpat_[0-9a-f]{16,}"),
    re.compile(r"(?i)x-shopify-access-token"),
]


class ShopifyCassetteCase(CassetteCase):
    """Base of the Shopify api tests that talk HTTP (through cassettes)."""

    cassette_dir = CASSETTES
    cassette_origin = CASSETTE_SHOP
    record_env = "SHOPIFY_VCR_RECORD"
    sandbox_package = "sandbox.shopify"
    platform_label = "Shopify"
    filter_headers = ("X-Shopify-Access-Token", "Authorization", "Cookie")
    filter_post_data = ("client_secret",)
    kept_response_headers = frozenset({"content-type", "retry-after"})

    @classmethod
    def _scrub_body(cls, body):
        if body and b"access_token" in body:
            payload = json.loads(body)
            payload["access_token"] = "shpat_" + FILTERED
            body = json.dumps(payload).encode()
        return body

    @property
    def shop_url(self):
        return self.base_url

    def pause(self, seconds):
        """Wait while recording (bulk operations run in the background); not on replay."""
        if self.recording():
            time.sleep(seconds)

    def client(self, token=ADMIN_TOKEN, on_throttle=None):
        """A ShopifyClient on the sandbox (recording) or the cassette's shop (replay)."""
        return ShopifyClient(self.shop_url, token, self.send, on_throttle=on_throttle)
