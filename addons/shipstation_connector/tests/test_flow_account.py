"""The backend against the sandbox: credentials, the account's stores, locations and
carriers, the shared rate limit and its 429, hosts."""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.integration_base.exceptions import AuthenticationError, RateLimitedError

from .common import ShipStationCase


@tagged("post_install", "-at_install")
class TestAccount(ShipStationCase):
    def test_refresh_imports_the_account(self):
        backend = self.backend
        self.assertEqual(backend.state, "connected")
        self.assertEqual(backend.rate_limit_kind, "window")
        self.assertEqual(backend.rate_limit_capacity, 40)
        self.assertEqual(
            sorted(backend.shipstation_carrier_ids.mapped("code")),
            ["fedex", "royal_mail", "stamps_com", "ups_walleted"],
        )
        royal_mail = backend.shipstation_carrier_ids.filtered(lambda c: c.code == "royal_mail")
        self.assertIn("rm_tracked_48", royal_mail.service_ids.mapped("code"))
        self.assertIn("package", royal_mail.package_ids.mapped("code"))
        self.assertEqual(len(backend.shipstation_warehouse_ids), 2)
        self.assertEqual(self.location.postal_code, self.location.postal_code.upper())
        stores = (
            self.env["shipstation.store"]
            .with_context(active_test=False)
            .search([("backend_id", "=", backend.id)])
        )
        self.assertIn(False, stores.mapped("active"), "the inactive store is kept, archived")

    def test_refresh_keeps_mappings_and_archives_what_is_gone(self):
        self.ss.control(
            "POST",
            "seed",
            {
                "carriers": [
                    {
                        "code": "dpd",
                        "name": "DPD",
                        "services": [
                            {
                                "code": "dpd_next_day",
                                "name": "Next Day",
                                "domestic": True,
                                "international": False,
                            }
                        ],
                        "packages": [],
                        "rates": {"base": 5, "per_lb": 1},
                    }
                ]
            },
        )
        self.backend.action_shipstation_refresh_account()
        self.assertIn("dpd", self.backend.shipstation_carrier_ids.mapped("code"))
        self.assertEqual(self.location.warehouse_id, self.warehouse, "mapping kept")

    def test_wrong_credentials_say_so(self):
        backend = self.make_backend(secret="wrong")
        with self.assertRaisesRegex(UserError, "refused the credentials"):
            backend.action_test_connection()
        with self.assertRaises(AuthenticationError):
            backend._shipstation_client().list_stores()

    def test_rate_limit_headers_set_the_shared_window(self):
        self.ss.control("POST", "ratelimit", {"limit": 40, "window": 60, "reset": True})
        self.addCleanup(
            self.ss.control, "POST", "ratelimit", {"limit": 1000, "window": 1, "reset": True}
        )
        self.backend._shipstation_client().list_stores()
        self.env.cr.execute(
            "SELECT level FROM integration_rate_limit WHERE backend_id = %s AND scope = 'api'",
            [self.backend.id],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 1.0, "the key's use as ShipStation reports it")

    def test_429_waits_for_the_reset(self):
        self.ss.control(
            "POST",
            "ratelimit",
            {"limit": 40, "window": 60, "reset": True, "used": 40, "api_key": "sandbox-api-key"},
        )
        self.addCleanup(
            self.ss.control, "POST", "ratelimit", {"limit": 1000, "window": 1, "reset": True}
        )
        with self.assertRaises(RateLimitedError) as caught:
            self.backend._shipstation_client().list_stores()
        self.assertGreater(
            caught.exception.retry_after, 1, "the window's reset, not an instant retry"
        )
        # A person waiting is told when to try again rather than frozen.
        with self.assertRaisesRegex(UserError, "try again in"):
            self.backend.action_shipstation_refresh_account()

    def test_production_talks_to_shipstation_only(self):
        with self.assertRaisesRegex(ValidationError, "ssapi.shipstation.com"):
            self.env["integration.backend"].create(
                {
                    "name": "Prod",
                    "platform": "shipstation",
                    "environment": "production",
                    "api_url": "https://evil.example",
                }
            )
        prod = self.env["integration.backend"].create(
            {"name": "Prod", "platform": "shipstation", "environment": "production"}
        )
        self.assertEqual(prod.api_url, "https://ssapi.shipstation.com")
        prod._check_outbound_url("https://ssapi6.shipstation.com/shipments?batchId=1")
        with self.assertRaisesRegex(Exception, "may not send requests"):
            prod._check_outbound_url("https://evil.example/shipments")
