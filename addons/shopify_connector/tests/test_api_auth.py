"""The client-credentials grant (api/auth.py) against recorded sandbox answers."""

from odoo.tests import tagged

from odoo.addons.integration_base.exceptions import AuthenticationError
from odoo.addons.shopify_connector.api.auth import request_access_token
from odoo.addons.shopify_connector.tests.test_api_common import (
    CASSETTES,
    CLIENT_ID,
    CLIENT_SECRET,
    SECRET_PATTERNS,
    ShopifyCassetteCase,
)


@tagged("post_install", "-at_install")
class TestClientCredentials(ShopifyCassetteCase):
    def test_token_then_use_it(self):
        self.sandbox("POST", "/config", {"token_ttl": 3600})
        self.addCleanup(self.sandbox, "POST", "/config", {"token_ttl": 86399})
        with self.cassette("client_credentials"):
            token, expires_in = request_access_token(
                self.shop_url, CLIENT_ID, CLIENT_SECRET, self.send
            )
            shop = self.client(token=token).shop_info()["shop"]
        self.assertTrue(token.startswith("shpat_"))
        self.assertEqual(expires_in, 3600)
        self.assertEqual(shop["currencyCode"], "GBP")
        sent = self.requests_sent[0]
        self.assertEqual(sent["method"], "POST")
        self.assertTrue(sent["url"].endswith("/admin/oauth/access_token"))

    def test_wrong_secret_is_an_authentication_error(self):
        with (
            self.cassette("client_credentials_wrong"),
            self.assertRaises(AuthenticationError) as caught,
        ):
            request_access_token(self.shop_url, CLIENT_ID, "not-the-secret", self.send)
        self.assertEqual(caught.exception.status, 400)
        self.assertIn("client id and secret", caught.exception.message)

    def test_missing_credentials_never_call(self):
        with self.assertRaises(AuthenticationError):
            request_access_token("my-shop", CLIENT_ID, "", self.send)
        self.assertEqual(self.requests_sent, [])

    def test_cassettes_hold_no_secret(self):
        cassettes = sorted(CASSETTES.glob("*.yaml"))
        self.assertTrue(cassettes)
        for path in cassettes:
            text = path.read_text(encoding="utf-8")
            for pattern in SECRET_PATTERNS:
                self.assertIsNone(
                    pattern.search(text), "%s holds %s" % (path.name, pattern.pattern)
                )
