from odoo import _, api, fields, models

# The API figures and the finished-job counts cover the last 24 clock hours (the
# current one and the 23 before it): counts of what the retention keeps (every job
# done in the last two weeks) would mean nothing. The windows start on a full hour
# (a full minute for the speed) because the counters behind them are kept per hour
# beyond the last hour.
WINDOW_HOURS = 24
# Jobs processed per minute, over the last hour (from the start of the minute an
# hour ago).
SPEED_MINUTES = 60
# The error recovery rate is over a week: failures are rare, and a day's few would
# make it jump.
RECOVERY_DAYS = 7
# Jobs still open are counted whatever their age (they are the work to watch).
OPEN_STATES = ("pending", "processing", "failed")


class IntegrationDashboard(models.AbstractModel):
    """Everything the dashboard shows, in one call, with the list behind each number.

    Finished jobs are read from sync.job.counter (rolled-up counts), open jobs and
    the last syncs from partial indexes of sync_job, the API figures from the API
    log's window index: no figure reads more than a window's rows, whatever the
    history kept (docs/architecture.md lists the indexes)."""

    _name = "integration.dashboard"
    _description = "Integration Dashboard"

    @api.model
    def get_dashboard_data(self):
        self.env.flush_all()
        backends = self.env["integration.backend"].search([("active", "=", True)])
        windows = self._windows()
        ids = tuple(backends.ids) or (0,)
        calls = self._api_call_stats(ids, windows["day"])
        finished = self.env["sync.job.counter"]._finished(
            ids, {"week": windows["week"], "day": windows["day"], "hour": windows["hour"]}
        )
        queue = self._open_jobs(ids)
        operations = dict(
            self.env["sync.job"]._fields["operation"]._description_selection(self.env)
        )
        last_syncs = self._last_syncs(ids, list(operations))
        cards = [
            self._card(
                backend,
                windows,
                calls.get(backend.id, {}),
                queue.get(backend.id, {}),
                {key[2:]: value for key, value in finished.items() if key[0] == backend.id},
                [
                    (operation, operations.get(operation, operation), date)
                    for operation, date in sorted(last_syncs.get(backend.id, {}).items())
                ],
            )
            for backend in backends
        ]
        return {
            "backends": cards,
            "speed": self._speed(backends, finished, windows),
            "window_hours": WINDOW_HOURS,
            "speed_minutes": SPEED_MINUTES,
            "recovery_days": RECOVERY_DAYS,
            "generated_at": fields.Datetime.to_string(windows["now"]),
        }

    @api.model
    def _windows(self):
        """The windows' starts, on the database clock (naive UTC)."""
        self.env.cr.execute(
            """SELECT now() at time zone 'utc',
                      date_trunc('hour', now() at time zone 'utc') - %s * interval '1 hour',
                      date_trunc('minute', now() at time zone 'utc') - %s * interval '1 minute',
                      date_trunc('hour', now() at time zone 'utc') - %s * interval '1 hour'""",
            [WINDOW_HOURS - 1, SPEED_MINUTES, 24 * RECOVERY_DAYS - 1],
        )
        now, day, hour, week = self.env.cr.fetchone()
        return {"now": now, "day": day, "hour": hour, "week": week}

    @api.model
    def _list(self, name, model, domain):
        return {"name": name, "model": model, "domain": domain}

    def _card(self, backend, windows, stats, states, finished, last_syncs):
        """One backend's figures; ``finished``: {(state, retried): {window: jobs}}."""
        day = fields.Datetime.to_string(windows["day"])

        def jobs(*domain):
            return [("backend_id", "=", backend.id), *domain]

        def windowed(state):
            return sum(counts["day"] for (s, _r), counts in finished.items() if s == state)

        return {
            "id": backend.id,
            "name": backend.name,
            "platform": backend.platform,
            "platform_label": dict(backend._fields["platform"].selection)[backend.platform],
            "state": backend.state,
            "last_error": backend.last_error or "",
            "calls": self._calls_figures(backend, stats, day),
            "queue": [
                {
                    "state": state,
                    "label": label,
                    "count": states.get(state, 0) if state in OPEN_STATES else windowed(state),
                    "windowed": state not in OPEN_STATES,
                    "list": self._list(
                        _("Jobs: %(state)s", state=label),
                        "sync.job",
                        jobs(("state", "=", state))
                        + ([] if state in OPEN_STATES else [("date_done", ">=", day)]),
                    ),
                }
                for state, label in self.env["sync.job"]._fields["state"].selection
            ],
            "recovery": self._recovery(backend, windows, finished),
            "oldest_pending_seconds": states.get("oldest_pending_seconds"),
            "pending_list": self._list(
                _("Pending jobs"), "sync.job", jobs(("state", "=", "pending"))
            ),
            "quota": self._quota(backend),
            "last_syncs": [
                {
                    "operation": operation,
                    "label": label,
                    "date": fields.Datetime.to_string(date),
                    "list": self._list(
                        _("Done: %(op)s", op=label),
                        "sync.job",
                        jobs(("operation", "=", operation), ("state", "=", "done")),
                    ),
                }
                for operation, label, date in last_syncs
            ],
            "jobs_list": self._list(_("Jobs"), "sync.job", jobs()),
        }

    def _calls_figures(self, backend, stats, day):
        call_domain = [("backend_id", "=", backend.id), ("create_date", ">=", day)]
        batched = stats.get("batched_calls", 0)
        return {
            "count": stats.get("count", 0),
            "errors": stats.get("errors", 0),
            "error_rate": stats.get("error_rate", 0.0),
            "p50_ms": stats.get("p50"),
            "p95_ms": stats.get("p95"),
            "list": self._list(_("API calls, last 24 hours"), "integration.api.log", call_domain),
            "error_list": self._list(
                _("Failed API calls, last 24 hours"),
                "integration.api.log",
                [*call_domain, ("is_error", "=", True)],
            ),
            # Bulk efficiency: the calls that carried a batch of items (stock
            # quantities, a bulk operation's lines), how many per call, and how full
            # they were against the platform's maximum per call where it has one.
            "bulk": {
                "calls": batched,
                "items_per_call": stats.get("items", 0) / batched if batched else None,
                "fill_ratio": (
                    stats["capped_items"] / stats["capacity"] if stats.get("capacity") else None
                ),
                "list": self._list(
                    _("Batched API calls, last 24 hours"),
                    "integration.api.log",
                    [*call_domain, ("items", ">", 0)],
                ),
            },
        }

    def _recovery(self, backend, windows, finished):
        """Of the jobs finished in the window that failed at least once (a retry, or
        failed for good), the share that then succeeded."""
        recovered = sum(
            c["week"] for (s, retried), c in finished.items() if s == "done" and retried
        )
        failed = sum(c["week"] for (s, _r), c in finished.items() if s == "failed")
        since = fields.Datetime.to_string(windows["week"])
        return {
            "recovered": recovered,
            "failed_once": recovered + failed,
            "rate": recovered / (recovered + failed) if recovered + failed else None,
            "list": self._list(
                _("Jobs that failed at least once, last %(days)s days", days=RECOVERY_DAYS),
                "sync.job",
                [
                    ("backend_id", "=", backend.id),
                    ("date_done", ">=", since),
                    "|",
                    "&",
                    ("state", "=", "done"),
                    ("retry_count", ">", 0),
                    ("state", "=", "failed"),
                ],
            ),
        }

    def _speed(self, backends, finished, windows):
        """Jobs done per minute over the last SPEED_MINUTES, per platform of the
        active backends."""
        minutes = (windows["now"] - windows["hour"]).total_seconds() / 60
        since = fields.Datetime.to_string(windows["hour"])
        labels = dict(self.env["integration.backend"]._fields["platform"].selection)
        speed = []
        for platform in sorted(set(backends.mapped("platform"))):
            done = sum(
                counts["hour"]
                for (_b, p, state, _r), counts in finished.items()
                if p == platform and state == "done"
            )
            speed.append(
                {
                    "platform": platform,
                    "label": labels.get(platform, platform),
                    "done": done,
                    "per_minute": done / minutes if minutes else 0.0,
                    "list": self._list(
                        _("Done in the last hour: %(platform)s", platform=labels.get(platform)),
                        "sync.job",
                        [
                            (
                                "backend_id",
                                "in",
                                backends.filtered(lambda b, p=platform: b.platform == p).ids,
                            ),
                            ("state", "=", "done"),
                            ("date_done", ">=", since),
                        ],
                    ),
                }
            )
        return speed

    @api.model
    def _api_call_stats(self, ids, since):
        """Served by integration_api_log_window_idx alone (an index-only scan of each
        backend's window, in backend order); both percentiles from one sort, which
        stays in memory."""
        self.env.cr.execute("SET LOCAL work_mem = '32MB'")
        self.env.cr.execute(
            """SELECT backend_id, count(*), count(*) FILTER (WHERE is_error),
                      percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP
                          (ORDER BY duration_ms::float8),
                      count(*) FILTER (WHERE items > 0), coalesce(sum(items), 0),
                      coalesce(sum(items) FILTER (WHERE max_items > 0), 0),
                      coalesce(sum(max_items) FILTER (WHERE items > 0), 0)
                 FROM integration_api_log
                WHERE backend_id IN %s AND create_date >= %s
                GROUP BY backend_id""",
            [ids, since],
        )
        # percentile_cont gives NULL, not an array of NULLs, when no call has a duration.
        return {
            row[0]: {
                "count": row[1],
                "errors": row[2],
                "error_rate": row[2] / row[1] if row[1] else 0.0,
                "p50": (row[3] or [None, None])[0],
                "p95": (row[3] or [None, None])[1],
                "batched_calls": row[4],
                "items": row[5],
                "capped_items": row[6],
                "capacity": row[7],
            }
            for row in self.env.cr.fetchall()
        }

    @api.model
    def _open_jobs(self, ids):
        """Per backend: the open jobs by state (whatever their age) with the age of
        the oldest pending one. Served by sync_job_open_idx."""
        self.env.cr.execute(
            """SELECT backend_id, state, count(*),
                      extract(epoch FROM now() at time zone 'utc' - min(create_date))
                 FROM sync_job
                WHERE state IN %s AND backend_id IN %s
                GROUP BY backend_id, state""",
            [OPEN_STATES, ids],
        )
        stats = {}
        for backend_id, state, count, age in self.env.cr.fetchall():
            stats.setdefault(backend_id, {})[state] = count
            if state == "pending":
                stats[backend_id]["oldest_pending_seconds"] = float(age)
        return stats

    @api.model
    def _last_syncs(self, ids, operations):
        """The last done job's date per backend and operation, one index probe
        (sync_job_last_done_idx) per pair."""
        self.env.cr.execute(
            """SELECT b.id, o.operation,
                      (SELECT max(date_done) FROM sync_job
                        WHERE state = 'done' AND backend_id = b.id
                          AND operation = o.operation)
                 FROM unnest(%s) b(id), unnest(%s) o(operation)""",
            [list(ids), operations],
        )
        result = {}
        for backend_id, operation, date in self.env.cr.fetchall():
            if date:
                result.setdefault(backend_id, {})[operation] = date
        return result

    @api.model
    def _quota(self, backend):
        if backend.rate_limit_kind != "daily" or not backend.rate_limit_capacity:
            return None
        used, limit = self.env["integration.rate.limit"].sudo()._usage(backend)
        return {"used": used, "limit": limit, "ratio": used / limit if limit else 0.0}
