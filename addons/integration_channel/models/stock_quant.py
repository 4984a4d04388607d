from odoo import api, models


class StockQuant(models.Model):
    """Every change of a quant's quantity or reservation may change what a channel
    can sell. Noted as superuser: the warehouse staff moving stock need no rights on
    the integration."""

    _inherit = "stock.quant"

    @api.model
    def _update_available_quantity(self, product_id, location_id, *args, **kwargs):
        result = super()._update_available_quantity(product_id, location_id, *args, **kwargs)
        self.env["integration.backend"].sudo()._channel_note_stock_change(
            product_id.ids, location_id
        )
        return result

    @api.model
    def _update_reserved_quantity(self, product_id, location_id, *args, **kwargs):
        result = super()._update_reserved_quantity(product_id, location_id, *args, **kwargs)
        self.env["integration.backend"].sudo()._channel_note_stock_change(
            product_id.ids, location_id
        )
        return result
