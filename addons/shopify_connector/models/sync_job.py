from odoo import api, fields, models

OPERATIONS = [
    ("shopify_export_product", "Shopify: export product"),
    ("shopify_import_order", "Shopify: import order"),
    ("shopify_poll_orders", "Shopify: poll orders"),
    ("shopify_bulk", "Shopify: bulk operation"),
    ("shopify_check_media", "Shopify: check product images"),
]


class SyncJob(models.Model):
    _inherit = "sync.job"

    operation = fields.Selection(
        selection_add=OPERATIONS, ondelete={key: "cascade" for key, _label in OPERATIONS}
    )

    @api.model
    def _job_handlers(self):
        handlers = super()._job_handlers()
        handlers.update(
            {
                "shopify_export_product": ("shopify.product.binding", "_job_export"),
                "shopify_import_order": ("shopify.order.binding", "_shopify_job_import"),
                "shopify_poll_orders": ("integration.backend", "_shopify_job_poll_orders"),
                "shopify_bulk": ("shopify.bulk.operation", "_shopify_job_step"),
                "shopify_check_media": ("shopify.product.binding", "_shopify_job_check_media"),
            }
        )
        return handlers

    @api.model
    def _read_committed_operations(self):
        # A product export reads the image uploads a previous try committed on its own
        # (shopify.product.media), and records its own uploads that way too.
        return super()._read_committed_operations() | {"shopify_export_product"}
