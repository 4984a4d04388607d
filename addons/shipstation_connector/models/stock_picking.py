import base64
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_round

from odoo.addons.integration_base.exceptions import PermanentError

from ..mapping.order import label_request, order_document
from ..mapping.shipment import shipment as parse_shipment


class StockPicking(models.Model):
    _inherit = "stock.picking"

    shipstation_order_ids = fields.One2many(
        "shipstation.order", "picking_id", "ShipStation orders", readonly=True
    )
    shipstation_shipment_ids = fields.One2many(
        "shipstation.shipment", "picking_id", "ShipStation shipments", readonly=True
    )
    shipstation_hold_until = fields.Date(
        "Hold in ShipStation until",
        copy=False,
        help="The warehouse does not ship it in ShipStation before this date.",
    )
    shipstation_state = fields.Selection(
        related="shipstation_order_ids.state", string="ShipStation", readonly=True
    )

    # ------------------------------------------------------------ which backend
    def _shipstation_target(self):
        """(backend, mode) that ships this delivery in warehouse mode, or (empty,
        None): a ShipStation carrier in warehouse mode, else a ship-from location that
        sends its Odoo warehouse's deliveries."""
        self.ensure_one()
        Backend = self.env["integration.backend"]
        if self.picking_type_code != "outgoing":
            return Backend, None
        carrier = self.carrier_id
        if carrier.delivery_type == "shipstation":
            return carrier.shipstation_backend_id, carrier.shipstation_mode
        location = (
            self.env["shipstation.warehouse"]
            .sudo()
            .search(
                [
                    ("warehouse_id", "=", self.picking_type_id.warehouse_id.id),
                    ("send_deliveries", "=", True),
                    ("backend_id.active", "=", True),
                ],
                limit=1,
            )
        )
        return (location.backend_id, "warehouse") if location else (Backend, None)

    def _shipstation_queue(self):
        """Ready deliveries in warehouse mode go to ShipStation (once: later changes
        send the same order again). Marked together: one push per backend, however
        many deliveries became ready at once."""
        Order = self.env["shipstation.order"]
        orders = Order
        for picking in self.sudo():
            if picking.state != "assigned" or picking.shipstation_order_ids:
                continue
            backend, mode = picking._shipstation_target()
            if backend and mode == "warehouse" and backend.state != "disabled":
                orders |= Order._for_picking(backend, picking)
        orders._mark_to_send()

    def _shipstation_follow(self):
        """A change ShipStation must know of (address, hold, cancellation)."""
        orders = self.sudo().shipstation_order_ids.filtered(
            lambda o: o.mode == "warehouse" and o.state != "shipped"
        )
        for order in orders:
            order.hold_until = order.picking_id.shipstation_hold_until
        orders.filtered(
            lambda o: o.state != "to_send" and (o.external_id or o.state == "error")
        )._mark_to_send()

    def write(self, vals):
        result = super().write(vals)
        if {"partner_id", "shipstation_hold_until", "scheduled_date"} & set(vals):
            self._shipstation_follow()
        return result

    def action_cancel(self):
        result = super().action_cancel()
        self._shipstation_follow()
        return result

    def action_shipstation_send(self):
        """Send (again) to ShipStation: with the next batch, within the backend's
        batching window."""
        self._shipstation_queue()
        self._shipstation_follow()
        return True

    # ------------------------------------------------------------ documents
    @api.model
    def _shipstation_partner_values(self, partner):
        return {
            "name": partner.name or partner.parent_id.name,
            "company": partner.parent_id.name if partner.parent_id else None,
            "street": partner.street,
            "street2": partner.street2,
            "city": partner.city,
            "state_code": partner.state_id.code,
            "zip": partner.zip,
            "country_code": partner.country_id.code,
            "phone": partner.phone or partner.mobile,
            "is_company": partner.is_company,
        }

    def _shipstation_lines(self):
        """{product: quantity} still to ship, one line per product (the ShipStation
        order keeps its lines across backorders: a line is a product)."""
        lines = defaultdict(float)
        for move in self.move_ids.filtered(lambda m: m.state != "cancel"):
            lines[move.product_id] += move.product_qty
        return lines

    def _shipstation_line_keys(self):
        return {"product-%s" % p.id: p.default_code or "" for p in self._shipstation_lines()}

    def _shipstation_delivery_values(self, backend):
        """The delivery as mapping.order.order_document reads it."""
        self.ensure_one()
        sale = self.sale_id
        lines = self._shipstation_lines()
        prices = {line.product_id: line.price_unit for line in sale.order_line}
        origin = self.picking_type_id.warehouse_id
        location = self.env["shipstation.warehouse"].search(
            [("backend_id", "=", backend.id), ("warehouse_id", "=", origin.id)], limit=1
        )
        status = "awaiting_shipment"
        if self.state == "cancel":
            status = "cancelled"
        delivery_lines = sale.order_line.filtered("is_delivery") if sale else []
        values = {
            "number": sale.client_order_ref or sale.name or self.name,
            "date": fields.Datetime.to_string(sale.date_order or self.create_date).replace(" ", "T")
            + "Z",
            "status": status,
            "customer_email": self.partner_id.email,
            "customer_username": self.partner_id.commercial_partner_id.email,
            "ship_to": self._shipstation_partner_values(self.partner_id),
            "bill_to": self._shipstation_partner_values(sale.partner_invoice_id or self.partner_id),
            "items": [
                {
                    "line_key": "product-%s" % product.id,
                    "sku": product.default_code,
                    "name": product.display_name,
                    "quantity": float_round(quantity, 0),
                    "unit_price": prices.get(product, product.lst_price),
                    "weight_kg": product.weight,
                    "hs_code": getattr(product, "hs_code", None),
                }
                for product, quantity in lines.items()
            ],
            "amount_paid": sale.amount_total if sale else 0,
            "tax_amount": sale.amount_tax if sale else 0,
            "shipping_amount": sum(line.price_total for line in delivery_lines),
            "weight_kg": sum(p.weight * q for p, q in lines.items()),
            "origin_country": origin.partner_id.country_id.code
            or self.company_id.country_id.code
            or "",
            "warehouse_id": location.external_id or None,
            "store_id": backend.shipstation_store_id.external_id or None,
            "notes": _("Odoo delivery %(name)s", name=self.name),
        }
        carrier = self.carrier_id
        if carrier.delivery_type == "shipstation":
            values.update(
                carrier_code=carrier.shipstation_carrier_id.code or None,
                service_code=carrier.shipstation_service_id.code or None,
                package_code=carrier.shipstation_package_id.code or None,
                requested_service=carrier.name,
            )
        return values

    # ------------------------------------------------------------ shipments back
    def _shipstation_validate(self, quantities, shipments):
        """Validate this delivery for ``quantities`` ({product id: quantity}) as
        ``shipments`` (parsed) shipped them; the rest waits in a backorder, which is
        returned (empty when all was shipped)."""
        self.ensure_one()
        left = dict(quantities)
        for move in self.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
            take = min(left.get(move.product_id.id, 0), move.product_uom_qty)
            left[move.product_id.id] = left.get(move.product_id.id, 0) - take
            move.quantity = take
            move.picked = take > 0
        over = {pid: qty for pid, qty in left.items() if qty > 0}
        if over:
            products = self.env["product.product"].browse(list(over))
            raise UserError(
                _(
                    "ShipStation shipped more than %(picking)s holds (%(products)s): check "
                    "the order in ShipStation; nothing was validated.",
                    picking=self.name,
                    products=", ".join(products.mapped("display_name")),
                )
            )
        trackings = [s["tracking"] for s in shipments if s["tracking"]]
        self.write(
            {
                "carrier_tracking_ref": ",".join(trackings) or False,
                "carrier_price": float(sum(s["cost"] for s in shipments)),
            }
        )
        before = self.backorder_ids
        result = self.with_context(skip_backorder=True, skip_sms=True).button_validate()
        if result is not True and self.state != "done":
            raise UserError(
                _("%(picking)s could not be validated automatically.", picking=self.name)
            )
        self.message_post(
            body=_(
                "Shipped from ShipStation: %(count)s package(s), tracking %(tracking)s.",
                count=len(shipments),
                tracking=", ".join(trackings) or _("none"),
            )
        )
        return self.backorder_ids - before

    def _shipstation_add_tracking(self, tracking):
        refs = [r for r in (self.carrier_tracking_ref or "").split(",") if r]
        if tracking not in refs:
            self.carrier_tracking_ref = ",".join([*refs, tracking])

    def _shipstation_drop_tracking(self, tracking):
        for picking in self:
            refs = [r for r in (picking.carrier_tracking_ref or "").split(",") if r]
            if tracking in refs:
                refs.remove(tracking)
                picking.carrier_tracking_ref = ",".join(refs) or False
                picking.message_post(
                    body=_("ShipStation label %(tracking)s was voided.", tracking=tracking)
                )

    # ------------------------------------------------------------ labels
    def _shipstation_buy_label(self, carrier):
        """Buy this delivery's label through its ShipStation order, exactly once: a
        label an earlier try bought (whose answer or commit was lost) is used
        instead of a second one. Returns send_shipping's {exact_price,
        tracking_number}."""
        self.ensure_one()
        backend = carrier.shipstation_backend_id.sudo().with_context(shipstation_interactive=True)
        if not backend:
            raise UserError(
                _("The carrier %(carrier)s has no ShipStation account.", carrier=carrier.name)
            )
        backend._lock("shipstation-label", self.id)
        order = self.env["shipstation.order"].sudo()._for_picking(backend, self, mode="carrier")
        # The label's SHIP_NOTIFY waits for this transaction (see _shipstation_take_shipments).
        backend._lock("shipstation-order", order.id)
        problems = order._problems()
        if problems:
            raise UserError(" ".join(problems))
        client = backend._shipstation_client()
        delivery = self._shipstation_delivery_values(backend)
        delivery.update(key=order.order_key, order_id=order.external_id or None)
        document = order_document(delivery)
        try:
            answer = client.create_order(document)
        except PermanentError:
            # ShipStation refuses to update a shipped order: an earlier try whose
            # answer or commit was lost bought its label. Use that label.
            answer = client.find_order(document["orderNumber"], order.order_key)
            if not answer or answer.get("orderStatus") != "shipped":
                raise
            label = self._shipstation_earlier_label(backend, order, client, answer["orderId"])
            if label:
                return label
            raise
        order.write({"external_id": str(answer["orderId"]), "state": "sent"})
        order.label_requested_at = fields.Datetime.now()
        label = client.create_label_for_order(
            label_request(
                answer["orderId"],
                {
                    "carrier_code": carrier.shipstation_carrier_id.code,
                    "service_code": carrier.shipstation_service_id.code,
                    "package_code": carrier.shipstation_package_id.code,
                    "confirmation": carrier.shipstation_confirmation,
                },
                fields.Date.to_string(fields.Date.context_today(self)),
                delivery["weight_kg"],
            )
        )
        parsed = parse_shipment({**label, "orderId": answer["orderId"]})
        self.env["shipstation.shipment"].sudo()._record(backend, parsed, order, self)
        attachments = []
        if label.get("labelData"):
            name = "%s-%s.pdf" % (carrier._get_delivery_label_prefix(), parsed["tracking"])
            attachments.append((name, base64.b64decode(label["labelData"])))
        self.message_post(
            body=_(
                "ShipStation label bought: %(carrier)s, tracking %(tracking)s.",
                carrier=carrier.name,
                tracking=parsed["tracking"],
            ),
            attachments=attachments,
        )
        return {"exact_price": float(parsed["cost"]), "tracking_number": parsed["tracking"]}

    def _shipstation_earlier_label(self, backend, order, client, order_id):
        """The live label an earlier try bought for ``order``, recorded now; None when
        there is none."""
        order.write({"external_id": str(order_id), "state": "sent"})
        known = set(order.shipment_ids.mapped("external_id"))
        for record in client.shipments_of_order(order_id):
            parsed = parse_shipment(record)
            if parsed["voided"] or str(parsed["shipment_id"]) in known:
                continue
            self.env["shipstation.shipment"].sudo()._record(backend, parsed, order, self)
            self.message_post(
                body=_(
                    "ShipStation already had a label for this delivery (tracking "
                    "%(tracking)s), bought by an earlier attempt whose answer was lost: it "
                    "is used, no second label was bought. Print it from ShipStation.",
                    tracking=parsed["tracking"],
                )
            )
            return {"exact_price": float(parsed["cost"]), "tracking_number": parsed["tracking"]}
        return None

    def _shipstation_void_labels(self):
        """Void the live labels of this delivery (Cancel shipment)."""
        self.ensure_one()
        for shipment in self.sudo().shipstation_shipment_ids.filtered(lambda s: not s.voided):
            client = shipment.backend_id.with_context(
                shipstation_interactive=True
            )._shipstation_client()
            answer = client.void_label(shipment.external_id)
            if not answer.get("approved"):
                raise UserError(
                    _(
                        "ShipStation did not void label %(tracking)s: %(message)s",
                        tracking=shipment.tracking_ref,
                        message=answer.get("message") or _("no reason given"),
                    )
                )
            shipment.voided = True
            self.message_post(
                body=_("ShipStation label %(tracking)s voided.", tracking=shipment.tracking_ref)
            )


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_assign(self, force_qty=False):
        result = super()._action_assign(force_qty=force_qty)
        self.picking_id.filtered(lambda p: p.state == "assigned")._shipstation_queue()
        return result
