"""Warehouse mode: a ready delivery goes to ShipStation as an order (stable orderKey,
batched), changes follow it; the warehouse's shipments validate it, once, partially
or in several packages; a voided label leaves the delivery's tracking."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from odoo.addons.integration_base.exceptions import JobDeferred

from ..models import shipstation_order
from .common import ShipStationCase


@tagged("post_install", "-at_install")
class TestWarehouseMode(ShipStationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.location.send_deliveries = True

    def setUp(self):
        super().setUp()
        suffix = self.id().rsplit(".", 1)[-1][-8:]
        self.brakes = self.make_product("BRK-%s" % suffix, weight=1.2)
        self.filter_ = self.make_product("OIL-%s" % suffix, weight=0.3)

    def ss_order(self, picking):
        key = (
            picking.shipstation_order_ids.order_key
            or self.env["shipstation.order"]
            .search([("first_picking_id", "=", picking.id)])
            .order_key
        )
        found = [o for o in self.ss.state()["orders"] if o["orderKey"] == key]
        self.assertLessEqual(len(found), 1, "one ShipStation order per delivery")
        return found[0] if found else None

    def test_ready_deliveries_go_in_one_call(self):
        before = self.calls("POST /orders/createorders")
        sales = [self.make_sale([(self.brakes, 2), (self.filter_, 3)]) for _i in range(3)]
        pickings = self.env["stock.picking"].concat(*(s.picking_ids for s in sales))
        self.assertEqual(set(pickings.mapped("shipstation_state")), {"to_send"})
        self.run_jobs()
        self.assertEqual(self.calls("POST /orders/createorders"), before + 1, "one batch")
        self.assertEqual(set(pickings.mapped("shipstation_state")), {"sent"})
        order = self.ss_order(pickings[0])
        self.assertEqual(order["orderNumber"], sales[0].name)
        self.assertEqual(
            sorted((i["sku"], i["quantity"]) for i in order["items"]),
            sorted([(self.brakes.default_code, 2), (self.filter_.default_code, 3)]),
        )
        self.assertEqual(order["shipTo"]["postalCode"], "LS1 5AB")
        self.assertEqual(order["advancedOptions"]["warehouseId"], int(self.location.external_id))

    def test_deliveries_ready_one_by_one_wait_for_the_batching_window(self):
        self.backend.shipstation_batch_seconds = 60
        before = self.calls("POST /orders/createorders")
        pickings = self.env["stock.picking"].concat(
            *(self.make_sale([(self.brakes, 1)]).picking_ids for _i in range(2))
        )
        job = self.env["sync.job"].search(
            [("backend_id", "=", self.backend.id), ("operation", "=", "shipstation_push_orders")]
        )
        self.assertEqual(len(job), 1, "the two deliveries share one push")
        self.assertGreater(job.eta, fields.Datetime.now() + timedelta(seconds=50))
        Order = self.env["shipstation.order"]
        with self.assertRaises(JobDeferred):  # as a worker runs it before the window ends
            Order._push_batch(self.backend)
        self.assertEqual(self.calls("POST /orders/createorders"), before)
        with patch.object(shipstation_order, "MAX_ORDERS_PER_CALL", 2):
            self.assertIsNone(Order._batch_due(self.backend), "a full call goes at once")
        self.backend.shipstation_batch_seconds = 0
        self.assertIsNone(Order._batch_due(self.backend))
        Order._push_batch(self.backend)
        self.assertEqual(self.calls("POST /orders/createorders"), before + 1)
        self.assertEqual(set(pickings.mapped("shipstation_state")), {"sent"})

    def test_more_than_a_call_holds_go_in_calls_of_100(self):
        picking = self.make_sale([(self.brakes, 1)]).picking_ids
        self.run_jobs()
        self.env["shipstation.order"].create(
            [
                {
                    "backend_id": self.backend.id,
                    "picking_id": picking.id,
                    "order_key": "many-%s" % i,
                }
                for i in range(101)
            ]
        )
        self.backend._shipstation_queue_order_push()
        self.run_jobs()
        calls = self.env["integration.api.log"].search(
            [("backend_id", "=", self.backend.id), ("endpoint", "like", "/orders/createorders")],
            order="id",
        )
        self.assertEqual(calls[-2:].mapped("items"), [100, 1])
        self.assertEqual(set(calls[-2:].mapped("max_items")), {100})
        keys = {o["orderKey"] for o in self.ss.state()["orders"]}
        self.assertTrue({"many-%s" % i for i in range(101)} <= keys)

    def test_sent_again_updates_never_doubles(self):
        picking = self.make_sale([(self.brakes, 1)]).picking_ids
        self.run_jobs()
        first = self.ss_order(picking)
        picking.shipstation_order_ids.write({"state": "to_send"})  # a retry after a lost commit
        self.backend._shipstation_queue_order_push()
        self.run_jobs()
        self.assertEqual(self.ss_order(picking)["orderId"], first["orderId"])

    def test_changes_follow_the_order(self):
        picking = self.make_sale([(self.brakes, 1)]).picking_ids
        self.run_jobs()
        moved = self.customer.copy({"street": "9 New Street", "zip": "ls2 7aa"})
        picking.partner_id = moved
        picking.shipstation_hold_until = "2030-01-01"
        self.run_jobs()
        order = self.ss_order(picking)
        self.assertEqual(order["shipTo"]["street1"], "9 New Street")
        self.assertEqual(order["orderStatus"], "on_hold")
        picking.action_cancel()
        self.run_jobs()
        self.assertEqual(self.ss_order(picking)["orderStatus"], "cancelled")
        self.assertEqual(picking.shipstation_state, "cancelled")

    def test_one_bad_delivery_fails_alone(self):
        nowhere = self.env["res.partner"].create({"name": "No Street", "city": "Leeds"})
        bad = self.make_sale([(self.brakes, 1)], partner=nowhere).picking_ids
        good = self.make_sale([(self.brakes, 1)]).picking_ids
        self.run_jobs()
        self.assertEqual(good.shipstation_state, "sent")
        self.assertEqual(bad.shipstation_state, "error")
        self.assertIn("has no street", bad.shipstation_order_ids.last_error)
        self.assertIsNone(self.ss_order(bad))

    def apply_batch(self, batch):
        """What a SHIP_NOTIFY's resource_url gives: the batch, items left out."""
        shipments = self.backend._shipstation_client().get(
            "/shipments", batchId=batch["batchId"], includeShipmentItems="False"
        )["shipments"]
        self.assertIsNone(shipments[0]["shipmentItems"])
        return self.env["shipstation.shipment"]._process(self.backend, shipments)

    def test_shipment_validates_once(self):
        sale = self.make_sale([(self.brakes, 2), (self.filter_, 3)])
        picking = sale.picking_ids
        self.run_jobs()
        batch = self.ship(picking)
        self.assertEqual(self.apply_batch(batch), 1)
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.carrier_tracking_ref, batch["shipments"][0]["trackingNumber"])
        self.assertEqual(picking.move_ids.mapped("quantity"), [2.0, 3.0])
        # The same shipment again (a webhook retried, the poll): nothing happens.
        self.assertEqual(self.apply_batch(batch), 0)
        self.assertEqual(len(picking.shipstation_shipment_ids), 1)
        self.assertEqual(picking.shipstation_order_ids.state, "shipped")

    def test_partial_shipment_leaves_a_backorder_then_ships_it(self):
        picking = self.make_sale([(self.brakes, 2), (self.filter_, 3)]).picking_ids
        self.run_jobs()
        first = self.ship(
            picking, {"packages": [{"items": [{"sku": self.brakes.default_code, "quantity": 2}]}]}
        )
        self.apply_batch(first)
        self.assertEqual(picking.state, "done")
        backorder = picking.backorder_ids
        self.assertEqual(backorder.move_ids.product_id, self.filter_)
        self.assertEqual(backorder.move_ids.product_uom_qty, 3)
        second = self.ship(picking)
        self.apply_batch(second)
        self.assertEqual(backorder.state, "done")
        self.assertEqual(backorder.carrier_tracking_ref, second["shipments"][0]["trackingNumber"])

    def test_several_packages_keep_every_tracking_number(self):
        picking = self.make_sale([(self.brakes, 2), (self.filter_, 3)]).picking_ids
        self.run_jobs()
        batch = self.ship(
            picking,
            {
                "packages": [
                    {"items": [{"sku": self.brakes.default_code, "quantity": 2}]},
                    {"items": [{"sku": self.filter_.default_code, "quantity": 3}]},
                ]
            },
        )
        self.apply_batch(batch)
        numbers = [s["trackingNumber"] for s in batch["shipments"]]
        self.assertEqual(len(numbers), 2)
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.carrier_tracking_ref.split(","), numbers)
        self.assertFalse(picking.backorder_ids)

    def test_void_takes_the_tracking_off_and_a_new_label_replaces_it(self):
        picking = self.make_sale([(self.brakes, 1)]).picking_ids
        self.run_jobs()
        first = self.ship(picking)
        self.apply_batch(first)
        shipment_id = first["shipments"][0]["shipmentId"]
        self.ss.control("POST", "shipments/%s/void" % shipment_id, {})
        voided = self.backend._shipstation_client().get("/shipments", shipmentId=shipment_id)
        self.env["shipstation.shipment"]._process(self.backend, voided["shipments"])
        self.assertFalse(picking.carrier_tracking_ref)
        second = self.ship(picking)
        self.apply_batch(second)
        self.assertEqual(picking.carrier_tracking_ref, second["shipments"][0]["trackingNumber"])

    def test_poll_catches_a_dropped_webhook_and_resumes_from_its_checkpoint(self):
        picking = self.make_sale([(self.brakes, 1)]).picking_ids
        self.run_jobs()
        self.ship(picking, {"notify": False})
        self.env["sync.job"].enqueue(self.backend, "shipstation_poll_shipments", self.backend)
        self.run_jobs()
        self.assertEqual(picking.state, "done")
        self.assertTrue(self.backend.shipstation_shipments_polled_to)
        self.assertFalse(self.backend.shipstation_poll_page)

    def test_marked_shipped_without_a_label_is_validated_and_asks_for_tracking(self):
        picking = self.make_sale([(self.brakes, 2)]).picking_ids
        self.run_jobs()
        key = picking.shipstation_order_ids.order_key
        self.ss.control("POST", "orders/%s/markshipped" % key, {"carrierCode": "DPD UK "})
        self.env["sync.job"].enqueue(self.backend, "shipstation_poll_shipments", self.backend)
        self.run_jobs()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.move_ids.quantity, 2)
        self.assertEqual(picking.shipstation_order_ids.state, "shipped")
        activity = picking.activity_ids.filtered(lambda a: "tracking" in (a.summary or ""))
        self.assertIn("DPD UK", activity.note)
        # Polled again: nothing more happens.
        self.env["sync.job"].enqueue(self.backend, "shipstation_poll_shipments", self.backend)
        self.run_jobs()
        self.assertEqual(len(picking.activity_ids), len(activity))
