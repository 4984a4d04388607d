from odoo import api, fields, models


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
    job_id = fields.Many2one("sync.job", index="btree_not_null", ondelete="set null")

    @api.model
    def _record(self, backend, call):
        """Store a tools.http.CallRecord for ``backend`` (see tools.http.send)."""
        job_id = self.env.context.get("integration_job_id")
        with self.env.registry.cursor() as cr:
            cr.execute(
                """INSERT INTO integration_api_log
                       (backend_id, platform, company_id, method, endpoint, status_code,
                        is_error, duration_ms, cost, error, job_id,
                        create_uid, write_uid, create_date, write_date)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                           (SELECT id FROM sync_job WHERE id = %s), %s, %s,
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
                    job_id,
                    self.env.uid,
                    self.env.uid,
                ],
            )

    @api.model
    def _cron_prune(self):
        days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("integration_base.api_log_keep_days", 30)
        )
        self.env.cr.execute(
            """DELETE FROM integration_api_log
                WHERE create_date < now() at time zone 'utc' - %s * interval '1 day'""",
            [days],
        )
