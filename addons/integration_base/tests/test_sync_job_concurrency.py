"""The runner with committed data and several cursors, as real workers see it."""

import threading
import time
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.service.model import retrying
from odoo.tests import tagged
from odoo.tests.common import BaseCase

from ..const import STALE_JOB_SECONDS
from ..exceptions import (
    AuthenticationError,
    JobDeferred,
    PermanentError,
    RateLimitedError,
    RetryableError,
)
from ..models import sync_job
from .common import CommittedData, run_in_threads


@tagged("post_install", "-at_install")
class TestRunner(BaseCase):
    def setUp(self):
        super().setUp()
        self.data = CommittedData(self)
        self.backend_id = self.data.backend(name="Runner backend")
        self.calls = []
        self.lock = threading.Lock()
        self.behaviour = None
        test = self

        def handler(job_self, job):
            with test.lock:
                test.calls.append(job.id)
            if test.behaviour:
                raise test.behaviour

        patcher = patch.object(self.data.registry["sync.job"], "_handle_noop", handler)
        patcher.start()
        self.addCleanup(patcher.stop)

    def enqueue(self, count=1, **kwargs):
        with self.data.env() as env:
            backend = env["integration.backend"].browse(self.backend_id)
            ids = [
                env["sync.job"].enqueue(backend, "noop", dedupe_key=None, **kwargs).id
                for _i in range(count)
            ]
        return ids

    def run_worker(self, **kwargs):
        with self.data.env() as env:
            return env["sync.job"]._cron_run_jobs("shopify", **kwargs)

    def read_job(self, job_id):
        with self.data.env() as env:
            return env["sync.job"].browse(job_id).read()[0]

    def test_success(self):
        (job_id,) = self.enqueue()
        self.assertGreaterEqual(self.run_worker(), 1)
        job = self.read_job(job_id)
        self.assertEqual(job["state"], "done")
        self.assertTrue(job["date_done"] and job["date_started"])
        self.assertIn(job_id, self.calls)

    def test_a_failing_job_does_not_roll_back_another(self):
        ok_id, bad_id = self.enqueue(2)

        def handler(job_self, job):
            job.backend_id.sudo().write({"name": "touched by %s" % job.id})
            if job.id == bad_id:
                raise PermanentError("The platform rejected the product: title too long.")

        with patch.object(self.data.registry["sync.job"], "_handle_noop", handler):
            self.run_worker()
        self.assertEqual(self.read_job(ok_id)["state"], "done")
        bad = self.read_job(bad_id)
        self.assertEqual(bad["state"], "failed")
        self.assertEqual(bad["last_error"], "The platform rejected the product: title too long.")
        with self.data.env() as env:
            self.assertEqual(
                env["integration.backend"].browse(self.backend_id).name, "touched by %s" % ok_id
            )

    def test_permanent_and_unexpected_errors_fail_at_once(self):
        self.behaviour = PermanentError("Unknown SKU BRK-1: create the product first.")
        (job_id,) = self.enqueue()
        self.run_worker()
        job = self.read_job(job_id)
        self.assertEqual(
            (job["state"], job["error_kind"], job["retry_count"]), ("failed", "permanent", 0)
        )
        self.behaviour = KeyError("sku")
        (job_id,) = self.enqueue()
        self.run_worker()
        job = self.read_job(job_id)
        self.assertEqual(job["state"], "failed")
        self.assertIn("Unexpected error", job["last_error"])
        self.assertIn("KeyError", job["traceback"])

    def test_retryable_backoff_then_failed(self):
        self.behaviour = RetryableError("Shopify answered 503")
        (job_id,) = self.enqueue(max_retries=2)
        before = datetime.utcnow()
        self.run_worker()
        job = self.read_job(job_id)
        self.assertEqual((job["state"], job["retry_count"]), ("pending", 1))
        delay = (job["eta"] - before).total_seconds()
        self.assertTrue(10 * 0.75 - 1 <= delay <= 10 * 1.25 + 1, delay)
        for expected_retries in (2,):
            with self.data.env() as env:
                env["sync.job"].browse(job_id).write({"eta": False})
            self.run_worker()
            job = self.read_job(job_id)
            self.assertEqual((job["state"], job["retry_count"]), ("pending", expected_retries))
        with self.data.env() as env:
            env["sync.job"].browse(job_id).write({"eta": False})
        self.run_worker()
        job = self.read_job(job_id)
        self.assertEqual(job["state"], "failed")
        self.assertIn("gave up after 2 retries", job["last_error"])
        self.assertEqual(self.calls.count(job_id), 3)

    def test_rate_limited_honours_retry_after(self):
        self.behaviour = RateLimitedError("Throttled", retry_after=120)
        (job_id,) = self.enqueue()
        before = datetime.utcnow()
        self.run_worker()
        job = self.read_job(job_id)
        self.assertEqual(
            (job["state"], job["retry_count"], job["error_kind"]), ("pending", 0, "rate_limited")
        )
        self.assertGreaterEqual(job["eta"], before + timedelta(seconds=119))
        self.assertLessEqual(job["eta"], before + timedelta(seconds=120 * 1.25 + 2))

    def test_a_deferred_job_waits_without_an_error(self):
        until = datetime.utcnow().replace(microsecond=0) + timedelta(seconds=60)
        self.behaviour = JobDeferred(until, "batching window")
        (job_id,) = self.enqueue(max_retries=1)
        with patch.object(sync_job, "_notify_cron_workers_later", lambda db, delay: None):
            self.run_worker()
            self.run_worker()  # not due yet: not run again
        job = self.read_job(job_id)
        self.assertEqual(
            (job["state"], job["eta"], job["retry_count"], job["error_kind"], job["last_error"]),
            ("pending", until, 0, False, False),
        )
        self.assertEqual(self.calls.count(job_id), 1)

    def test_the_worker_stays_for_a_job_due_within_its_idle_wait(self):
        started = time.monotonic()  # before the eta is set: it is 1 s from here
        (soon,) = self.enqueue(eta=datetime.utcnow() + timedelta(seconds=1))
        (later,) = self.enqueue(eta=datetime.utcnow() + timedelta(seconds=60))
        self.assertEqual(self.run_worker(), 1)
        self.assertGreaterEqual(time.monotonic() - started, 0.9, "not run before its eta")
        self.assertEqual(self.read_job(soon)["state"], "done")
        self.assertEqual(self.read_job(later)["state"], "pending")
        # Without an idle wait, a job not yet due is left to a later run.
        (soon,) = self.enqueue(eta=datetime.utcnow() + timedelta(seconds=1))
        self.assertEqual(self.run_worker(idle_wait=0), 0)
        self.assertEqual(self.read_job(soon)["state"], "pending")

    def test_declared_operations_run_in_read_committed(self):
        isolation = []

        def handler(job_self, job):
            job_self.env.cr.execute("SHOW transaction_isolation")
            isolation.append(job_self.env.cr.fetchone()[0])

        SyncJob = self.data.registry["sync.job"]
        with patch.object(SyncJob, "_handle_noop", handler):
            self.enqueue()
            self.run_worker()
            with patch.object(SyncJob, "_read_committed_operations", lambda _self: {"noop"}):
                self.enqueue()
                self.run_worker()
        self.assertEqual(isolation, ["repeatable read", "read committed"])

    def test_a_job_put_back_until_a_time_has_the_workers_woken_then(self):
        self.behaviour = RateLimitedError("Throttled", retry_after=30)
        (job_id,) = self.enqueue()
        armed = []
        with patch.object(
            sync_job, "_notify_cron_workers_later", lambda db, delay: armed.append(delay)
        ):
            self.run_worker(idle_wait=0)
        eta = self.read_job(job_id)["eta"]
        with self.data.env() as env:
            crons = env["ir.cron"].search([("integration_worker_platform", "=", "shopify")])
            triggers = env["ir.cron.trigger"].search(
                [("cron_id", "in", crons.ids), ("call_at", "=", eta)]
            )
            self.assertEqual(triggers.cron_id, crons, "a trigger at the eta for each worker")
            triggers.unlink()
        self.assertTrue(armed)
        wait = (eta - datetime.utcnow()).total_seconds()
        self.assertTrue(all(abs(delay - wait) < 2 for delay in armed), (armed, wait))

    def test_authentication_error_marks_the_backend(self):
        self.behaviour = AuthenticationError("Shopify refused the credentials (401).")
        (job_id,) = self.enqueue()
        self.run_worker()
        self.assertEqual(self.read_job(job_id)["state"], "failed")
        with self.data.env() as env:
            backend = env["integration.backend"].browse(self.backend_id)
            self.assertEqual(backend.state, "error")
            self.assertIn("refused the credentials", backend.last_error)

    def test_a_disabled_or_archived_backend_runs_nothing_and_queues_nothing(self):
        archived_id = self.data.backend(name="Archived backend")
        (disabled_job,) = self.enqueue()
        with self.data.env() as env:
            archived = env["integration.backend"].browse(archived_id)
            archived_job = env["sync.job"].enqueue(archived, "noop", dedupe_key=None).id
            # Switched off after their jobs were queued: the worker leaves the jobs.
            env["integration.backend"].browse(self.backend_id).action_disable()
            archived.active = False
        self.run_worker(idle_wait=0)
        self.assertEqual(self.calls, [], "nothing ran")
        for job_id in (disabled_job, archived_job):
            job = self.read_job(job_id)
            self.assertEqual(job["state"], "cancelled")
            self.assertIn("is disabled or archived", job["last_error"])
            self.assertTrue(job["date_done"])
        with self.data.env() as env:
            jobs = env["sync.job"]
            for backend in (
                env["integration.backend"]
                .with_context(active_test=False)
                .browse([self.backend_id, archived_id])
            ):
                self.assertFalse(jobs.enqueue(backend, "noop", dedupe_key=None))
                self.assertFalse(jobs.enqueue_many(backend, "noop", [(None, None)] * 3))
                self.assertFalse(
                    jobs.search_count([("backend_id", "=", backend.id), ("state", "=", "pending")])
                )
            # A person asking to run them is told why not.
            for action in ("action_retry", "action_run_now"):
                with self.assertRaisesRegex(UserError, "disabled or archived"):
                    getattr(jobs.browse(disabled_job), action)()
                with self.assertRaisesRegex(UserError, "disabled or archived"):
                    getattr(jobs.browse(archived_job), action)()
            with self.assertRaisesRegex(UserError, "disabled"):
                env["integration.backend"].browse(self.backend_id).action_sync_now()
            env["integration.backend"].browse(self.backend_id).action_reset_to_draft()
            jobs.browse(disabled_job).action_retry()
        self.run_worker(idle_wait=0)
        self.assertEqual(self.calls, [disabled_job], "enabled again: Retry runs it")

    def test_stale_processing_job_is_recovered(self):
        dead, alive, hung = self.enqueue(3)
        with self.data.env() as env:
            env.cr.execute("SELECT pg_backend_pid()")
            live_pid = env.cr.fetchone()[0]
            jobs = env["sync.job"]
            jobs.browse(dead).write({"state": "processing", "worker_pid": 2**31 - 7})
            jobs.browse(alive).write(
                {"state": "processing", "worker_pid": live_pid, "date_started": datetime.utcnow()}
            )
            jobs.browse(hung).write(
                {
                    "state": "processing",
                    "worker_pid": live_pid,
                    "date_started": datetime.utcnow() - timedelta(seconds=STALE_JOB_SECONDS + 5),
                }
            )
            recovered = jobs._requeue_stale_jobs("shopify")
        self.assertEqual(sorted(recovered), sorted([dead, hung]))
        for job_id in (dead, hung):
            job = self.read_job(job_id)
            self.assertEqual(
                (job["state"], job["error_kind"], job["retry_count"]), ("pending", "worker_lost", 1)
            )
        self.assertEqual(self.read_job(alive)["state"], "processing")
        self.run_worker()
        self.assertEqual(self.read_job(dead)["state"], "done")

    def test_two_workers_run_every_job_exactly_once(self):
        ids = self.enqueue(200)
        run_in_threads(2, lambda _index: self.run_worker(batch_size=5))
        self.assertEqual(sorted(c for c in self.calls if c in ids), sorted(ids))
        self.assertEqual(len(self.calls), len(set(self.calls)), "no job ran twice")
        with self.data.env() as env:
            states = {job.state for job in env["sync.job"].browse(ids)}
            pids = {job.worker_pid for job in env["sync.job"].browse(ids)}
        self.assertEqual(states, {"done"})
        self.assertEqual(len(pids), 2, "both workers took a share")

    def test_concurrent_claims_are_disjoint(self):
        self.enqueue(60)
        claims = {}

        def claim(index):
            with self.data.env() as env:
                claims[index] = env["sync.job"]._claim_jobs("shopify", 40)

        run_in_threads(2, claim)
        self.assertFalse(set(claims[0]) & set(claims[1]))
        self.assertEqual(len(claims[0]) + len(claims[1]), 60)

    def test_concurrent_enqueues_fold_into_one_pending_job(self):
        with self.data.env() as env:
            product_id = env["product.template"].create({"name": "Concurrent pad"}).id
        self.addCleanup(self._delete_product, product_id)

        def enqueue(index):
            # As Odoo runs a request: a serialization failure is retried in a new
            # transaction (odoo.service.model.retrying).
            with self.data.env() as env:
                retrying(
                    lambda: env["sync.job"].enqueue(
                        env["integration.backend"].browse(self.backend_id),
                        "noop",
                        env["product.template"].browse(product_id),
                        {"writer": index},
                    ),
                    env,
                )

        run_in_threads(8, enqueue)
        with self.data.env() as env:
            jobs = env["sync.job"].search(
                [("res_model", "=", "product.template"), ("res_id", "=", product_id)]
            )
            self.assertEqual(len(jobs), 1)
            self.assertEqual(jobs.state, "pending")
            self.assertIn(jobs.payload["writer"], range(8))

    def _delete_product(self, product_id):
        with self.data.env() as env:
            env.cr.execute(
                "DELETE FROM sync_job WHERE res_model = 'product.template' " "AND res_id = %s",
                [product_id],
            )
            env["product.template"].browse(product_id).unlink()
