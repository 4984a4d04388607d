from odoo import api, fields, models

from .retention import delete_due_in_batches


class IntegrationApiLog(models.Model):
    """One call to a platform's API. Written in a transaction of its own, so that
    calls made by a job that fails stay visible. Never holds a secret: endpoints
    are stored redacted and no header or body is kept."""

    _name = "integration.api.log"
    _description = "API Call"
    _order = "id desc"
    _rec_name = "endpoint"

    backend_id = fields.Many2one("integration.backend", ondelete="cascade", index=True)
    platform = fields.Char(index=True)
    company_id = fields.Many2one("res.company", index=True)
    method = fields.Char()
    endpoint = fields.Char()
    status_code = fields.Integer("Status", group_operator=False)
    is_error = fields.Boolean(index=True)
    duration_ms = fields.Float("Duration (ms)", digits=(16, 1), group_operator="avg")
    cost = fields.Float(help="Cost the platform reported for the call (Shopify query points).")
    error = fields.Text()
    # Bulk efficiency: a call that carries a batch (stock quantities, a bulk
    # operation's lines) says how many items it carried and the platform's maximum
    # per call, when it has one (``backend._http(..., items=n, max_items=m)``).
    items = fields.Integer(help="Items the call carried, for calls that carry a batch.")
    max_items = fields.Integer(
        "Max items", help="The platform's maximum of items per call (empty: no maximum)."
    )
    # The id of the job that made the call, a plain reference with no foreign key:
    # jobs are deleted sooner than their calls (job_keep_days < api_log_keep_days),
    # and a foreign key would have every job deletion rewrite its calls' rows.
    job_id = fields.Integer("Job ID", index="btree_not_null", group_operator=False)
    job_link_id = fields.Many2one(
        "sync.job",
        "Job",
        compute="_compute_job_link_id",
        help="The job that made the call, while it is kept.",
    )

    def init(self):
        # Databases made before job_id became a plain reference: drop its foreign key.
        self.env.cr.execute(
            """ALTER TABLE integration_api_log
               DROP CONSTRAINT IF EXISTS integration_api_log_job_id_fkey"""
        )
        # The dashboard's figures over its window, per backend: its rows come in
        # backend order (no sort before the aggregate) and the included columns let
        # the aggregate read the index alone.
        self.env.cr.execute("DROP INDEX IF EXISTS integration_api_log_create_date_idx")
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS integration_api_log_window_idx
               ON integration_api_log (backend_id, create_date)
               INCLUDE (is_error, duration_ms, items, max_items)"""
        )
        # The retention's batches, oldest first, and the "Last 24 hours" filter.
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS integration_api_log_created_idx
               ON integration_api_log (create_date)"""
        )

    @api.depends("job_id")
    def _compute_job_link_id(self):
        existing = set(self.env["sync.job"].browse(self.mapped("job_id")).exists().ids)
        for log in self:
            log.job_link_id = log.job_id if log.job_id in existing else False

    @api.model
    def _record(self, backend, call):
        """Store a tools.http.CallRecord for ``backend`` (see tools.http.send)."""
        with self.env.registry.cursor() as cr:
            cr.execute(
                """INSERT INTO integration_api_log
                       (backend_id, platform, company_id, method, endpoint, status_code,
                        is_error, duration_ms, cost, error, job_id, items, max_items,
                        create_uid, write_uid, create_date, write_date)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                           now() at time zone 'utc', now() at time zone 'utc')""",
                [
                    backend.id,
                    backend.platform,
                    backend.company_id.id,
                    call.method,
                    call.endpoint,
                    call.status_code,
                    bool(call.error) or not (200 <= call.status_code < 300),
                    call.duration_ms,
                    call.cost,
                    call.error,
                    self.env.context.get("integration_job_id"),
                    call.items,
                    call.max_items,
                    self.env.uid,
                    self.env.uid,
                ],
            )

    @api.model
    def _cron_prune(self, batch_size=20000):
        """Delete the calls older than ``api_log_keep_days`` in committed batches until
        none is due (see retention.delete_due_in_batches; the log is insert-only, so
        no row is locked by anyone else). Returns the number deleted."""
        days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("integration_base.api_log_keep_days", 30)
        )
        return delete_due_in_batches(
            self.env.cr,
            "integration_api_log",
            "create_date < now() at time zone 'utc' - %(days)s * interval '1 day'",
            {"days": days},
            "create_date",
            batch_size,
            skip_locked=False,
        )
