import time

from odoo.tests import tagged

from .common import ShopifyCase


@tagged("post_install", "-at_install")
class TestBulk(ShopifyCase):
    def run_until_done(self, operation, seconds=20):
        deadline = time.monotonic() + seconds
        while operation.state == "running" and time.monotonic() < deadline:
            self.run_jobs(rounds=1)
            time.sleep(0.1)
        return operation

    def test_catalogue_import_binds_by_sku_without_duplicates_and_reports(self):
        only_odoo = self.make_template("Odoo-only hose", "BLK-ODOO")
        matched = self.make_template("Matched belt", "BLK-1")
        self.shop.control(
            "POST",
            "seed",
            {
                "products": [
                    {"title": "Belt", "variants": [{"sku": "BLK-1", "price": "20.00"}]},
                    {"title": "Shop-only lamp", "variants": [{"sku": "BLK-SHOP", "price": "5.00"}]},
                ]
            },
        )
        operation = self.env["shopify.bulk.operation"].create(
            {"backend_id": self.backend.id, "kind": "import"}
        )
        operation.action_start()
        self.run_until_done(operation)
        self.assertEqual(operation.state, "done", operation.error)
        self.assertEqual(operation.progress, 100.0)
        binding = matched.shopify_binding_ids
        self.assertEqual(len(binding), 1)
        self.assertTrue(binding.external_id.startswith("gid://shopify/Product/"))
        self.assertIn("BLK-SHOP", operation.report)
        self.assertIn(only_odoo.display_name, operation.report)
        # Running it again binds nothing twice.
        again = operation.copy({"state": "draft", "external_id": False})
        again.action_start()
        self.run_until_done(again)
        self.assertEqual(len(matched.shopify_binding_ids), 1)

    def test_bulk_export_through_a_staged_upload(self):
        templates = self.env["product.template"].concat(
            *[self.make_template("Bulk clamp %s" % i, "CLP-%s" % i, 3.0 + i) for i in range(5)]
        )
        operation = self.env["shopify.bulk.operation"].create(
            {
                "backend_id": self.backend.id,
                "kind": "export",
                "template_ids": [(6, 0, templates.ids)],
            }
        )
        operation.action_start()
        self.run_until_done(operation)
        self.assertEqual(operation.state, "done", operation.error)
        self.assertIn("5 products exported", operation.report)
        batched = self.env["integration.api.log"].search(
            [("backend_id", "=", self.backend.id), ("items", ">", 0)]
        )
        self.assertEqual(
            [(call.items, call.max_items) for call in batched],
            [(5, 0)],
            "the bulk run carried the 5 lines; Shopify caps its file's size, not its lines",
        )
        skus = self.state()["variants_by_sku"]
        self.assertTrue(all("CLP-%s" % i in skus for i in range(5)))
        self.assertEqual(set(templates.shopify_binding_ids.mapped("sync_state")), {"synced"})
