"""An idle worker listens for new jobs: woken by the enqueue's NOTIFY at commit, on
committed data, with the real worker."""

import threading
import time
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from ..models import sync_job
from .common import CommittedData


@tagged("post_install", "-at_install")
class TestWakeUpOnCommit(BaseCase):
    def setUp(self):
        super().setUp()
        self.data = CommittedData(self)
        self.backend_id = self.data.backend(name="Listening backend")
        self.ran = {}  # job id -> monotonic time its handler ran
        test = self

        def handler(job_self, job):
            test.ran[job.id] = time.monotonic()

        patcher = patch.object(self.data.registry["sync.job"], "_handle_noop", handler)
        patcher.start()
        self.addCleanup(patcher.stop)

    def enqueue(self, count=1):
        """Enqueue ``count`` jobs in one transaction; return their ids and the time
        just after the commit."""
        with self.data.env() as env:
            backend = env["integration.backend"].browse(self.backend_id)
            ids = [
                env["sync.job"].enqueue(backend, "noop", dedupe_key=None).id for _i in range(count)
            ]
        return ids, time.monotonic()

    def start_worker(self, context=None, **kwargs):
        result = {}

        def work():
            with self.data.env() as env:
                jobs = env["sync.job"].with_context(**(context or {}))
                result["done"] = jobs._cron_run_jobs("shopify", **kwargs)
                result["ended"] = time.monotonic()

        thread = threading.Thread(target=work)
        thread.start()
        self.addCleanup(thread.join, 30)
        return thread, result

    def test_the_enqueue_notifies_listeners_once_per_commit(self):
        with self.data.env() as env:
            listener = sync_job.JobListener(env.cr.dbname, "shopify")
        try:
            self.enqueue(5)
            self.assertTrue(listener.wait(5), "notified at the commit")
            self.assertFalse(listener.wait(0.3), "five jobs, one transaction: one wake-up")
            with self.data.env() as env:
                backend = env["integration.backend"].browse(self.backend_id)
                env["sync.job"].enqueue(backend, "noop", dedupe_key=None)
                env.flush_all()
                env.cr.precommit.run()
                env.cr.rollback()
            self.assertFalse(listener.wait(0.3), "nothing for a transaction rolled back")
            with self.data.env() as env:
                ebay = env["integration.backend"].create({"name": "eBay", "platform": "ebay"})
                self.data.backend_ids.append(ebay.id)
                env["sync.job"].enqueue(ebay, "noop", dedupe_key=None)
            self.assertFalse(listener.wait(0.3), "another platform's workers are not woken")
        finally:
            listener.close()

    def test_notifications_held_back_at_high_rates_come_after_the_interval(self):
        with self.data.env() as env:
            listener = sync_job.JobListener(env.cr.dbname, "shopify")
        try:
            with (
                patch.object(sync_job, "WORKER_NOTIFY_INTERVAL_SECONDS", 1.0),
                patch.dict(sync_job._channel_state, clear=True),
            ):
                self.enqueue()
                self.assertTrue(listener.wait(5), "the first commit notifies in its transaction")
                started = time.monotonic()
                for _i in range(5):
                    self.enqueue()
                self.assertFalse(listener.wait(0.2), "held back: NOTIFY serialises commits")
                self.assertTrue(listener.wait(5), "sent when the interval ends")
                self.assertGreater(time.monotonic() - started, 0.5)
                self.assertFalse(listener.wait(1.5), "once for all the commits held back")
        finally:
            listener.close()

    def test_an_idle_worker_runs_a_new_job_at_its_commit_without_polling(self):
        claims = []
        SyncJob = self.data.registry["sync.job"]
        claim = SyncJob._claim_jobs

        def counting_claim(job_self, platform, limit):
            claims.append(time.monotonic())
            return claim(job_self, platform, limit)

        with patch.object(SyncJob, "_claim_jobs", counting_claim):
            worker, result = self.start_worker(listen=1.5, time_budget=20)
            time.sleep(0.8)
            self.assertTrue(worker.is_alive(), "an idle worker stays while it listens")
            idle_claims = len(claims)
            (first,), committed = self.enqueue()
            time.sleep(0.5)
            (second,), committed_second = self.enqueue()
            worker.join(20)
        self.assertEqual(result["done"], 2, "both jobs ran in this worker's run")
        for job_id, at in ((first, committed), (second, committed_second)):
            self.assertLess(self.ran[job_id] - at, 0.25, "run at the commit, not at a poll")
        # Asleep in select(): it claims when it starts listening and when woken, never
        # every IDLE_POLL_SECONDS (which would be ~8 claims in those 0.8 s).
        self.assertLessEqual(idle_claims, 3, claims)
        # It left 1.5 s after its last job, not at once and not at the end of its budget.
        self.assertGreater(result["ended"] - self.ran[second], 1.4)
        self.assertLess(result["ended"] - self.ran[second], 4)

    def test_a_worker_run_by_the_scheduler_listens_one_from_code_does_not(self):
        with patch.object(sync_job, "IDLE_LISTEN_SECONDS", 1.0):
            started = time.monotonic()
            worker, result = self.start_worker()
            worker.join(10)
            self.assertLess(result["ended"] - started, 0.9, "called from code: returns at once")
            cron_id, action_id = self.worker_cron()

            def scheduled():
                with self.data.env() as env:
                    env["ir.cron"]._callback("Listening worker", action_id, cron_id)

            started = time.monotonic()
            worker = threading.Thread(target=scheduled)
            worker.start()
            time.sleep(0.4)
            (job_id,), _committed = self.enqueue()
            worker.join(10)
        self.assertIn(job_id, self.ran, "the scheduled run was still listening")
        self.assertGreater(time.monotonic() - started, 1.3, "and stayed IDLE_LISTEN_SECONDS")

    def worker_cron(self):
        """A worker cron as a platform addon registers it (inactive: only this test
        runs it), removed at the end."""
        with self.data.env() as env:
            cron = env["ir.cron"].create(
                {
                    "name": "Listening worker",
                    "model_id": env.ref("integration_base.model_sync_job").id,
                    "state": "code",
                    "code": "model._cron_run_jobs('shopify')",
                    "integration_worker_platform": "shopify",
                    "active": False,
                }
            )
            ids = cron.id, cron.ir_actions_server_id.id

        def remove():
            with self.data.env() as env:
                env["ir.cron"].browse(ids[0]).unlink()

        self.addCleanup(remove)
        return ids
