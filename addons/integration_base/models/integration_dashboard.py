from datetime import timedelta

from odoo import _, api, fields, models

# The API figures and the finished-job counts cover this many hours: counts of what
# the retention keeps (every job done in the last two weeks) would mean nothing and,
# at a busy seller's volume, cost a scan of millions of rows on every refresh.
WINDOW_HOURS = 24
# Jobs still open are counted whatever their age (they are the work to watch).
OPEN_STATES = ("pending", "processing", "failed")


class IntegrationDashboard(models.AbstractModel):
    """Everything the dashboard shows, in one call, with the list behind each number."""

    _name = "integration.dashboard"
    _description = "Integration Dashboard"

    @api.model
    def get_dashboard_data(self):
        self.env.flush_all()
        backends = self.env["integration.backend"].search([("active", "=", True)])
        since = fields.Datetime.now() - timedelta(hours=WINDOW_HOURS)
        ids = tuple(backends.ids) or (0,)
        since_str = fields.Datetime.to_string(since)
        calls = self._api_call_stats(ids, since)
        queue = self._queue_stats(ids, since)
        operations = dict(
            self.env["sync.job"]._fields["operation"]._description_selection(self.env)
        )
        last_syncs = self._last_syncs(ids, list(operations))
        cards = []
        for backend in backends:
            stats = calls.get(backend.id, {})
            states = queue.get(backend.id, {})
            job_list = self._list(_("Jobs"), "sync.job", [("backend_id", "=", backend.id)])
            call_domain = [("backend_id", "=", backend.id), ("create_date", ">=", since_str)]
            card = {
                "id": backend.id,
                "name": backend.name,
                "platform": backend.platform,
                "platform_label": dict(backend._fields["platform"].selection)[backend.platform],
                "state": backend.state,
                "last_error": backend.last_error or "",
                "calls": {
                    "count": stats.get("count", 0),
                    "errors": stats.get("errors", 0),
                    "error_rate": stats.get("error_rate", 0.0),
                    "p50_ms": stats.get("p50"),
                    "p95_ms": stats.get("p95"),
                    "list": self._list(
                        _("API calls, last 24 hours"), "integration.api.log", call_domain
                    ),
                    "error_list": self._list(
                        _("Failed API calls, last 24 hours"),
                        "integration.api.log",
                        [*call_domain, ("is_error", "=", True)],
                    ),
                },
                "queue": [
                    {
                        "state": state,
                        "label": label,
                        "count": states.get(state, 0),
                        "windowed": state not in OPEN_STATES,
                        "list": self._list(
                            _("Jobs: %(state)s", state=label),
                            "sync.job",
                            [("backend_id", "=", backend.id), ("state", "=", state)]
                            + ([] if state in OPEN_STATES else [("date_done", ">=", since_str)]),
                        ),
                    }
                    for state, label in self.env["sync.job"]._fields["state"].selection
                ],
                "oldest_pending_seconds": states.get("oldest_pending_seconds"),
                "pending_list": self._list(
                    _("Pending jobs"),
                    "sync.job",
                    [("backend_id", "=", backend.id), ("state", "=", "pending")],
                ),
                "quota": self._quota(backend),
                "last_syncs": [
                    {
                        "operation": operation,
                        "label": operations.get(operation, operation),
                        "date": fields.Datetime.to_string(date),
                        "list": self._list(
                            _("Done: %(op)s", op=operations.get(operation, operation)),
                            "sync.job",
                            [
                                ("backend_id", "=", backend.id),
                                ("operation", "=", operation),
                                ("state", "=", "done"),
                            ],
                        ),
                    }
                    for operation, date in sorted(last_syncs.get(backend.id, {}).items())
                ],
                "jobs_list": job_list,
            }
            cards.append(card)
        return {
            "backends": cards,
            "window_hours": WINDOW_HOURS,
            "generated_at": fields.Datetime.to_string(fields.Datetime.now()),
        }

    @api.model
    def _list(self, name, model, domain):
        return {"name": name, "model": model, "domain": domain}

    @api.model
    def _api_call_stats(self, ids, since):
        self.env.cr.execute(
            """SELECT backend_id, count(*), count(*) FILTER (WHERE is_error),
                      percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms),
                      percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)
                 FROM integration_api_log
                WHERE backend_id IN %s AND create_date >= %s
                GROUP BY backend_id""",
            [ids, since],
        )
        return {
            backend_id: {
                "count": count,
                "errors": errors,
                "error_rate": errors / count if count else 0.0,
                "p50": p50,
                "p95": p95,
            }
            for backend_id, count, errors, p50, p95 in self.env.cr.fetchall()
        }

    @api.model
    def _queue_stats(self, ids, since):
        """Per backend: the open jobs by state (whatever their age) with the age of
        the oldest pending one, and the jobs finished since ``since`` by state.
        Served by sync_job_open_idx and sync_job_finished_idx."""
        self.env.cr.execute(
            """SELECT backend_id, state, count(*),
                      extract(epoch FROM now() at time zone 'utc' - min(create_date))
                 FROM sync_job
                WHERE state IN ('pending', 'processing', 'failed') AND backend_id IN %s
                GROUP BY backend_id, state
               UNION ALL
               SELECT backend_id, state, count(*), NULL FROM sync_job
                WHERE state IN ('done', 'cancelled', 'superseded')
                  AND date_done >= %s AND backend_id IN %s
                GROUP BY backend_id, state""",
            [ids, since, ids],
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
