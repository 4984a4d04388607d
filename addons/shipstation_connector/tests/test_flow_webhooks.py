"""SHIP_NOTIFY as ShipStation sends it (the sandbox posts to the Odoo test server):
unsigned, authenticated by the token in the URL; the resource_url fetched only from
ShipStation's hosts; the same delivery twice applies once."""

import json

import requests

from odoo.tests import HttpCase, tagged

from .common import ShipStationSetup


@tagged("post_install", "-at_install")
class TestShipNotify(ShipStationSetup, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_account(shipstation_webhook_base_url=cls.base_url())
        cls.location.send_deliveries = True
        cls.backend.action_shipstation_register_webhooks()

    def setUp(self):
        super().setUp()
        self.product = self.make_product("WH-%s" % self.id().rsplit(".", 1)[-1][-6:])

    def deliveries(self):
        return self.ss.deliveries(wait=15, event="SHIP_NOTIFY")

    def events(self):
        return self.env["integration.webhook.event"].search([("backend_id", "=", self.backend.id)])

    def test_registered_without_showing_the_token(self):
        status = self.backend.shipstation_webhook_status
        self.assertIn("SHIP_NOTIFY: subscribed", status)
        token = self.backend._webhook_secret()
        self.assertNotIn(token, status)
        hooks = self.ss.state()["webhooks"]
        self.assertEqual(len(hooks), 1, "registering twice keeps one subscription")
        self.backend.action_shipstation_register_webhooks()
        self.assertEqual(len(self.ss.state()["webhooks"]), 1)

    def test_ship_notify_validates_the_delivery_once(self):
        picking = self.make_sale([(self.product, 2)]).picking_ids
        self.run_jobs()
        batch = self.ship(picking)
        delivered = [d for d in self.deliveries() if d["status"] == "delivered"]
        self.assertTrue(delivered, "the sandbox reached Odoo")
        event = self.events()
        self.assertEqual(len(event), 1)
        self.assertEqual(event.topic, "SHIP_NOTIFY")
        self.run_jobs()
        self.assertEqual(event.state, "done")
        self.assertEqual(picking.state, "done")
        # ShipStation sends the same delivery again: stored once, applied once.
        self.ss.control(
            "POST", "webhooks/trigger", {"event": "SHIP_NOTIFY", "batchId": batch["batchId"]}
        )
        self.deliveries()
        self.assertEqual(len(self.events()), 1)
        self.run_jobs()
        self.assertEqual(len(picking.shipstation_shipment_ids), 1)

    def test_deliveries_fold_into_one_fetch_with_items(self):
        """Three labels, three SHIP_NOTIFY: one fetch of the shipments since the last
        reads all three, items included, where one fetch each would spend three of
        ShipStation's 40 calls a minute."""
        pickings = self.env["stock.picking"].concat(
            *(self.make_sale([(self.product, 1)]).picking_ids for _i in range(3))
        )
        self.run_jobs()
        for picking in pickings:
            self.ship(picking)
        self.deliveries()
        self.assertEqual(len(self.events()), 3)
        before = self.calls("GET /shipments")
        self.run_jobs()
        self.assertEqual(set(self.events().mapped("state")), {"done"})
        self.assertEqual(set(pickings.mapped("state")), {"done"})
        self.assertEqual(self.calls("GET /shipments"), before + 1, "one fetch for three")
        fetches_domain = [
            ("backend_id", "=", self.backend.id),
            ("operation", "=", "shipstation_fetch_shipments"),
        ]
        fetches = self.env["sync.job"].search(fetches_domain)
        self.assertEqual(fetches.mapped("state"), ["done"])
        self.assertTrue(self.backend.shipstation_fetch_cursor)
        # The next fetch starts from the newest shipment read: nothing is applied twice.
        self.backend._shipstation_queue_fetch()
        self.run_jobs()
        self.assertEqual(len(pickings.shipstation_shipment_ids), 3)
        self.assertEqual(fetches.search(fetches_domain).mapped("state"), ["done", "done"])

    def post(self, body, token=None):
        token = token if token is not None else self.backend._webhook_secret()
        return requests.post(
            "%s/shipstation/webhook/%s/%s" % (self.base_url(), self.backend.id, token),
            data=json.dumps(body),
            headers={"Content-Type": "application/json"},
            timeout=10,
        )

    def test_wrong_token_is_refused_and_nothing_is_stored(self):
        body = {
            "resource_url": self.sandbox.url + "/shipments?batchId=1",
            "resource_type": "SHIP_NOTIFY",
        }
        self.assertEqual(self.post(body, token="not-the-token").status_code, 401)
        unknown = requests.post(
            "%s/shipstation/webhook/%s/%s" % (self.base_url(), 999999, "x"),
            data=json.dumps(body),
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        self.assertEqual(unknown.status_code, 401, "an unknown backend answers the same")
        self.assertFalse(self.events())

    def test_resource_url_elsewhere_is_never_fetched(self):
        for url in (
            "http://169.254.169.254/latest/meta-data/",
            "https://ssapi.shipstation.com.evil.example/shipments?batchId=1",
        ):
            self.assertEqual(
                self.post({"resource_url": url, "resource_type": "SHIP_NOTIFY"}).status_code, 200
            )
        self.run_jobs()
        events = self.events()
        self.assertEqual(set(events.mapped("state")), {"failed"})
        self.assertIn("is not fetched", events[0].note)
        fetched = self.env["integration.api.log"].search(
            [("backend_id", "=", self.backend.id), ("endpoint", "ilike", "evil")]
        ) | self.env["integration.api.log"].search(
            [("backend_id", "=", self.backend.id), ("endpoint", "ilike", "169.254")]
        )
        self.assertFalse(fetched, "nothing was fetched")
