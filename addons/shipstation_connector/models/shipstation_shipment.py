import logging
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.integration_base.exceptions import IntegrationError

from ..mapping.shipment import shipment as parse_shipment
from ..mapping.shipment import shipped_quantities

_logger = logging.getLogger(__name__)


class ShipStationShipment(models.Model):
    """A ShipStation shipment (a label), recorded once per backend by ShipStation's
    id, in the transaction that acts on it: a webhook delivered twice, a poll that
    reads it again or two workers at once validate a delivery once."""

    _name = "shipstation.shipment"
    _description = "ShipStation shipment"
    _rec_name = "tracking_ref"
    _order = "id desc"

    backend_id = fields.Many2one(
        "integration.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    external_id = fields.Char("ShipStation shipment id", required=True, readonly=True)
    order_id = fields.Many2one("shipstation.order", ondelete="set null", index=True, readonly=True)
    picking_id = fields.Many2one(
        "stock.picking", "Delivery", ondelete="set null", index=True, readonly=True
    )
    tracking_ref = fields.Char("Tracking number", readonly=True)
    carrier_code = fields.Char(readonly=True)
    service_code = fields.Char(readonly=True)
    cost = fields.Float(readonly=True, digits="Product Price")
    ship_date = fields.Char(readonly=True)
    voided = fields.Boolean(readonly=True)
    quantities = fields.Json(readonly=True, help="What it shipped: {product id: quantity}.")

    _sql_constraints = [
        (
            "backend_external_unique",
            "unique(backend_id, external_id)",
            "A shipment is recorded once.",
        )
    ]

    @api.model
    def _record(self, backend, parsed, order=None, picking=None, quantities=None):
        return self.create(
            {
                "backend_id": backend.id,
                "external_id": str(parsed["shipment_id"]),
                "order_id": order.id if order else False,
                "picking_id": picking.id if picking else False,
                "tracking_ref": parsed["tracking"] or False,
                "carrier_code": parsed["carrier_code"] or False,
                "service_code": parsed["service_code"] or False,
                "cost": float(parsed["cost"]),
                "ship_date": parsed["ship_date"] or False,
                "voided": parsed["voided"],
                "quantities": quantities or {},
            }
        )

    # ------------------------------------------------------------------ processing
    @api.model
    def _process(self, backend, records, client=None):
        """Act on ShipStation shipments (raw records from a webhook's resource_url or
        the poll): each order's new shipments validate its delivery for what they
        shipped, once; a voided label takes its tracking off the delivery; a label
        that replaces one adds its tracking. One order that cannot be handled says
        why on its delivery; the others go on. Returns the number acted on."""
        by_order = defaultdict(list)
        for record in records:
            parsed = parse_shipment(record)
            by_order[(parsed["order_id"], parsed["order_key"])].append(parsed)
        done = 0
        for (order_id, key), shipments in by_order.items():
            order = self._order_of(backend, order_id, key)
            if not order:
                continue  # not a delivery of Odoo's (a marketplace order, a manual label)
            try:
                with self.env.cr.savepoint():
                    done += order._shipstation_take_shipments(shipments, client)
            except (IntegrationError, UserError) as exc:
                order._shipstation_not_applied(exc)
        return done

    @api.model
    def _process_marked_shipped(self, backend, orders, client=None):
        """Orders a person marked as shipped in ShipStation, with no label there (a
        parcel sent another way): ShipStation lists no shipment for them, so their
        delivery is validated in full here, once, and a person is asked for the
        tracking number (which then goes to the channel as any later tracking)."""
        done = 0
        for record in orders:
            if record.get("orderStatus") != "shipped":
                continue
            order = self._order_of(backend, record.get("orderId"), record.get("orderKey"))
            if not order or order.mode != "warehouse" or order.state != "sent":
                continue
            try:
                with self.env.cr.savepoint():
                    done += order._shipstation_take_marked_shipped(record, client)
            except (IntegrationError, UserError) as exc:
                order._shipstation_not_applied(exc)
        return done

    @api.model
    def _order_of(self, backend, order_id, key):
        Order = self.env["shipstation.order"]
        domain = [("backend_id", "=", backend.id)]
        order = (
            Order.search([*domain, ("external_id", "=", str(order_id))], limit=1)
            if order_id
            else Order
        )
        if not order and key:
            # A split order has a new orderId and the original's key.
            order = Order.search([*domain, ("order_key", "=", key)], limit=1)
        return order


class ShipStationOrder(models.Model):
    _inherit = "shipstation.order"

    def _shipstation_not_applied(self, exc):
        """What ShipStation shipped could not be applied to this order's delivery:
        the order needs attention, and the delivery's responsible is told why (the
        other orders of the same batch go on)."""
        self.ensure_one()
        message = getattr(exc, "message", None) or str(exc)
        self.write({"state": "error", "last_error": message})
        picking = self.picking_id
        picking.message_post(
            body=_("A ShipStation shipment could not be applied: %(error)s", error=message)
        )
        picking.activity_schedule(
            "mail.mail_activity_data_warning",
            summary=_("ShipStation shipment not applied"),
            note=message,
            user_id=picking.user_id.id or self.env.ref("base.user_admin").id,
        )

    def _shipstation_take_shipments(self, shipments, client=None):
        """Apply this order's shipments (parsed) that are new or newly voided."""
        self.ensure_one()
        backend = self.backend_id
        # One transaction at a time per order: the second webhook or worker waits,
        # then (read committed) sees the first one's shipments and does nothing.
        backend._lock("shipstation-order", self.id)
        Shipment = self.env["shipstation.shipment"]
        known = {
            s.external_id: s
            for s in Shipment.search(
                [
                    ("backend_id", "=", backend.id),
                    ("external_id", "in", [str(p["shipment_id"]) for p in shipments]),
                ]
            )
        }
        acted = 0
        for parsed in shipments:
            found = known.get(str(parsed["shipment_id"]))
            if found and parsed["voided"] and not found.voided:
                found.voided = True
                found.picking_id._shipstation_drop_tracking(found.tracking_ref)
                acted += 1
        new = [p for p in shipments if str(p["shipment_id"]) not in known and not p["voided"]]
        for parsed in shipments:
            if parsed["voided"] and str(parsed["shipment_id"]) not in known:
                Shipment._record(backend, parsed, self)  # a label voided before we saw it
        if not new:
            return acted
        if self.mode == "carrier" or self.picking_id.state in ("done", "cancel"):
            # The label Odoo bought, or a label that replaces a voided one.
            picking = (
                self.picking_id if self.picking_id.state == "done" else self.env["stock.picking"]
            )
            for parsed in new:
                Shipment._record(backend, parsed, self, picking)
                if picking and parsed["tracking"]:
                    picking._shipstation_add_tracking(parsed["tracking"])
            return acted + len(new)
        if any(p["items"] is None for p in new):
            items = {
                s["shipmentId"]: s
                for s in (client or backend._shipstation_client()).shipments_of_order(
                    new[0]["order_id"] or self.external_id
                )
            }
            for parsed in new:
                if parsed["items"] is None:
                    record = items.get(parsed["shipment_id"]) or {}
                    parsed["items"] = (
                        parse_shipment({**record, "shipmentId": parsed["shipment_id"]})["items"]
                        or []
                    )
        picking = self.picking_id
        lines = picking._shipstation_line_keys()
        shipped, unknown = shipped_quantities(new, lines)
        if unknown:
            raise UserError(" ".join(unknown))
        quantities = {int(key.split("-")[1]): qty for key, qty in shipped.items()}
        backorder = picking._shipstation_validate(quantities, new)
        for parsed in new:
            mine, _unknown = shipped_quantities([parsed], lines)
            Shipment._record(
                backend,
                parsed,
                self,
                picking,
                {key.split("-")[1]: qty for key, qty in mine.items()},
            )
        self.write(
            {
                "picking_id": (backorder or picking).id,
                "state": "sent" if backorder else "shipped",
                "last_error": False,
            }
        )
        return acted + len(new)

    def _shipstation_take_marked_shipped(self, record, client=None):
        self.ensure_one()
        backend = self.backend_id
        backend._lock("shipstation-order", self.id)
        client = client or backend._shipstation_client()
        live = [r for r in client.shipments_of_order(record["orderId"]) if not r.get("voided")]
        if live:  # labels after all: the shipments say what left
            return self._shipstation_take_shipments([parse_shipment(r) for r in live], client)
        picking = self.picking_id
        if picking.state in ("done", "cancel"):
            return 0
        quantities = {product.id: qty for product, qty in picking._shipstation_lines().items()}
        backorder = picking._shipstation_validate(quantities, [])
        carrier = (record.get("carrierCode") or "").strip() or _("unknown")
        picking.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Add the tracking number"),
            note=_(
                "%(order)s was marked as shipped in ShipStation (carrier %(carrier)s) "
                "without a label there, so no tracking number reached Odoo: add it on "
                "the delivery and it goes on to the sales channel.",
                order=record.get("orderNumber") or self.order_key,
                carrier=carrier,
            ),
            user_id=picking.user_id.id or self.env.ref("base.user_admin").id,
        )
        self.write({"picking_id": (backorder or picking).id, "state": "shipped"})
        return 1
