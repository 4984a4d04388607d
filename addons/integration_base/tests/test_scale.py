"""What keeps the suite usable at a busy seller's volume (bench/run scale measures it):
retention that catches up in one run, a claim read off its index, a log that outlives
its jobs without being rewritten."""

from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from .common import CommittedData, IntegrationCase


def ago(**delta):
    return datetime.utcnow() - timedelta(**delta)


@tagged("post_install", "-at_install")
class TestRetention(BaseCase):
    """Each retention cron on committed rows, with batches smaller than what is due."""

    def setUp(self):
        super().setUp()
        self.data = CommittedData(self)
        self.backend_id = self.data.backend(name="Retention backend")

    def run_cron(self, model, method, batch_size):
        """Run the cron as ir.cron would, in its own cursor; return what it deleted
        and how many times it committed."""
        commits = []
        with self.data.env() as env:
            real_commit = env.cr.commit

            def commit():
                commits.append(True)
                return real_commit()

            with patch.object(env.cr, "commit", commit):
                deleted = getattr(env[model], method)(batch_size=batch_size)
        return deleted, len(commits)

    def query(self, sql):
        with self.data.env() as env:
            env.cr.execute(sql, [self.backend_id])
            return sorted(env.cr.fetchall())

    def test_job_vacuum_deletes_everything_due_batch_by_batch(self):
        with self.data.env() as env:
            env.cr.execute(
                """INSERT INTO sync_job (name, backend_id, platform, operation, state,
                                         priority, max_retries, retry_count, date_done,
                                         create_date)
                   SELECT 'retention ' || state, %(backend)s, 'shopify', 'noop', state, 10, 5, 0,
                          done, now() at time zone 'utc'
                     FROM (VALUES ('done', %(due)s, 22), ('cancelled', %(due)s, 5),
                                  ('done', %(recent)s, 2), ('cancelled', %(recent)s, 1),
                                  ('failed', %(due)s, 2), ('pending', NULL::timestamp, 1))
                          AS kinds(state, done, n),
                          generate_series(1, n)""",
                {"backend": self.backend_id, "due": ago(days=40), "recent": ago(hours=1)},
            )
        deleted, commits = self.run_cron("sync.job", "_cron_vacuum_done_jobs", batch_size=10)
        self.assertEqual(deleted, 27)
        self.assertGreaterEqual(commits, 3, "each batch of 10 is committed on its own")
        self.assertEqual(
            self.query("SELECT state, count(*) FROM sync_job WHERE backend_id = %s GROUP BY state"),
            [("cancelled", 1), ("done", 2), ("failed", 2), ("pending", 1)],
        )

    def test_api_log_prune_deletes_everything_due_batch_by_batch(self):
        with self.data.env() as env:
            env.cr.execute(
                """INSERT INTO integration_api_log (backend_id, method, endpoint, status_code,
                                                    is_error, duration_ms, create_date)
                   SELECT %(backend)s, 'POST', '/graphql', 200, false, 10, at
                     FROM (VALUES (%(due)s, 23), (%(recent)s, 2)) AS kinds(at, n),
                          generate_series(1, n)""",
                {"backend": self.backend_id, "due": ago(days=40), "recent": ago(hours=1)},
            )
        deleted, commits = self.run_cron("integration.api.log", "_cron_prune", batch_size=10)
        self.assertEqual(deleted, 23)
        self.assertGreaterEqual(commits, 3)
        self.assertEqual(
            self.query("SELECT count(*) FROM integration_api_log WHERE backend_id = %s"), [(2,)]
        )

    def test_webhook_prune_deletes_everything_due_batch_by_batch(self):
        with self.data.env() as env:
            env.cr.execute(
                """INSERT INTO integration_webhook_event (backend_id, platform, delivery_id,
                                                          topic, state, received_at)
                   SELECT %(backend)s, 'shopify', 'retention-' || state || '-' || n || '-' || g,
                          'orders/create', state, at
                     FROM (VALUES ('done', %(due)s, 18), ('ignored', %(due)s, 4),
                                  ('failed', %(due)s, 1), ('received', %(due)s, 1),
                                  ('done', %(recent)s, 2)) AS kinds(state, at, n),
                          generate_series(1, n) g""",
                {"backend": self.backend_id, "due": ago(days=40), "recent": ago(hours=1)},
            )
        deleted, commits = self.run_cron("integration.webhook.event", "_cron_prune", batch_size=10)
        self.assertEqual(deleted, 22)
        self.assertGreaterEqual(commits, 3)
        self.assertEqual(
            self.query(
                """SELECT state, count(*) FROM integration_webhook_event
                    WHERE backend_id = %s GROUP BY state"""
            ),
            [("done", 2), ("failed", 1), ("received", 1)],
        )


@tagged("post_install", "-at_install")
class TestScaleShape(IntegrationCase):
    def test_claim_reads_its_batch_off_the_index_without_sorting(self):
        """A whole-catalogue export queued at once: 20,000 pending jobs in one priority
        (a few with an eta). The claim's plan must walk an index in the claim's
        order and stop at the batch, not sort the priority."""
        self.env.cr.execute(
            """INSERT INTO sync_job (name, backend_id, platform, operation, state, priority,
                                     max_retries, retry_count, eta, create_date)
               SELECT 'export ' || g, %s, 'shopify', 'noop', 'pending', 10, 5, 0,
                      CASE WHEN g %% 100 = 0
                           THEN now() at time zone 'utc' - interval '1 minute' END,
                      now() at time zone 'utc'
                 FROM generate_series(1, 20000) g""",
            [self.backend.id],
        )
        self.env.cr.execute("ANALYZE sync_job")
        claims = []
        cursor_class = type(self.env.cr)
        real_execute = cursor_class.execute

        def execute(cr, query, params=None, log_exceptions=True):
            if "SKIP LOCKED" in str(query) and "UPDATE sync_job" in str(query):
                claims.append((query, params))
            return real_execute(cr, query, params, log_exceptions)

        # The claim ends the transaction to start a READ COMMITTED one: not in a test.
        with (
            patch.object(type(self.Job), "_begin_read_committed", lambda job: None),
            patch.object(cursor_class, "execute", execute),
        ):
            claimed = self.Job._claim_jobs("shopify", 20)
        self.assertEqual(len(claimed), 20)
        etas = self.Job.browse([row[0] for row in claimed]).mapped("eta")
        self.assertFalse(any(etas), "jobs without an eta come first, as the claim orders")
        (query, params) = claims[0]
        self.env.cr.execute("EXPLAIN " + query, params)
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("Index Scan using sync_job_claim_order_idx", plan, plan)
        self.assertNotIn("Sort", plan, plan)

    def test_deleting_a_job_leaves_its_api_calls_untouched(self):
        job = self.Job.enqueue(self.backend, "noop", dedupe_key=None)
        log = self.env["integration.api.log"].create(
            {"backend_id": self.backend.id, "method": "POST", "endpoint": "/graphql"}
        )
        self.env.cr.execute(
            "UPDATE integration_api_log SET job_id = %s WHERE id = %s", [job.id, log.id]
        )
        log.invalidate_recordset()
        self.assertEqual(log.job_link_id, job)
        self.env.cr.execute(
            """SELECT count(*) FROM pg_constraint
                WHERE conrelid = 'integration_api_log'::regclass AND contype = 'f'
                  AND confrelid = 'sync_job'::regclass"""
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0, "no foreign key to rewrite log rows")
        job.unlink()
        log.invalidate_recordset()
        self.assertEqual(log.job_id, job.id, "the call still says which job made it")
        self.assertFalse(log.job_link_id)
