from odoo import fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    channel_line_id = fields.Char("Platform line", readonly=True, copy=False)
    channel_unknown_sku = fields.Boolean(
        "Unknown SKU", readonly=True, help="No Odoo product has this platform item's SKU."
    )
