from odoo import api, fields, models


class IntegrationPartnerBinding(models.Model):
    """A platform's customer account and the partner this backend created for it.

    The only way an order finds an existing partner: by the platform's own customer
    id, on this backend. An email or a name proves nothing (anyone can type any email
    at a checkout), so a buyer is never attached to a partner by them."""

    _name = "integration.partner.binding"
    _inherit = "integration.binding"
    _description = "Channel Customer"
    _rec_name = "odoo_id"

    odoo_id = fields.Many2one(
        "res.partner", "Partner", required=True, ondelete="cascade", index=True
    )
    external_id = fields.Char(required=True)

    _sql_constraints = [
        (
            "backend_odoo_unique",
            "unique(backend_id, odoo_id)",
            "This partner is already the customer of another account on this backend.",
        )
    ]

    @api.model
    def _partner_of(self, backend, external_id, values):
        """The partner bound to the platform customer ``external_id`` on ``backend``,
        created from ``values`` when there is none.

        Two orders of one new customer in two workers: the second waits on the lock
        until the first commits; if its snapshot predates that commit it does not see
        the binding, and its own fails on the unique constraint: the queue retries the
        job, which then finds the partner. One partner either way."""
        backend._lock(self._name, external_id)
        binding = self.search(
            [("backend_id", "=", backend.id), ("external_id", "=", external_id)], limit=1
        )
        if binding:
            return binding.odoo_id
        partner = self.env["res.partner"].create(values)
        self.create(
            {
                "backend_id": backend.id,
                "external_id": external_id,
                "odoo_id": partner.id,
                "sync_state": "synced",
                "sync_date": fields.Datetime.now(),
            }
        )
        return partner
