"""ShipStation as an Odoo carrier: rates on the sale order, the label bought when the
delivery is validated (PDF attached, tracking and cost set), exactly once, void on
cancel, the tracking link."""

from unittest.mock import patch

from odoo.tests import tagged

from .common import ShipStationCase


@tagged("post_install", "-at_install")
class TestCarrier(ShipStationCase):
    def setUp(self):
        super().setUp()
        self.carrier = self.make_carrier(service="rm_tracked_48")
        self.product = self.make_product("BRK-%s" % self.id()[-6:].replace(".", ""))

    def test_rate_on_the_sale_order(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [(0, 0, {"product_id": self.product.id, "product_uom_qty": 2})],
            }
        )
        rate = self.carrier.rate_shipment(order)
        self.assertTrue(rate["success"], rate)
        self.assertGreater(rate["price"], 0)
        request = [
            e
            for e in self.ss.control("GET", "requests")["log"]
            if e["route"] == "POST /shipments/getrates"
        ][-1]
        self.assertEqual(request["status"], 200)
        self.assertEqual(request["unknown_fields"], [], "every field sent is declared")

    def test_rate_names_a_missing_address(self):
        nowhere = self.env["res.partner"].create({"name": "No Address"})
        order = self.env["sale.order"].create(
            {
                "partner_id": nowhere.id,
                "order_line": [(0, 0, {"product_id": self.product.id, "product_uom_qty": 1})],
            }
        )
        rate = self.carrier.rate_shipment(order)
        self.assertFalse(rate["success"])
        self.assertIn("has no street", rate["error_message"])

    def _validate(self, picking):
        picking.move_ids.quantity = picking.move_ids.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()

    def test_label_bought_on_validation(self):
        sale = self.make_sale([(self.product, 2)], carrier=self.carrier)
        picking = sale.picking_ids
        self._validate(picking)
        self.assertEqual(picking.state, "done")
        self.assertRegex(picking.carrier_tracking_ref, r"^[A-Z]{2}\d{9}GB$", "Royal Mail S10")
        self.assertGreater(picking.carrier_price, 0)
        label = self.env["ir.attachment"].search(
            [("res_model", "=", "stock.picking"), ("res_id", "=", picking.id)]
        )
        self.assertEqual(len(label), 1)
        self.assertTrue(label.raw.startswith(b"%PDF"))
        self.assertTrue(picking.carrier_tracking_url.startswith("https://www.royalmail.com/"))
        state = self.ss.state()
        shipments = [
            s for s in state["shipments"] if s["trackingNumber"] == picking.carrier_tracking_ref
        ]
        self.assertEqual(len(shipments), 1)

    def test_label_retry_after_lost_commit_buys_no_second_label(self):
        sale = self.make_sale([(self.product, 1)], carrier=self.carrier)
        picking = sale.picking_ids
        # The first try buys the label, then its transaction is lost (rolled back).
        lost = patch.object(type(picking), "message_post", side_effect=RuntimeError("lost"))
        with self.assertRaises(RuntimeError), self.env.cr.savepoint(), lost:
            self._validate(picking)
        self.assertEqual(picking.state, "assigned")
        before = self.calls("POST /orders/createlabelfororder")
        self._validate(picking)
        self.assertEqual(self.calls("POST /orders/createlabelfororder"), before, "no second label")
        order_id = int(picking.shipstation_order_ids.external_id)
        live = [
            s for s in self.ss.state()["shipments"] if s["orderId"] == order_id and not s["voided"]
        ]
        self.assertEqual(len(live), 1)
        self.assertEqual(picking.carrier_tracking_ref, live[0]["trackingNumber"])

    def test_cancel_shipment_voids_the_label(self):
        sale = self.make_sale([(self.product, 1)], carrier=self.carrier)
        picking = sale.picking_ids
        self._validate(picking)
        tracking = picking.carrier_tracking_ref
        picking.cancel_shipment()
        self.assertFalse(picking.carrier_tracking_ref)
        voided = [s for s in self.ss.state()["shipments"] if s["trackingNumber"] == tracking]
        self.assertTrue(voided[0]["voided"])
        self.assertTrue(picking.shipstation_shipment_ids.voided)
