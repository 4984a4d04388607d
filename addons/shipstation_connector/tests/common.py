"""Odoo tests of the ShipStation connector against a running ShipStation sandbox."""

import sys
from pathlib import Path

from odoo.tests import common

# The sandbox lives at the repository root, beside addons/.
REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from sandbox.shipstation.server import start_server  # noqa: E402
from sandbox.shipstation.testing import API_KEY, API_SECRET, SandboxClient  # noqa: E402


class ShipStationMixin:
    sandbox_options = {}

    @classmethod
    def start_sandbox(cls):
        cls.sandbox = start_server(
            seed=True, rate_limit=1000, webhook_retry_delays=[0.1], **cls.sandbox_options
        )
        cls.addClassCleanup(cls.sandbox.stop)
        cls.ss = SandboxClient(cls.sandbox.url)

    @classmethod
    def make_backend(cls, key=API_KEY, secret=API_SECRET, **values):
        backend = cls.env["integration.backend"].create(
            {
                "name": "Sandbox ShipStation",
                "platform": "shipstation",
                "api_url": cls.sandbox.url,
                # Sent at once unless a test is about the batching window.
                "shipstation_batch_seconds": 0,
                **values,
            }
        )
        backend._set_credential("api_key", key)
        backend._set_credential("api_secret", secret)
        return backend

    def run_jobs(self, rounds=8):
        Job = self.env["sync.job"]
        for _round in range(rounds):
            jobs = Job.search([("state", "=", "pending"), ("platform", "=", "shipstation")])
            if not jobs:
                return
            jobs.action_run_now()

    def calls(self, route=None):
        counts = self.ss.control("GET", "requests")["calls"]
        return counts.get(route, 0) if route else counts


class ShipStationSetup(ShipStationMixin):
    """A sandbox account, its backend connected and refreshed, the company's
    warehouse mapped to its default ship-from location, a customer in Leeds."""

    @classmethod
    def setup_account(cls, **backend_values):
        cls.start_sandbox()
        cls.backend = cls.make_backend(**backend_values)
        cls.backend.action_test_connection()
        cls.backend.action_shipstation_refresh_account()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.location = cls.backend.shipstation_warehouse_ids.filtered("is_default")
        cls.location.warehouse_id = cls.warehouse
        gb = cls.env.ref("base.uk")
        cls.warehouse.partner_id.write({"country_id": gb.id, "zip": "LS1 4AP"})
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Alice Smith ",
                "street": "1 Park Row ",
                "city": "Leeds",
                "zip": "ls1 5ab",
                "country_id": gb.id,
                "email": "alice@example.com",
            }
        )

    def ship(self, picking, body=None):
        """The warehouse ships the delivery's order in ShipStation (control API)."""
        order = picking.shipstation_order_ids or self.env["shipstation.order"].search(
            [("first_picking_id", "=", picking.id)]
        )
        return self.ss.control("POST", "orders/%s/ship" % order.order_key, body or {})

    def make_product(self, sku, weight=1.2, qty=20, price=45.0):
        product = self.env["product.product"].create(
            {
                "name": "Part %s" % sku,
                "default_code": sku,
                "detailed_type": "product",
                "weight": weight,
                "list_price": price,
            }
        )
        if qty:
            self.env["stock.quant"]._update_available_quantity(
                product, self.warehouse.lot_stock_id, qty
            )
        return product

    def make_carrier(self, mode="label", carrier_code="royal_mail", service=None):
        ss_carrier = self.backend.shipstation_carrier_ids.filtered(lambda c: c.code == carrier_code)
        service = service and ss_carrier.service_ids.filtered(lambda s: s.code == service)
        product = self.env["product.product"].create(
            {"name": "ShipStation shipping", "detailed_type": "service"}
        )
        return self.env["delivery.carrier"].create(
            {
                "name": "ShipStation %s" % carrier_code,
                "delivery_type": "shipstation",
                "product_id": product.id,
                "shipstation_backend_id": self.backend.id,
                "shipstation_carrier_id": ss_carrier.id,
                "shipstation_service_id": service.id if service else False,
                "shipstation_mode": mode,
            }
        )

    def make_sale(self, lines, carrier=None, partner=None):
        order = self.env["sale.order"].create(
            {
                "partner_id": (partner or self.customer).id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    (0, 0, {"product_id": product.id, "product_uom_qty": qty})
                    for product, qty in lines
                ],
            }
        )
        if carrier:
            order.set_delivery_line(carrier, 5.0)
        order.action_confirm()
        return order


class ShipStationCase(ShipStationSetup, common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.setup_account()
