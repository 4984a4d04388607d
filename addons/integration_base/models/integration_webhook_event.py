import json

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..const import JOB_STATES
from ..exceptions import PermanentError
from .retention import delete_due_in_batches


class IntegrationWebhookEvent(models.Model):
    """One accepted webhook delivery, kept raw: the route verifies, stores,
    enqueues and answers; the platform's worker processes it later. A delivery
    id is stored once per backend, so a platform's retry is a no-op.

    What the worker runs is the verified body: no user may create or write a
    delivery (see the access rules); Replay only changes its state."""

    _name = "integration.webhook.event"
    _description = "Webhook Delivery"
    _order = "id desc"
    _rec_name = "topic"
    # Deliveries are written by the public route at a high rate: no create/write
    # user columns (and their foreign-key locks on res_users); received_at says when.
    _log_access = False

    backend_id = fields.Many2one(
        "integration.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    platform = fields.Selection(related="backend_id.platform", store=True)
    company_id = fields.Many2one(related="backend_id.company_id")
    topic = fields.Char(readonly=True, index=True)
    delivery_id = fields.Char(readonly=True, required=True)
    headers = fields.Json(readonly=True)
    body = fields.Text(readonly=True)
    received_at = fields.Datetime(readonly=True, default=fields.Datetime.now, index=True)
    state = fields.Selection(
        [
            ("received", "Received"),
            ("done", "Processed"),
            ("ignored", "Ignored"),
            ("failed", "Failed"),
        ],
        default="received",
        required=True,
        readonly=True,
        index=True,
    )
    note = fields.Text(readonly=True)
    job_id = fields.Many2one("sync.job", compute="_compute_job_id", string="Latest job")
    job_state = fields.Selection(JOB_STATES, compute="_compute_job_id", string="Job state")

    _sql_constraints = [
        (
            "backend_delivery_unique",
            "unique(backend_id, delivery_id)",
            "This delivery was received already.",
        )
    ]

    def _compute_job_id(self):
        jobs = self.env["sync.job"].search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)], order="id"
        )
        latest = {job.res_id: job for job in jobs}
        for event in self:
            job = latest.get(event.id, self.env["sync.job"])
            event.job_id = job
            event.job_state = job.state

    @api.model
    def _store_delivery(self, target, delivery_id, topic, headers, body):
        """Insert the delivery and queue its processing, for the backend described by
        ``target`` (see integration.backend._webhook_target). Returns (event id,
        created): a delivery id seen before inserts nothing and queues nothing."""
        cr = self.env.cr
        cr.execute(
            """INSERT INTO integration_webhook_event
                   (backend_id, platform, delivery_id, topic, headers, body, received_at,
                    state)
               VALUES (%s, %s, %s, %s, %s::jsonb, %s, now() at time zone 'utc', 'received')
               ON CONFLICT (backend_id, delivery_id) DO NOTHING
               RETURNING id""",
            [
                target["id"],
                target["platform"],
                delivery_id,
                topic,
                json.dumps(headers),
                body,
            ],
        )
        row = cr.fetchone()
        if not row:
            return None, False
        self.env["sync.job"]._enqueue_rows(
            (target["id"], target["platform"], target["company_id"]),
            "webhook",
            [("Webhook %s" % (topic or "?"), self._name, row[0], None)],
            priority=5,
        )
        return row[0], True

    def _payload(self):
        self.ensure_one()
        try:
            return json.loads(self.body or "null")
        except (ValueError, RecursionError) as exc:
            raise PermanentError(_("The delivery body is not valid JSON.")) from exc

    def _set_state(self, state, note=False):
        """The one write on a stored delivery: its processing state, as superuser
        (users have no write access, so that the body stays what was verified)."""
        self.sudo().write({"state": state, "note": note})

    def _on_sync_job_failed(self, job, message):
        self._set_state("failed", message)

    def _handle_webhook_job(self, job):
        """Job handler: dispatch the delivery to its platform's topic handler."""
        self.ensure_one()
        handlers = self.backend_id._webhook_handlers()
        method = handlers.get(self.topic)
        if not method:
            self._set_state("ignored", _("No handler for topic %(topic)s.", topic=self.topic))
            return
        getattr(self, method)(self._payload())
        self._set_state("done")

    def action_replay(self):
        """Process the stored deliveries again, through the queue (integration users)."""
        if not self.env.user.has_group("integration_base.group_integration_user"):
            raise AccessError(_("Only integration users can replay webhook deliveries."))
        for event in self:
            self.env["sync.job"].enqueue(
                event.backend_id,
                "webhook",
                event,
                priority=5,
                name=_("Replay of webhook %(topic)s", topic=event.topic or "?"),
            )
            event._set_state("received")
        self.invalidate_recordset(["job_id"])
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": _("Replay queued"),
                "message": _("%(count)s deliveries were queued again.", count=len(self)),
            },
        }

    @api.model
    def _cron_prune(self, batch_size=5000):
        """Delete the processed deliveries older than ``webhook_keep_days`` in
        committed batches until none is due, skipping rows another transaction holds
        (a replay; see retention.delete_due_in_batches). Returns the number deleted."""
        days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("integration_base.webhook_keep_days", 30)
        )
        return delete_due_in_batches(
            self.env.cr,
            "integration_webhook_event",
            """state IN ('done', 'ignored')
               AND received_at < now() at time zone 'utc' - %(days)s * interval '1 day'""",
            {"days": days},
            "received_at",
            batch_size,
        )
