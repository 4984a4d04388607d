from odoo import fields, models


class IntegrationStockChange(models.Model):
    """Variants whose stock changed since the last export, per backend. Insert-only
    for the stock code (no row is updated, so stock moves never wait on it); the
    stock job takes them with one DELETE ... RETURNING."""

    _name = "integration.stock.change"
    _description = "Channel Stock Change"
    _log_access = False

    backend_id = fields.Integer(required=True, index=True)
    product_id = fields.Integer(required=True)
    noted_at = fields.Datetime(readonly=True)  # set by the database, see init()

    def init(self):
        self.env.cr.execute(
            """ALTER TABLE integration_stock_change
               ALTER COLUMN noted_at SET DEFAULT (clock_timestamp() at time zone 'utc')"""
        )
