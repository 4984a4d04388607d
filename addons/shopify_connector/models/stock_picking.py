from collections import defaultdict

from odoo import _, fields, models

from odoo.addons.integration_base.exceptions import PermanentError


class StockPicking(models.Model):
    _inherit = "stock.picking"

    shopify_fulfillment_id = fields.Char("Shopify fulfilment", readonly=True, copy=False)

    def _action_done(self):
        result = super()._action_done()
        # As superuser: whoever validates a delivery needs no rights on the integration.
        for picking in self.sudo()._shopify_to_fulfil():
            binding = picking._shopify_order_binding()
            self.env["sync.job"].enqueue(
                binding.backend_id, "shopify_export_fulfillment", picking, priority=5
            )
        return result

    def _shopify_to_fulfil(self):
        return self.filtered(
            lambda p: p.picking_type_code == "outgoing"
            and p.state == "done"
            and not p.shopify_fulfillment_id
            and p._shopify_order_binding()
        )

    def _shopify_order_binding(self):
        self.ensure_one()
        if not self.sale_id:
            return self.env["shopify.order.binding"]
        return self.env["shopify.order.binding"].search(
            [("odoo_id", "=", self.sale_id.id)], limit=1
        )

    def _shopify_job_export_fulfillment(self, job):
        """Fulfil on Shopify what this delivery shipped, with its tracking number."""
        self.ensure_one()
        if self.shopify_fulfillment_id:
            return  # already sent: a replayed job is a no-op
        binding = self._shopify_order_binding()
        client = binding.backend_id._shopify_client()
        shipped = defaultdict(float)
        for move in self.move_ids.filtered(lambda m: m.state == "done"):
            shipped[move.product_id.default_code] += move.quantity
        lines = self._shopify_fulfillment_lines(
            client.fulfillment_orders(binding.external_id), shipped
        )
        if not lines:
            raise PermanentError(
                _(
                    "Nothing of %(picking)s is left to fulfil on Shopify order %(order)s "
                    "(already fulfilled, or SKUs that are not on the order).",
                    picking=self.name,
                    order=binding.platform_order_name,
                )
            )
        fulfillment = client.fulfillment_create(
            lines,
            tracking_number=self.carrier_tracking_ref or None,
            tracking_company=self.carrier_id.name or None,
            tracking_url=(self.carrier_tracking_url if self.carrier_tracking_ref else None) or None,
        )
        self.shopify_fulfillment_id = fulfillment["id"]
        self.message_post(
            body=_(
                "Fulfilled on Shopify (%(id)s), tracking %(tracking)s.",
                id=fulfillment["id"],
                tracking=self.carrier_tracking_ref or _("none"),
            )
        )

    @staticmethod
    def _shopify_fulfillment_lines(fulfillment_orders, shipped):
        """{fulfillment order id: {line id: quantity}} for the shipped quantities by SKU,
        taken from the open fulfillment orders' remaining quantities."""
        lines = defaultdict(dict)
        left = dict(shipped)
        for fulfillment_order in fulfillment_orders:
            if fulfillment_order.get("status") not in ("OPEN", "IN_PROGRESS"):
                continue
            for item in fulfillment_order["lineItems"]["nodes"]:
                sku = (item.get("lineItem") or {}).get("sku")
                quantity = min(int(left.get(sku, 0)), int(item.get("remainingQuantity") or 0))
                if quantity > 0:
                    lines[fulfillment_order["id"]][item["id"]] = quantity
                    left[sku] -= quantity
        return dict(lines)
