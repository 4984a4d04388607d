from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools.fitment import MAX_YEAR, MIN_YEAR


class ProductFitment(models.Model):
    """One vehicle a part fits: a row of the ACES-style Year / Make / Model / Engine
    table that Shopify shows as a metafield and eBay as parts compatibility."""

    _name = "product.fitment"
    _description = "Part Fitment"
    _order = "make, model, year, engine"

    product_tmpl_id = fields.Many2one(
        "product.template", required=True, ondelete="cascade", index=True
    )
    year = fields.Integer(required=True)
    make = fields.Char(required=True)
    model = fields.Char(required=True)
    engine = fields.Char()
    notes = fields.Char()

    _sql_constraints = [
        (
            "fitment_unique",
            "unique(product_tmpl_id, year, make, model, engine)",
            "This vehicle is already listed for the part.",
        )
    ]

    @api.constrains("year", "make", "model")
    def _check_vehicle(self):
        for row in self:
            if not MIN_YEAR <= row.year <= MAX_YEAR:
                raise ValidationError(
                    _(
                        "%(year)s is not a model year: use %(first)s to %(last)s.",
                        year=row.year,
                        first=MIN_YEAR,
                        last=MAX_YEAR,
                    )
                )
            if not (row.make or "").strip() or not (row.model or "").strip():
                raise ValidationError(_("A fitment row needs a make and a model."))

    def _as_plain(self):
        """Rows as the mapping layers take them."""
        return [
            {"year": r.year, "make": r.make, "model": r.model, "engine": r.engine or None}
            for r in self
        ]

    # Fitment rows are part of their product: whoever may edit the product may edit
    # them (a sales, inventory or purchase manager, a Settings administrator, as the
    # installed apps grant product.template), and nobody else. The access file lets
    # every internal user through; this is the check.

    def _check_product_write_access(self):
        templates = self.product_tmpl_id
        templates.check_access_rights("write")
        templates.check_access_rule("write")

    @api.model_create_multi
    def create(self, vals_list):
        rows = super().create(vals_list)
        rows._check_product_write_access()
        return rows

    def write(self, vals):
        self._check_product_write_access()
        result = super().write(vals)
        if "product_tmpl_id" in vals:
            self._check_product_write_access()
        return result

    def unlink(self):
        self._check_product_write_access()
        return super().unlink()
