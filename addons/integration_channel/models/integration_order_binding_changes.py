from odoo import Command, _, fields, models
from odoo.tools import float_compare, format_amount

from ..tools.order import (
    line_changes,
    order_line_specs,
    refund_credits,
    refund_discrepancy,
    to_decimal,
)


class IntegrationOrderBindingChanges(models.AbstractModel):
    """What an edit or a refund on the platform does to the sale order it became.

    The normalized order holds the platform's order as it is now (current quantities,
    items added, shipping after refunds, the refunds themselves). The sale order
    follows it: what is not delivered yet leaves the sale order (its deliveries
    first, so that Odoo makes no return), items added are added, what already left
    gets an activity for a person. Each platform refund is applied once (its id is
    recorded on the binding): on an invoiced order it is a credit note of exactly what
    the platform returned, less the worth of what it refunded that was never invoiced.
    """

    _inherit = "integration.order.binding"

    # ------------------------------------------------------------------ quantities
    def _apply_quantity_changes(self, order):
        """Make the sale order's items those of the platform's order as it is now."""
        self.ensure_one()
        sale = self.odoo_id
        lines = sale.order_line.filtered("channel_line_id")
        changes = line_changes(
            [
                {
                    "external_id": line.channel_line_id,
                    "quantity": line.product_uom_qty,
                    "delivered": line.qty_delivered,
                }
                for line in lines
            ],
            order,
        )
        for line in lines:
            quantity = changes["quantities"].get(line.channel_line_id)
            if quantity is None:
                continue
            if quantity < to_decimal(line.product_uom_qty):
                self._reduce_undelivered(line, line.product_uom_qty - float(quantity))
            else:
                self._set_line_quantity(line, float(quantity))
        if changes["new"]:
            self._add_order_lines(order, changes["new"])
        if order.get("refunds") is not None:
            # Only an order that says what was refunded says what its shipping is now.
            self._apply_shipping_changes(order)
        self._flag_kept_units(order, lines, changes["kept"])

    def _reduce_undelivered(self, line, quantity):
        """Take ``quantity`` off the line's deliveries not done yet (the newest first),
        then off the line: its deliveries already match it, so Odoo adds no return."""
        remaining = quantity
        moves = line.move_ids.filtered(
            lambda m: m.state not in ("done", "cancel") and m.location_dest_id.usage == "customer"
        ).sorted("id", reverse=True)
        for move in moves:
            if remaining <= 0:
                break
            taken = min(move.product_uom_qty, remaining)
            move._do_unreserve()
            if taken >= move.product_uom_qty:
                move._action_cancel()
            else:
                move.product_uom_qty -= taken
                move._action_assign()
            remaining -= taken
        self._set_line_quantity(line, line.product_uom_qty - quantity)

    def _set_line_quantity(self, line, quantity):
        """The line's quantity at the platform's price: written alone, Odoo would price
        it again from the price list (and its discount with it)."""
        line.write(
            {"product_uom_qty": quantity, "price_unit": line.price_unit, "discount": line.discount}
        )

    def _order_factor(self, order):
        """What the order's amounts are multiplied by in the sale order (its currency
        converted at the order date's rate, or 1)."""
        return self._order_pricing(self.backend_id, order)["factor"]

    def _add_order_lines(self, order, new_lines):
        """Add the items an edit added (matched as at import: variant id, then SKU)."""
        backend, sale = self.backend_id, self.odoo_id
        values, unknown, missing_taxes = self._order_lines(
            backend, dict(order, lines=new_lines, shipping=[]), self._order_factor(order)
        )
        sale.write({"order_line": [Command.create(line) for line in values]})
        self._flag_missing_taxes(backend, sale, order, missing_taxes)
        self._flag_unknown_skus(backend, sale, order, unknown)
        if unknown:
            self.has_unknown_sku = True

    def _apply_shipping_changes(self, order):
        """Shipping refunded on the platform comes off the shipping lines not invoiced
        yet (an invoiced one is credited with its refund instead)."""
        factor = self._order_factor(order)
        shipping = [s for s in order_line_specs(dict(order, lines=[])) if s["kind"] == "shipping"]
        rounding = self.odoo_id.currency_id.rounding
        delivery = self.odoo_id.order_line.filtered("is_delivery")
        for line, spec in zip(delivery, shipping, strict=False):
            if line.qty_invoiced:
                continue
            price = float(spec["price_unit"]) * factor
            discount = float(spec["discount_percent"])
            if float_compare(line.price_unit, price, precision_rounding=rounding) or (
                float_compare(line.discount, discount, precision_digits=4)
            ):
                line.write({"price_unit": price, "discount": discount})

    def _flag_kept_units(self, order, lines, kept):
        """An activity for the delivered units the platform's order no longer has (each
        unit once: the lines remember how many were flagged)."""
        restocked = {
            line["line_external_id"]
            for refund in order.get("refunds") or ()
            for line in refund["lines"]
            if line.get("restock")
        }
        items = []
        for line in lines:
            units = float(kept.get(line.channel_line_id, 0))
            if units > line.channel_kept_qty:
                label = "%g %s" % (units - line.channel_kept_qty, line.product_id.display_name)
                if line.channel_line_id in restocked:
                    label += _(" (restocked on the platform: the customer sends it back)")
                items.append(label)
            if units != line.channel_kept_qty:
                line.channel_kept_qty = units
        if not items:
            return
        self.odoo_id.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Refunded or removed after delivery"),
            note=_(
                "%(platform)s order %(name)s no longer has items already delivered: "
                "%(items)s. Arrange their return.",
                platform=self.backend_id._platform_label(),
                name=self.platform_order_name,
                items=", ".join(items),
            ),
        )

    # ------------------------------------------------------------------ refunds
    def _apply_refunds(self, order):
        """Apply the order's refunds not applied yet, once each: a credit note on an
        invoiced order; otherwise its quantities already left the sale order, and a
        refund that returned more or less than what it took off gets an activity."""
        self.ensure_one()
        refunds = order.get("refunds")
        applied = set((self.platform_refund_ids or "").split())
        new = [r for r in refunds or () if r.get("external_id") not in applied]
        if not new:
            return
        sale = self.odoo_id
        if sale.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state != "cancel"
        ):
            plans = refund_credits(
                new,
                self._credit_lines(order),
                any(sale.order_line.filtered("is_delivery").mapped("qty_invoiced")),
            )
            factor = self._order_factor(order)
            for plan in plans:
                self._credit_refund(plan, factor)
        else:
            for refund in new:
                self._flag_refund_discrepancy(order, refund)
        self.platform_refund_ids = self._refund_ids_text(
            [{"external_id": ref} for ref in applied] + new
        )

    def _credit_lines(self, order):
        current = {line["external_id"]: line["quantity"] for line in order.get("lines") or ()}
        return {
            line.channel_line_id: {
                "quantity": line.product_uom_qty,
                "invoiced": line.qty_invoiced,
                "current": current.get(line.channel_line_id, 0),
                "credited": line.channel_credited_qty,
            }
            for line in self.odoo_id.order_line.filtered("channel_line_id")
        }

    def _credit_refund(self, plan, factor):
        """The credit note of one refund (``tools.order.refund_credits``): the units and
        shipping it credits at the sale order's prices and taxes, and a line for the
        difference with what the platform returned, so that it credits exactly that."""
        sale = self.odoo_id
        platform = self.backend_id._platform_label()
        commands = self._credit_note_lines(plan, factor)
        amount = sale.currency_id.round(float(plan["amount"]) * factor)
        if not commands and sale.currency_id.is_zero(amount):
            return
        values = sale._prepare_invoice()
        values.update(
            move_type="out_refund",
            ref=_("%(platform)s refund %(refund)s", platform=platform, refund=plan["refund"]),
            invoice_date=fields.Datetime.to_datetime(plan["date"] or fields.Datetime.now()).date(),
            invoice_line_ids=commands,
        )
        credit_note = self.env["account.move"].with_company(sale.company_id).create(values)
        difference = sale.currency_id.round(amount - credit_note.amount_total)
        if not sale.currency_id.is_zero(difference):
            credit_note.write(
                {
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": _(
                                    "Difference with what %(platform)s refunded",
                                    platform=platform,
                                ),
                                "quantity": 1,
                                "price_unit": difference,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ]
                }
            )
        credit_note.action_post()
        sale.message_post(
            body=_(
                "Credit note %(move)s for %(platform)s refund %(refund)s.",
                move=credit_note._get_html_link(),
                platform=platform,
                refund=plan["refund"],
            )
        )

    def _credit_note_lines(self, plan, factor):
        sale = self.odoo_id
        by_platform_line = {
            line.channel_line_id: line for line in sale.order_line.filtered("channel_line_id")
        }
        commands = []
        for item in plan["lines"]:
            line = by_platform_line[item["external_id"]]
            values = line._prepare_invoice_line(quantity=float(item["quantity"]))
            if not item["linked"]:
                # Delivered, so still on the order: a link would make it to invoice again.
                del values["sale_line_ids"]
                line.channel_credited_qty += float(item["quantity"])
            commands.append(Command.create(values))
        delivery = sale.order_line.filtered("is_delivery")[:1]
        if plan["shipping"] and delivery:
            values = delivery._prepare_invoice_line(
                quantity=1, price_unit=float(plan["shipping"]) * factor, discount=0
            )
            del values["sale_line_ids"]
            commands.append(Command.create(values))
        return commands

    def _flag_refund_discrepancy(self, order, refund):
        """A refund of an order not invoiced that returned more or less than what it
        took off: the coming invoice will not show it, a person adjusts it."""
        difference = refund_discrepancy(refund)
        if not difference.quantize(to_decimal("0.01")):
            return
        platform = self.backend_id._platform_label()
        factor, currency = self._order_factor(order), self.odoo_id.currency_id

        def amount(value):
            return format_amount(self.env, float(value) * factor, currency)

        self.odoo_id.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("%(platform)s refund differs from the items", platform=platform),
            note=_(
                "%(platform)s refund %(refund)s of order %(name)s returned %(amount)s, "
                "%(difference)s more than the items and shipping it took off (negative: "
                "less). The order is not invoiced yet: take it into account when "
                "invoicing.",
                platform=platform,
                refund=refund["external_id"],
                name=self.platform_order_name,
                amount=amount(refund["amount"]),
                difference=amount(difference),
            ),
        )
