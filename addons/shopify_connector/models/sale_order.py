from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    shopify_binding_ids = fields.One2many("shopify.order.binding", "odoo_id")
    shopify_order_name = fields.Char(
        "Shopify order", compute="_compute_shopify_origin", search="_search_shopify_order_name"
    )
    shopify_backend_id = fields.Many2one("integration.backend", compute="_compute_shopify_origin")

    def _compute_shopify_origin(self):
        for order in self:
            binding = order.shopify_binding_ids[:1]
            order.shopify_order_name = binding.platform_order_name
            order.shopify_backend_id = binding.backend_id

    def _search_shopify_order_name(self, operator, value):
        return [("shopify_binding_ids.platform_order_name", operator, value)]
