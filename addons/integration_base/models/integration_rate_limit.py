import functools
import time

from odoo import api, fields, models

from ..const import MAX_BLOCKING_WAIT_SECONDS
from ..exceptions import RateLimitedError
from ..tools import ratelimit


class IntegrationRateLimit(models.Model):
    """Shared state of a backend's rate limiter, one row per (backend, scope).

    Every worker reads and updates the row under a row lock in a short transaction
    of its own, so that limits hold across workers and processes, and a long job
    does not keep the row locked. ``backend_id`` is a plain integer on purpose: the
    row may be written by that separate transaction before the backend is committed.
    """

    _name = "integration.rate.limit"
    _description = "Integration Rate Limiter State"
    _log_access = False

    backend_id = fields.Integer(required=True, index=True)
    scope = fields.Char(required=True, default="api")
    level = fields.Float(digits=(16, 4))
    window_start = fields.Float(digits=(16, 4))

    _sql_constraints = [
        ("backend_scope_unique", "unique(backend_id, scope)", "One state per backend and scope.")
    ]

    @api.model
    def _locked_state(self, cr, backend_id, scope):
        cr.execute(
            """INSERT INTO integration_rate_limit (backend_id, scope, level, window_start)
               VALUES (%s, %s, 0, 0) ON CONFLICT (backend_id, scope) DO NOTHING""",
            [backend_id, scope],
        )
        cr.execute(
            """SELECT level, window_start FROM integration_rate_limit
                WHERE backend_id = %s AND scope = %s FOR UPDATE""",
            [backend_id, scope],
        )
        level, window_start = cr.fetchone()
        return ratelimit.LimiterState(level or 0.0, window_start or 0.0)

    @api.model
    def _store(self, cr, backend_id, scope, state):
        cr.execute(
            """UPDATE integration_rate_limit SET level = %s, window_start = %s
                WHERE backend_id = %s AND scope = %s""",
            [state.level, state.window_start, backend_id, scope],
        )

    @api.model
    def _acquire(self, backend, cost=1, scope="api", max_wait=MAX_BLOCKING_WAIT_SECONDS):
        """Take ``cost`` from the backend's limit. Sleeps for a short wait; raises
        RateLimitedError (the job goes back to the queue with an eta) for a long one.

        :return: the seconds slept
        """
        kind = backend.rate_limit_kind
        if kind == "none":
            return 0.0
        with self.env["integration.backend"]._separate_cursor() as cr:
            state = self._locked_state(cr, backend.id, scope)
            now = time.time()
            new_state, wait = self._apply(backend, state, now, cost, reserve=True)
            if wait > max_wait:
                # Do not hold a place in the bucket for a call that will not happen now.
                new_state, wait = self._apply(backend, state, now, cost, reserve=False)
                self._store(cr, backend.id, scope, new_state)
                raise RateLimitedError(
                    "%s: rate limit reached, next call possible in %.0f seconds."
                    % (backend.name, wait),
                    retry_after=wait,
                )
            self._store(cr, backend.id, scope, new_state)
        if wait > 0:
            time.sleep(wait)
        return wait

    @api.model
    def _apply(self, backend, state, now, cost, reserve):
        kind = backend.rate_limit_kind
        if kind == "leaky_bucket":
            return ratelimit.leaky_bucket(
                state,
                now=now,
                cost=cost,
                capacity=backend.rate_limit_capacity,
                restore_rate=backend.rate_limit_restore_rate or 1.0,
                reserve=reserve,
            )
        if kind == "window":
            return ratelimit.fixed_window(
                state,
                now=now,
                cost=cost,
                limit=backend.rate_limit_capacity,
                window_seconds=backend.rate_limit_window_seconds or 60,
                reserve=reserve,
            )
        if kind == "daily":
            return ratelimit.daily_quota(
                state, now=now, cost=cost, quota=backend.rate_limit_capacity
            )
        raise ValueError("unknown rate limit kind %s" % kind)

    @api.model
    def _report(self, backend, scope="api", *, available=None, remaining=None, reset=None):
        """Correct our estimate with what the platform reported: points available
        (Shopify throttleStatus) or requests remaining and seconds to reset
        (X-Rate-Limit-* headers)."""
        with self.env["integration.backend"]._separate_cursor() as cr:
            self._locked_state(cr, backend.id, scope)
            now = time.time()
            if available is not None:
                # Never above our own estimate: other workers may have reserved points
                # for calls the platform has not seen yet.
                estimate, _wait = self._apply(
                    backend, self._locked_state(cr, backend.id, scope), now, 0, reserve=True
                )
                state = ratelimit.bucket_from_platform(
                    now=now, currently_available=min(float(available), estimate.level)
                )
            else:
                state = ratelimit.window_from_headers(
                    now=now,
                    limit=backend.rate_limit_capacity,
                    remaining=remaining,
                    reset_seconds=reset,
                    window_seconds=backend.rate_limit_window_seconds or 60,
                )
            self._store(cr, backend.id, scope, state)

    @api.model
    def _usage(self, backend, scope="api"):
        """(used, limit) for a daily quota, as the dashboard shows it."""
        self.env.cr.execute(
            "SELECT level, window_start FROM integration_rate_limit "
            "WHERE backend_id = %s AND scope = %s",
            [backend.id, scope],
        )
        row = self.env.cr.fetchone()
        used = 0
        if row:
            state = ratelimit.LimiterState(*row)
            fresh, _wait = ratelimit.daily_quota(
                state, now=time.time(), cost=0, quota=backend.rate_limit_capacity
            )
            used = fresh.level
        return used, backend.rate_limit_capacity


def with_rate_limit(cost=1, scope="api"):
    """Decorate a backend method that makes one platform call: the call waits for
    (or is re-queued by) the backend's limiter before it goes out.

    ``cost`` may be a number or a function of the method's arguments."""

    def decorator(method):
        @functools.wraps(method)
        def wrapper(backend, *args, **kwargs):
            units = cost(backend, *args, **kwargs) if callable(cost) else cost
            backend.env["integration.rate.limit"].sudo()._acquire(backend, units, scope)
            return method(backend, *args, **kwargs)

        return wrapper

    return decorator
