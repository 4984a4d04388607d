"""Two workers apply the same shipment at the same moment, on committed data with the
real worker (one test transaction could not show it): the delivery is validated once."""

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from odoo.addons.integration_base.tests.common import CommittedData, run_in_threads

from .common import API_KEY, API_SECRET, SandboxClient, start_server


@tagged("post_install", "-at_install")
class TestTwoWorkers(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = start_server(seed=True, rate_limit=1000)
        cls.addClassCleanup(cls.sandbox.stop)
        cls.ss = SandboxClient(cls.sandbox.url)

    def setUp(self):
        super().setUp()
        self.data = CommittedData(self)
        with self.data.env() as env:
            backend = env["integration.backend"].create(
                {
                    "name": "Committed ShipStation",
                    "platform": "shipstation",
                    "api_url": self.sandbox.url,
                    "shipstation_batch_seconds": 0,
                }
            )
            self.data.backend_ids.append(backend.id)
            self.backend_id = backend.id
            backend._set_credential("api_key", API_KEY)
            backend._set_credential("api_secret", API_SECRET)
        with self.data.env() as env:  # the API log is written beside: the backend first
            backend = env["integration.backend"].browse(self.backend_id)
            backend._shipstation_refresh_account()
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            location = backend.shipstation_warehouse_ids.filtered("is_default")
            # Another test's committed location may map this warehouse: one at a time.
            env["shipstation.warehouse"].search([("warehouse_id", "=", warehouse.id)]).write(
                {"warehouse_id": False, "send_deliveries": False}
            )
            location.write({"warehouse_id": warehouse.id, "send_deliveries": True})
            product = env["product.product"].create(
                {
                    "name": "Race part",
                    "default_code": "RACE-1",
                    "detailed_type": "product",
                    "weight": 1,
                }
            )
            env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 5)
            partner = env["res.partner"].create(
                {
                    "name": "Race Buyer",
                    "street": "1 Track Rd",
                    "city": "Leeds",
                    "zip": "LS1 1AA",
                    "country_id": env.ref("base.uk").id,
                }
            )
            sale = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "warehouse_id": warehouse.id,
                    "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 3})],
                }
            )
            sale.action_confirm()
            self.picking_id = sale.picking_ids.id
        self.addCleanup(self.unmap_location)

    def unmap_location(self):
        with self.data.env() as env:
            env["shipstation.warehouse"].search([("backend_id", "=", self.backend_id)]).write(
                {"warehouse_id": False, "send_deliveries": False}
            )

    def run_worker(self):
        with self.data.env() as env:
            return env["sync.job"]._cron_run_jobs("shipstation", batch_size=1, idle_wait=0)

    def test_same_shipment_applied_by_two_workers_validates_once(self):
        self.run_worker()  # sends the ready delivery to ShipStation
        with self.data.env() as env:
            order = env["shipstation.order"].search([("picking_id", "=", self.picking_id)])
            self.assertEqual(order.state, "sent")
            key = order.order_key
        batch = self.ss.control("POST", "orders/%s/ship" % key, {})
        with self.data.env() as env:
            backend = env["integration.backend"].browse(self.backend_id)
            shipments = backend._shipstation_client().get(
                "/shipments", batchId=batch["batchId"], includeShipmentItems="False"
            )["shipments"]
            for _twice in range(2):  # the webhook and the poll, at once
                backend._shipstation_queue_shipments(shipments)
        run_in_threads(2, lambda _index: self.run_worker())
        with self.data.env() as env:
            # A worker that lost the race comes back later: run what is left now.
            env.cr.execute(
                "UPDATE sync_job SET eta = NULL WHERE backend_id = %s AND state = 'pending'",
                [self.backend_id],
            )
        self.run_worker()
        with self.data.env() as env:
            picking = env["stock.picking"].browse(self.picking_id)
            self.assertEqual(picking.state, "done")
            self.assertFalse(picking.backorder_ids)
            self.assertEqual(picking.move_ids.quantity, 3)
            self.assertEqual(len(picking.shipstation_shipment_ids), 1)
            jobs = env["sync.job"].search(
                [
                    ("backend_id", "=", self.backend_id),
                    ("operation", "=", "shipstation_apply_shipments"),
                ]
            )
            self.assertEqual(set(jobs.mapped("state")), {"done"}, jobs.mapped("last_error"))
            quant = env["stock.quant"].search(
                [
                    ("product_id", "=", picking.move_ids.product_id.id),
                    ("location_id.usage", "=", "internal"),
                ]
            )
            self.assertEqual(sum(quant.mapped("quantity")), 2, "3 of 5 shipped, once")
