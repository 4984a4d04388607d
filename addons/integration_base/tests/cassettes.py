"""What every connector's api tests share: its client over recorded HTTP (vcrpy).

By default a test replays its cassette with ``record_mode="none"``: no sandbox, no
network; every request must match a recorded one (method, URL, JSON or form body) and
every recorded one must be played. With the class's ``record_env`` variable set to 1,
the platform's sandbox is started in-process, driven through its control API (never
recorded) and each cassette is recorded anew. The recorded URLs carry the fixed origin
``cassette_origin`` instead of the sandbox's random port; the headers and form fields
that hold credentials are filtered out, and only the response headers the tests need
are kept.

A connector subclasses ``CassetteCase`` with its sandbox, origin and folder. This
module holds no test.
"""

import contextlib
import functools
import json
import os
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests
import vcr

from odoo.tests import common
from odoo.tests.common import BaseCase

from ..tools import http

REPO_ROOT = Path(__file__).resolve().parents[3]
FILTERED = "FILTERED"


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


class CassetteCase(BaseCase):
    """Base of the api tests that talk HTTP through cassettes."""

    cassette_dir = None  # Path of the connector's cassettes/
    cassette_origin = None  # e.g. https://vcr-sandbox.myshopify.com
    record_env = None  # e.g. SHOPIFY_VCR_RECORD
    sandbox_package = None  # e.g. sandbox.shopify
    platform_label = None  # e.g. Shopify, in error texts
    sandbox_config = {}  # Config fields for the sandbox, when recording
    reset_body = None  # what each test's sandbox reset sends (a seed)
    filter_headers = ("Authorization", "Cookie")
    filter_post_data = ()  # form fields holding secrets
    kept_response_headers = frozenset({"content-type"})

    server = None
    _origin = None  # the sandbox's origin while recording
    _in_cassette = False

    @classmethod
    def recording(cls):
        return os.environ.get(cls.record_env) == "1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vcr = vcr.VCR(
            cassette_library_dir=str(cls.cassette_dir),
            serializer="yaml",
            filter_headers=list(cls.filter_headers),
            filter_post_data_parameters=[(name, FILTERED) for name in cls.filter_post_data],
            before_record_request=cls._scrub_request,
            before_record_response=cls._scrub_response,
            decode_compressed_response=True,
            match_on=["method", "scheme", "host", "port", "path", "query", "json_body"],
        )
        cls.vcr.register_matcher("json_body", _body_matcher)
        if cls.recording():
            if str(REPO_ROOT) not in sys.path:
                sys.path.insert(0, str(REPO_ROOT))
            server = __import__(cls.sandbox_package + ".server", fromlist=["start_server"])
            cls.server = server.start_server(**cls.sandbox_config)
            cls.addClassCleanup(cls.server.stop)

    def setUp(self):
        super().setUp()
        self.requests_sent = []
        self.sandbox("POST", "/reset", self.reset_body)

    # ------------------------------------------------------------ scrubbing
    @classmethod
    def _canonical(cls, data):
        origin = cls._origin
        if not origin or data is None:
            return data
        if isinstance(data, bytes):
            return data.replace(origin.encode(), cls.cassette_origin.encode())
        return data.replace(origin, cls.cassette_origin)

    @classmethod
    def _scrub_request(cls, request):
        request.uri = cls._canonical(request.uri)
        request.headers = {
            key: value for key, value in request.headers.items() if key.lower() == "content-type"
        }
        if isinstance(request.body, bytes):
            request.body = cls._canonical(request.body)
        return request

    @classmethod
    def _scrub_body(cls, body):
        """Platform hook: remove secrets from a recorded response body (bytes)."""
        return body

    @classmethod
    def _scrub_response(cls, response):
        headers = {
            key: value
            for key, value in (response.get("headers") or {}).items()
            if key.lower() in cls.kept_response_headers
        }
        body = cls._scrub_body(cls._canonical(response["body"]["string"]))
        headers["Content-Length"] = [str(len(body or b""))]
        response["headers"] = headers
        response["body"]["string"] = body
        return response

    # ------------------------------------------------------------ plumbing
    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        # Odoo blocks external requests in tests; requests to the cassette's origin are
        # answered by vcr (record_mode "none" never goes out), so let them reach it.
        if cls._in_cassette and urlsplit(r.url).hostname == urlsplit(cls.cassette_origin).hostname:
            return common._super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    @property
    def base_url(self):
        return self.server.url if self.recording() else self.cassette_origin

    def sandbox(self, method, path, body=None):
        """Drive the sandbox's control API (when recording only; never recorded).

        Tests must not depend on what it returns: replay has no sandbox.
        """
        if not self.recording():
            return None
        control = __import__(self.sandbox_package + ".control", fromlist=["handle"])
        status, payload = control.handle(
            self.server.app, method, path, {}, json.dumps(body or {}).encode()
        )
        self.assertLess(status, 300, payload)
        return payload

    def send(self, method, url, **kwargs):
        """integration_base's send on a fresh session, noting each request."""
        self.requests_sent.append({"method": method, "url": url, "json": kwargs.get("json")})
        return functools.partial(http.send, self._session, self.platform_label)(
            method, url, **kwargs
        )

    @contextlib.contextmanager
    def cassette(self, name):
        """Use the cassette ``name`` (recorded anew when recording)."""
        path = Path(self.cassette_dir) / ("%s.yaml" % name)
        cls = type(self)
        if self.recording():
            path.unlink(missing_ok=True)
            cls._origin = self.server.url
        self._session = requests.Session()
        cls._in_cassette = True
        try:
            with self.vcr.use_cassette(
                path.name, record_mode="all" if self.recording() else "none"
            ) as tape:
                yield tape
        finally:
            cls._origin = None
            cls._in_cassette = False
            self._session.close()
        if not self.recording():
            self.assertTrue(tape.all_played, "%s: some recorded requests were not made" % name)
