"""Permissions with real users of each group, not the superuser: a warehouse user
validates a delivery and the label is bought for them; nobody but the connector
writes what it recorded (orders, shipments) or what the worker runs."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ShipStationCase


@tagged("post_install", "-at_install")
class TestSecurity(ShipStationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_user = new_test_user(
            cls.env, "ss_stock", groups="stock.group_stock_user,sales_team.group_sale_salesman"
        )
        cls.integration_user = new_test_user(
            cls.env, "ss_integration", groups="integration_base.group_integration_user"
        )

    def test_a_warehouse_user_validates_and_the_label_is_bought(self):
        carrier = self.make_carrier(service="rm_tracked_48")
        product = self.make_product("SEC-1")
        picking = self.make_sale([(product, 1)], carrier=carrier).picking_ids
        picking = picking.with_user(self.stock_user)
        picking.move_ids.quantity = 1
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertTrue(picking.carrier_tracking_ref)
        self.assertTrue(picking.shipstation_shipment_ids, "the user reads the shipments")
        with self.assertRaises(AccessError):
            picking.shipstation_shipment_ids.write({"tracking_ref": "FORGED"})
        with self.assertRaises(AccessError):
            picking.shipstation_order_ids.write({"state": "to_send"})

    def test_integration_users_cannot_forge_what_the_worker_runs(self):
        job = self.env["sync.job"].enqueue(
            self.backend, "shipstation_apply_shipments", self.backend, payload={"shipments": []}
        )
        with self.assertRaises(AccessError):
            job.with_user(self.integration_user).write(
                {"payload": {"shipments": [{"shipmentId": 1}]}}
            )
        with self.assertRaises(AccessError):
            self.env["shipstation.shipment"].with_user(self.integration_user).create(
                {"backend_id": self.backend.id, "external_id": "1"}
            )
        with self.assertRaises(AccessError):
            self.backend.shipstation_warehouse_ids[:1].with_user(self.integration_user).write(
                {"send_deliveries": True}
            )

    def test_the_webhook_token_is_a_manager_secret(self):
        self.backend._shipstation_webhook_uri()
        credentials = self.env["integration.credential"].with_user(self.integration_user)
        with self.assertRaises(AccessError):
            credentials.search([("backend_id", "=", self.backend.id)]).mapped("value")
