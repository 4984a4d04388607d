from collections import defaultdict

from odoo import _, fields, models


class StockPicking(models.Model):
    """Deliveries of a channel's orders are fulfilled on its platform once, with
    their tracking; tracking written later follows them there."""

    _inherit = "stock.picking"

    channel_fulfillment_ids = fields.One2many(
        "integration.fulfillment", "picking_id", "Channel fulfilments", readonly=True
    )

    def _action_done(self):
        result = super()._action_done()
        # As superuser: whoever validates a delivery needs no rights on the integration.
        for picking in self.sudo():
            backend = picking._channel_backend()
            if backend and picking._channel_to_fulfil(backend):
                self.env["sync.job"].enqueue(
                    backend, "channel_export_fulfillment", picking, priority=5
                )
        return result

    def write(self, vals):
        result = super().write(vals)
        if vals.get("carrier_tracking_ref"):
            for picking in self.sudo().filtered(lambda p: p.state == "done"):
                backend = picking._channel_backend()
                if backend and picking._channel_fulfillment(backend):
                    self.env["sync.job"].enqueue(
                        backend, "channel_update_tracking", picking, priority=5
                    )
        return result

    def _channel_backend(self):
        """The backend this delivery's sale order came from (empty if none)."""
        self.ensure_one()
        Backend = self.env["integration.backend"].sudo()
        if self.picking_type_code != "outgoing" or not self.sale_id:
            return Backend
        for backend in Backend.search([("platform", "!=", False)]):
            if self.sale_id.filtered_domain(backend._channel_sale_order_domain()):
                return backend
        return Backend

    def _channel_to_fulfil(self, backend):
        self.ensure_one()
        return self.state == "done" and self._channel_fulfillment(backend).state != "done"

    def _channel_fulfillment(self, backend):
        return self.channel_fulfillment_ids.filtered(lambda f: f.backend_id == backend)

    def _channel_shipped(self):
        """{product: quantity} this delivery shipped."""
        shipped = defaultdict(float)
        for move in self.move_ids.filtered(lambda m: m.state == "done"):
            shipped[move.product_id] += move.product_qty
        return dict(shipped)

    def _channel_job_export_fulfillment(self, job):
        """Fulfil on the platform what this delivery shipped, exactly once: the
        intent is committed before the platform is asked, and a retry whose first
        try left an intent looks for that try's fulfilment before asking again."""
        self.ensure_one()
        backend = job.backend_id
        # One job per delivery at a time (read committed: each sees the other's intent).
        backend._lock("channel-fulfillment", self.id)
        fulfillment = self._channel_fulfillment(backend)
        if fulfillment.state == "done":
            return  # already sent: a replayed job is a no-op
        external_id = False
        if fulfillment:  # an earlier try asked the platform: did it fulfil?
            external_id = backend._channel_find_fulfillment(self, fulfillment)
        if not external_id:
            plan = backend._channel_fulfillment_plan(self)
            fulfillment = self.env["integration.fulfillment"]._record_intent(backend, self, plan)
            external_id = backend._channel_fulfillment_create(self, plan)
        fulfillment.write(
            {
                "state": "done",
                "external_id": external_id,
                "tracking_ref": self.carrier_tracking_ref or False,
            }
        )
        self.message_post(
            body=_(
                "Fulfilled on %(platform)s (%(id)s), tracking %(tracking)s.",
                platform=backend.name,
                id=external_id,
                tracking=self.carrier_tracking_ref or _("none"),
            )
        )

    def _channel_job_update_tracking(self, job):
        """Tracking written after the fulfilment was sent goes to the platform."""
        self.ensure_one()
        backend = job.backend_id
        fulfillment = self._channel_fulfillment(backend)
        tracking = self.carrier_tracking_ref or False
        if fulfillment.state != "done" or fulfillment.tracking_ref == tracking:
            return  # not sent yet (it will carry this tracking), or already there
        backend._channel_fulfillment_tracking(self, fulfillment)
        fulfillment.tracking_ref = tracking
        self.message_post(
            body=_(
                "Tracking %(tracking)s sent to %(platform)s.",
                tracking=tracking,
                platform=backend.name,
            )
        )
