from odoo import api, fields, models

SHIPSTATION_OPERATIONS = [
    ("shipstation_refresh_account", "ShipStation: refresh stores, locations and carriers"),
    ("shipstation_push_orders", "ShipStation: send orders"),
    ("shipstation_poll_shipments", "ShipStation: poll shipments"),
    ("shipstation_fetch_shipments", "ShipStation: fetch new shipments"),
    ("shipstation_apply_shipments", "ShipStation: apply shipments"),
]


class SyncJob(models.Model):
    _inherit = "sync.job"

    operation = fields.Selection(
        selection_add=SHIPSTATION_OPERATIONS,
        ondelete={key: "cascade" for key, _label in SHIPSTATION_OPERATIONS},
    )

    @api.model
    def _job_handlers(self):
        handlers = super()._job_handlers()
        handlers.update(
            {
                "shipstation_refresh_account": (
                    "integration.backend",
                    "_shipstation_job_refresh_account",
                ),
                "shipstation_push_orders": ("integration.backend", "_shipstation_job_push_orders"),
                "shipstation_poll_shipments": (
                    "integration.backend",
                    "_shipstation_job_poll_shipments",
                ),
                "shipstation_fetch_shipments": (
                    "integration.backend",
                    "_shipstation_job_fetch_shipments",
                ),
                "shipstation_apply_shipments": (
                    "integration.backend",
                    "_shipstation_job_apply_shipments",
                ),
            }
        )
        return handlers

    @api.model
    def _read_committed_operations(self):
        # The push takes the waiting orders under a lock: each job must see what the
        # previous one sent. (Applying shipments moves stock: REPEATABLE READ's checks
        # stay, and a second worker's duplicate fails on the unique shipment id.)
        return super()._read_committed_operations() | {"shipstation_push_orders"}
