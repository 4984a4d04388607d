from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import IntegrationCase


def hours_ago(hours):
    return datetime.utcnow() - timedelta(hours=hours)


@tagged("post_install", "-at_install")
class TestDashboardData(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.quiet = cls.env["integration.backend"].create(
            {
                "name": "Quiet eBay",
                "platform": "ebay",
                "rate_limit_kind": "daily",
                "rate_limit_capacity": 5000,
            }
        )
        Log = cls.env["integration.api.log"]
        for duration, status in ((10, 200), (20, 200), (30, 200), (40, 200), (100, 500)):
            Log.create(
                {
                    "backend_id": cls.backend.id,
                    "method": "POST",
                    "endpoint": "/graphql",
                    "status_code": status,
                    "is_error": status >= 300,
                    "duration_ms": duration,
                }
            )
        old = Log.create(
            {
                "backend_id": cls.backend.id,
                "method": "POST",
                "endpoint": "/old",
                "status_code": 500,
                "is_error": True,
                "duration_ms": 9999,
            }
        )
        cls.env.cr.execute(
            "UPDATE integration_api_log SET create_date = %s WHERE id = %s", [hours_ago(30), old.id]
        )
        Job = cls.env["sync.job"]
        jobs = [Job.enqueue(cls.backend, "noop", dedupe_key=None) for _i in range(6)]
        cls.env.cr.execute(
            "UPDATE sync_job SET create_date = %s WHERE id = %s", [hours_ago(2), jobs[0].id]
        )
        jobs[3].write({"state": "failed"})
        jobs[4].write({"state": "failed"})
        cls.done_at = datetime(2026, 11, 20, 8, 30, 0)
        jobs[5].write({"state": "done", "date_done": cls.done_at})
        # Finished jobs count over the window (24 hours); the last sync is the last ever.
        cls.recent_done = Job.enqueue(cls.backend, "webhook", dedupe_key=None)
        cls.recent_done.write({"state": "done", "date_done": hours_ago(1)})
        Job.enqueue(cls.backend, "noop", dedupe_key=None).write(
            {"state": "cancelled", "date_done": hours_ago(72)}
        )
        cls.setup_new_figures()

    @classmethod
    def setup_new_figures(cls):
        """A ShipStation backend with batched calls, jobs done in the last hour and
        jobs that failed at least once."""
        cls.batching = cls.env["integration.backend"].create(
            {"name": "Batching ShipStation", "platform": "shipstation"}
        )
        Log, Job = cls.env["integration.api.log"], cls.env["sync.job"]
        for items, max_items in ((250, 250), (125, 250), (2000, 0), (0, 0)):
            Log.create(
                {
                    "backend_id": cls.batching.id,
                    "method": "POST",
                    "endpoint": "/stock",
                    "status_code": 200,
                    "duration_ms": 10,
                    "items": items,
                    "max_items": max_items,
                }
            )
        # done in the last hour (3), done after retries (2: one 2 hours ago, one
        # 3 days ago), failed for good (1, yesterday), failed 9 days ago (outside).
        for minutes, state, retries in (
            (5, "done", 0),
            (10, "done", 0),
            (20, "done", 1),
            (120, "done", 2),
            (3 * 24 * 60, "done", 1),
            (30 * 60, "failed", 0),
            (9 * 24 * 60, "failed", 3),
        ):
            Job.enqueue(cls.batching, "noop", dedupe_key=None).write(
                {
                    "state": state,
                    "retry_count": retries,
                    "date_done": datetime.utcnow() - timedelta(minutes=minutes),
                }
            )

    def card(self, backend):
        data = self.env["integration.dashboard"].get_dashboard_data()
        return next(card for card in data["backends"] if card["id"] == backend.id)

    def test_aggregates_match_hand_counts(self):
        card = self.card(self.backend)
        calls = card["calls"]
        self.assertEqual((calls["count"], calls["errors"]), (5, 1))
        self.assertAlmostEqual(calls["error_rate"], 0.2)
        self.assertAlmostEqual(calls["p50_ms"], 30.0)
        # percentile_cont(0.95) of 10, 20, 30, 40, 100: 40 + 0.8 * (100 - 40)
        self.assertAlmostEqual(calls["p95_ms"], 88.0)
        queue = {bucket["state"]: bucket["count"] for bucket in card["queue"]}
        self.assertEqual(
            queue, {"pending": 3, "processing": 0, "done": 1, "failed": 2, "cancelled": 0}
        )
        self.assertEqual(
            {bucket["state"] for bucket in card["queue"] if bucket["windowed"]},
            {"done", "cancelled"},
            "finished jobs are counted over the window, open ones whatever their age",
        )
        self.assertAlmostEqual(card["oldest_pending_seconds"], 7200, delta=120)
        self.assertEqual(
            [(s["operation"], s["date"]) for s in card["last_syncs"]],
            [
                ("noop", "2026-11-20 08:30:00"),
                ("webhook", fields.Datetime.to_string(self.recent_done.date_done)),
            ],
        )
        self.assertIsNone(card["quota"])

    def test_every_number_opens_its_list(self):
        card = self.card(self.backend)
        failed = next(b for b in card["queue"] if b["state"] == "failed")
        self.assertEqual(
            self.env[failed["list"]["model"]].search_count(failed["list"]["domain"]), 2
        )
        errors = card["calls"]["error_list"]
        self.assertEqual(self.env[errors["model"]].search_count(errors["domain"]), 1)
        calls = card["calls"]["list"]
        self.assertEqual(self.env[calls["model"]].search_count(calls["domain"]), 5)
        sync = card["last_syncs"][0]["list"]
        self.assertEqual(self.env[sync["model"]].search_count(sync["domain"]), 1)
        for bucket in card["queue"]:
            self.assertEqual(
                self.env[bucket["list"]["model"]].search_count(bucket["list"]["domain"]),
                bucket["count"],
                bucket["state"],
            )

    def test_speed_recovery_and_bulk_efficiency(self):
        data = self.env["integration.dashboard"].get_dashboard_data()
        speed = {row["platform"]: row for row in data["speed"]}
        self.assertEqual(speed["shipstation"]["done"], 3, "done in the last hour")
        self.assertAlmostEqual(speed["shipstation"]["per_minute"], 3 / 60, delta=0.002)
        card = next(c for c in data["backends"] if c["id"] == self.batching.id)
        recovery = card["recovery"]
        self.assertEqual((recovery["recovered"], recovery["failed_once"]), (3, 4))
        self.assertAlmostEqual(recovery["rate"], 0.75)
        bulk = card["calls"]["bulk"]
        self.assertEqual(bulk["calls"], 3, "calls that carried no batch are left out")
        self.assertAlmostEqual(bulk["items_per_call"], (250 + 125 + 2000) / 3)
        self.assertAlmostEqual(bulk["fill_ratio"], (250 + 125) / 500, msg="capped calls only")
        for figure, count in (
            (speed["shipstation"]["list"], 3),
            (recovery["list"], 4),
            (bulk["list"], 3),
        ):
            self.assertEqual(
                self.env[figure["model"]].search_count(figure["domain"]), count, figure["name"]
            )
        quiet = next(c for c in data["backends"] if c["id"] == self.quiet.id)
        self.assertIsNone(quiet["recovery"]["rate"])
        self.assertIsNone(quiet["calls"]["bulk"]["items_per_call"])

    def test_calls_without_a_duration_have_no_percentiles(self):
        backend = self.env["integration.backend"].create(
            {"name": "Unmeasured", "platform": "shopify"}
        )
        self.env["integration.api.log"].create(
            {"backend_id": backend.id, "method": "POST", "endpoint": "/x", "status_code": 200}
        )
        calls = self.card(backend)["calls"]
        self.assertEqual(calls["count"], 1)
        self.assertIsNone(calls["p50_ms"])
        self.assertIsNone(calls["p95_ms"])

    def test_quiet_backend_and_quota(self):
        card = self.card(self.quiet)
        self.assertEqual(card["calls"]["count"], 0)
        self.assertIsNone(card["calls"]["p50_ms"])
        self.assertIsNone(card["oldest_pending_seconds"])
        self.assertEqual(card["quota"], {"used": 0, "limit": 5000, "ratio": 0.0})


@tagged("post_install", "-at_install")
class TestDashboardTour(HttpCase):
    def test_dashboard_in_a_browser(self):
        backend = self.env["integration.backend"].create(
            {"name": "Tour Shop", "platform": "shopify"}
        )
        Job = self.env["sync.job"]
        Job.enqueue(backend, "noop", dedupe_key=None).write(
            {"state": "failed", "last_error": "Shopify answered 500", "date_done": hours_ago(1)}
        )
        Job.enqueue(backend, "noop", dedupe_key=None, name="Tour done").write(
            {"state": "done", "retry_count": 1, "date_done": hours_ago(0.1)}
        )
        for items in (200, 100):
            self.env["integration.api.log"].create(
                {
                    "backend_id": backend.id,
                    "method": "POST",
                    "endpoint": "/graphql",
                    "status_code": 200,
                    "items": items,
                    "max_items": 250,
                }
            )
        self.start_tour(
            "/web#action=integration_base.action_integration_dashboard",
            "integration_base_dashboard_tour",
            login="admin",
        )
