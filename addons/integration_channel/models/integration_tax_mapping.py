from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, float_is_zero

RATE_DIGITS = 4  # percent: 20.0, 8.875


class IntegrationTaxMapping(models.Model):
    """Which tax of the company's chart a platform's tax line is: by rate, prices
    with or without tax, and the country the order ships to (empty: any country).

    The order import never creates a tax (it would have no accounts, nor the right
    tax group): a tax line without a mapping leaves the order a quotation, with an
    activity naming the mapping to add."""

    _name = "integration.tax.mapping"
    _description = "Channel Tax Mapping"
    _order = "backend_id, country_id, rate"

    backend_id = fields.Many2one(
        "integration.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    rate = fields.Float("Rate (%)", required=True, digits=(16, RATE_DIGITS))
    price_include = fields.Boolean("Prices include the tax")
    country_id = fields.Many2one("res.country", help="Orders shipped there; empty: any country.")
    tax_id = fields.Many2one(
        "account.tax",
        "Odoo tax",
        required=True,
        domain="[('type_tax_use', '=', 'sale'), ('company_id', '=', company_id)]",
    )

    _sql_constraints = [
        (
            "mapping_unique",
            "unique(backend_id, rate, price_include, country_id)",
            "This rate already has a mapping for this country on this backend.",
        )
    ]

    @api.constrains("tax_id", "backend_id")
    def _check_tax(self):
        for mapping in self:
            tax = mapping.tax_id
            if tax.company_id != mapping.company_id or tax.type_tax_use != "sale":
                raise ValidationError(
                    _(
                        "%(tax)s is not a sales tax of %(company)s.",
                        tax=tax.display_name,
                        company=mapping.company_id.name,
                    )
                )

    @api.model
    def _find(self, backend, rate, included, country):
        """The mapping of ``rate`` (percent) for ``country``: that country's, else the
        one for any country; empty when there is none."""
        candidates = self.search(
            [
                ("backend_id", "=", backend.id),
                ("price_include", "=", bool(included)),
                ("country_id", "in", (False, country.id)),
            ]
        ).filtered(
            lambda m: float_compare(m.rate, rate, precision_digits=RATE_DIGITS) == 0
            or (float_is_zero(m.rate, RATE_DIGITS) and float_is_zero(rate, RATE_DIGITS))
        )
        return candidates.sorted(lambda m: not m.country_id)[:1]
