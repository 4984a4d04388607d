"""The finished-job counters against a recount of the jobs, after real workers ran
them at the same time on committed data (retries, failures, a person's Retry, a
cancellation, a deletion), before and after the roll-up."""

import threading
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from ..exceptions import PermanentError, RetryableError
from ..models import sync_job
from .common import CommittedData, run_in_threads

# Per job, by its payload: succeed, fail once then succeed, fail for good.
BEHAVIOURS = ["ok"] * 30 + ["retry_once"] * 12 + ["permanent"] * 8

RECOUNT = """
    SELECT backend_id, platform, operation, state, retry_count > 0,
           date_trunc('minute', date_done), count(*)
      FROM sync_job
     WHERE backend_id = %s AND state IN ('done', 'failed', 'cancelled')
       AND date_done IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5, 6"""
COUNTERS = """
    SELECT backend_id, platform, operation, state, retried, minute, sum(jobs)
      FROM sync_job_counter
     WHERE backend_id = %s
     GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(jobs) <> 0"""


@tagged("post_install", "-at_install")
class TestJobCounters(BaseCase):
    def setUp(self):
        super().setUp()
        self.data = CommittedData(self)
        self.backend_id = self.data.backend(name="Counter backend")
        attempts = {}
        lock = threading.Lock()

        def handler(job_self, job):
            behaviour = job.payload["behaviour"]
            with lock:
                attempts[job.id] = attempts.get(job.id, 0) + 1
                first = attempts[job.id] == 1
            if behaviour == "permanent":
                raise PermanentError("The platform refused the product: no title.")
            if behaviour == "retry_once" and first:
                raise RetryableError("The platform answered 503.")

        for patcher in (
            patch.object(self.data.registry["sync.job"], "_handle_noop", handler),
            # Retries due at once, so that the run needs no waiting.
            patch.object(sync_job, "retry_delay", lambda *args, **kwargs: 0),
        ):
            patcher.start()
            self.addCleanup(patcher.stop)

    def query(self, statement):
        with self.data.env() as env:
            env.cr.execute(statement, [self.backend_id])
            return sorted(env.cr.fetchall())

    def assert_counters_match_a_recount(self, message):
        self.assertEqual(self.query(COUNTERS), self.query(RECOUNT), message)

    def run_workers(self):
        def work(_index):
            with self.data.env() as env:
                env["sync.job"]._cron_run_jobs("shopify", idle_wait=0)

        for _round in range(10):
            run_in_threads(2, work)
            if not self.query(
                "SELECT id FROM sync_job WHERE backend_id = %s AND state = 'pending'"
            ):
                return
        self.fail("the workers left jobs pending")

    def test_counters_equal_a_recount_after_concurrent_workers(self):
        with self.data.env() as env:
            backend = env["integration.backend"].browse(self.backend_id)
            env["sync.job"].enqueue_many(
                backend, "noop", [(None, {"behaviour": b}) for b in BEHAVIOURS], dedupe_key=None
            )
        self.run_workers()
        states = self.query(
            """SELECT state, retry_count > 0, count(*) FROM sync_job
                WHERE backend_id = %s GROUP BY 1, 2"""
        )
        self.assertEqual(states, [("done", False, 30), ("done", True, 12), ("failed", False, 8)])
        self.assert_counters_match_a_recount("after the workers")

        # A person retries a failed job (it leaves "failed"), cancels another, and a
        # manager deletes a done one; the retried job fails again under a worker.
        with self.data.env() as env:
            Job = env["sync.job"]
            failed = Job.search([("backend_id", "=", self.backend_id), ("state", "=", "failed")])
            failed[0].action_retry()
            failed[1].write({"state": "pending", "date_done": False})
            failed[1].action_cancel()
            Job.search(
                [("backend_id", "=", self.backend_id), ("state", "=", "done")], limit=1
            ).unlink()
        self.assert_counters_match_a_recount("after a retry, a cancellation and a deletion")
        self.run_workers()
        self.assert_counters_match_a_recount("after the retried job ran again")

        with self.data.env() as env:
            env["sync.job.counter"]._cron_roll_up()
        with self.data.env() as env:
            env.cr.execute(
                "SELECT count(*) FROM sync_job_counter WHERE backend_id = %s AND NOT rolled",
                [self.backend_id],
            )
            deltas_left = env.cr.fetchone()[0]
        self.assert_counters_match_a_recount("after the roll-up")
        self.assertLess(deltas_left, 60, "the deltas of past minutes were folded")

    def test_rebuild_counts_what_the_triggers_did_not_see(self):
        with self.data.env() as env:
            # Rows written with the triggers off, as a bulk load writes them.
            env.cr.execute("SET LOCAL session_replication_role = replica")
            env.cr.execute(
                """INSERT INTO sync_job (name, backend_id, platform, operation, state,
                                         priority, max_retries, retry_count, date_done,
                                         create_date)
                   SELECT 'loaded', %s, 'shopify', 'noop', s, 10, 5, g %% 2,
                          now() at time zone 'utc' - g * interval '7 minutes',
                          now() at time zone 'utc'
                     FROM generate_series(1, 40) g,
                          unnest(ARRAY['done', 'failed', 'cancelled']) s""",
                [self.backend_id],
            )
        self.assertEqual(self.query(COUNTERS), [])
        with self.data.env() as env:
            env["sync.job.counter"]._rebuild()
        # Rebuilt rows older than the last full hour are per hour: compare per hour.
        per_hour = """
            SELECT state, retried, date_trunc('hour', minute), sum(count)
              FROM ({}) AS rows(backend_id, platform, operation, state, retried, minute, count)
             GROUP BY 1, 2, 3"""
        self.assertEqual(
            self.query(per_hour.format(COUNTERS)), self.query(per_hour.format(RECOUNT))
        )
