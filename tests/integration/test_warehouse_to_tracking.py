"""End to end across the connectors: an order placed on Shopify becomes a sale order,
its delivery goes to the warehouse in ShipStation, the warehouse ships it there, the
shipment validates the delivery in Odoo, and the tracking number reaches the buyer on
Shopify, with no one typing it."""

from odoo.tests import tagged

from odoo.addons.shipstation_connector.tests.common import API_KEY, API_SECRET
from odoo.addons.shopify_connector.tests.common import ShopifyCase

from sandbox.shipstation.server import start_server
from sandbox.shipstation.testing import SandboxClient


@tagged("post_install", "-at_install")
class TestWarehouseToTracking(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shipstation = start_server(seed=True, rate_limit=1000)
        cls.addClassCleanup(cls.shipstation.stop)
        cls.ss = SandboxClient(cls.shipstation.url)
        cls.ss_backend = cls.env["integration.backend"].create(
            {
                "name": "Warehouse",
                "platform": "shipstation",
                "api_url": cls.shipstation.url,
                "shipstation_batch_seconds": 0,
            }
        )
        cls.ss_backend._set_credential("api_key", API_KEY)
        cls.ss_backend._set_credential("api_secret", API_SECRET)
        cls.ss_backend.action_shipstation_refresh_account()
        location = cls.ss_backend.shipstation_warehouse_ids.filtered("is_default")
        location.write({"warehouse_id": cls.warehouse.id, "send_deliveries": True})

    def run_all_jobs(self):
        Job = self.env["sync.job"]
        for _round in range(10):
            jobs = Job.search([("state", "=", "pending")])
            if not jobs:
                return
            jobs.action_run_now()

    def test_shopify_order_shipped_in_shipstation_is_fulfilled_on_shopify(self):
        template = self.make_template("Brake disc pair", "BDP-1", 120.0)
        self.set_stock(template.product_variant_id, 5)
        self.env["shopify.product.binding"]._bind_and_export(self.backend, template)
        self.run_all_jobs()
        placed = self.shop.control(
            "POST",
            "orders",
            {
                "email": "e2e-ss@example.com",
                "line_items": [{"sku": "BDP-1", "quantity": 2}],
                "shipping_address": {
                    "first_name": "Kim",
                    "last_name": "Lo",
                    "address1": "3 Dock St",
                    "city": "Hull",
                    "zip": "hu1 1aa",
                    "country_code": "GB",
                },
                "tax_rate": "0.2",
            },
        )
        placed = placed.get("order", placed)
        self.env["sync.job"].enqueue(self.backend, "shopify_poll_orders", self.backend)
        self.run_all_jobs()
        sale = (
            self.env["shopify.order.binding"]
            .search([("external_id", "=", placed["admin_graphql_api_id"])])
            .odoo_id
        )
        picking = sale.picking_ids
        self.assertEqual(picking.shipstation_state, "sent", "the warehouse has the order")
        ss_order = next(
            o
            for o in self.ss.state()["orders"]
            if o["orderKey"] == picking.shipstation_order_ids.order_key
        )
        self.assertEqual(ss_order["orderNumber"], placed["name"], "the channel's order number")
        self.assertEqual(ss_order["shipTo"]["postalCode"], "HU1 1AA")

        batch = self.ss.control("POST", "orders/%s/ship" % ss_order["orderKey"], {})
        tracking = batch["shipments"][0]["trackingNumber"]
        shipments = self.ss_backend._shipstation_client().get(
            "/shipments", batchId=batch["batchId"], includeShipmentItems="False"
        )["shipments"]
        self.env["shipstation.shipment"]._process(self.ss_backend, shipments)
        self.assertEqual(picking.state, "done")
        self.run_all_jobs()
        order = next(o for o in self.state()["orders"] if o["id"] == placed["id"])
        self.assertEqual(order["fulfillment_status"], "fulfilled")
        self.assertEqual(order["fulfillments"][0]["tracking_number"], tracking)
