from odoo import fields, models


class IntegrationBackend(models.Model):
    _inherit = "integration.backend"

    order_mode = fields.Selection(
        [("quotation", "Quotation"), ("confirmed", "Confirmed order (reserves stock)")],
        string="Imported orders become",
        default="confirmed",
    )

    def _platform_label(self):
        """The platform's name for people ("Shopify")."""
        self.ensure_one()
        return dict(self._fields["platform"]._description_selection(self.env)).get(
            self.platform, self.platform
        )
