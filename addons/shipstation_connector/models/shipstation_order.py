import logging

from odoo import _, api, fields, models

from odoo.addons.integration_base.exceptions import IntegrationError, JobDeferred

from ..const import MAX_ORDERS_PER_CALL
from ..mapping.order import address_problems, order_document, order_key

_logger = logging.getLogger(__name__)


class ShipStationOrder(models.Model):
    """A delivery's order in ShipStation, by a key that is the delivery's for ever
    (orderKey): sending it again updates that order, never makes a second one.

    ``mode``: ``warehouse``, the warehouse ships it in ShipStation and the shipments
    validate the delivery; ``carrier``, Odoo buys its label when the delivery is
    validated (the order only carries the label)."""

    _name = "shipstation.order"
    _description = "ShipStation order"
    _rec_name = "order_key"
    _order = "id desc"

    backend_id = fields.Many2one(
        "integration.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    picking_id = fields.Many2one(
        "stock.picking",
        "Delivery",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
        help="The delivery the next shipment validates (a backorder after a partial one).",
    )
    first_picking_id = fields.Many2one("stock.picking", readonly=True, ondelete="set null")
    order_key = fields.Char(required=True, readonly=True, index=True)
    external_id = fields.Char("ShipStation order id", readonly=True, index=True)
    mode = fields.Selection(
        [("warehouse", "Shipped in ShipStation"), ("carrier", "Label bought by Odoo")],
        required=True,
        default="warehouse",
        readonly=True,
    )
    state = fields.Selection(
        [
            ("to_send", "To send"),
            ("sent", "In ShipStation"),
            ("shipped", "Shipped"),
            ("cancelled", "Cancelled"),
            ("error", "Needs attention"),
        ],
        required=True,
        default="to_send",
        readonly=True,
        index=True,
    )
    last_error = fields.Text(readonly=True)
    to_send_since = fields.Datetime(
        readonly=True,
        default=fields.Datetime.now,
        help="Since when it waits to be sent: the batching window counts from the "
        "longest-waiting order.",
    )
    sent_at = fields.Datetime(readonly=True)
    label_requested_at = fields.Datetime(
        readonly=True,
        help="When Odoo last asked for a label: a retry looks for that label before "
        "buying another.",
    )
    hold_until = fields.Date(readonly=True)
    hold_sent = fields.Date(readonly=True)
    shipment_ids = fields.One2many("shipstation.shipment", "order_id", "Shipments")

    _sql_constraints = [
        ("backend_key_unique", "unique(backend_id, order_key)", "One order per delivery key."),
    ]

    @api.model
    def _for_picking(self, backend, picking, mode="warehouse"):
        """The delivery's order for ``backend`` (its first delivery's, for a
        backorder), created ``to_send`` when it has none."""
        order = self.search(
            [("backend_id", "=", backend.id), ("picking_id", "=", picking.id)], limit=1
        )
        if order:
            return order
        key = order_key(
            self.env["ir.config_parameter"].sudo().get_param("database.uuid"), picking.id
        )
        return self.create(
            {
                "backend_id": backend.id,
                "picking_id": picking.id,
                "first_picking_id": picking.id,
                "order_key": key,
                "mode": mode,
            }
        )

    def _mark_to_send(self):
        """Send again (an address, a hold, a cancellation): a shipped order is done."""
        to_send = self.filtered(lambda o: o.state not in ("shipped", "to_send"))
        to_send.write(
            {"state": "to_send", "last_error": False, "to_send_since": fields.Datetime.now()}
        )
        for backend in (self | to_send).filtered(lambda o: o.state == "to_send").backend_id:
            backend._shipstation_queue_order_push()

    def _document(self):
        self.ensure_one()
        delivery = self.picking_id._shipstation_delivery_values(self.backend_id)
        delivery.update(key=self.order_key, order_id=self.external_id or None)
        return order_document(delivery)

    def _problems(self):
        self.ensure_one()
        return address_problems(
            self.picking_id._shipstation_partner_values(self.picking_id.partner_id)
        )

    @api.model
    def _push_batch(self, backend):
        """Send up to 100 orders waiting for ShipStation in one createorders call;
        queue the next batch when more wait. Each order succeeds or fails alone: one
        ShipStation refuses (or that cannot be sent) says why on its delivery.

        Fewer than a call's worth wait for the batching window of the longest-waiting
        order (at once when a person runs the job), so that deliveries becoming ready
        one by one still go 100 a call."""
        backend._lock("shipstation-push")
        if not self.env.context.get("integration_run_now"):
            due = self._batch_due(backend)
            if due:
                raise JobDeferred(due, "ShipStation batching window")
        Order = self.env["shipstation.order"]
        waiting = Order.search(
            [("backend_id", "=", backend.id), ("state", "=", "to_send")],
            order="id",
            limit=MAX_ORDERS_PER_CALL + 1,
        )
        batch, more = waiting[:MAX_ORDERS_PER_CALL], len(waiting) > MAX_ORDERS_PER_CALL
        documents, sendable = [], Order
        for order in batch:
            problems = order._problems()
            if problems:
                order._shipstation_failed(" ".join(problems))
                continue
            documents.append(order._document())
            sendable |= order
        if documents:
            client = backend._shipstation_client()
            answer = client.create_orders(documents)
            by_key = {result.get("orderKey"): result for result in answer.get("results") or ()}
            for order, document in zip(sendable, documents, strict=True):
                result = by_key.get(order.order_key) or {}
                if result.get("success"):
                    cancelled = document["orderStatus"] == "cancelled"
                    order.write(
                        {
                            "external_id": str(result["orderId"]),
                            "state": "cancelled" if cancelled else "sent",
                            "sent_at": fields.Datetime.now(),
                            "last_error": False,
                        }
                    )
                    order._shipstation_follow_hold(client)
                else:
                    order._shipstation_failed(
                        _(
                            "ShipStation refused the order: %(error)s",
                            error=result.get("errorMessage") or _("no reason given"),
                        )
                    )
        if more:
            backend._shipstation_queue_order_push()
        return len(documents)

    @api.model
    def _batch_due(self, backend):
        """When the orders waiting for ``backend`` should go, if later than now:
        None when they go now (a full call waits, or the window has passed)."""
        self.flush_model(["state", "to_send_since", "backend_id"])
        self.env.cr.execute(
            """SELECT count(*), min(to_send_since) + %s * interval '1 second',
                      clock_timestamp() at time zone 'utc'
                 FROM shipstation_order WHERE backend_id = %s AND state = 'to_send'""",
            [backend.shipstation_batch_seconds or 0, backend.id],
        )
        count, due, now = self.env.cr.fetchone()
        if not count or count >= MAX_ORDERS_PER_CALL or not due or due <= now:
            return None
        return due

    def _shipstation_failed(self, message):
        self.write({"state": "error", "last_error": message})
        self.picking_id.message_post(body=_("Not sent to ShipStation: %(error)s", error=message))

    def _shipstation_follow_hold(self, client):
        """Hold in ShipStation until the delivery's hold date, or release it."""
        self.ensure_one()
        # Sending the order again sets its status: a hold is set again after it.
        if self.state != "sent" or not (self.hold_until or self.hold_sent):
            return
        try:
            if self.hold_until:
                client.hold_until(self.external_id, fields.Date.to_string(self.hold_until))
            else:
                client.restore_from_hold(self.external_id)
        except IntegrationError as exc:
            self._shipstation_failed(_("The hold could not be set: %(error)s", error=exc.message))
            return
        self.hold_sent = self.hold_until
