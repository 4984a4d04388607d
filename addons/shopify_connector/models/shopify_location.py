from odoo import fields, models


class ShopifyLocation(models.Model):
    """A Shopify location and the Odoo warehouse whose sellable stock it shows."""

    _name = "shopify.location"
    _description = "Shopify Location"
    _order = "backend_id, name"

    backend_id = fields.Many2one(
        "integration.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    external_id = fields.Char(required=True, readonly=True)
    name = fields.Char(readonly=True)
    active = fields.Boolean(default=True)
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        help="Odoo warehouse whose free quantity is sent as this location's available stock.",
    )

    _sql_constraints = [
        (
            "backend_external_unique",
            "unique(backend_id, external_id)",
            "This Shopify location is already known.",
        ),
        (
            "backend_warehouse_unique",
            "unique(backend_id, warehouse_id)",
            "A warehouse maps to one Shopify location per shop.",
        ),
    ]
