from odoo import api, fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    shopify_fulfillment_id = fields.Char(
        "Shopify fulfilment", compute="_compute_shopify_fulfillment_id"
    )

    @api.depends("channel_fulfillment_ids.state", "channel_fulfillment_ids.external_id")
    def _compute_shopify_fulfillment_id(self):
        for picking in self:
            done = picking.channel_fulfillment_ids.filtered(
                lambda f: f.state == "done" and f.backend_id.platform == "shopify"
            )
            picking.shopify_fulfillment_id = done[:1].external_id
