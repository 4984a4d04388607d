from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.integration_base.exceptions import IntegrationError

from ..const import TRACKING_URLS
from ..mapping.order import address_problems, pick_rate, rates_request


class DeliveryCarrier(models.Model):
    """ShipStation as an Odoo carrier, the way Odoo's own carrier addons are made:
    rates on the sale order, a label when the delivery is validated (or, in
    warehouse mode, the delivery sent to ShipStation and shipped there), void on
    cancel, the carrier's tracking link."""

    _inherit = "delivery.carrier"

    delivery_type = fields.Selection(
        selection_add=[("shipstation", "ShipStation")],
        ondelete={
            "shipstation": lambda recs: recs.write({"delivery_type": "fixed", "fixed_price": 0})
        },
    )
    shipstation_backend_id = fields.Many2one(
        "integration.backend",
        "ShipStation account",
        domain="[('platform', '=', 'shipstation')]",
        ondelete="restrict",
    )
    shipstation_mode = fields.Selection(
        [
            ("label", "Odoo buys the label when the delivery is validated"),
            ("warehouse", "The warehouse ships it in ShipStation"),
        ],
        string="Shipping",
        default="label",
    )
    shipstation_carrier_id = fields.Many2one(
        "shipstation.carrier",
        "ShipStation carrier",
        domain="[('backend_id', '=', shipstation_backend_id)]",
    )
    shipstation_service_id = fields.Many2one(
        "shipstation.service",
        "Service",
        domain="[('carrier_id', '=', shipstation_carrier_id)]",
    )
    shipstation_package_id = fields.Many2one(
        "shipstation.package",
        "Package",
        domain="[('carrier_id', '=', shipstation_carrier_id)]",
    )
    shipstation_confirmation = fields.Selection(
        [
            ("none", "None"),
            ("delivery", "Delivery"),
            ("signature", "Signature"),
            ("adult_signature", "Adult signature"),
            ("direct_signature", "Direct signature (FedEx)"),
        ],
        string="Delivery confirmation",
        default="none",
    )

    @api.constrains("delivery_type", "shipstation_backend_id", "shipstation_carrier_id")
    def _check_shipstation(self):
        for carrier in self.filtered(lambda c: c.delivery_type == "shipstation"):
            if not carrier.shipstation_backend_id or not carrier.shipstation_carrier_id:
                raise ValidationError(
                    _(
                        "%(carrier)s ships with ShipStation: choose its ShipStation account "
                        "and carrier (Refresh the account to list its carriers).",
                        carrier=carrier.name,
                    )
                )

    # ------------------------------------------------------------ hooks
    def _shipstation_origin(self, warehouse):
        location = self.env["shipstation.warehouse"].sudo().search(
            [
                ("backend_id", "=", self.shipstation_backend_id.id),
                ("warehouse_id", "=", warehouse.id),
            ],
            limit=1,
        ) or self.env["shipstation.warehouse"].sudo().search(
            [("backend_id", "=", self.shipstation_backend_id.id), ("is_default", "=", True)],
            limit=1,
        )
        return {
            "from_zip": location.postal_code or warehouse.partner_id.zip or "",
            "warehouse_id": location.external_id or None,
        }

    def shipstation_rate_shipment(self, order):
        self.ensure_one()
        Picking = self.env["stock.picking"]
        to = Picking._shipstation_partner_values(order.partner_shipping_id)
        problems = address_problems(to)
        if problems:
            return self._shipstation_rate_error(" ".join(problems))
        weight = sum(
            line.product_id.weight * line.product_uom_qty
            for line in order.order_line
            if not line.is_delivery and not line.display_type
        )
        if weight <= 0:
            return self._shipstation_rate_error(
                _("The products of %(order)s have no weight: set it on them.", order=order.name)
            )
        request = rates_request(
            {**self._shipstation_origin(order.warehouse_id), "to": to, "weight_kg": weight},
            self.shipstation_carrier_id.code,
            self.shipstation_service_id.code,
            self.shipstation_package_id.code,
        )
        backend = self.shipstation_backend_id.sudo().with_context(shipstation_interactive=True)
        try:
            rates = backend._shipstation_client().get_rates(request)
        except (IntegrationError, UserError) as exc:
            return self._shipstation_rate_error(getattr(exc, "message", None) or str(exc))
        picked = pick_rate(rates, self.shipstation_service_id.code)
        if not picked:
            return self._shipstation_rate_error(
                _(
                    "ShipStation has no %(service)s rate to %(country)s.",
                    service=self.shipstation_service_id.name or self.shipstation_carrier_id.name,
                    country=to["country_code"],
                )
            )
        price, _service = picked
        return {
            "success": True,
            "price": float(price),
            "error_message": False,
            "warning_message": False,
        }

    @staticmethod
    def _shipstation_rate_error(message):
        return {"success": False, "price": 0.0, "error_message": message, "warning_message": False}

    def shipstation_send_shipping(self, pickings):
        self.ensure_one()
        if self.shipstation_mode == "warehouse":
            # Shipped in ShipStation: what its shipments cost and their tracking.
            return [
                {
                    "exact_price": sum(p.shipstation_shipment_ids.mapped("cost")),
                    "tracking_number": p.carrier_tracking_ref or False,
                }
                for p in pickings
            ]
        return [picking._shipstation_buy_label(self) for picking in pickings]

    def shipstation_get_tracking_link(self, picking):
        first = (picking.carrier_tracking_ref or "").split(",")[0].strip()
        template = TRACKING_URLS.get(self.shipstation_carrier_id.code or "")
        return template.format(ref=first) if first and template else False

    def shipstation_cancel_shipment(self, pickings):
        for picking in pickings:
            picking._shipstation_void_labels()
