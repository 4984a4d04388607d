from odoo import fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    channel_line_id = fields.Char("Platform line", readonly=True, copy=False)
    channel_unknown_sku = fields.Boolean(
        "Unknown SKU", readonly=True, help="No Odoo product has this platform item's SKU."
    )
    channel_kept_qty = fields.Float(
        "Delivered, gone from the platform",
        digits="Product Unit of Measure",
        readonly=True,
        copy=False,
        help="Units already delivered that an edit or a refund took off the platform's "
        "order (flagged for a person, once).",
    )
    channel_credited_qty = fields.Float(
        "Credited, still delivered",
        digits="Product Unit of Measure",
        readonly=True,
        copy=False,
        help="Units a platform refund credited though they stay on the order, delivered "
        "(the credit note is not linked to the line, so they are not invoiced again).",
    )
