"""End to end across the addons, against the Shopify sandbox: a product edited in
Odoo reaches the shop with its stock, a customer buys it there, the order becomes a
confirmed sale order that reserves stock (and the shop's stock follows), the
delivery ships with a tracking number, and the shop shows the order fulfilled."""

from odoo.tests import tagged

from odoo.addons.shopify_connector.tests.common import ShopifyCase


@tagged("post_install", "-at_install")
class TestOrderToTracking(ShopifyCase):
    def test_catalogue_stock_order_delivery_tracking(self):
        template = self.make_template("Timing belt kit", "TBK-1", 89.0)
        variant = template.product_variant_id
        self.set_stock(variant, 10)
        self.env["shopify.product.binding"]._bind_and_export(self.backend, template)
        self.run_jobs()
        inventory = self.state()["inventory_by_sku"]["TBK-1"]["Main warehouse"]
        self.assertEqual(inventory["available"], 10)

        placed = self.shop.control(
            "POST",
            "orders",
            {
                "email": "e2e@example.com",
                "line_items": [{"sku": "TBK-1", "quantity": 4}],
                "shipping_address": {
                    "first_name": "Kim",
                    "last_name": "Lo",
                    "address1": "3 Dock St",
                    "city": "Hull",
                    "zip": "HU1 1AA",
                    "country_code": "GB",
                },
                "tax_rate": "0.2",
            },
        )
        placed = placed.get("order", placed)
        self.env["sync.job"].enqueue(self.backend, "shopify_poll_orders", self.backend)
        self.run_jobs()
        sale = (
            self.env["shopify.order.binding"]
            .search([("external_id", "=", placed["admin_graphql_api_id"])])
            .odoo_id
        )
        self.assertEqual(sale.state, "sale")
        self.assertAlmostEqual(sale.amount_total, float(placed["total_price"]), places=2)
        self.assertEqual(
            self.state()["inventory_by_sku"]["TBK-1"]["Main warehouse"]["available"],
            6,
            "Odoo's reservation is what the shop shows",
        )

        picking = sale.picking_ids
        picking.move_ids.quantity = 4
        picking.move_ids.picked = True
        picking.carrier_tracking_ref = "TRACK-E2E-1"
        picking.button_validate()
        self.run_jobs()
        order = next(o for o in self.state()["orders"] if o["id"] == placed["id"])
        self.assertEqual(order["fulfillment_status"], "fulfilled")
        self.assertEqual(order["fulfillments"][0]["tracking_number"], "TRACK-E2E-1")
        self.assertEqual(self.state()["inventory_by_sku"]["TBK-1"]["Main warehouse"]["on_hand"], 6)
