"""Fulfilment exactly once, and tracking that comes after the delivery."""

from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from odoo.addons.integration_base.exceptions import RetryableError

from ..api.client import ShopifyClient
from .common import CommittedShopMixin, ShopifyCase

TRACKING = "1Z999AA10123456784"


def place_order(shop, sku, quantity):
    order = shop.control(
        "POST",
        "orders",
        {"email": "ana@example.com", "line_items": [{"sku": sku, "quantity": quantity}]},
    )
    return order.get("order", order)


def fulfillments_of(shop, order):
    return [f for f in shop.control("GET", "state")["fulfillments"] if f["order_id"] == order["id"]]


def ship(picking, quantity, tracking=False):
    picking.move_ids.quantity = quantity
    picking.move_ids.picked = True
    picking.carrier_tracking_ref = tracking
    picking.with_context(skip_backorder=True, cancel_backorder=False).button_validate()


@tagged("post_install", "-at_install")
class TestTrackingLater(ShopifyCase):
    def test_tracking_written_after_the_fulfilment_updates_it(self):
        template = self.make_template("Timing belt", "TMB-1", 30.0)
        self.set_stock(template.product_variant_id, 5)
        self.env["shopify.product.binding"]._bind_and_export(self.backend, template)
        self.run_jobs()
        order = place_order(self.shop, "TMB-1", 1)
        self.env["sync.job"].enqueue(self.backend, "shopify_poll_orders", self.backend)
        self.run_jobs()
        picking = (
            self.env["shopify.order.binding"]
            .search([("backend_id", "=", self.backend.id)])
            .odoo_id.picking_ids
        )
        ship(picking, 1)
        self.run_jobs()
        (fulfillment,) = fulfillments_of(self.shop, order)
        self.assertFalse(fulfillment["tracking_number"])
        picking.carrier_tracking_ref = TRACKING  # the carrier's number, a day later
        self.run_jobs()
        (fulfillment,) = fulfillments_of(self.shop, order)
        self.assertEqual(fulfillment["tracking_number"], TRACKING)
        self.assertEqual(picking.channel_fulfillment_ids.tracking_ref, TRACKING)
        picking.carrier_tracking_ref = TRACKING  # the same again: nothing to send
        calls = self.env["integration.api.log"].search_count([("backend_id", "=", self.backend.id)])
        self.run_jobs()
        self.assertEqual(
            self.env["integration.api.log"].search_count([("backend_id", "=", self.backend.id)]),
            calls,
        )


@tagged("post_install", "-at_install")
class TestFulfilmentExactlyOnce(CommittedShopMixin, BaseCase):
    """The real worker on committed data: the fulfilment call succeeds, then the
    job's transaction is lost; the job's next run must not fulfil a second time."""

    def setUp(self):
        super().setUp()
        self.setup_committed_shop(shopify_stock_batch_seconds=0)
        self.addCleanup(self.cleanup_orders)
        (self.variant_id,) = self.committed_templates(["FUL-1"])
        with self.data.env() as env:
            backend = env["integration.backend"].browse(self.backend_id)
            env["stock.quant"]._update_available_quantity(
                env["product.product"].browse(self.variant_id),
                backend.shopify_location_ids.warehouse_id.lot_stock_id,
                5,
            )
        self.run_worker(idle_wait=0)

    def cleanup_orders(self):
        with self.data.env() as env:
            bindings = env["shopify.order.binding"].search([("backend_id", "=", self.backend_id)])
            sales = bindings.odoo_id
            if not sales:
                return
            pickings = tuple(sales.picking_ids.ids) or (0,)
            cr = env.cr
            cr.execute("DELETE FROM integration_fulfillment WHERE picking_id IN %s", [pickings])
            if "stock.valuation.layer" in env:
                cr.execute(
                    "DELETE FROM stock_valuation_layer WHERE stock_move_id IN "
                    "(SELECT id FROM stock_move WHERE picking_id IN %s)",
                    [pickings],
                )
            cr.execute(
                "DELETE FROM stock_move_line WHERE move_id IN "
                "(SELECT id FROM stock_move WHERE picking_id IN %s)",
                [pickings],
            )
            cr.execute("DELETE FROM stock_move WHERE picking_id IN %s", [pickings])
            cr.execute("DELETE FROM stock_picking WHERE id IN %s", [pickings])
            cr.execute("DELETE FROM shopify_order_binding WHERE id IN %s", [tuple(bindings.ids)])
            cr.execute("DELETE FROM sale_order WHERE id IN %s", [tuple(sales.ids)])

    def test_a_fulfilment_whose_commit_was_lost_is_not_made_twice(self):
        order = place_order(self.shop, "FUL-1", 3)
        with self.data.env() as env:
            backend = env["integration.backend"].browse(self.backend_id)
            env["sync.job"].enqueue(backend, "shopify_poll_orders", backend)
        self.run_worker(idle_wait=0)
        with self.data.env() as env:
            sale = env["shopify.order.binding"].search([("backend_id", "=", self.backend_id)])
            self.assertEqual(sale.odoo_id.state, "sale")
            ship(sale.odoo_id.picking_ids, 2, TRACKING)  # 2 of 3: the last one later
        real_create = ShopifyClient.fulfillment_create
        lost = []

        def create_then_lose_the_answer(client, *args, **kwargs):
            fulfillment = real_create(client, *args, **kwargs)
            if not lost:
                lost.append(fulfillment["id"])
                raise RetryableError("connection reset after the request was sent")
            return fulfillment

        with patch.object(ShopifyClient, "fulfillment_create", create_then_lose_the_answer):
            self.run_worker(idle_wait=0)
            self.assertEqual(len(lost), 1, "Shopify fulfilled, Odoo's transaction rolled back")
            with self.data.env() as env:
                env.cr.execute(
                    "UPDATE sync_job SET eta = NULL WHERE backend_id = %s AND state = 'pending'",
                    [self.backend_id],
                )
            self.run_worker(idle_wait=0)
        fulfillments = fulfillments_of(self.shop, order)
        self.assertEqual(len(fulfillments), 1, "one fulfilment on Shopify")
        self.assertEqual(sum(li["quantity"] for li in fulfillments[0]["line_items"]), 2)
        with self.data.env() as env:
            sale = env["shopify.order.binding"].search([("backend_id", "=", self.backend_id)])
            picking = sale.odoo_id.picking_ids.filtered(lambda p: p.state == "done")
            jobs = env["sync.job"].search(
                [("backend_id", "=", self.backend_id), ("operation", "like", "fulfillment")]
            )
            self.assertEqual(
                jobs.mapped("state"), ["done"], jobs.mapped(lambda j: (j.state, j.last_error))
            )
            self.assertEqual(picking.shopify_fulfillment_id, lost[0])
            self.assertEqual(picking.channel_fulfillment_ids.state, "done")
