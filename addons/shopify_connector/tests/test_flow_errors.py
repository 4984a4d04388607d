import time

from odoo.tests import tagged

from .common import CLIENT_SECRET, ShopifyCase


@tagged("post_install", "-at_install")
class TestPlatformErrors(ShopifyCase):
    def export_job(self, sku):
        template = self.make_template("Part %s" % sku, sku)
        binding = self.env["shopify.product.binding"]._bind_and_export(self.backend, template)
        return self.env["sync.job"].search(
            [("res_model", "=", binding._name), ("res_id", "=", binding.id)]
        )

    def test_throttled_goes_back_to_the_queue_with_the_wait(self):
        job = self.export_job("THR-1")
        # Shopify's bucket is dry and refills slowly; ours believes it has room.
        self.shop.control("POST", "config", {"restore_rate": 1})
        self.shop.control("POST", "throttle", {"currentlyAvailable": 0})
        job.action_run_now()
        self.shop.control("POST", "config", {"restore_rate": 100})
        self.assertEqual(job.state, "pending")
        self.assertEqual(job.error_kind, "rate_limited")
        self.assertTrue(job.eta, "it waits for the bucket to refill")
        self.assertEqual(job.retry_count, 0, "waiting for a limit is not a failure")
        self.assertIn("Shopify throttled", job.last_error)
        self.shop.control("POST", "throttle", {})

    def test_server_error_is_retried_with_backoff(self):
        job = self.export_job("ERR-5")
        self.shop.control("POST", "faults", {"status": 500, "count": 1})
        job.action_run_now()
        self.assertEqual((job.state, job.error_kind, job.retry_count), ("pending", "retryable", 1))
        self.assertIn("500", job.last_error)
        job.action_run_now()
        self.assertEqual(job.state, "done")

    def test_wrong_token_marks_the_backend(self):
        job = self.export_job("TOK-1")
        self.backend._set_credential("access_token", "shpat_wrong")
        job.action_run_now()
        self.assertEqual((job.state, job.error_kind), ("failed", "authentication"))
        self.assertEqual(self.backend.state, "error")
        self.assertIn("refused the credentials", self.backend.last_error)
        self.backend._set_credential("access_token", "shpat_sandbox")

    def test_client_credentials_token_is_renewed_when_it_expires(self):
        self.shop.control("POST", "config", {"token_ttl": 1})
        backend = self.make_backend(
            credentials={"client_id": "sandbox-client-id", "client_secret": CLIENT_SECRET},
            name="Renewing shop",
            shopify_auth_mode="client_credentials",
        )
        first = backend._shopify_access_token()
        self.assertTrue(first)
        token = backend._token_credential()
        self.assertTrue(token.expires_at)
        time.sleep(1.2)
        # The stored token no longer works on the sandbox: the call is retried with a
        # new one, which the next attempt obtains by itself.
        template = self.make_template("Renewed", "REN-1")
        binding = self.env["shopify.product.binding"]._bind_and_export(backend, template)
        self.shop.control("POST", "config", {"token_ttl": 3600})
        self.run_jobs()
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        self.assertNotEqual(backend._shopify_access_token(), first)
