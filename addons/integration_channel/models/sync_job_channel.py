from odoo import api, fields, models

CHANNEL_OPERATIONS = [
    ("channel_export_stock", "Channel: export stock"),
    ("channel_export_fulfillment", "Channel: export fulfilment"),
    ("channel_update_tracking", "Channel: update tracking"),
]


class SyncJob(models.Model):
    _inherit = "sync.job"

    operation = fields.Selection(
        selection_add=CHANNEL_OPERATIONS,
        ondelete={key: "cascade" for key, _label in CHANNEL_OPERATIONS},
    )

    @api.model
    def _job_handlers(self):
        handlers = super()._job_handlers()
        handlers.update(
            {
                "channel_export_stock": ("integration.backend", "_channel_job_export_stock"),
                "channel_export_fulfillment": (
                    "stock.picking",
                    "_channel_job_export_fulfillment",
                ),
                "channel_update_tracking": ("stock.picking", "_channel_job_update_tracking"),
            }
        )
        return handlers

    @api.model
    def _read_committed_operations(self):
        # Stock jobs of one backend take the noted changes in turn, under a lock: each
        # must see what the previous one took (see _channel_job_export_stock). A
        # fulfilment job reads the intent a previous try committed on its own.
        return super()._read_committed_operations() | {
            "channel_export_stock",
            "channel_export_fulfillment",
        }
