from odoo import fields, models


class ShopifyVariantBinding(models.Model):
    """An Odoo variant as a Shopify variant, with its inventory item."""

    _name = "shopify.variant.binding"
    _inherit = "integration.binding"
    _description = "Shopify Variant"
    _rec_name = "odoo_id"

    odoo_id = fields.Many2one(
        "product.product", "Variant", required=True, ondelete="cascade", index=True
    )
    product_binding_id = fields.Many2one(
        "shopify.product.binding", required=True, ondelete="cascade", index=True
    )
    inventory_item_id = fields.Char(readonly=True)
    sku = fields.Char(related="odoo_id.default_code")
    stock_sent = fields.Integer(
        "On hand sent",
        readonly=True,
        help="Odoo's free quantity plus what it holds for Shopify's orders, over the "
        "mapped locations: Shopify subtracts its committed units to sell the rest.",
    )
    stock_sent_date = fields.Datetime(readonly=True)
    shopify_available = fields.Integer("Available on Shopify", readonly=True)
    stock_mismatch = fields.Boolean(
        readonly=True,
        help="Shopify's on-hand quantity had changed since Odoo's last update (an edit "
        "in Shopify, or a fulfilment): it was read again and Odoo's figure sent.",
    )
    stock_error = fields.Text(
        readonly=True,
        help="Why Shopify refused this variant's stock in the last update; the other "
        "variants were sent.",
    )

    _sql_constraints = [
        (
            "backend_odoo_unique",
            "unique(backend_id, odoo_id)",
            "This variant is already bound to this shop.",
        )
    ]
