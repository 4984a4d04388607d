"""How Shopify's failures reach the caller: the typed errors of integration_base."""

from odoo.tests import tagged

from odoo.addons.integration_base.exceptions import (
    AuthenticationError,
    PermanentError,
    RateLimitedError,
    RetryableError,
)
from odoo.addons.shopify_connector.api.client import ShopifyClient
from odoo.addons.shopify_connector.tests.test_api_common import ShopifyCassetteCase


@tagged("post_install", "-at_install")
class TestShopifyErrors(ShopifyCassetteCase):
    def test_throttled_is_rate_limited_with_the_wait_the_bucket_needs(self):
        # A slow bucket (1 point a second) drained to 10 points: ShopInfo costs 53.
        self.sandbox("POST", "/config", {"restore_rate": 1})
        self.addCleanup(self.sandbox, "POST", "/config", {"restore_rate": None})
        self.sandbox("POST", "/throttle", {"currentlyAvailable": 10})
        seen = []
        with self.cassette("throttled"):
            client = self.client(on_throttle=lambda *args: seen.append(args))
            with self.assertRaises(RateLimitedError) as caught:
                client.shop_info()
        error = caught.exception
        self.assertTrue(error.retryable)
        # (requested 53 - about 10 available) / 1 point a second
        self.assertGreater(error.retry_after, 40)
        self.assertLess(error.retry_after, 44)
        self.assertIn("Shopify throttled ShopInfo", error.message)
        (status, requested, actual) = seen[0]
        self.assertEqual(requested, 53)
        self.assertIsNone(actual)
        self.assertEqual(status["restoreRate"], 1.0)
        self.assertEqual(ShopifyClient.expected_cost("ShopInfo"), 53)

    def test_wrong_token_is_an_authentication_error(self):
        with self.cassette("wrong_token"), self.assertRaises(AuthenticationError) as caught:
            self.client(token="shpat_wrong").shop_info()
        self.assertEqual(caught.exception.status, 401)
        self.assertFalse(caught.exception.retryable)

    def test_server_error_is_retryable(self):
        self.sandbox("POST", "/faults", {"status": 500, "count": 1})
        with self.cassette("server_error"):
            client = self.client()
            with self.assertRaises(RetryableError) as caught:
                client.shop_info()
            self.assertEqual(client.shop_info()["shop"]["currencyCode"], "GBP", "then it works")
        self.assertEqual(caught.exception.status, 500)
        self.assertNotIsInstance(caught.exception, RateLimitedError)

    def test_http_429_is_rate_limited(self):
        self.sandbox("POST", "/faults", {"status": 429, "count": 1, "retry_after": 2})
        with self.cassette("http_429"), self.assertRaises(RateLimitedError) as caught:
            self.client().shop_info()
        self.assertEqual(caught.exception.retry_after, 2.0)

    def test_max_cost_exceeded_is_permanent(self):
        self.sandbox("POST", "/config", {"max_query_cost": 20})
        self.addCleanup(self.sandbox, "POST", "/config", {"max_query_cost": 1000})
        with self.cassette("max_cost_exceeded"), self.assertRaises(PermanentError) as caught:
            self.client().shop_info()
        self.assertNotIsInstance(caught.exception, RetryableError)
        self.assertIn("ShopInfo asks too much of Shopify at once", caught.exception.message)
