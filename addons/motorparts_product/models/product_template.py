from odoo import api, fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    fitment_ids = fields.One2many("product.fitment", "product_tmpl_id")
    fitment_count = fields.Integer(compute="_compute_fitment_count")
    part_condition = fields.Selection(
        [("new", "New"), ("used", "Used"), ("remanufactured", "Remanufactured")],
        string="Condition",
        default="new",
    )
    oem_number = fields.Char("OEM number", help="The vehicle maker's part number.")
    part_brand = fields.Char("Brand", help="Manufacturer of the part; shown as the vendor.")

    def _compute_fitment_count(self):
        counts = {
            template.id: count
            for template, count in self.env["product.fitment"]._read_group(
                [("product_tmpl_id", "in", self.ids)], ["product_tmpl_id"], ["__count"]
            )
        }
        for template in self:
            template.fitment_count = counts.get(template.id, 0)


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.model
    def _motorparts_demo_set_variant_codes(self, template_id, prefix):
        """Demo data: give each variant of a template a SKU from its attribute values."""
        template = self.env["product.template"].browse(template_id)
        for variant in template.product_variant_ids:
            suffix = "-".join(
                v.name.upper()[:5] for v in variant.product_template_attribute_value_ids
            )
            variant.default_code = prefix + suffix
