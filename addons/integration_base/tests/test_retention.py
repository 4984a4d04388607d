"""The retention crons' shared loop, on committed rows: everything due goes, batch by
batch, each batch committed before the next; rows another transaction holds are
skipped without waiting."""

from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from ..models.retention import delete_due_in_batches
from .common import CommittedData

DUE = "backend_id = %(backend)s AND create_date < %(cutoff)s"


@tagged("post_install", "-at_install")
class TestDeleteDueInBatches(BaseCase):
    def setUp(self):
        super().setUp()
        self.data = CommittedData(self)
        self.backend_id = self.data.backend(name="Retention helper backend")
        now = datetime.utcnow()
        self.params = {"backend": self.backend_id, "cutoff": now - timedelta(days=1)}
        with self.data.env() as env:
            # 25 due (over 25 distinct minutes, oldest first), 3 recent.
            env.cr.execute(
                """INSERT INTO integration_api_log (backend_id, method, endpoint, status_code,
                                                    is_error, duration_ms, create_date)
                   SELECT %(backend)s, 'POST', '/graphql', 200, false, 10,
                          CASE WHEN g <= 25 THEN %(old)s + g * interval '1 minute'
                               ELSE %(now)s END
                     FROM generate_series(1, 28) g""",
                {"backend": self.backend_id, "old": now - timedelta(days=40), "now": now},
            )

    def count(self, condition=DUE):
        with self.data.env() as env:
            env.cr.execute(
                "SELECT count(*) FROM integration_api_log WHERE " + condition, self.params
            )
            return env.cr.fetchone()[0]

    def test_everything_due_goes_and_each_batch_is_committed(self):
        seen_after_commits = []
        with self.data.env() as env:
            real_commit = env.cr.commit

            def commit():
                real_commit()
                # What another connection sees right after this commit.
                seen_after_commits.append(self.count())

            with patch.object(env.cr, "commit", commit):
                deleted = delete_due_in_batches(
                    env.cr, "integration_api_log", DUE, self.params, "create_date", 10
                )
        self.assertEqual(deleted, 25)
        self.assertEqual(self.count(), 0, "nothing due is left")
        self.assertEqual(self.count("backend_id = %(backend)s"), 3, "the recent rows stay")
        self.assertIn(15, seen_after_commits, "the first batch was committed on its own")
        self.assertIn(5, seen_after_commits, "the second batch was committed on its own")

    def test_a_row_another_transaction_holds_is_skipped_without_waiting(self):
        with self.data.env() as holder, self.data.env() as env:
            holder.cr.execute(
                "SELECT id FROM integration_api_log WHERE " + DUE + " ORDER BY create_date",
                self.params,
            )
            held = holder.cr.fetchall()[12][0]  # one in the middle of the second batch
            holder.cr.execute("SELECT 1 FROM integration_api_log WHERE id = %s FOR UPDATE", [held])
            env.cr.execute("SET lock_timeout TO '2s'")  # a wait would fail the test
            try:
                deleted = delete_due_in_batches(
                    env.cr, "integration_api_log", DUE, self.params, "create_date", 10
                )
            finally:
                env.cr.execute("RESET lock_timeout")
                holder.cr.rollback()
        self.assertEqual(deleted, 24)
        self.assertEqual(self.count(), 1, "the held row is due again at the next run")
