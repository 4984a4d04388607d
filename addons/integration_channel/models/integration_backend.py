from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class IntegrationBackend(models.Model):
    _inherit = "integration.backend"

    order_mode = fields.Selection(
        [("quotation", "Quotation"), ("confirmed", "Confirmed order (reserves stock)")],
        string="Imported orders become",
        default="confirmed",
    )
    order_confirm_statuses = fields.Char(
        "Payment statuses that confirm",
        default="paid, partially_paid, authorized",
        help="Financial statuses of the platform (comma separated) that make an imported "
        "order a confirmed sale order (when orders are imported as confirmed). Any other "
        "status waits as a quotation, confirmed when the order reaches one of these.",
    )
    order_ignore_statuses = fields.Char(
        "Payment statuses ignored",
        default="voided, expired",
        help="Financial statuses (comma separated) whose orders are not imported; a "
        "quotation already imported for such an order is cancelled.",
    )
    order_invoice_paid = fields.Boolean(
        "Invoice paid orders",
        help="Order workflow: an order imported as paid is invoiced at once, and its "
        "payment registered in the payment journal.",
    )
    order_payment_journal_id = fields.Many2one(
        "account.journal",
        "Payment journal",
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id)]",
        help="Where the payments the platform collected are registered.",
    )
    order_currency_policy = fields.Selection(
        [
            ("convert", "Convert to the company currency at the order date's rate"),
            ("pricelist", "Keep the order's currency (a price list per currency)"),
        ],
        string="Orders in another currency",
        default="convert",
        required=True,
        help="An order in a currency the company does not use. Convert: its prices are "
        "converted at the rate of the day it was placed. Keep: it is priced on a price "
        "list of its currency (keep that currency active and its rates current). Either "
        "way a missing rate leaves the order a quotation with an activity: no currency is "
        "ever activated, and no order priced at a rate of 1, behind anyone's back.",
    )
    tax_mapping_ids = fields.One2many("integration.tax.mapping", "backend_id", "Tax mapping")
    order_team_id = fields.Many2one(
        "crm.team",
        "Sales team",
        domain="[('company_id', 'in', (False, company_id))]",
        help="The sales team of the imported orders (none when empty).",
    )
    order_user_id = fields.Many2one(
        "res.users",
        "Salesperson",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="The salesperson of the imported orders (none when empty; never the worker's "
        "technical user).",
    )
    order_warehouse_id = fields.Many2one(
        "stock.warehouse",
        "Warehouse",
        domain="[('company_id', '=', company_id)]",
        help="The warehouse that delivers the imported orders (the company's default "
        "when empty).",
    )

    @api.constrains("order_invoice_paid", "order_payment_journal_id")
    def _check_order_payment_journal(self):
        for backend in self:
            journal = backend.order_payment_journal_id
            if backend.order_invoice_paid and journal.company_id != backend.company_id:
                raise ValidationError(
                    _(
                        "To invoice paid orders, %(backend)s needs a payment journal of "
                        "%(company)s.",
                        backend=backend.name,
                        company=backend.company_id.name,
                    )
                )

    @api.constrains("company_id", "order_team_id", "order_warehouse_id")
    def _check_order_company(self):
        for backend in self:
            team, warehouse = backend.order_team_id, backend.order_warehouse_id
            if (team.company_id and team.company_id != backend.company_id) or (
                warehouse and warehouse.company_id != backend.company_id
            ):
                raise ValidationError(
                    _(
                        "The sales team and the warehouse of %(backend)s's orders must "
                        "belong to its company, %(company)s.",
                        backend=backend.name,
                        company=backend.company_id.name,
                    )
                )

    def _platform_label(self):
        """The platform's name for people ("Shopify")."""
        self.ensure_one()
        return dict(self._fields["platform"]._description_selection(self.env)).get(
            self.platform, self.platform
        )

    def _order_payment_policy(self, status):
        """What an order in financial ``status`` becomes: "confirm", "wait" (a
        quotation) or "ignore". An order without a status (a platform that has none)
        follows the import mode alone."""
        self.ensure_one()

        def statuses(text):
            return {s.strip().lower() for s in (text or "").split(",") if s.strip()}

        status = (status or "").strip().lower()
        if status and status in statuses(self.order_ignore_statuses):
            return "ignore"
        if not status or status in statuses(self.order_confirm_statuses):
            return "confirm" if self.order_mode == "confirmed" else "wait"
        return "wait"

    def _order_sale_values(self):
        """What this backend sets on every sale order it imports: its team, its
        salesperson (none rather than the worker's user) and its warehouse."""
        self.ensure_one()
        values = {"team_id": self.order_team_id.id, "user_id": self.order_user_id.id}
        if self.order_warehouse_id:
            values["warehouse_id"] = self.order_warehouse_id.id
        return values
