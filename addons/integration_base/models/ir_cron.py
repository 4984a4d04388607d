from odoo import api, fields, models

from ..const import PLATFORMS


class IrCron(models.Model):
    """Platform addons register their queue worker as an ir.cron record with
    ``integration_worker_platform`` set and code ``model._cron_run_jobs('<platform>')``
    on sync.job: enqueueing a job for that platform then wakes that cron at once.
    Several crons may serve one platform (more parallel workers)."""

    _inherit = "ir.cron"

    integration_worker_platform = fields.Selection(
        PLATFORMS,
        string="Runs the queue of",
        help="This scheduled action is the job worker of that platform; new jobs wake it.",
    )

    @api.model
    def _callback(self, cron_name, server_action_id, job_id):
        # Runs by the scheduler, in a cron thread of their own, are told so: a worker
        # may then stay listening for new jobs (called from a request, a shell or a
        # test, it returns when the queue is empty).
        return super(IrCron, self.with_context(integration_scheduled=True))._callback(
            cron_name, server_action_id, job_id
        )
