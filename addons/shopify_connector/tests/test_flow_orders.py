import psycopg2

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ShopifyCase

ADDRESS = {
    "first_name": "Dana",
    "last_name": "Reyes",
    "address1": "12 Mill Road",
    "city": "Leeds",
    "zip": "LS1 4AP",
    "country_code": "GB",
}


@tagged("post_install", "-at_install")
class TestOrders(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pad = cls.make_template(cls, "Brake pad set", "PAD-7", 40.0)
        cls.disc = cls.make_template(cls, "Brake disc", "DSC-7", 60.0, ["Front", "Rear"])
        for template in (cls.pad, cls.disc):
            for variant in template.product_variant_ids:
                cls.set_stock(cls, variant, 20)
        cls.env["shopify.product.binding"]._shopify_bind_and_export(cls.backend, cls.pad | cls.disc)
        cls.run_jobs(cls)
        # An item only Shopify has, for the unknown-SKU case.
        cls.shop.control(
            "POST",
            "seed",
            {
                "products": [
                    {
                        "title": "Shopify-only mat",
                        "variants": [
                            {
                                "sku": "MAT-ONLY",
                                "price": "15.00",
                                "inventory": {"Main warehouse": 5},
                            }
                        ],
                    }
                ]
            },
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Dana Reyes", "email": "dana@example.com"}
        )

    def place(self, lines, **extra):
        order = self.shop.control(
            "POST",
            "orders",
            {
                "email": "dana@example.com",
                "customer": {
                    "first_name": "Dana",
                    "last_name": "Reyes",
                    "email": "dana@example.com",
                },
                "line_items": lines,
                "shipping_address": ADDRESS,
                "billing_address": ADDRESS,
                "shipping": {"title": "Standard", "price": "7.50"},
                "tax_rate": "0.2",
                **extra,
            },
        )
        return order.get("order", order)

    def poll(self):
        self.env["sync.job"].enqueue(self.backend, "shopify_poll_orders", self.backend)
        self.run_jobs()

    def binding_of(self, order):
        return self.env["shopify.order.binding"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("external_id", "=", order["admin_graphql_api_id"]),
            ]
        )

    def test_poll_imports_one_sale_order_with_matching_total(self):
        order = self.place(
            [{"sku": "PAD-7", "quantity": 2}, {"sku": "DSC-7-FRONT", "quantity": 1}],
            discount={"code": "SPRING", "amount": "5.00"},
        )
        self.poll()
        binding = self.binding_of(order)
        self.assertEqual(len(binding), 1)
        sale = binding.odoo_id
        self.assertEqual(sale.partner_id, self.customer, "customer matched by email")
        self.assertEqual(sale.state, "sale", "confirmed: stock is reserved")
        products = sale.order_line.filtered(lambda line: not line.is_delivery).mapped("product_id")
        self.assertEqual(sorted(products.mapped("default_code")), ["DSC-7-FRONT", "PAD-7"])
        self.assertTrue(sale.order_line.filtered("is_delivery"))
        self.assertAlmostEqual(sale.amount_total, float(order["total_price"]), places=2)
        self.assertFalse(binding.total_mismatch)
        # Polling again (or a replayed webhook) creates nothing.
        self.poll()
        self.assertEqual(len(self.binding_of(order)), 1)
        self.assertEqual(
            self.env["sale.order"].search_count([("client_order_ref", "=", order["name"])]), 1
        )

    def test_a_second_sale_order_for_one_shopify_order_is_impossible(self):
        order = self.place([{"sku": "PAD-7", "quantity": 1}])
        self.poll()
        binding = self.binding_of(order)
        other = self.env["sale.order"].create({"partner_id": self.customer.id})
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            self.env["shopify.order.binding"].create(
                {
                    "backend_id": self.backend.id,
                    "odoo_id": other.id,
                    "external_id": binding.external_id,
                }
            )
            self.env.flush_all()

    def test_unknown_sku_still_imports_with_a_flag_and_an_activity(self):
        order = self.place([{"sku": "MAT-ONLY", "quantity": 1}, {"sku": "PAD-7", "quantity": 1}])
        self.poll()
        binding = self.binding_of(order)
        sale = binding.odoo_id
        flagged = sale.order_line.filtered("channel_unknown_sku")
        self.assertEqual(len(flagged), 1)
        self.assertIn("MAT-ONLY", flagged.name)
        self.assertTrue(binding.has_unknown_sku)
        self.assertIn("MAT-ONLY", sale.activity_ids.note)
        self.assertAlmostEqual(sale.amount_total, float(order["total_price"]), places=2)

    def test_cancellation_cancels_the_sale_order(self):
        order = self.place([{"sku": "PAD-7", "quantity": 1}])
        self.poll()
        sale = self.binding_of(order).odoo_id
        self.shop.control("POST", "orders/%s/cancel" % order["id"], {"reason": "CUSTOMER"})
        self.poll()
        self.assertEqual(sale.state, "cancel")

    def test_partial_delivery_is_a_partial_fulfilment_with_tracking(self):
        order = self.place([{"sku": "PAD-7", "quantity": 3}])
        self.poll()
        sale = self.binding_of(order).odoo_id
        picking = sale.picking_ids
        self.assertEqual(len(picking), 1)
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking.carrier_tracking_ref = "1Z999AA10123456784"
        picking.with_context(skip_backorder=True).button_validate()
        self.assertEqual(picking.state, "done")
        self.assertTrue(picking.backorder_ids, "the last unit waits in a backorder")
        self.run_jobs()
        self.assertTrue(picking.shopify_fulfillment_id)
        fulfillments = [
            f
            for f in self.state()["fulfillments"]
            if f["admin_graphql_api_id"] == picking.shopify_fulfillment_id
        ]
        self.assertEqual(len(fulfillments), 1)
        fulfillment = fulfillments[0]
        self.assertEqual(sum(li["quantity"] for li in fulfillment["line_items"]), 2)
        self.assertEqual(fulfillment["tracking_number"], "1Z999AA10123456784")
        shop_order = next(o for o in self.state()["orders"] if o["id"] == order["id"])
        self.assertEqual(shop_order["fulfillment_status"], "partial")
