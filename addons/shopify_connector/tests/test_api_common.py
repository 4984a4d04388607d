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

import contextlib
import functools
import json
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests
import vcr

from odoo.tests import common
from odoo.tests.common import BaseCase

from odoo.addons.integration_base.tools import http
from odoo.addons.shopify_connector.api.client import ShopifyClient

CASSETTES = Path(__file__).resolve().parent / "cassettes"
REPO_ROOT = Path(__file__).resolve().parents[3]
RECORD = os.environ.get("SHOPIFY_VCR_RECORD") == "1"

CASSETTE_SHOP = "https://vcr-sandbox.myshopify.com"
ADMIN_TOKEN = "shpat_sandbox"
CLIENT_ID = "sandbox-client-id"
CLIENT_SECRET = "sandbox-client-secret"
FILTERED = "FILTERED"
# What must never be found in a cassette.
SECRET_PATTERNS = [
    re.compile(re.escape(ADMIN_TOKEN)),
    re.compile(re.escape(CLIENT_SECRET)),
    re.compile(r"shpat_[0-9a-f]{16,}"),
    re.compile(r"(?i)x-shopify-access-token"),
]
KEPT_RESPONSE_HEADERS = {"content-type", "retry-after"}

# The sandbox origin (http://127.0.0.1:<port>) while recording; whether a cassette
# is in use (then vcr answers for CASSETTE_SHOP).
_recording = {"origin": None, "cassette": False}


def _canonical(data):
    origin = _recording["origin"]
    if not origin or data is None:
        return data
    if isinstance(data, bytes):
        return data.replace(origin.encode(), CASSETTE_SHOP.encode())
    return data.replace(origin, CASSETTE_SHOP)


def _scrub_request(request):
    request.uri = _canonical(request.uri)
    request.headers = {
        key: value for key, value in request.headers.items() if key.lower() == "content-type"
    }
    if isinstance(request.body, bytes):
        request.body = _canonical(request.body)
    return request


def _scrub_response(response):
    headers = {
        key: value
        for key, value in (response.get("headers") or {}).items()
        if key.lower() in KEPT_RESPONSE_HEADERS
    }
    body = _canonical(response["body"]["string"])
    if body and b"access_token" in body:
        payload = json.loads(body)
        payload["access_token"] = "shpat_" + FILTERED
        body = json.dumps(payload).encode()
    headers["Content-Length"] = [str(len(body or b""))]
    response["headers"] = headers
    response["body"]["string"] = body
    return response


def _comparable_body(request):
    body = request.body or b""
    if not isinstance(body, bytes):
        return None
    content_type = request.headers.get("Content-Type") or ""
    if "json" in content_type:
        return json.loads(body or b"null")
    if "x-www-form-urlencoded" in content_type:
        return sorted(parse_qsl(body.decode()))
    return None  # multipart uploads: the boundary is random


def _body_matcher(r1, r2):
    left, right = _comparable_body(r1), _comparable_body(r2)
    if left != right:
        raise AssertionError("request bodies differ:\n%s\n%s" % (left, right))


VCR = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    serializer="yaml",
    filter_headers=["X-Shopify-Access-Token", "Authorization", "Cookie"],
    filter_post_data_parameters=[("client_secret", FILTERED)],
    before_record_request=_scrub_request,
    before_record_response=_scrub_response,
    decode_compressed_response=True,
    match_on=["method", "scheme", "host", "port", "path", "query", "shopify_body"],
)
VCR.register_matcher("shopify_body", _body_matcher)


class ShopifyCassetteCase(BaseCase):
    """Base of the api tests that talk HTTP (through cassettes)."""

    server = None
    sandbox_config = {}  # Config fields for the sandbox, when recording

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if RECORD:
            if str(REPO_ROOT) not in sys.path:
                sys.path.insert(0, str(REPO_ROOT))
            from sandbox.shopify.server import start_server

            cls.server = start_server(**cls.sandbox_config)
            cls.addClassCleanup(cls.server.stop)

    def setUp(self):
        super().setUp()
        self.requests_sent = []
        self.sandbox("POST", "/reset")

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        # Odoo blocks external requests in tests; requests to the cassette's shop are
        # answered by vcr (record_mode "none" never goes out), so let them reach it.
        if _recording["cassette"] and urlsplit(r.url).hostname == urlsplit(CASSETTE_SHOP).hostname:
            return common._super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    @property
    def shop_url(self):
        return self.server.url if RECORD else CASSETTE_SHOP

    def sandbox(self, method, path, body=None):
        """Drive the sandbox's control API (when recording only; never recorded).

        Tests must not depend on what it returns: replay has no sandbox.
        """
        if not RECORD:
            return None
        from sandbox.shopify import control

        status, payload = control.handle(
            self.server.app, method, path, {}, json.dumps(body or {}).encode()
        )
        self.assertLess(status, 300, payload)
        return payload

    def send(self, method, url, **kwargs):
        """integration_base's send on a fresh session, noting each request."""
        self.requests_sent.append({"method": method, "url": url, "json": kwargs.get("json")})
        return functools.partial(http.send, self._session, "Shopify")(method, url, **kwargs)

    def pause(self, seconds):
        """Wait while recording (bulk operations run in the background); not on replay."""
        if RECORD:
            time.sleep(seconds)

    @contextlib.contextmanager
    def cassette(self, name):
        """Use the cassette ``name`` (recorded anew when SHOPIFY_VCR_RECORD=1)."""
        path = CASSETTES / ("%s.yaml" % name)
        if RECORD:
            path.unlink(missing_ok=True)
            _recording["origin"] = self.server.url
        self._session = requests.Session()
        _recording["cassette"] = True
        try:
            with VCR.use_cassette(path.name, record_mode="all" if RECORD else "none") as tape:
                yield tape
        finally:
            _recording["origin"] = None
            _recording["cassette"] = False
            self._session.close()
        if not RECORD:
            self.assertTrue(tape.all_played, "%s: some recorded requests were not made" % name)

    def client(self, token=ADMIN_TOKEN, on_throttle=None):
        """A ShopifyClient on the sandbox (recording) or the cassette's shop (replay)."""
        return ShopifyClient(self.shop_url, token, self.send, on_throttle=on_throttle)
