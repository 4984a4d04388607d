from odoo import api, fields, models


class IntegrationFulfillment(models.Model):
    """A delivery's fulfilment on a platform, recorded before the platform is asked
    (``requested``), in a transaction of its own: a retry after a lost answer or a
    lost commit then looks for the fulfilment the first try made before making one,
    so that an order is never fulfilled twice."""

    _name = "integration.fulfillment"
    _description = "Channel Fulfilment"
    _rec_name = "picking_id"
    _order = "id desc"

    backend_id = fields.Many2one(
        "integration.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    picking_id = fields.Many2one(
        "stock.picking", "Delivery", required=True, ondelete="cascade", index=True, readonly=True
    )
    state = fields.Selection(
        [("requested", "Asked, answer not recorded"), ("done", "Fulfilled")],
        required=True,
        default="requested",
        readonly=True,
    )
    external_id = fields.Char("Platform fulfilment", readonly=True, index=True)
    requested_at = fields.Datetime(readonly=True)
    plan = fields.Json(readonly=True, help="What was asked of the platform (its own terms).")
    tracking_ref = fields.Char("Tracking on the platform", readonly=True)

    _sql_constraints = [
        (
            "picking_backend_unique",
            "unique(picking_id, backend_id)",
            "A delivery is fulfilled once per channel.",
        )
    ]

    @api.model
    def _record_intent(self, backend, picking, plan):
        """Note, committed at once, that ``backend``'s platform is about to be asked
        to fulfil ``picking`` with ``plan``; return the record."""
        values = {"plan": plan, "requested_at": fields.Datetime.now()}
        with backend._separate_cursor() as cr:
            env = self.env(cr=cr, su=True)
            record = env[self._name].search(
                [("picking_id", "=", picking.id), ("backend_id", "=", backend.id)]
            )
            if record:
                record.write(values)
            else:
                env[self._name].create(
                    {"backend_id": backend.id, "picking_id": picking.id, **values}
                )
        # Written through another cursor: what this transaction cached of it (the
        # delivery's fulfilments included) is stale.
        self.invalidate_model()
        picking.invalidate_recordset(["channel_fulfillment_ids"])
        return self.search([("picking_id", "=", picking.id), ("backend_id", "=", backend.id)])
