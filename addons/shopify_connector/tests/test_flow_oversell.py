"""The oversell rule: units sold on Shopify are never put back on sale by Odoo,
whatever the order of Shopify's inventory notification, Odoo's stock job and the
order's import."""

import itertools

from odoo.tests import tagged

from .common import ShopifyCase

SKUS = ("OVS-%d" % n for n in itertools.count(1))


@tagged("post_install", "-at_install")
class TestOversell(ShopifyCase):
    """One sandbox for the class: each test sells its own SKU and reads its own order."""

    def setUp(self):
        super().setUp()
        self.sku = next(SKUS)
        self.template = self.make_template("Oil filter %s" % self.sku, self.sku, 12.0)
        self.variant = self.template.product_variant_id
        self.set_stock(self.variant, 5)
        self.env["shopify.product.binding"]._bind_and_export(self.backend, self.template)
        self.run_jobs()
        self.assertEqual(self.level()["available"], 5)
        self.binding = self.template.shopify_binding_ids.variant_binding_ids
        self.location = self.backend.shopify_location_ids

    def level(self):
        return self.state()["inventory_by_sku"][self.sku]["Main warehouse"]

    def sell_on_shopify(self, quantity):
        order = self.shop.control(
            "POST",
            "orders",
            {
                "email": "buyer-%s@example.com" % self.variant.id,
                "line_items": [{"sku": self.sku, "quantity": quantity}],
            },
        )
        self.order = order.get("order", order)
        return self.order

    def inventory_notification(self):
        """What Shopify posts on inventory_levels/update, handled as the webhook job."""
        return self.backend._shopify_on_inventory_level(
            {
                "inventory_item_id": self.binding.inventory_item_id.rsplit("/", 1)[1],
                "location_id": self.location.external_id.rsplit("/", 1)[1],
                "available": self.level()["available"],
            }
        )

    def odoo_stock_job(self):
        """Any stock change in Odoo queues the job that sends the variant's stock."""
        self.backend._channel_mark_stock_changed(self.variant)
        self.run_jobs()

    def import_order(self):
        """The order, as the orders/create webhook imports it; its sale order."""
        order = next(o for o in self.state()["orders"] if o["id"] == self.order["id"])
        binding = self.env["shopify.order.binding"]._import_order(
            self.backend,
            self.env["shopify.order.binding"]._shopify_normalize_webhook(order),
        )
        self.run_jobs()
        return binding.odoo_id

    def test_stock_job_then_notification(self):
        self.sell_on_shopify(2)
        self.odoo_stock_job()
        self.assertEqual(self.level()["available"], 3, "the sold units stay sold")
        self.inventory_notification()
        self.run_jobs()
        self.assertEqual(self.level()["available"], 3)
        self.assert_order_life_keeps(3)

    def test_notification_then_stock_job(self):
        self.sell_on_shopify(2)
        note = self.inventory_notification()
        self.assertIn("a sale on Shopify stays sold", note)
        self.run_jobs()
        self.assertEqual(self.level()["available"], 3)
        self.odoo_stock_job()
        self.assertEqual(self.level()["available"], 3)
        self.assert_order_life_keeps(3)

    def test_order_imported_as_quotation_reserves_nothing_and_sells_nothing_twice(self):
        self.backend.order_mode = "quotation"
        self.sell_on_shopify(2)
        sale = self.import_order()
        self.assertEqual(sale.state, "draft")
        self.odoo_stock_job()
        self.assertEqual(self.level()["available"], 3)
        self.set_stock(self.variant, -1)  # one unit found broken in Odoo
        self.run_jobs()
        self.assertEqual(self.level()["available"], 2)

    def test_echo_of_odoo_update_is_only_recorded(self):
        self.set_stock(self.variant, 1)
        self.run_jobs()
        self.assertEqual(self.level()["available"], 6)
        self.assertFalse(self.inventory_notification(), "Odoo's own update: nothing to do")
        self.assertFalse(
            self.env["sync.job"].search(
                [("state", "=", "pending"), ("operation", "=", "channel_export_stock")]
            )
        )

    def test_edit_on_shopify_is_compared_and_put_back(self):
        self.shop.control("POST", "inventory", {"sku": self.sku, "name": "on_hand", "quantity": 9})
        self.sell_on_shopify(2)
        self.inventory_notification()
        self.run_jobs()
        level = self.level()
        self.assertEqual((level["on_hand"], level["available"]), (5, 3))
        self.assertTrue(self.binding.stock_mismatch)
        stock_level = self.env["integration.stock.level"].search(
            [("backend_id", "=", self.backend.id), ("product_id", "=", self.variant.id)]
        )
        self.assertEqual(
            (stock_level.location_ref, stock_level.quantity_sent, stock_level.quantity_seen),
            (self.location.external_id, 5, 5),
        )

    def assert_order_life_keeps(self, available):
        """Import (confirmed: 2 reserved), deliver and fulfil: Shopify keeps selling
        ``available``, its committed units gone with the fulfilment."""
        sale = self.import_order()
        self.assertEqual(sale.state, "sale")
        self.assertEqual(self.level()["available"], available)
        picking = sale.picking_ids
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.run_jobs()
        self.odoo_stock_job()
        level = self.level()
        self.assertEqual((level["available"], level["committed"], level["on_hand"]), (3, 0, 3))
