import functools
import heapq
import json
import logging
import select
import threading
import time
import traceback
from datetime import datetime, timedelta

import psycopg2
from psycopg2 import errorcodes, sql

import odoo
from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.base.models.ir_cron import ODOO_NOTIFY_FUNCTION

from ..const import (
    CLAIM_BATCH_SIZE,
    ERROR_KINDS,
    ETA_WAKE_AHEAD_SECONDS,
    IDLE_LISTEN_SECONDS,
    IDLE_POLL_SECONDS,
    JOB_STATES,
    MAX_IDLE_WAIT_SECONDS,
    PLATFORMS,
    STALE_JOB_SECONDS,
    WORKER_TIME_BUDGET_SECONDS,
)
from ..exceptions import (
    AuthenticationError,
    IntegrationError,
    JobDeferred,
    PermanentError,
    RateLimitedError,
    RetryableError,
)
from ..tools.backoff import retry_delay
from ..tools.redact import redact_text
from .retention import delete_due_in_batches

_logger = logging.getLogger(__name__)

# Database errors that say "another transaction was in the way": try again soon.
TRANSIENT_PG_CODES = {
    # A concurrent transaction created the same unique thing first (two deliveries
    # of one order): on retry this one finds it and updates it instead.
    errorcodes.UNIQUE_VIOLATION,
    errorcodes.SERIALIZATION_FAILURE,
    errorcodes.DEADLOCK_DETECTED,
    errorcodes.LOCK_NOT_AVAILABLE,
}

INSERT_COLUMNS = (
    "name",
    "backend_id",
    "platform",
    "company_id",
    "operation",
    "res_model",
    "res_id",
    "payload",
    "priority",
    "eta",
    "max_retries",
    "dedupe_key",
)


# Wake-ups (NOTIFY cron_trigger, on a connection to the postgres database) are sent at
# most this often per process and database: at webhook rates, one per commit would
# cost more than the rest of the request. One asked for meanwhile is sent when the
# interval ends, never dropped; the trigger rows themselves are always written.
NOTIFY_INTERVAL_SECONDS = 0.1
_notify_lock = threading.Lock()
_notify_state = {}  # database -> (monotonic time of the last wake-up, pending timer)


def _notify_cron_workers(dbname):
    with _notify_lock:
        last, timer = _notify_state.get(dbname, (0.0, None))
        wait = last + NOTIFY_INTERVAL_SECONDS - time.monotonic()
        if wait > 0:
            if timer is None:
                timer = threading.Timer(wait, _send_deferred_notify, [dbname])
                timer.daemon = True
                _notify_state[dbname] = (last, timer)
                timer.start()
            return
        _notify_state[dbname] = (time.monotonic(), None)
    _send_notify(dbname)


def _send_deferred_notify(dbname):
    with _notify_lock:
        _notify_state[dbname] = (time.monotonic(), None)
    _send_notify(dbname)


# Odoo's cron threads look for due triggers when notified, else once a minute: a job
# put back until a time (a backoff, a rate-limit wait) would start up to a minute late.
# So the process that puts it back also notifies at that time: every time asked for is
# kept, and one timer per database waits for the earliest, then arms the next.
_wake_times = {}  # database -> heap of monotonic times to notify at
_timers = {}  # database -> (monotonic time it fires, timer)
ETA_WAKE_MARGIN_SECONDS = 0.05


def _notify_cron_workers_later(dbname, delay):
    with _notify_lock:
        heapq.heappush(_wake_times.setdefault(dbname, []), time.monotonic() + delay)
        _arm_timer(dbname)


def _arm_timer(dbname):
    """Have the database's timer fire at its earliest wake time (caller holds the lock)."""
    times = _wake_times.get(dbname)
    if not times:
        return
    current = _timers.get(dbname)
    if current and current[0] <= times[0]:
        return
    if current:
        current[1].cancel()
    timer = threading.Timer(max(0.0, times[0] - time.monotonic()), _fire_timer, [dbname])
    timer.daemon = True
    _timers[dbname] = (times[0], timer)
    timer.start()


def _fire_timer(dbname):
    with _notify_lock:
        _timers.pop(dbname, None)
        times = _wake_times.get(dbname, [])
        now = time.monotonic()
        while times and times[0] <= now:
            heapq.heappop(times)
        _arm_timer(dbname)
    _notify_cron_workers(dbname)


def _send_notify(dbname):
    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr.execute(
            sql.SQL("SELECT {}('cron_trigger', %s)").format(sql.Identifier(ODOO_NOTIFY_FUNCTION)),
            [dbname],
        )


# NOTIFY serialises the commits that send it (PostgreSQL holds a lock from the
# notifying commit's start to its end), so at webhook rates one per commit would cap
# ingest. A process sends the one for a channel in its transaction at most this often;
# one held back meanwhile is sent after that transaction's commit, when the interval
# ends, on a connection of its own (a worker that is busy claims again after each job
# and needs none; an idle one is woken a few milliseconds later).
WORKER_NOTIFY_INTERVAL_SECONDS = 0.02
_channel_state = {}  # (database, channel) -> (monotonic time of the last NOTIFY, timer)


def _may_notify_in_transaction(dbname, channel):
    """True, and counted as sent, when no NOTIFY went on ``channel`` within the
    interval; False when it must be held back (see _notify_channel_later)."""
    with _notify_lock:
        last, timer = _channel_state.get((dbname, channel), (0.0, None))
        now = time.monotonic()
        if now - last < WORKER_NOTIFY_INTERVAL_SECONDS:
            return False
        _channel_state[(dbname, channel)] = (now, timer)
        return True


def _notify_channel_later(dbname, channel):
    """After the commit of a transaction whose NOTIFY was held back: one NOTIFY when
    the interval ends, for every transaction held back meanwhile."""
    with _notify_lock:
        last, timer = _channel_state.get((dbname, channel), (0.0, None))
        if timer is not None:
            return
        wait = max(0.0, last + WORKER_NOTIFY_INTERVAL_SECONDS - time.monotonic())
        timer = threading.Timer(wait, _send_channel_notify, [dbname, channel])
        timer.daemon = True
        _channel_state[(dbname, channel)] = (last, timer)
        timer.start()


def _send_channel_notify(dbname, channel):
    with _notify_lock:
        _channel_state[(dbname, channel)] = (time.monotonic(), None)
    with odoo.sql_db.db_connect(dbname).cursor() as cr:
        cr.execute("SELECT pg_notify(%s, '')", [channel])


def worker_channel(platform):
    """The channel a platform's idle workers LISTEN on. NOTIFY reaches only sessions
    of the same database, so the name needs the platform alone."""
    return "integration_jobs_%s" % platform


class JobListener:
    """A connection of its own LISTENing on a platform's channel, so that an idle
    worker sleeps in select() and wakes within a millisecond of an enqueue's commit
    (PostgreSQL delivers the NOTIFY then, once per transaction and channel)."""

    def __init__(self, dbname, platform):
        self._cr = odoo.sql_db.db_connect(dbname).cursor()
        self._cr.execute(sql.SQL("LISTEN {}").format(sql.Identifier(worker_channel(platform))))
        self._cr.commit()  # pylint: disable=invalid-commit

    def wait(self, timeout):
        """Sleep until a notification comes or ``timeout`` seconds pass; True when
        notified. Notifications that came meanwhile are consumed at once."""
        connection = self._cr._cnx
        connection.poll()
        if not connection.notifies:
            select.select([connection], [], [], max(0.0, timeout))
            connection.poll()
        notified = bool(connection.notifies)
        connection.notifies.clear()
        return notified

    def close(self):
        # The connection goes back to Odoo's pool: it must not go on listening there.
        try:
            self._cr.execute("UNLISTEN *")
            self._cr.commit()  # pylint: disable=invalid-commit
        finally:
            self._cr.close()


def backend_is_off(backend):
    """A disabled or archived backend runs nothing and queues nothing."""
    return not backend.active or backend.state == "disabled"


def classify_error(exc):
    """(error kind, message for a person, seconds the platform asked to wait)."""
    if isinstance(exc, RateLimitedError):
        return "rate_limited", exc.message, exc.retry_after
    if isinstance(exc, AuthenticationError):
        return "authentication", exc.message, None
    if isinstance(exc, RetryableError):
        return "retryable", exc.message, None
    if isinstance(exc, IntegrationError):
        return "permanent", exc.message, None
    if isinstance(exc, psycopg2.Error) and exc.pgcode in TRANSIENT_PG_CODES:
        return "retryable", _("Another transaction held the same data; trying again."), None
    if isinstance(exc, UserError):
        return "permanent", str(exc.args[0] if exc.args else exc), None
    return (
        "permanent",
        _(
            "Unexpected error (%(error)s). This is a defect in the connector: the "
            "technical details are in the traceback below.",
            error=repr(exc),
        ),
        None,
    )


def _is_defect(exc):
    """An error no typed error or user error explains: a defect in the code."""
    transient = isinstance(exc, psycopg2.Error) and exc.pgcode in TRANSIENT_PG_CODES
    return not (transient or isinstance(exc, IntegrationError | UserError))


class SyncJob(models.Model):
    """A unit of work for a platform, run by that platform's worker.

    Jobs are claimed with ``FOR UPDATE SKIP LOCKED`` and each runs in its own
    transaction: the runner commits after each job and after each failure, so that
    one job's error never rolls back another's work. Platform addons add their
    operations with ``selection_add`` and their handlers in ``_job_handlers``."""

    _name = "sync.job"
    _description = "Synchronisation Job"
    _order = "id desc"

    name = fields.Char(readonly=True)
    backend_id = fields.Many2one(
        "integration.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    platform = fields.Selection(PLATFORMS, required=True, readonly=True)
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    operation = fields.Selection(
        [("noop", "Queue check (no-op)"), ("webhook", "Process webhook delivery")],
        required=True,
        readonly=True,
    )
    res_model = fields.Char("Target model", readonly=True)
    res_id = fields.Many2oneReference("Target record", model_field="res_model", readonly=True)
    payload = fields.Json(readonly=True)
    payload_text = fields.Text("Payload (JSON)", compute="_compute_payload_text")
    priority = fields.Integer(default=10, help="Lower runs first.")
    eta = fields.Datetime("Not before", help="The job waits until then (backoff, rate limit).")
    state = fields.Selection(JOB_STATES, default="pending", required=True, readonly=True)
    retry_count = fields.Integer("Retries", readonly=True)
    max_retries = fields.Integer(default=5)
    error_kind = fields.Selection(ERROR_KINDS, readonly=True)
    last_error = fields.Text(readonly=True)
    traceback = fields.Text(readonly=True)
    date_started = fields.Datetime(readonly=True)
    date_done = fields.Datetime("Finished", readonly=True)
    duration = fields.Float("Duration (s)", readonly=True, digits=(16, 3), group_operator="avg")
    dedupe_key = fields.Char(readonly=True)  # indexed by sync_job_pending_dedupe_uniq
    worker_pid = fields.Integer(readonly=True)

    def init(self):
        """The indexes the queue, the dashboard, the lists and the retention read by
        (docs/architecture.md lists them and why)."""
        cr = self.env.cr
        # Folding under concurrency: at most one pending job per dedupe key, enforced by
        # PostgreSQL so that two enqueues racing each other still make one job.
        cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS sync_job_pending_dedupe_uniq
               ON sync_job (dedupe_key) WHERE state = 'pending'"""
        )
        # The claim's order, column for column (eta NULLS FIRST as in its ORDER BY): a
        # claim reads its batch off the index and stops, whatever the backlog. The
        # first version kept nulls last, so every claim sorted the whole priority.
        cr.execute("DROP INDEX IF EXISTS sync_job_claim_idx")
        cr.execute(
            """CREATE INDEX IF NOT EXISTS sync_job_claim_order_idx
               ON sync_job (platform, priority, eta NULLS FIRST, id) WHERE state = 'pending'"""
        )
        cr.execute(
            """CREATE INDEX IF NOT EXISTS sync_job_processing_idx
               ON sync_job (platform) WHERE state = 'processing'"""
        )
        # The jobs still open: the dashboard's queue counts and oldest pending job, the
        # job list's default filters (pending, failed).
        cr.execute(
            """CREATE INDEX IF NOT EXISTS sync_job_open_idx
               ON sync_job (state, backend_id, create_date)
               WHERE state IN ('pending', 'processing', 'failed')"""
        )
        # Finished jobs by the time they finished: the retention's batches (oldest
        # first) and the dashboard's finished counts over its window, index only.
        cr.execute(
            """CREATE INDEX IF NOT EXISTS sync_job_finished_idx
               ON sync_job (date_done) INCLUDE (backend_id, state)
               WHERE state IN ('done', 'cancelled', 'superseded')"""
        )
        # The dashboard's last successful sync per backend and operation.
        cr.execute(
            """CREATE INDEX IF NOT EXISTS sync_job_last_done_idx
               ON sync_job (backend_id, operation, date_done) WHERE state = 'done'"""
        )
        # The jobs of a record (a webhook delivery's job state in its list).
        cr.execute(
            """CREATE INDEX IF NOT EXISTS sync_job_target_idx
               ON sync_job (res_id, res_model) WHERE res_id IS NOT NULL"""
        )

    @api.depends("payload")
    def _compute_payload_text(self):
        for job in self:
            job.payload_text = (
                json.dumps(job.payload, indent=2, sort_keys=True, default=str)
                if job.payload is not None
                else False
            )

    # ------------------------------------------------------------------ enqueue

    @api.model
    def enqueue(
        self,
        backend,
        operation,
        record=None,
        payload=None,
        *,
        priority=10,
        eta=None,
        max_retries=5,
        dedupe_key=True,
        name=None,
    ):
        """Queue ``operation`` for ``record`` on ``backend``; return the job.

        ``dedupe_key=True`` (the default) folds the job into a pending one for the
        same operation, backend and record (the newer payload wins); a string
        folds on that key; ``None`` never folds.
        """
        return self.browse(
            self.enqueue_many(
                backend,
                operation,
                [(record, payload)],
                priority=priority,
                eta=eta,
                max_retries=max_retries,
                dedupe_key=dedupe_key,
                name=name,
            )
        )

    @api.model
    def enqueue_many(
        self,
        backend,
        operation,
        items,
        *,
        priority=10,
        eta=None,
        max_retries=5,
        dedupe_key=True,
        name=None,
    ):
        """Queue one job per (record, payload) in ``items`` in one statement per
        500 rows; return the ids (folded jobs give the id of the pending job).
        Nothing is queued for a disabled or archived backend (no ids)."""
        backend.ensure_one()
        if backend_is_off(backend):
            _logger.debug(
                "backend %s is disabled or archived: %s not queued", backend.id, operation
            )
            return []
        if operation not in dict(self._fields["operation"].selection):
            raise UserError(_("Unknown job operation %(operation)s.", operation=operation))
        label = name or dict(self._fields["operation"]._description_selection(self.env))[operation]
        entries = [
            (
                name or (label + (" - %s" % record.display_name if record else "")),
                record._name if record else None,
                record.id if record else None,
                payload,
            )
            for record, payload in items
        ]
        return self._enqueue_rows(
            (backend.id, backend.platform, backend.company_id.id),
            operation,
            entries,
            priority=priority,
            eta=eta,
            max_retries=max_retries,
            dedupe_key=dedupe_key,
        )

    @api.model
    def _enqueue_rows(
        self, target, operation, entries, *, priority=10, eta=None, max_retries=5, dedupe_key=True
    ):
        """Lowest level of enqueue, reading nothing through the ORM (the webhook route
        calls it with values it has cached).

        :param target: (backend id, platform, company id)
        :param entries: (name, res_model, res_id, payload) tuples
        :return: the job ids, in the order of the distinct dedupe keys
        """
        backend_id, platform, company_id = target
        rows = {}
        for index, (name, res_model, res_id, payload) in enumerate(entries):
            key = dedupe_key
            if key is True:
                key = (
                    "%s:%s:%s:%s" % (backend_id, operation, res_model, res_id)
                    if res_model
                    else None
                )
            rows[key or ("unique", index)] = (  # same key twice in one call: last wins
                name,
                backend_id,
                platform,
                company_id,
                operation,
                res_model,
                res_id,
                json.dumps(payload, default=str) if payload is not None else None,
                priority,
                eta,
                max_retries,
                key,
            )
        ids = []
        values = list(rows.values())
        for start in range(0, len(values), 500):
            ids.extend(self._insert_jobs(values[start : start + 500]))
        self._wake_workers({platform})
        return ids

    def _insert_jobs(self, rows):
        # Pending ORM writes on state or key must reach the table before the upsert.
        self.flush_model(["state", "dedupe_key"])
        placeholders = ",".join(
            [
                "(%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s, 'pending', 0, "
                "%s, %s, now() at time zone 'utc', now() at time zone 'utc')"
            ]
            * len(rows)
        )
        uid = self.env.uid
        params = [value for row in rows for value in (*row, uid, uid)]
        self.env.cr.execute(
            """INSERT INTO sync_job (%s, state, retry_count,
                                     create_uid, write_uid, create_date, write_date)
               VALUES %s
               ON CONFLICT (dedupe_key) WHERE state = 'pending'
               DO UPDATE SET payload = EXCLUDED.payload,
                             priority = LEAST(sync_job.priority, EXCLUDED.priority),
                             eta = CASE WHEN sync_job.eta IS NULL OR EXCLUDED.eta IS NULL
                                        THEN NULL ELSE LEAST(sync_job.eta, EXCLUDED.eta) END,
                             write_date = EXCLUDED.write_date
               RETURNING id"""
            % (", ".join(INSERT_COLUMNS), placeholders),
            params,
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        self.browse(ids).invalidate_recordset()
        return ids

    @api.model
    def _wake_workers(self, platforms, at=None):
        """Have the platforms' worker crons run as soon as this transaction commits,
        or at ``at`` (naive UTC) when a job waits until then; "now" wins over a
        time, and the earliest time over later ones."""
        cr = self.env.cr
        pending = cr.precommit.data.setdefault("integration_base.wake", {})
        if not pending:
            cr.precommit.add(self._trigger_workers_precommit)
        for platform in platforms:
            if platform in pending:
                earlier = pending[platform]
                if earlier is None or (at is not None and earlier <= at):
                    continue
            pending[platform] = at

    def _trigger_workers_precommit(self):
        cr = self.env.cr
        pending = cr.precommit.data.pop("integration_base.wake", {})
        # Workers idle in a run wake at this commit; a job due later has them
        # recompute how long to wait. Those not running get the cron triggers below.
        channels = {worker_channel(platform) for platform in pending}
        now_channels = [c for c in channels if _may_notify_in_transaction(cr.dbname, c)]
        if now_channels:
            cr.execute("SELECT pg_notify(channel, '') FROM unnest(%s) AS channel", [now_channels])
        for channel in channels.difference(now_channels):
            cr.postcommit.add(functools.partial(_notify_channel_later, cr.dbname, channel))
        now_platforms = tuple(p for p, at in pending.items() if at is None)
        if now_platforms and self._insert_triggers(now_platforms, None):
            cr.postcommit.add(functools.partial(_notify_cron_workers, cr.dbname))
        for at in {at for at in pending.values() if at is not None}:
            self._insert_triggers(tuple(p for p, when in pending.items() if when == at), at)
            # A little after the eta, so that the trigger is due when the crons look; a
            # far one is left to the cron's own calls, once a minute.
            delay = max(0.0, (at - datetime.utcnow()).total_seconds()) + ETA_WAKE_MARGIN_SECONDS
            if delay <= ETA_WAKE_AHEAD_SECONDS:
                cr.postcommit.add(functools.partial(_notify_cron_workers_later, cr.dbname, delay))

    def _insert_triggers(self, platforms, at):
        """Triggers of the platforms' worker crons at ``at``, one per cron and time.
        ``None`` is the clock's now, a trigger per commit: when a worker run ends,
        Odoo deletes the triggers older than that run's start, so reusing an older
        one could strand a job until the cron's next scheduled call. Returns the
        number of triggers made."""
        self.env.cr.execute(
            """INSERT INTO ir_cron_trigger (cron_id, call_at, create_uid, write_uid,
                                            create_date, write_date)
               SELECT c.id, coalesce(%s, clock_timestamp() at time zone 'utc'), %s, %s,
                      now() at time zone 'utc', now() at time zone 'utc'
                 FROM ir_cron c
                WHERE c.active AND c.integration_worker_platform IN %s
                  AND NOT EXISTS (SELECT 1 FROM ir_cron_trigger t
                                   WHERE t.cron_id = c.id AND t.call_at = %s)
               RETURNING id""",
            [at, self.env.uid, self.env.uid, platforms, at],
        )
        return len(self.env.cr.fetchall())

    # ------------------------------------------------------------------- worker

    @api.model
    def _cron_run_jobs(
        self,
        platform,
        time_budget=WORKER_TIME_BUDGET_SECONDS,
        batch_size=None,
        idle_wait=MAX_IDLE_WAIT_SECONDS,
        listen=None,
    ):
        """The worker of one platform: recover stale jobs, then claim and run jobs
        in small batches until the queue is empty or the time budget is spent.
        With nothing runnable, it stays for a job due within ``idle_wait`` seconds,
        and for ``listen`` seconds after its last job (by default IDLE_LISTEN_SECONDS
        when the scheduler runs it, 0 when called from code): it waits LISTENing on
        the platform's channel, so a job enqueued meanwhile runs at once.

        Runs inside an ir.cron; commits after every job (the runner owns the
        transaction boundaries). Returns the number of jobs run."""
        if listen is None:
            listen = IDLE_LISTEN_SECONDS if self.env.context.get("integration_scheduled") else 0
        deadline = time.monotonic() + time_budget
        batch_size = batch_size or CLAIM_BATCH_SIZE
        read_committed = self._read_committed_operations()
        self._begin_read_committed()
        self._requeue_stale_jobs(platform)
        self.env.cr.commit()  # pylint: disable=invalid-commit
        done = 0
        listen_until = time.monotonic() + listen
        listener = None
        try:
            while time.monotonic() < deadline:
                claimed = self._claim_jobs(platform, batch_size)
                self.env.cr.commit()  # pylint: disable=invalid-commit
                if claimed:
                    for job_id, operation, runnable in claimed:
                        job = self.browse(job_id)
                        if runnable:
                            job._run_claimed(read_committed=operation in read_committed)
                            done += 1
                        else:
                            job._cancel_for_backend_off()
                    listen_until = time.monotonic() + listen
                    continue
                next_eta, due_in = self._next_eta(platform)
                self.env.cr.commit()  # pylint: disable=invalid-commit
                now = time.monotonic()
                if due_in is not None and due_in <= 0:
                    # Due but not claimable: locked by another transaction.
                    time.sleep(IDLE_POLL_SECONDS)
                    continue
                wait = min(listen_until - now, deadline - now)
                if due_in is not None and due_in <= min(idle_wait, deadline - now):
                    wait = max(wait, due_in)
                if wait <= 0:
                    break
                if listener is None:
                    # Listening from now on: claim once more, for a job committed
                    # before the LISTEN, whose notification this session never gets.
                    listener = JobListener(self.env.cr.dbname, platform)
                    continue
                listener.wait(min(wait, due_in) if due_in is not None else wait)
            else:
                # Budget spent: hand the cron slot back, and come again at once if work
                # is left.
                if self._runnable_count(platform):
                    self._wake_workers({platform})
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                    return done
                next_eta, _due_in = self._next_eta(platform)
        finally:
            if listener is not None:
                listener.close()
        if next_eta:
            self._wake_workers({platform}, at=next_eta)
        self.env.cr.commit()  # pylint: disable=invalid-commit
        return done

    def _begin_read_committed(self):
        """End the current transaction and start a READ COMMITTED one.

        Odoo runs REPEATABLE READ, where ``FOR UPDATE SKIP LOCKED`` on a row another
        worker changed since our snapshot fails with a serialization error; claims
        and recovery must see the latest committed rows instead."""
        self.env.cr.commit()  # pylint: disable=invalid-commit
        self.env.cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")

    def _claim_jobs(self, platform, limit):
        """Mark up to ``limit`` runnable jobs as processing by this worker and return
        their (id, operation, whether their backend is enabled and active) triples.
        Ends the current transaction first; the caller commits the claim. The ORDER
        BY is sync_job_claim_order_idx's, so the batch is read off that index with no
        sort, however many jobs wait."""
        self._begin_read_committed()
        # The claim's commit need not wait for its WAL flush (a few ms of every job's
        # latency): lost in a crash of PostgreSQL, it is lost with all that came
        # after it (WAL is flushed in order, so the job's outcome, committed
        # synchronously, flushes the claim first), and the job is pending again.
        self.env.cr.execute("SET LOCAL synchronous_commit TO off")
        self.env.cr.execute(
            """WITH picked AS (
                   SELECT id FROM sync_job
                    WHERE state = 'pending' AND platform = %s
                      AND (eta IS NULL OR eta <= now() at time zone 'utc')
                    ORDER BY priority, eta NULLS FIRST, id
                    LIMIT %s
                    FOR UPDATE SKIP LOCKED)
               UPDATE sync_job j
                  SET state = 'processing', worker_pid = pg_backend_pid(),
                      date_started = clock_timestamp() at time zone 'utc',
                      write_date = now() at time zone 'utc'
                 FROM picked WHERE j.id = picked.id
            RETURNING j.id, j.operation,
                      (SELECT b.active AND b.state != 'disabled'
                         FROM integration_backend b WHERE b.id = j.backend_id)""",
            [platform, limit],
        )
        return sorted(self.env.cr.fetchall())

    def _next_eta(self, platform):
        """The eta of the next pending job of ``platform`` that waits on one, and the
        seconds until it (negative when due); (None, None) when none waits."""
        self.env.cr.execute(
            """SELECT min(eta), EXTRACT(EPOCH FROM min(eta) - (now() at time zone 'utc'))
                 FROM sync_job WHERE state = 'pending' AND platform = %s AND eta IS NOT NULL""",
            [platform],
        )
        eta, seconds = self.env.cr.fetchone()
        return eta, (float(seconds) if seconds is not None else None)

    @api.model
    def _read_committed_operations(self):
        """Operations whose handler runs in READ COMMITTED rather than Odoo's
        REPEATABLE READ: handlers that take rows other workers also take (and
        serialise on a lock of their own), where each statement must see the latest
        committed rows. Not for handlers that read then write ORM data others
        change (stock quants, for one), which rely on REPEATABLE READ's checks."""
        return set()

    def _runnable_count(self, platform):
        self.env.cr.execute(
            """SELECT count(*) FROM sync_job
                WHERE state = 'pending' AND platform = %s
                  AND (eta IS NULL OR eta <= now() at time zone 'utc')""",
            [platform],
        )
        return self.env.cr.fetchone()[0]

    def _run_claimed(self, read_committed=False):
        """Run one claimed job in its own transaction and commit the outcome."""
        self.ensure_one()
        cr = self.env.cr
        if read_committed:
            self._begin_read_committed()
        started = time.monotonic()
        try:
            self._execute()
            cr.execute(
                """UPDATE sync_job
                      SET state = 'done', date_done = clock_timestamp() at time zone 'utc',
                          duration = %s, error_kind = NULL, last_error = NULL,
                          traceback = NULL, write_date = now() at time zone 'utc'
                    WHERE id = %s""",
                [time.monotonic() - started, self.id],
            )
            cr.commit()  # pylint: disable=invalid-commit
        except JobDeferred as deferred:
            cr.rollback()
            self._defer(deferred)
            cr.commit()  # pylint: disable=invalid-commit
        except Exception as exc:  # every failure is recorded on the job
            trace = traceback.format_exc()
            cr.rollback()
            self._record_failure(exc, trace, time.monotonic() - started)
            cr.commit()  # pylint: disable=invalid-commit

    def _cancel_for_backend_off(self):
        """A claimed job of a backend disabled or archived since it was queued is
        cancelled, not run, and says why; Retry brings it back once the backend is
        enabled again. (Kept pending, it would be claimed again and again.)"""
        self.ensure_one()
        self.env.cr.execute(
            """UPDATE sync_job
                  SET state = 'cancelled', date_done = clock_timestamp() at time zone 'utc',
                      worker_pid = NULL, last_error = %s, write_date = now() at time zone 'utc'
                WHERE id = %s""",
            [
                _(
                    "Not run: %(backend)s is disabled or archived. Enable it, then Retry "
                    "this job if it is still wanted.",
                    backend=self.backend_id.with_context(active_test=False).sudo().name,
                ),
                self.id,
            ],
        )
        self.invalidate_recordset()
        self.env.cr.commit()  # pylint: disable=invalid-commit

    def _check_backend_on(self):
        """A person's action that would run jobs of a disabled or archived backend
        is refused with the reason."""
        for backend in self.sudo().backend_id:
            if backend_is_off(backend):
                raise UserError(
                    _(
                        "%(name)s is disabled or archived: its jobs do not run. Enable it "
                        "first.",
                        name=backend.name,
                    )
                )

    def _execute(self):
        """Call the operation's handler on the job's target (no transaction control)."""
        self.ensure_one()
        handlers = self._job_handlers()
        if self.operation not in handlers:
            raise PermanentError(
                _("No handler is registered for operation %(op)s.", op=self.operation)
            )
        model_name, method_name = handlers[self.operation]
        target = self.env[model_name].with_context(integration_job_id=self.id)
        if self.res_model == model_name and self.res_id:
            target = target.browse(self.res_id).exists()
            if not target:
                raise PermanentError(
                    _(
                        "The record %(model)s #%(id)s no longer exists; nothing to do.",
                        model=self.res_model,
                        id=self.res_id,
                    )
                )
        getattr(target, method_name)(self)

    @api.model
    def _job_handlers(self):
        """operation -> (model, method) called as ``method(job)`` on the target
        record when the job has one on that model, else on the empty model."""
        return {
            "noop": ("sync.job", "_handle_noop"),
            "webhook": ("integration.webhook.event", "_handle_webhook_job"),
        }

    def _handle_noop(self, job):
        """Does nothing: checks that the platform's worker runs (and feeds the
        queue benchmark)."""

    def _defer(self, deferred):
        """Back to the queue until the handler's ``until``; nothing is recorded as
        an error and the retry count stays."""
        self.sudo()._requeue_or_supersede(
            {"state": "pending", "eta": deferred.until, "worker_pid": False}
        )

    def _record_failure(self, exc, trace, duration):
        kind, message, retry_after = classify_error(exc)
        message = redact_text(str(message))
        trace = redact_text(trace)
        job = self.sudo()
        _logger.info("sync job %s (%s) failed: %s", job.id, job.operation, kind)
        if kind == "authentication":
            job.backend_id._mark_error(message)
        values = {
            "error_kind": kind,
            "last_error": message,
            # A traceback helps with a defect only: a platform's or a person's error
            # (bad data, a refusal) is the sentence itself.
            "traceback": trace if _is_defect(exc) else False,
            "duration": duration,
            "worker_pid": False,
        }
        if kind == "rate_limited":
            # Waiting for a limit is not a failure: the retry count stays.
            delay = retry_delay(job.retry_count + 1, requested=retry_after)
        elif kind == "retryable" and job.retry_count < job.max_retries:
            values["retry_count"] = job.retry_count + 1
            delay = retry_delay(job.retry_count + 1, requested=retry_after)
        else:
            if kind == "retryable":
                values["last_error"] = _(
                    "%(error)s (gave up after %(count)s retries)",
                    error=message,
                    count=job.retry_count,
                )
            values.update(state="failed", date_done=fields.Datetime.now())
            job.write(values)
            job._notify_target_of_failure(values["last_error"])
            return
        values.update(state="pending", eta=fields.Datetime.now() + timedelta(seconds=delay))
        job._requeue_or_supersede(values)

    def _notify_target_of_failure(self, message):
        """Let the job's target record show that its job failed for good, when its
        model takes part (``_on_sync_job_failed``: bindings, webhook deliveries)."""
        if not self.res_model or not self.res_id or self.res_model not in self.env:
            return
        target = self.env[self.res_model].browse(self.res_id).exists()
        if target and hasattr(type(target), "_on_sync_job_failed"):
            target._on_sync_job_failed(self, message)

    def _requeue_or_supersede(self, values):
        """Put the job back in pending; if a newer pending job for the same thing
        exists already, this one is superseded by it and cancelled instead."""
        self.ensure_one()
        if self.dedupe_key:
            twin = self.search(
                [("dedupe_key", "=", self.dedupe_key), ("state", "=", "pending")], limit=1
            )
            if twin and twin != self:
                self.write(
                    dict(
                        values,
                        state="cancelled",
                        eta=False,
                        date_done=fields.Datetime.now(),
                        last_error=_("Superseded by job %(id)s.", id=twin.id),
                    )
                )
                return twin
        try:
            with self.env.cr.savepoint():
                self.write(values)
                self.env.flush_all()
        except psycopg2.errors.UniqueViolation:
            self.invalidate_recordset()
            return self._requeue_or_supersede(values)
        self._wake_workers({self.platform}, at=values.get("eta") or None)
        return self

    @api.model
    def _requeue_stale_jobs(self, platform=None):
        """Recover jobs left in processing by a worker that died (its database
        session is gone) or hung past STALE_JOB_SECONDS. Returns their ids."""
        self.flush_model()
        self.env.cr.execute(
            """SELECT id FROM sync_job
                WHERE state = 'processing' AND (%s IS NULL OR platform = %s)
                  AND (worker_pid IS NULL
                       OR worker_pid NOT IN (SELECT pid FROM pg_stat_activity)
                       OR date_started < now() at time zone 'utc' - %s * interval '1 second')
                FOR UPDATE SKIP LOCKED""",
            [platform, platform, STALE_JOB_SECONDS],
        )
        stale = self.browse([row[0] for row in self.env.cr.fetchall()])
        for job in stale:
            _logger.warning("sync job %s was left in processing; recovering it", job.id)
            message = _(
                "The worker running this job stopped before it finished; the job was "
                "put back in the queue."
            )
            if job.retry_count >= job.max_retries:
                job.write(
                    {
                        "state": "failed",
                        "error_kind": "worker_lost",
                        "last_error": message,
                        "date_done": fields.Datetime.now(),
                        "worker_pid": False,
                    }
                )
                continue
            job._requeue_or_supersede(
                {
                    "state": "pending",
                    "eta": False,
                    "retry_count": job.retry_count + 1,
                    "error_kind": "worker_lost",
                    "last_error": message,
                    "worker_pid": False,
                }
            )
        return stale.ids

    @api.model
    def _cron_requeue_stale_jobs(self):
        self._begin_read_committed()
        self._requeue_stale_jobs()

    @api.model
    def _cron_vacuum_done_jobs(self, batch_size=5000):
        """Delete the jobs finished more than ``job_keep_days`` ago, in committed
        batches until none is due (see retention.delete_due_in_batches). A worker
        never waits on it: it takes only finished rows, skipping any another
        transaction holds. Returns the number deleted."""
        days = int(
            self.env["ir.config_parameter"].sudo().get_param("integration_base.job_keep_days", 14)
        )
        return delete_due_in_batches(
            self.env.cr,
            "sync_job",
            """state IN ('done', 'cancelled', 'superseded')
               AND date_done < now() at time zone 'utc' - %(days)s * interval '1 day'""",
            {"days": days},
            "date_done",
            batch_size,
        )

    # ------------------------------------------------------------------ actions

    # Users have no write access to jobs (what a worker runs, no user writes): the
    # buttons check the group, then change the state fields only, as superuser.

    def _check_user(self):
        if not self.env.user.has_group("integration_base.group_integration_user"):
            raise AccessError(_("Only integration users can do this."))

    def _check_manager(self):
        if not self.env.user.has_group("integration_base.group_integration_manager"):
            raise AccessError(_("Only integration managers can do this."))

    def action_retry(self):
        """Failed or cancelled jobs go back to the queue, their retry count reset."""
        self._check_user()
        self._check_backend_on()
        for job in self.filtered(lambda j: j.state in ("failed", "cancelled")):
            job.sudo()._requeue_or_supersede(
                {
                    "state": "pending",
                    "eta": False,
                    "retry_count": 0,
                    "error_kind": False,
                    "last_error": False,
                    "traceback": False,
                    "date_done": False,
                }
            )

    def action_requeue(self):
        """Run a finished job again (a done job too: push the same thing once more)."""
        self._check_manager()
        if any(job.state == "processing" for job in self):
            raise UserError(_("A job being processed cannot be requeued."))
        (self.filtered(lambda j: j.state != "pending")).action_retry()

    def action_cancel(self):
        self._check_manager()
        self.filtered(lambda j: j.state in ("pending", "failed")).sudo().write(
            {"state": "cancelled", "date_done": fields.Datetime.now()}
        )

    def action_run_now(self):
        """Run pending or failed jobs right away, in this request, one savepoint each.
        Handlers see ``integration_run_now`` in their context: a person asked for it
        now, so they do not wait for a batching window."""
        self._check_manager()
        self._check_backend_on()
        for job in self.with_context(integration_run_now=True).filtered(
            lambda j: j.state in ("pending", "failed")
        ):
            started = time.monotonic()
            # Processing while it runs, as under a worker: what the job queues for
            # its own target (a next step) becomes a new job, not folded into this one.
            job.sudo().write({"state": "processing", "date_started": fields.Datetime.now()})
            job.flush_recordset(["state"])
            try:
                with self.env.cr.savepoint():
                    job._execute()
            except JobDeferred as deferred:
                job._defer(deferred)
            except Exception as exc:  # recorded on the job
                job._record_failure(exc, traceback.format_exc(), time.monotonic() - started)
            else:
                job.sudo().write(
                    {
                        "state": "done",
                        "date_done": fields.Datetime.now(),
                        "duration": time.monotonic() - started,
                        "error_kind": False,
                        "last_error": False,
                        "traceback": False,
                    }
                )
