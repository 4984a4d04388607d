import time
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from ..models import sync_job
from .common import IntegrationCase


@tagged("post_install", "-at_install")
class TestEnqueue(IntegrationCase):
    def test_same_operation_same_record_folds_into_pending_job(self):
        product = self.env["product.template"].create({"name": "Brake pad"})
        first = self.Job.enqueue(self.backend, "noop", product, {"price": 1})
        second = self.Job.enqueue(self.backend, "noop", product, {"price": 2}, priority=3)
        self.assertEqual(first, second)
        self.assertEqual(second.payload, {"price": 2}, "the newer payload wins")
        self.assertEqual(second.priority, 3, "the more urgent priority wins")
        self.assertEqual(
            self.Job.search_count([("res_id", "=", product.id), ("res_model", "=", product._name)]),
            1,
        )

    def test_no_folding_once_the_job_runs_or_without_a_key(self):
        product = self.env["product.template"].create({"name": "Rotor"})
        first = self.Job.enqueue(self.backend, "noop", product)
        first.sudo().write({"state": "processing"})
        second = self.Job.enqueue(self.backend, "noop", product)
        self.assertNotEqual(first, second, "a running job may have read old data")
        third = self.Job.enqueue(self.backend, "noop", product, dedupe_key=None)
        self.assertNotEqual(second, third)

    def test_enqueue_many_dedupes_within_the_call(self):
        products = self.env["product.template"].create([{"name": "P%s" % i} for i in range(3)])
        items = [(p, {"n": i}) for i, p in enumerate(products)] + [(products[0], {"n": 9})]
        ids = self.Job.enqueue_many(self.backend, "noop", items)
        self.assertEqual(len(set(ids)), 3)
        job = self.Job.search([("res_id", "=", products[0].id), ("res_model", "=", products._name)])
        self.assertEqual(job.payload, {"n": 9})

    def test_unknown_operation_is_refused(self):
        with self.assertRaisesRegex(Exception, "Unknown job operation"):
            self.Job.enqueue(self.backend, "no_such_operation")

    def test_enqueue_wakes_the_platform_worker_once_per_transaction(self):
        cron = self.env["ir.cron"].create(
            {
                "name": "Test Shopify worker",
                "model_id": self.env.ref("integration_base.model_sync_job").id,
                "state": "code",
                "code": "model._cron_run_jobs('shopify')",
                "integration_worker_platform": "shopify",
                "numbercall": -1,
            }
        )
        other = self.env["ir.cron"].create(
            {
                "name": "Test eBay worker",
                "model_id": self.env.ref("integration_base.model_sync_job").id,
                "state": "code",
                "code": "model._cron_run_jobs('ebay')",
                "integration_worker_platform": "ebay",
                "numbercall": -1,
            }
        )
        for _i in range(5):
            self.Job.enqueue(self.backend, "noop", dedupe_key=None)
        self.env.flush_all()
        self.env.cr.precommit.run()
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "in", (cron + other).ids)])
        self.assertEqual(triggers.cron_id, cron, "only the Shopify worker, and only once")
        self.assertEqual(len(triggers), 1)

    def test_user_retries_and_manager_actions(self):
        user = self.env["res.users"].create(
            {
                "name": "Integration user",
                "login": "integration_user_test",
                "groups_id": [(6, 0, [self.env.ref("integration_base.group_integration_user").id])],
            }
        )
        job = self.Job.enqueue(self.backend, "noop", dedupe_key=None)
        job.sudo().write({"state": "failed", "last_error": "boom", "retry_count": 3})
        job.with_user(user).action_retry()
        self.assertEqual((job.state, job.retry_count, job.last_error), ("pending", 0, False))
        with self.assertRaisesRegex(Exception, "Only integration managers"):
            job.with_user(user).action_cancel()
        job.action_cancel()
        self.assertEqual(job.state, "cancelled")

    def test_retry_of_a_job_with_a_pending_twin_is_superseded(self):
        product = self.env["product.template"].create({"name": "Filter"})
        old = self.Job.enqueue(self.backend, "noop", product)
        old.sudo().write({"state": "failed"})
        new = self.Job.enqueue(self.backend, "noop", product)
        old.action_retry()
        self.assertEqual(old.state, "cancelled")
        self.assertIn("Superseded by job %s" % new.id, old.last_error)
        self.assertEqual(new.state, "pending")

    def test_a_superseded_job_is_finished_for_the_vacuum(self):
        # The vacuum deletes cancelled jobs by their finish date (on committed data,
        # in batches: test_scale.TestRetention): a superseded job must have one.
        product = self.env["product.template"].create({"name": "Wiper"})
        old = self.Job.enqueue(self.backend, "noop", product)
        old.sudo().write({"state": "failed"})
        new = self.Job.enqueue(self.backend, "noop", product)
        old.action_retry()
        self.assertEqual(old.state, "cancelled")
        self.assertTrue(old.date_done, "a superseded job is finished")
        self.assertEqual(new.state, "pending", "the pending twin stays")

    def test_run_now_records_the_outcome(self):
        job = self.Job.enqueue(self.backend, "noop", dedupe_key=None)
        job.action_run_now()
        self.assertEqual(job.state, "done")
        event = self.env["integration.webhook.event"].create(
            {"backend_id": self.backend.id, "delivery_id": "gone-1", "topic": "orders/create"}
        )
        missing = self.Job.enqueue(self.backend, "webhook", event)
        event.unlink()
        missing.action_run_now()
        self.assertEqual(missing.state, "failed")
        self.assertEqual(missing.error_kind, "permanent")
        self.assertIn("no longer exists", missing.last_error)
        self.assertFalse(missing.traceback, "a data error is its sentence, not a defect")


@tagged("post_install", "-at_install")
class TestWakeUps(BaseCase):
    def test_wake_ups_are_rate_limited_but_never_dropped(self):
        sent = []
        with patch.object(sync_job, "_send_notify", sent.append):
            for _i in range(20):
                sync_job._notify_cron_workers("wake_test_db")
            self.assertEqual(sent, ["wake_test_db"], "the first goes at once, the rest wait")
            time.sleep(sync_job.NOTIFY_INTERVAL_SECONDS * 3)
            self.assertEqual(len(sent), 2, "one more when the interval ends, for all of them")
            time.sleep(sync_job.NOTIFY_INTERVAL_SECONDS * 2)
            sync_job._notify_cron_workers("wake_test_db")
            self.assertEqual(len(sent), 3, "after a quiet interval it goes at once again")

    def test_wake_ups_at_etas_come_each_at_its_time(self):
        sent = []
        with patch.object(sync_job, "_send_notify", lambda db: sent.append(time.monotonic())):
            started = time.monotonic()
            for delay in (0.6, 0.2, 0.9):
                sync_job._notify_cron_workers_later("later_test_db", delay)
            self.assertEqual(sent, [], "nothing before its time")
            time.sleep(1.3)
        self.assertEqual(len(sent), 3, "a later one is not dropped for an earlier one")
        for when, delay in zip(sent, (0.2, 0.6, 0.9), strict=True):
            self.assertGreaterEqual(when - started, delay)
