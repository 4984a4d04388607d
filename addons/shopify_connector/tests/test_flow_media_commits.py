"""Product images with committed data and the real worker: an export whose transaction
is lost after productSet answered, and media the merchant deleted on Shopify."""

from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from odoo.addons.integration_base.exceptions import RetryableError

from .common import CommittedShopMixin
from .test_flow_media import counting_calls, png

PRODUCT_SET = """mutation Set($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, identifier: $identifier) { userErrors { message } }
}"""


@tagged("post_install", "-at_install")
class TestMediaCommits(CommittedShopMixin, BaseCase):
    def setUp(self):
        super().setUp()
        self.setup_committed_shop()

    def run_due(self):
        """Run the worker with every pending job due now (retries included)."""
        with self.data.env() as env:
            env.cr.execute(
                "UPDATE sync_job SET eta = NULL WHERE backend_id = %s AND state = 'pending'",
                [self.backend_id],
            )
        return self.run_worker(idle_wait=0)

    def binding(self, env):
        return env["shopify.product.binding"].search([("backend_id", "=", self.backend_id)])

    def shop_media(self, product_id):
        product = next(p for p in self.shop.state()["products"] if p["id"] == product_id)
        return product["media"]

    def jobs(self, env):
        return env["sync.job"].search(
            [("backend_id", "=", self.backend_id), ("operation", "=", "shopify_export_product")]
        )

    def test_a_commit_lost_after_product_set_uploads_once_and_leaves_one_media(self):
        self.committed_templates(["DISC-C1"], image_1920=png("red"))
        lost = {"count": 0}
        Binding = self.data.registry["shopify.product.binding"]
        store_media = Binding._shopify_store_media

        def lose_the_first(binding, payload, product):
            if not lost["count"]:
                lost["count"] += 1
                raise RetryableError("the worker died before its commit")
            return store_media(binding, payload, product)

        with (
            counting_calls() as calls,
            patch.object(Binding, "_shopify_store_media", lose_the_first),
        ):
            self.run_due()
            with self.data.env() as env:
                job = self.jobs(env)
                self.assertEqual((job.state, job.error_kind), ("pending", "retryable"))
                media = self.binding(env).media_ids
                self.assertEqual(len(media), 1, "the upload was committed on its own")
                self.assertFalse(media.external_id)
            self.run_due()
        sent = calls["product_set"]
        self.assertEqual((calls["upload"], len(sent)), (1, 2), "the bytes went once")
        self.assertEqual(sent[0]["files"], sent[1]["files"], "the same source, twice")
        with self.data.env() as env:
            binding = self.binding(env)
            self.assertEqual(self.jobs(env).state, "done")
            self.assertEqual(binding.sync_state, "synced")
            media = self.shop_media(binding.external_id)
            self.assertEqual(len(media), 1, "one media for one image")
            self.assertEqual(binding.media_ids.external_id, media[0]["id"])

    def test_media_deleted_on_shopify_are_uploaded_again(self):
        [variant_id] = self.committed_templates(["DISC-C2"], image_1920=png("red"))
        self.run_due()
        with self.data.env() as env:
            product_id = self.binding(env).external_id
        # The merchant removes the image in Shopify's admin.
        self.shop.gql(PRODUCT_SET, {"input": {"files": []}, "identifier": {"id": product_id}})
        self.assertEqual(self.shop_media(product_id), [])
        with self.data.env() as env:
            env["product.product"].browse(variant_id).product_tmpl_id.list_price = 31.0
        with counting_calls() as calls:
            self.run_due()
            with self.data.env() as env:
                job = self.jobs(env).filtered(lambda j: j.state != "done")
                self.assertEqual(job.error_kind, "retryable")
                self.assertIn("no longer has 1 image(s)", job.last_error)
            self.run_due()
        self.assertEqual(calls["upload"], 1)
        with self.data.env() as env:
            binding = self.binding(env)
            self.assertEqual(set(self.jobs(env).mapped("state")), {"done"})
            media = self.shop_media(product_id)
            self.assertEqual(len(media), 1)
            self.assertEqual(binding.media_ids.external_id, media[0]["id"])
            self.assertEqual(media[0]["status"], "READY")
