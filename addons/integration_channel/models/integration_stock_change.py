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
    # For the company rule: backend_id is a bare integer (no foreign key for the
    # stock moves' inserts to check), so the rule goes through this search.
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", search="_search_company_id"
    )

    def init(self):
        self.env.cr.execute(
            """ALTER TABLE integration_stock_change
               ALTER COLUMN noted_at SET DEFAULT (clock_timestamp() at time zone 'utc')"""
        )

    def _compute_company_id(self):
        backends = self.env["integration.backend"].sudo().browse(set(self.mapped("backend_id")))
        companies = {backend.id: backend.company_id for backend in backends.exists()}
        for change in self:
            change.company_id = companies.get(change.backend_id, False)

    def _search_company_id(self, operator, value):
        backends = (
            self.env["integration.backend"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", operator, value)])
        )
        return [("backend_id", "in", backends.ids)]
