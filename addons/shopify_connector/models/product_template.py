from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .shopify_product_binding import EXPORTED_TEMPLATE_FIELDS

EXPORTED_VARIANT_FIELDS = {
    "default_code",
    "barcode",
    "weight",
    "active",
    "lst_price",
    "image_variant_1920",
    "image_1920",
}


class ProductTemplate(models.Model):
    _inherit = "product.template"

    shopify_binding_ids = fields.One2many("shopify.product.binding", "odoo_id", "Shopify")
    shopify_variant_binding_ids = fields.One2many(
        "shopify.variant.binding", compute="_compute_shopify_variant_bindings"
    )
    shopify_media_ids = fields.One2many(
        "shopify.product.media", compute="_compute_shopify_variant_bindings"
    )
    shopify_compare_at_price = fields.Float(
        "Compare-at price", digits="Product Price", help="The struck-through price on Shopify."
    )

    def _compute_shopify_variant_bindings(self):
        for template in self:
            template.shopify_variant_binding_ids = template.shopify_binding_ids.variant_binding_ids
            template.shopify_media_ids = template.shopify_binding_ids.media_ids

    def write(self, vals):
        result = super().write(vals)
        if EXPORTED_TEMPLATE_FIELDS & set(vals):
            # As superuser: editing a product needs no rights on the integration.
            self.sudo().with_context(active_test=False).shopify_binding_ids._enqueue_export()
        return result

    def action_shopify_sync(self):
        """Sync now: bind to every connected shop and queue the export."""
        backends = self.env["integration.backend"].search(
            [("platform", "=", "shopify"), ("state", "=", "connected")]
        )
        if not backends:
            raise UserError(
                _("No Shopify shop is connected: add one under Integrations > Backends.")
            )
        for backend in backends:
            self.env["shopify.product.binding"]._bind_and_export(backend, self, priority=5)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": _("Queued"),
                "message": _("The export to Shopify starts in a few seconds."),
            },
        }


class ProductProduct(models.Model):
    _inherit = "product.product"

    def write(self, vals):
        result = super().write(vals)
        if EXPORTED_VARIANT_FIELDS & set(vals):
            self.product_tmpl_id.sudo().with_context(
                active_test=False
            ).shopify_binding_ids._enqueue_export()
        return result


class ProductFitment(models.Model):
    _inherit = "product.fitment"

    def _shopify_export_templates(self):
        templates = self.product_tmpl_id.sudo().with_context(active_test=False)
        templates.shopify_binding_ids._enqueue_export()

    @api.model_create_multi
    def create(self, vals_list):
        rows = super().create(vals_list)
        rows._shopify_export_templates()
        return rows

    def write(self, vals):
        result = super().write(vals)
        self._shopify_export_templates()
        return result

    def unlink(self):
        templates = self.product_tmpl_id.sudo()
        result = super().unlink()
        templates.with_context(active_test=False).shopify_binding_ids._enqueue_export()
        return result
