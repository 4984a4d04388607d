from psycopg2 import sql

from odoo import api, fields, models

from ..const import FINAL_JOB_STATES, JOB_COUNTER_KEEP_DAYS, PLATFORMS

FINAL = "('%s')" % "', '".join(FINAL_JOB_STATES)
# The key of a count.
KEY = "backend_id, platform, operation, state, retried"

# One delta row per change of a finished job, written in the transaction that makes
# the change: -1 for what the row was (when it was finished), +1 for what it is.
DELTA_FUNCTION = f"""
CREATE OR REPLACE FUNCTION sync_job_counter_delta() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.state IN {FINAL} AND OLD.date_done IS NOT NULL THEN
        INSERT INTO sync_job_counter
               (minute, backend_id, platform, operation, state, retried, jobs, rolled)
        VALUES (date_trunc('minute', OLD.date_done), OLD.backend_id, OLD.platform,
                OLD.operation, OLD.state, OLD.retry_count > 0, -1, false);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.state IN {FINAL} AND NEW.date_done IS NOT NULL THEN
        INSERT INTO sync_job_counter
               (minute, backend_id, platform, operation, state, retried, jobs, rolled)
        VALUES (date_trunc('minute', NEW.date_done), NEW.backend_id, NEW.platform,
                NEW.operation, NEW.state, NEW.retry_count > 0, 1, false);
    END IF;
    RETURN NULL;
END $$"""

# name -> its CREATE statement.
TRIGGERS = {
    "sync_job_counter_insert": f"""
        CREATE TRIGGER sync_job_counter_insert AFTER INSERT ON sync_job FOR EACH ROW
        WHEN (NEW.state IN {FINAL}) EXECUTE FUNCTION sync_job_counter_delta()""",
    "sync_job_counter_update": f"""
        CREATE TRIGGER sync_job_counter_update AFTER UPDATE ON sync_job FOR EACH ROW
        WHEN ((OLD.state IN {FINAL} OR NEW.state IN {FINAL})
              AND (OLD.state, OLD.date_done, OLD.retry_count, OLD.backend_id, OLD.operation)
                  IS DISTINCT FROM
                  (NEW.state, NEW.date_done, NEW.retry_count, NEW.backend_id, NEW.operation))
        EXECUTE FUNCTION sync_job_counter_delta()""",
    # The retention's deletions (jobs finished two weeks ago and more) are of rows
    # the counters no longer keep: only the deletion of a recent one is counted.
    "sync_job_counter_delete": f"""
        CREATE TRIGGER sync_job_counter_delete AFTER DELETE ON sync_job FOR EACH ROW
        WHEN (OLD.state IN {FINAL} AND OLD.date_done >= now() at time zone 'utc'
                                                      - interval '{JOB_COUNTER_KEEP_DAYS} days')
        EXECUTE FUNCTION sync_job_counter_delta()""",
}


# One rolled row per key and period: the roll-up adds to it.
ROLLED_INDEX = f"""CREATE UNIQUE INDEX IF NOT EXISTS sync_job_counter_rolled_uniq
    ON sync_job_counter (minute, {KEY}) WHERE rolled"""

# Counts from the jobs themselves: rolled rows, per hour before the last full hour.
REBUILD = f"""INSERT INTO sync_job_counter (minute, {KEY}, jobs, rolled)
       SELECT CASE WHEN date_done < %(hour_cut)s
                   THEN date_trunc('hour', date_done)
                   ELSE date_trunc('minute', date_done) END,
              backend_id, platform, operation, state, retry_count > 0, count(*), true
         FROM sync_job
        WHERE state IN {FINAL} AND date_done >= %(keep_since)s
        GROUP BY 1, 2, 3, 4, 5, 6"""

# Deltas into rolled rows; minute rows of earlier hours into hour rows.
ROLL_UP = f"""WITH moved AS (
           DELETE FROM sync_job_counter
            WHERE (NOT rolled AND minute < %(now_minute)s)
               OR (rolled AND minute < %(hour_cut)s
                   AND minute <> date_trunc('hour', minute))
           RETURNING minute, {KEY}, jobs)
       INSERT INTO sync_job_counter (minute, {KEY}, jobs, rolled)
       SELECT CASE WHEN minute < %(hour_cut)s THEN date_trunc('hour', minute)
                   ELSE minute END,
              {KEY}, sum(jobs), true
         FROM moved GROUP BY 1, 2, 3, 4, 5, 6
       ON CONFLICT (minute, {KEY}) WHERE rolled
       DO UPDATE SET jobs = sync_job_counter.jobs + EXCLUDED.jobs"""


class SyncJobCounter(models.Model):
    """Finished jobs counted by backend, operation, final state, whether they were
    retried, and the minute they finished: what the dashboard shows, without
    counting millions of jobs on every refresh.

    Kept exact by a trigger on ``sync_job`` (every path that finishes, retries,
    requeues or deletes a job goes through it, the worker's raw SQL included), which
    inserts a delta row in the same transaction: insert-only, so workers never wait
    on each other for a shared counter row. ``_cron_roll_up`` folds the deltas into
    one row per key and minute (per hour after the last hour), so that a dashboard
    reads a few thousand rows whatever the volume. The sum of ``jobs`` over a key and
    a period is the count of the jobs that are, now, in that state and finished
    then (the test recounts them)."""

    _name = "sync.job.counter"
    _description = "Finished Jobs Counter"
    _log_access = False
    _order = "minute desc"

    minute = fields.Datetime(required=True, readonly=True, help="Start of the period.")
    # Plain ids, no foreign key: a foreign key would have every finishing job take
    # a share lock on its backend's row, and two workers at hundreds of jobs a
    # second would make PostgreSQL build a multixact for that row over and over.
    backend_id = fields.Integer(required=True, readonly=True)
    platform = fields.Selection(PLATFORMS, readonly=True)
    operation = fields.Char(required=True, readonly=True)
    state = fields.Char(required=True, readonly=True)
    retried = fields.Boolean(readonly=True, help="Finished after at least one retry.")
    jobs = fields.Integer(readonly=True)
    rolled = fields.Boolean(readonly=True, help="A rolled-up row (else a delta).")

    def init(self):
        cr = self.env.cr
        cr.execute(
            """CREATE INDEX IF NOT EXISTS sync_job_counter_minute_idx
               ON sync_job_counter (minute)"""
        )
        cr.execute(ROLLED_INDEX)
        cr.execute("SELECT count(*) FROM pg_trigger WHERE tgname IN %s", [tuple(TRIGGERS)])
        complete = cr.fetchone()[0] == len(TRIGGERS)
        cr.execute(DELTA_FUNCTION)
        for name, create in TRIGGERS.items():
            cr.execute(
                sql.SQL("DROP TRIGGER IF EXISTS {} ON sync_job").format(sql.Identifier(name))
            )
            cr.execute(create)
        if not complete:
            # Jobs finished before the counters existed: counted once, now.
            self._rebuild()

    @api.model
    def _rebuild(self):
        """Count again from the jobs kept (for a database whose jobs were written
        with the triggers off, as a bulk load does). Blocks job changes meanwhile."""
        cr = self.env.cr
        cr.execute("LOCK TABLE sync_job IN SHARE MODE")
        cr.execute("DELETE FROM sync_job_counter")
        cr.execute(
            REBUILD,
            self._periods(),
        )

    @api.model
    def _periods(self):
        cr = self.env.cr
        cr.execute(
            """SELECT date_trunc('minute', now() at time zone 'utc'),
                      date_trunc('hour', now() at time zone 'utc') - interval '1 hour',
                      now() at time zone 'utc' - %s * interval '1 day'""",
            [JOB_COUNTER_KEEP_DAYS],
        )
        now_minute, hour_cut, keep_since = cr.fetchone()
        return {"now_minute": now_minute, "hour_cut": hour_cut, "keep_since": keep_since}

    @api.model
    def _cron_roll_up(self):
        """Fold the deltas of past minutes into the rolled rows, minute rows older
        than the last full hour into hour rows, and drop what is older than
        JOB_COUNTER_KEEP_DAYS. One statement moves the rows (deleted and re-inserted
        as sums in one transaction), so a reader sees them before or after, never
        twice; the deltas workers insert meanwhile wait for the next run. Another
        run at the same time skips."""
        cr = self.env.cr
        # READ COMMITTED, the lock first: each statement then sees what a run that
        # just ended committed (in REPEATABLE READ, the snapshot could predate it).
        self.env["sync.job"]._begin_read_committed()
        cr.execute("SELECT pg_try_advisory_xact_lock(hashtext('sync_job_counter_roll_up'))")
        if not cr.fetchone()[0]:
            return
        periods = self._periods()
        cr.execute(
            ROLL_UP,
            periods,
        )
        cr.execute(
            "DELETE FROM sync_job_counter WHERE (rolled AND jobs = 0) OR minute < %(keep_since)s",
            periods,
        )

    @api.model
    def _finished(self, backend_ids, windows):
        """{(backend id, platform, state, retried): {window name: jobs}} of the jobs
        finished since each window's start (``windows``: name -> start, the
        earliest first); served by sync_job_counter_minute_idx."""
        names = list(windows)
        sums = sql.SQL(", ").join(
            sql.SQL("sum(jobs) FILTER (WHERE minute >= {})").format(sql.Placeholder(name))
            for name in names
        )
        self.env.cr.execute(
            sql.SQL(
                """SELECT backend_id, platform, state, retried, {}
                     FROM sync_job_counter
                    WHERE minute >= %(since)s AND backend_id IN %(ids)s
                    GROUP BY backend_id, platform, state, retried"""
            ).format(sums),
            dict(windows, since=min(windows.values()), ids=tuple(backend_ids) or (0,)),
        )
        return {
            tuple(row[:4]): {name: row[4 + i] or 0 for i, name in enumerate(names)}
            for row in self.env.cr.fetchall()
        }
