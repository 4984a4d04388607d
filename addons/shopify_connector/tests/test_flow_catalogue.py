import json

from odoo.tests import tagged

from .common import SandboxClient, ShopifyCase, start_server


@tagged("post_install", "-at_install")
class TestCatalogue(ShopifyCase):
    def test_test_connection_maps_the_location(self):
        self.assertEqual(self.backend.state, "connected")
        location = self.backend.shopify_location_ids
        self.assertEqual(location.name, "Main warehouse")
        self.assertEqual(location.warehouse_id, self.warehouse)

    def test_template_with_variants_is_one_product(self):
        template = self.make_template("Brake caliper", "CAL-1", 120.0, ["Left", "Right", "Rear"])
        template.write(
            {
                "fitment_ids": [
                    (0, 0, {"year": 2019, "make": "Ford", "model": "Focus", "engine": "1.0L"})
                ],
                "part_brand": "ATE",
                "oem_number": "XS4Z-2B120",
            }
        )
        self.env["shopify.product.binding"]._bind_and_export(self.backend, template)
        self.run_jobs()
        binding = template.shopify_binding_ids
        self.assertEqual(binding.sync_state, "synced", binding.last_error)
        products = [p for p in self.state()["products"] if p["id"] == binding.external_id]
        self.assertEqual(len(products), 1, "one Shopify product, not one per variant")
        product = products[0]
        self.assertEqual(product["title"], "Brake caliper")
        self.assertEqual(product["vendor"], "ATE")
        skus = sorted(v["sku"] for v in product["variants"])
        self.assertEqual(skus, ["CAL-1-LEFT", "CAL-1-REAR", "CAL-1-RIGHT"])
        self.assertEqual(len(binding.variant_binding_ids), 3)
        self.assertTrue(all(binding.variant_binding_ids.mapped("inventory_item_id")))
        fitment = next(m for m in product["metafields"] if m["key"] == "fitment")
        self.assertEqual(json.loads(fitment["value"])[0]["make"], "Ford")
        definitions = {d["key"] for d in self.state()["metafield_definitions"]}
        self.assertIn("fitment", definitions)
        collection = next(
            c for c in self.state()["collections"] if c["title"] == template.categ_id.name
        )
        self.assertIn(binding.external_id, collection["product_ids"], "category = collection")

    def test_unchanged_product_is_not_sent_again_and_archiving_archives(self):
        template = self.make_template("Wiper blade", "WIP-1", 12.0)
        binding = self.env["shopify.product.binding"]._bind_and_export(self.backend, template)
        self.run_jobs()
        calls = self.env["integration.api.log"].search_count([("backend_id", "=", self.backend.id)])
        binding._enqueue_export()
        self.run_jobs()
        self.assertEqual(
            self.env["integration.api.log"].search_count([("backend_id", "=", self.backend.id)]),
            calls,
            "an unchanged payload makes no call",
        )
        template.list_price = 14.0  # queues the export by itself
        self.run_jobs()
        variant = self.state()["variants_by_sku"]["WIP-1"]
        self.assertEqual(float(variant["price"]), 14.0)
        template.active = False
        self.run_jobs()
        product = next(p for p in self.state()["products"] if p["id"] == binding.external_id)
        self.assertEqual(product["status"], "ARCHIVED")

    def test_user_error_shows_on_job_and_binding(self):
        template = self.make_template("Ghost part", "GHO-1")
        binding = self.env["shopify.product.binding"].create(
            {
                "backend_id": self.backend.id,
                "odoo_id": template.id,
                "external_id": "gid://shopify/Product/987654321",
            }
        )
        binding._enqueue_export()
        self.run_jobs()
        job = self.env["sync.job"].search(
            [("res_model", "=", binding._name), ("res_id", "=", binding.id)]
        )
        self.assertEqual(job.state, "failed")
        self.assertIn("Shopify refused ProductSet", job.last_error)
        self.assertEqual(binding.sync_state, "error")
        self.assertEqual(binding.last_error, job.last_error)

    def test_variant_without_sku_is_refused_clearly(self):
        template = self.make_template("No code", False)
        binding = self.env["shopify.product.binding"]._bind_and_export(self.backend, template)
        self.run_jobs()
        self.assertEqual(binding.sync_state, "error")
        self.assertIn("has no internal reference", binding.last_error)

    def test_stock_changes_are_coalesced_and_batched(self):
        templates = [self.make_template("Filter %s" % i, "FLT-%03d" % i) for i in range(6)]
        self.env["shopify.product.binding"]._bind_and_export(
            self.backend, self.env["product.template"].concat(*templates)
        )
        self.run_jobs()
        self.env["sync.job"].search([("operation", "=", "channel_export_stock")]).unlink()
        calls_before = self.env["integration.api.log"].search_count(
            [("backend_id", "=", self.backend.id)]
        )
        for index, template in enumerate(templates):
            self.set_stock(template.product_variant_id, 10 + index)
            self.set_stock(template.product_variant_id, 1)  # two changes, one figure sent
        stock_jobs = self.env["sync.job"].search(
            [("operation", "=", "channel_export_stock"), ("state", "=", "pending")]
        )
        self.assertEqual(len(stock_jobs), 1, "every change folds into one pending job")
        self.run_jobs()
        inventory = self.state()["inventory_by_sku"]
        for index in range(6):
            self.assertEqual(
                inventory["FLT-%03d" % index]["Main warehouse"]["available"], 11 + index
            )
        calls = self.env["integration.api.log"].search(
            [("backend_id", "=", self.backend.id)], order="id"
        )[calls_before:]
        self.assertEqual(len(calls), 1, "6 quantities in one inventorySetQuantities call")

    def test_staff_without_integration_rights_move_stock_and_edit_products(self):
        template = self.make_template("Fuel pump", "FUP-1", 99.0)
        self.env["shopify.product.binding"]._bind_and_export(self.backend, template)
        self.run_jobs()
        storekeeper = self.env["res.users"].create(
            {
                "name": "Storekeeper",
                "login": "storekeeper_shopify",
                "groups_id": [(6, 0, [self.env.ref("stock.group_stock_manager").id])],
            }
        )
        self.assertFalse(storekeeper.has_group("integration_base.group_integration_user"))
        self.env["stock.quant"].with_user(storekeeper)._update_available_quantity(
            template.product_variant_id, self.warehouse.lot_stock_id, 7
        )
        template.with_user(storekeeper).write({"list_price": 105.0})
        pending = self.env["sync.job"].search([("state", "=", "pending")]).mapped("operation")
        self.assertIn("channel_export_stock", pending)
        self.assertIn("shopify_export_product", pending)
        self.run_jobs()
        self.assertEqual(
            self.state()["inventory_by_sku"]["FUP-1"]["Main warehouse"]["available"], 7
        )
        self.assertEqual(float(self.state()["variants_by_sku"]["FUP-1"]["price"]), 105.0)

    def test_one_product_in_two_shops(self):
        other_store = start_server()
        self.addCleanup(other_store.stop)
        other_shop = SandboxClient(other_store.url)
        other_shop.control("POST", "seed", {"locations": [{"name": "Main warehouse"}]})
        second = self.make_backend(name="Second shop", api_url=other_store.url)
        template = self.make_template("Radiator cap", "RAD-CAP")
        template.action_shopify_sync()
        self.run_jobs()
        bindings = template.shopify_binding_ids
        self.assertEqual(bindings.backend_id, self.backend | second)
        self.assertEqual(set(bindings.mapped("sync_state")), {"synced"})
        for shop in (self.shop, other_shop):
            products = shop.control("GET", "state")["products"]
            self.assertEqual([p["title"] for p in products].count("Radiator cap"), 1)

    def test_a_create_tried_again_updates_the_product_it_made(self):
        template = self.make_template("Thermostat housing", "THM-HSG")
        template.action_shopify_sync()
        binding = template.shopify_binding_ids
        self.assertEqual(binding.handle, "thermostat-housing-odoo-%s" % template.id)
        self.run_jobs()
        first_id = binding.external_id
        # As if the job's transaction had rolled back after Shopify created the product.
        binding.write({"external_id": False, "payload_hash": False})
        template.list_price = 12.5
        template.action_shopify_sync()
        self.run_jobs()
        self.assertEqual(binding.external_id, first_id)
        products = [p for p in self.state()["products"] if p["title"] == "Thermostat housing"]
        self.assertEqual(len(products), 1, "the retry found the product by its handle")
        self.assertEqual(float(self.state()["variants_by_sku"]["THM-HSG"]["price"]), 12.5)


@tagged("post_install", "-at_install")
class TestBadProductData(ShopifyCase):
    """Data Shopify cannot take fails the product's job with the sentence that says
    what to fix: a data error, not a defect of the connector."""

    def export_job(self, template):
        binding = self.env["shopify.product.binding"]._bind_and_export(self.backend, template)
        job = self.env["sync.job"].search(
            [("res_model", "=", binding._name), ("res_id", "=", binding.id)]
        )
        job.action_run_now()
        return job

    def assert_data_error(self, job, sentence):
        self.assertEqual((job.state, job.error_kind), ("failed", "permanent"))
        self.assertIn(sentence, job.last_error)
        self.assertNotIn("defect", job.last_error)
        self.assertNotIn("ValueError", job.last_error)

    def test_a_fourth_option(self):
        template = self.make_template("Seat cover", "SEAT-4")
        for name in ("Colour", "Material", "Row", "Fit"):
            attribute = self.env["product.attribute"].create(
                {"name": name, "value_ids": [(0, 0, {"name": "%s A" % name})]}
            )
            template.attribute_line_ids = [
                (
                    0,
                    0,
                    {"attribute_id": attribute.id, "value_ids": [(6, 0, attribute.value_ids.ids)]},
                )
            ]
        template.product_variant_ids.default_code = "SEAT-4"
        job = self.export_job(template)
        self.assert_data_error(job, "has 4 options; Shopify allows at most 3.")

    def test_an_invalid_fitment_row(self):
        template = self.make_template("Alternator", "ALT-9")
        template.fitment_ids = [(0, 0, {"year": 2015, "make": "Ford", "model": "Focus"})]
        # A row saved before years were checked in Odoo.
        self.env.cr.execute(
            "UPDATE product_fitment SET year = 1850 WHERE id = %s", [template.fitment_ids.id]
        )
        template.invalidate_recordset(["fitment_ids"])
        self.env["product.fitment"].invalidate_model()
        job = self.export_job(template)
        self.assert_data_error(job, "the year 1850 is not between 1900 and 2100.")
