"""Outbound hosts: each platform declares its hosts, the sandbox needs the server's
consent, and a redirect never takes the credentials elsewhere."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import config

from ..const import SANDBOX_HOSTS_OPTION
from ..exceptions import ConfigurationError, PermanentError
from .common import IntegrationCase


class Redirecting(BaseHTTPRequestHandler):
    """/moved answers 302 to /elsewhere; every request is noted with its token."""

    seen = []

    def do_GET(self):
        self.seen.append((self.path, self.headers.get("X-Access-Token")))
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def sandbox_option(value):
    return patch.dict(config.options, {SANDBOX_HOSTS_OPTION: value})


@tagged("post_install", "-at_install")
class TestOutboundHosts(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # eBay: no connector installed; it declares its hosts here as its addon will.
        cls.startClassPatcher(
            patch.object(
                type(cls.backend),
                "_allowed_api_hosts",
                lambda self: ("api.ebay.com", "<region>.api.ebay.com"),
            )
        )
        cls.startClassPatcher(
            patch.object(type(cls.backend), "_allowed_file_hosts", lambda self: ("files.ebay.com",))
        )
        cls.ebay = cls.env["integration.backend"].create(
            {"name": "Seller", "platform": "ebay", "environment": "production"}
        )

    def test_production_takes_only_the_platform_hosts(self):
        self.ebay.api_url = "https://api.ebay.com"
        self.ebay.api_url = "https://eu.api.ebay.com/"
        for url in (
            "https://evil.example.com",
            "http://api.ebay.com",  # not https
            "https://api.ebay.com:8443",  # not the default port
            "https://user:pw@api.ebay.com",
            "https://api.ebay.com.evil.example.com",
            "https://a.b.api.ebay.com",  # <region> is one label
            "https://api.ebay.com/elsewhere",
            "http://127.0.0.1:8701",
        ):
            with self.assertRaises(ValidationError, msg=url) as caught, sandbox_option("True"):
                self.ebay.api_url = url
            self.assertIn("only talks to https://api.ebay.com", str(caught.exception))

    def test_a_sandbox_url_needs_the_server_option(self):
        self.ebay.write({"environment": "sandbox", "api_url": "https://api.ebay.com"})
        with sandbox_option("True"):
            self.ebay.api_url = "http://127.0.0.1:8701"
            with self.assertRaises(ValidationError):
                self.ebay.environment = "production"
        for value in (None, "False", False):
            with self.assertRaises(ValidationError) as caught, sandbox_option(value):
                self.ebay.api_url = "http://127.0.0.1:8702"
            self.assertIn("%s = True" % SANDBOX_HOSTS_OPTION, str(caught.exception))

    def test_calls_are_checked_when_made(self):
        self.ebay.api_url = "https://api.ebay.com"
        self.ebay._check_outbound_url("https://api.ebay.com/sell/inventory/v1/offer")
        self.ebay._check_outbound_url("https://files.ebay.com/signed/abc")
        for url in (
            "https://eu.api.ebay.com/other-account",  # allowed hosts, not this backend's
            "http://files.ebay.com/signed/abc",
            "https://evil.example.com/collect",
        ):
            with self.assertRaises(ConfigurationError, msg=url):
                self.ebay._check_outbound_url(url)
        # A sandbox URL saved while the server allowed it is refused once it does not.
        with sandbox_option("True"):
            self.ebay.write({"environment": "sandbox", "api_url": "http://127.0.0.1:9"})
        with sandbox_option("False"), self.assertRaises(ConfigurationError) as caught:
            self.ebay._http("GET", "http://127.0.0.1:9/anything")
        self.assertIn(SANDBOX_HOSTS_OPTION, caught.exception.message)

    def test_a_redirect_is_not_followed(self):
        server = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        url = "http://127.0.0.1:%s" % server.server_address[1]
        self.backend.api_url = url
        Redirecting.seen = []
        with self.assertRaises(PermanentError) as caught:
            self.backend._http("GET", url + "/moved", headers={"X-Access-Token": "tok"})
        self.assertEqual(Redirecting.seen, [("/moved", "tok")], "the new address got nothing")
        self.assertEqual(caught.exception.status, 302)
        self.assertIn("redirects are not followed", caught.exception.message)
