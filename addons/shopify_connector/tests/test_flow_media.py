"""Product images to Shopify against the sandbox: the template's and the variants'
images as product media (staged upload, then productSet's files), sent again only
when an image changed, and an image Shopify cannot process shown on the product."""

import base64
import io
import time
from contextlib import contextmanager
from unittest.mock import patch

from PIL import Image

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged
from odoo.tests.common import new_test_user

from odoo.addons.shopify_connector.api.client import ShopifyClient

from .common import ShopifyCase

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'


def png(colour):
    """A small PNG of one colour, base64 as Odoo's image fields take it."""
    data = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(data, "PNG")
    return base64.b64encode(data.getvalue())


@contextmanager
def counting_calls():
    """Count the productSet calls and the staged uploads, and keep productSet's input."""
    calls = {"product_set": [], "upload": 0}
    product_set, upload_staged = ShopifyClient.product_set, ShopifyClient.upload_staged

    def count_product_set(client, input, identifier=None):
        calls["product_set"].append(input)
        return product_set(client, input, identifier)

    def count_upload(client, *args, **kwargs):
        calls["upload"] += 1
        return upload_staged(client, *args, **kwargs)

    with (
        patch.object(ShopifyClient, "product_set", count_product_set),
        patch.object(ShopifyClient, "upload_staged", count_upload),
    ):
        yield calls


@tagged("post_install", "-at_install")
class TestProductMedia(ShopifyCase):
    def export(self, template):
        binding = self.env["shopify.product.binding"]._bind_and_export(self.backend, template)
        self.run_jobs()
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        return binding

    def shopify_product(self, binding):
        return next(p for p in self.state()["products"] if p["id"] == binding.external_id)

    def test_the_template_image_is_the_products_media(self):
        template = self.make_template("Brake disc", "DISC-1")
        template.image_1920 = png("red")
        with counting_calls() as calls:
            binding = self.export(template)
        self.assertEqual((calls["upload"], len(calls["product_set"])), (1, 1))
        media = self.shopify_product(binding)["media"]
        self.assertEqual([(m["alt"], m["status"]) for m in media], [("Brake disc", "READY")])
        self.assertEqual(media[0]["mimeType"], "image/png")
        self.assertTrue(media[0]["filename"].startswith("brake-disc-"))
        self.assertEqual(binding.media_ids.external_id, media[0]["id"])
        self.assertEqual(binding.media_ids.status, "ready", "the check job read it")
        self.assertEqual(template.shopify_media_ids, binding.media_ids)
        self.assertFalse(binding.media_problem)

    def test_an_unchanged_image_is_not_sent_again_and_a_changed_one_replaces_it(self):
        template = self.make_template("Brake caliper", "CAL-9")
        template.image_1920 = png("red")
        with counting_calls() as calls:
            binding = self.export(template)
            first = binding.media_ids.external_id
            binding._enqueue_export()
            self.run_jobs()
            self.assertEqual((calls["upload"], len(calls["product_set"])), (1, 1))
            template.list_price = 99.0  # a change that is not the image's
            self.run_jobs()
            self.assertEqual((calls["upload"], len(calls["product_set"])), (1, 2))
            self.assertEqual(
                calls["product_set"][1]["files"], [{"id": first, "alt": "Brake caliper"}]
            )
            template.image_1920 = png("blue")  # queues the export by itself
            self.run_jobs()
            self.assertEqual((calls["upload"], len(calls["product_set"])), (2, 3))
        media = self.shopify_product(binding)["media"]
        self.assertEqual(len(media), 1, "the old image went with the new one's arrival")
        self.assertNotEqual(media[0]["id"], first)
        self.assertEqual(binding.media_ids.external_id, media[0]["id"])
        self.assertEqual(len(binding.media_ids), 1)

    def test_variant_images_that_differ_from_the_templates(self):
        template = self.make_template("Brake pads", "PAD", 40.0, ["Front", "Rear", "Sport"])
        template.image_1920 = png("red")
        front, rear, sport = template.product_variant_ids.sorted("default_code")
        self.assertEqual(
            [front.default_code, rear.default_code, sport.default_code],
            ["PAD-FRONT", "PAD-REAR", "PAD-SPORT"],
        )
        rear.image_variant_1920 = png("blue")
        sport.image_variant_1920 = template.image_1920  # the template's own image
        binding = self.export(template)
        product = self.shopify_product(binding)
        media = product["media"]
        self.assertEqual(
            [m["alt"] for m in media], ["Brake pads", rear.display_name], "one media per image"
        )
        by_sku = {v["sku"]: v["media_ids"] for v in product["variants"]}
        self.assertEqual(by_sku, {"PAD-FRONT": [], "PAD-REAR": [media[1]["id"]], "PAD-SPORT": []})
        self.assertEqual(len(binding.media_ids), 2)
        self.assertEqual(set(binding.media_ids.mapped("status")), {"ready"})

    def test_an_image_shopify_cannot_process_is_shown_and_the_rest_is_sent(self):
        template = self.make_template("Wheel bearing", "BRG", 25.0, ["Left", "Right"])
        template.image_1920 = png("red")
        left = template.product_variant_ids.sorted("default_code")[0]
        left.image_variant_1920 = base64.b64encode(SVG)
        binding = self.export(template)
        product = self.shopify_product(binding)
        self.assertEqual(sorted(v["sku"] for v in product["variants"]), ["BRG-LEFT", "BRG-RIGHT"])
        self.assertEqual([m["status"] for m in product["media"]], ["READY", "FAILED"])
        failed = binding.media_ids.filtered(lambda m: m.status == "failed")
        self.assertTrue(failed.filename.endswith(".svg"))
        self.assertIn("unsupported file type. (UNSUPPORTED_IMAGE_FILE_TYPE)", failed.error)
        self.assertIn(failed.filename, binding.media_problem)
        self.assertEqual(binding.sync_state, "synced")
        self.assertEqual(template.shopify_binding_ids.media_problem, binding.media_problem)
        self.assertIn(failed, template.shopify_media_ids)
        # Unchanged, it is not sent again (it would fail again).
        with counting_calls() as calls:
            binding._enqueue_export()
            self.run_jobs()
        self.assertEqual((calls["upload"], len(calls["product_set"])), (0, 0))

    def test_a_product_without_image_sends_no_files_and_a_removed_image_is_removed(self):
        template = self.make_template("Oil filter", "OIL-1")
        with counting_calls() as calls:
            binding = self.export(template)
            self.assertEqual(calls["upload"], 0)
            self.assertNotIn("files", calls["product_set"][0])
            template.image_1920 = png("red")
            self.run_jobs()
            self.assertEqual(len(self.shopify_product(binding)["media"]), 1)
            template.image_1920 = False
            self.run_jobs()
            self.assertEqual(calls["product_set"][-1]["files"], [])
        self.assertEqual(self.shopify_product(binding)["media"], [])
        self.assertFalse(binding.media_ids)

    def test_a_retried_export_sends_the_upload_again_and_leaves_one_media(self):
        template = self.make_template("Fuel filter", "FUEL-1")
        template.image_1920 = png("red")
        with counting_calls() as calls:
            binding = self.export(template)
            # As if the job's transaction had rolled back after productSet: the
            # upload, recorded on its own, is all that is left.
            binding.write({"external_id": False, "payload_hash": False})
            binding.media_ids.write({"external_id": False, "status": False})
            template.action_shopify_sync()
            self.run_jobs()
        self.assertEqual((calls["upload"], len(calls["product_set"])), (1, 2))
        self.assertEqual(
            calls["product_set"][1]["files"][0]["originalSource"], binding.media_ids.resource_url
        )
        media = self.shopify_product(binding)["media"]
        self.assertEqual(len(media), 1, "productSet's files are a list: one media per image")
        self.assertEqual(binding.media_ids.external_id, media[0]["id"])

    def test_a_bulk_export_leaves_the_images_to_the_products_own_export(self):
        with_image = self.make_template("Bulk hose", "HOSE-1")
        with_image.image_1920 = png("red")
        plain = self.make_template("Bulk clip", "CLIP-1")
        operation = self.env["shopify.bulk.operation"].create(
            {
                "backend_id": self.backend.id,
                "kind": "export",
                "template_ids": [(6, 0, (with_image | plain).ids)],
            }
        )
        operation.action_start()
        deadline = time.monotonic() + 20
        while operation.state == "running" and time.monotonic() < deadline:
            self.run_jobs(rounds=1)
            time.sleep(0.1)
        self.assertEqual(operation.state, "done", operation.error)
        binding = with_image.shopify_binding_ids
        self.assertEqual(self.shopify_product(binding)["media"], [], "the bulk run sent none")
        queued = self.env["sync.job"].search(
            [("res_model", "=", binding._name), ("state", "=", "pending")]
        )
        self.assertEqual(queued.res_id, binding.id, "only the product with an image")
        self.assertEqual(queued.operation, "shopify_export_product")
        self.run_jobs()
        self.assertEqual(len(self.shopify_product(binding)["media"]), 1)
        self.assertEqual(binding.media_ids.status, "ready")
        with counting_calls() as calls:
            binding._enqueue_export()
            self.run_jobs()
        self.assertEqual(calls["product_set"], [], "unchanged now")


@tagged("post_install", "-at_install")
class TestProductMediaAccess(TransactionCase):
    """Who sees a product's images on Shopify: integration users of its company read
    them, nobody but a manager (or the worker) writes them."""

    def media(self, company):
        backend = self.env["integration.backend"].create(
            {"name": "Shop %s" % company.name, "platform": "shopify", "company_id": company.id}
        )
        template = self.env["product.template"].create({"name": "Disc %s" % company.name})
        binding = self.env["shopify.product.binding"].create(
            {"backend_id": backend.id, "odoo_id": template.id}
        )
        return self.env["shopify.product.media"].create(
            {
                "binding_id": binding.id,
                "checksum": "0" * 64,
                "filename": "disc.png",
                "status": "failed",
                "error": "Too large.",
            }
        )

    def test_integration_users_read_their_companys_images_and_write_none(self):
        mine = self.media(self.env.company)
        theirs = self.media(self.env["res.company"].create({"name": "Other company"}))
        user = new_test_user(
            self.env,
            "shopify-media-user",
            "base.group_user,integration_base.group_integration_user",
            company_id=self.env.company.id,
            company_ids=[(6, 0, self.env.company.ids)],
        )
        Media = self.env["shopify.product.media"].with_user(user)
        self.assertEqual(Media.search([("id", "in", (mine | theirs).ids)]), mine)
        self.assertEqual(mine.binding_id.with_user(user).media_problem, "disc.png: Too large.")
        with self.assertRaises(AccessError):
            mine.with_user(user).write({"status": "ready"})
        with self.assertRaises(AccessError):
            theirs.with_user(user).read(["status"])
        salesman = new_test_user(
            self.env, "shopify-media-salesman", "sales_team.group_sale_salesman"
        )
        with self.assertRaises(AccessError):
            mine.with_user(salesman).read(["status"])
