"""The exporter spine of integration.binding, on Shopify's product binding: the
binder, the pre-flight that sends nothing, and the export lock that a second worker
does not wait on."""

from unittest.mock import patch

from odoo import api, sql_db
from odoo.tests import tagged

from .common import ShopifyCase


@tagged("post_install", "-at_install")
class TestExportSpine(ShopifyCase):
    def shop_skus(self):
        return {v["sku"] for p in self.state()["products"] for v in p["variants"]}

    def test_binder_binds_once_and_finds_by_external_id(self):
        Binding = self.env["shopify.product.binding"]
        first = self.make_template("Oil filter", "FIL-1")
        second = self.make_template("Air filter", "FIL-2")
        bound = Binding._bind(self.backend, first)
        both = Binding._bind(self.backend, second | first)
        self.assertEqual(both[1], bound, "an existing binding is reused")
        self.assertEqual(both.odoo_id, second | first, "in the order of the records")
        self.assertEqual(Binding.search_count([("backend_id", "=", self.backend.id)]), 2)
        both[0].external_id = "gid://shopify/Product/4242"
        self.assertEqual(Binding._to_internal(self.backend, "gid://shopify/Product/4242"), both[0])
        self.assertFalse(Binding._to_internal(self.backend, "gid://shopify/Product/1"))

    def test_a_failed_preflight_sends_nothing_and_lists_the_fixes(self):
        template = self.make_template("Spark plug", "PLUG-1")
        problems = ["the title is longer than 80 characters", "no picture"]
        with patch.object(
            type(self.env["shopify.product.binding"]), "_export_preflight", return_value=problems
        ):
            binding = self.env["shopify.product.binding"]._bind_and_export(self.backend, template)
            self.run_jobs()
        job = self.env["sync.job"].search([("res_id", "=", binding.id)], order="id desc", limit=1)
        self.assertEqual((job.state, job.error_kind), ("failed", "permanent"))
        self.assertEqual(binding.sync_state, "error")
        for problem in problems:
            self.assertIn(problem, binding.last_error)
        self.assertNotIn("PLUG-1", self.shop_skus(), "nothing was sent")

    def test_an_export_another_worker_holds_comes_back_instead_of_waiting(self):
        template = self.make_template("Glow plug", "GLOW-1")
        binding = self.env["shopify.product.binding"]._bind_and_export(self.backend, template)
        # Another worker, on a connection of its own, is exporting this binding.
        other = sql_db.db_connect(self.env.cr.dbname).cursor()
        try:
            other_env = api.Environment(other, api.SUPERUSER_ID, {})
            other_env["integration.backend"].browse(self.backend.id)._lock(
                "export:shopify.product.binding", binding.id
            )
            self.run_jobs(rounds=1)
            job = self.env["sync.job"].search([("res_id", "=", binding.id)], limit=1)
            self.assertEqual((job.state, job.error_kind), ("pending", "retryable"))
            self.assertIn("another worker", job.last_error)
            self.assertNotIn("GLOW-1", self.shop_skus())
        finally:
            other.rollback()
            other.close()
        self.run_jobs()
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        self.assertIn("GLOW-1", self.shop_skus())
