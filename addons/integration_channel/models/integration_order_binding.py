from odoo import _, api, fields, models
from odoo.tools import float_compare

from odoo.addons.integration_base.exceptions import PermanentError

from ..tools.order import InvalidOrderData, expected_total, order_line_specs, to_decimal


class IntegrationOrderBinding(models.AbstractModel):
    """A platform's order and the one sale order it became.

    The import of a normalized order (``tools.order``) into a sale order, shared by
    every channel: exactly once per (backend, external id), whatever the number of
    deliveries and workers; lines, shipping, discounts, totals check, cancellation; a
    state older than the one imported is skipped. Edits and refunds of an imported
    order: ``integration_order_binding_changes``.

    A platform makes it concrete (``shopify.order.binding``) and implements:

    - ``_channel_placeholder_product()``: the product of an item no Odoo product matches;
    - ``_channel_shipping_product()``: the product of shipping lines;
    - ``_channel_products_by_variant(backend, variant_ids)``: the Odoo products bound
      to these platform variant ids (matched before the SKU).
    """

    _name = "integration.order.binding"
    _inherit = "integration.binding"
    _description = "Channel Order (abstract)"
    _rec_name = "platform_order_name"

    odoo_id = fields.Many2one("sale.order", "Sale order", required=True, ondelete="cascade")
    platform_order_name = fields.Char("Platform order", readonly=True)
    platform_updated_at = fields.Datetime("Updated on the platform", readonly=True)
    platform_total = fields.Monetary("Platform total", readonly=True, currency_field="currency_id")
    currency_id = fields.Many2one(related="odoo_id.currency_id")
    total_mismatch = fields.Boolean(readonly=True)
    has_unknown_sku = fields.Boolean("Unknown SKU", readonly=True)
    platform_refund_ids = fields.Text(
        "Refunds applied",
        readonly=True,
        help="The platform's refunds this order has taken into account (one id a "
        "line): a refund read again, from a webhook or a poll, changes nothing.",
    )
    held = fields.Boolean(
        "Held for a person",
        readonly=True,
        help="A tax mapping or a currency rate was missing: the order stays a quotation "
        "until a person completes and confirms it.",
    )

    _sql_constraints = [
        (
            "backend_odoo_unique",
            "unique(backend_id, odoo_id)",
            "This sale order already comes from an order of this backend.",
        )
    ]

    # ------------------------------------------------------------------ hooks
    @api.model
    def _channel_placeholder_product(self):
        raise NotImplementedError

    @api.model
    def _channel_shipping_product(self):
        raise NotImplementedError

    @api.model
    def _channel_products_by_variant(self, backend, variant_ids):
        """{platform variant id: product.product} of the variants bound on backend."""
        return {}

    # ------------------------------------------------------------------ import
    @api.model
    def _channel_normalize(self, normalize, data):
        """``normalize(data)``; a value the order cannot hold is a data error of this
        order (a sentence for a person), not a defect of the connector."""
        try:
            return normalize(data)
        except InvalidOrderData as exc:
            raise PermanentError(
                _("The order cannot be imported: %(reason)s", reason=exc)
            ) from None

    @api.model
    def _import_order(self, backend, order):
        """Create or update the sale order of a normalized order (idempotent).

        :return: the binding
        """
        # Two deliveries of one order wait for each other here; the second then
        # finds the binding (or, if its snapshot predates it, fails on the unique
        # constraint and is retried by the queue, and finds it then).
        backend._lock(self._name, order["external_id"])
        binding = self.search(
            [("backend_id", "=", backend.id), ("external_id", "=", order["external_id"])]
        )
        updated_at = fields.Datetime.to_datetime(order["updated_at"])
        policy = backend._order_payment_policy(order.get("financial_status"))
        if binding:
            if (
                binding.platform_updated_at
                and updated_at
                and updated_at < binding.platform_updated_at
            ):
                return binding  # an older state than the one imported
            binding._apply_order_update(order, updated_at, policy)
            return binding
        if policy == "ignore":
            return binding  # none: a voided order is no sale
        pricing = self._order_pricing(backend, order)
        sale, held = self._create_sale_order(backend, order, pricing)
        binding = self.create(
            {
                "backend_id": backend.id,
                "odoo_id": sale.id,
                "external_id": order["external_id"],
                "platform_order_name": order["name"],
                "platform_updated_at": updated_at,
                "platform_total": float(to_decimal(order["total"])) * pricing["factor"],
                "sync_state": "synced",
                "sync_date": fields.Datetime.now(),
                "held": held,
                # Imported as it is now: its refunds are in its quantities already.
                "platform_refund_ids": self._refund_ids_text(order.get("refunds") or ()),
            }
        )
        binding._check_order_totals(order, pricing["factor"])
        for refund in order.get("refunds") or ():
            binding._flag_refund_discrepancy(order, refund)  # refunded before Odoo saw it
        if order.get("cancelled"):
            sale._action_cancel()
        elif policy == "confirm" and not held:
            binding._confirm_sale_order(order)
        return binding

    def _invoice_paid_order(self):
        """Order workflow: invoice the paid order and register what the platform
        collected, on the day it was placed."""
        self.ensure_one()
        sale = self.odoo_id
        invoice = sale._create_invoices()
        invoice.invoice_date = sale.date_order.date()
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(
            {
                "journal_id": self.backend_id.order_payment_journal_id.id,
                "payment_date": invoice.invoice_date,
            }
        )._create_payments()

    def _confirm_sale_order(self, order):
        """Confirm the sale order (dated when it was placed on the platform, not
        today), and invoice it when paid and the backend's order workflow says so."""
        self.ensure_one()
        sale = self.odoo_id
        placed = sale.date_order
        sale.action_confirm()
        sale.date_order = placed
        if self.backend_id.order_invoice_paid and order.get("financial_status") == "paid":
            self._invoice_paid_order()

    def _apply_order_update(self, order, updated_at, policy):
        self.ensure_one()
        self.write({"platform_updated_at": updated_at, "sync_date": fields.Datetime.now()})
        sale = self.odoo_id
        if not order.get("cancelled") and sale.state != "cancel":
            self._apply_quantity_changes(order)
        self._apply_refunds(order)
        if sale.state in ("draft", "sent") and not order.get("cancelled"):
            if policy == "confirm" and not self.held:
                self._confirm_sale_order(order)  # paid since it was imported
            elif policy == "ignore":
                sale._action_cancel()  # voided before it was paid
            return
        if order.get("cancelled") and sale.state != "cancel":
            platform = self.backend_id._platform_label()
            if sale.picking_ids.filtered(lambda p: p.state == "done"):
                sale.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=_("Cancelled on %(platform)s after shipping", platform=platform),
                    note=_(
                        "%(platform)s order %(name)s was cancelled but goods already left: "
                        "arrange the return or refund.",
                        platform=platform,
                        name=self.platform_order_name,
                    ),
                )
            else:
                sale._action_cancel()
                sale.message_post(
                    body=_(
                        "Cancelled because %(platform)s order %(name)s was cancelled.",
                        platform=platform,
                        name=self.platform_order_name,
                    )
                )

    @api.model
    def _create_sale_order(self, backend, order, pricing):
        """The sale order of ``order``, and whether a person must complete it before
        it is confirmed (a missing tax mapping or currency rate, flagged)."""
        company = backend.company_id
        platform = backend._platform_label()
        partner, shipping, invoice = self._order_partners(backend, order)
        lines, unknown, missing_taxes = self._order_lines(backend, order, pricing["factor"])
        sale = (
            self.env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "partner_shipping_id": shipping.id,
                    "partner_invoice_id": invoice.id,
                    "company_id": company.id,
                    "client_order_ref": order["name"],
                    "origin": "%s %s" % (platform, order["name"]),
                    "date_order": order.get("created_at") or fields.Datetime.now(),
                    "pricelist_id": pricing["pricelist"].id,
                    "order_line": [(0, 0, line) for line in lines],
                    **backend._order_sale_values(),
                }
            )
        )
        self._flag_missing_taxes(backend, sale, order, missing_taxes)
        if pricing["missing_rate"]:
            currency = pricing["pricelist"].currency_id
            sale.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("No %(currency)s rate", currency=currency.name),
                note=_(
                    "%(platform)s order %(name)s is in %(currency)s, which has no rate in "
                    "Odoo on %(date)s%(inactive)s. It stays a quotation in %(currency)s: "
                    "add the rate (Accounting > Configuration > Currencies), then check "
                    "and confirm it.",
                    platform=platform,
                    name=order["name"],
                    currency=currency.name,
                    date=pricing["date"],
                    inactive="" if currency.active else _(" (the currency is not active)"),
                ),
            )
        self._flag_unknown_skus(backend, sale, order, unknown)
        return sale, bool(missing_taxes or pricing["missing_rate"])

    @api.model
    def _flag_missing_taxes(self, backend, sale, order, missing_taxes):
        """An activity naming the tax mappings ``order``'s lines lacked."""
        if missing_taxes:
            sale.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Tax mapping missing"),
                note=_(
                    "%(platform)s order %(name)s has taxes no mapping of %(backend)s turns "
                    "into an Odoo tax: %(taxes)s. Add them (backend, Orders tab, Tax "
                    "mapping), then set the taxes of the lines and confirm the order.",
                    platform=backend._platform_label(),
                    name=order["name"],
                    backend=backend.name,
                    taxes="; ".join(
                        _(
                            "%(rate)s%% %(kind)s%(country)s",
                            rate="%g" % rate,
                            kind=_("included in prices") if included else _("on top of prices"),
                            country=_(" in %(code)s", code=code) if code else "",
                        )
                        for rate, included, code in sorted(missing_taxes)
                    ),
                ),
            )

    @api.model
    def _flag_unknown_skus(self, backend, sale, order, unknown):
        """An activity naming the SKUs no Odoo product has."""
        if unknown:
            sale.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Unknown SKU in %(platform)s order", platform=backend._platform_label()),
                note=_(
                    "%(platform)s order %(name)s has items whose SKU no Odoo product has: "
                    "%(skus)s. Create or fix those products, then replace the flagged lines.",
                    platform=backend._platform_label(),
                    name=order["name"],
                    skus=", ".join(sorted(s or _("(no SKU)") for s in unknown)),
                ),
            )

    @api.model
    def _order_lines(self, backend, order, factor=1):
        """sale.order.line values for the order's items and shipping, and the SKUs of
        the items no Odoo product matches (those lines use the placeholder product,
        flagged). An item is the product bound to its platform variant id first (real
        shops send many items without a SKU), else the product with its SKU."""
        company = backend.company_id
        Product = self.env["product.product"].with_context(active_test=False)
        specs = order_line_specs(order)
        by_variant = self._channel_products_by_variant(
            backend,
            {s["variant_external_id"] for s in specs if s["variant_external_id"]},
        )
        skus = {s["sku"] for s in specs if s["kind"] == "product" and s["sku"]}
        products = {
            p.default_code: p
            for p in Product.search(
                [("default_code", "in", list(skus)), ("company_id", "in", (False, company.id))]
            )
        }
        placeholder = self._channel_placeholder_product()
        shipping_product = self._channel_shipping_product()
        address = order.get("shipping_address") or order.get("billing_address") or {}
        country = self.env["res.country"].search(
            [("code", "=", (address.get("country_code") or "").upper())], limit=1
        )
        lines, unknown, missing_taxes = [], set(), set()
        for spec in specs:
            taxes = self._order_taxes(
                backend, spec["tax_rates"], order["taxes_included"], country, missing_taxes
            )
            values = {
                "name": spec["name"],
                "product_uom_qty": spec["quantity"],
                "price_unit": float(spec["price_unit"]) * factor,
                "discount": float(spec["discount_percent"]),
                "tax_id": [(6, 0, taxes.ids)],
                "channel_line_id": spec.get("external_id"),
            }
            if spec["kind"] == "shipping":
                values.update(product_id=shipping_product.id, is_delivery=True)
            elif spec["variant_external_id"] in by_variant:
                values["product_id"] = by_variant[spec["variant_external_id"]].id
            elif spec["sku"] in products:
                values["product_id"] = products[spec["sku"]].id
            else:
                unknown.add(spec["sku"])
                values.update(
                    product_id=placeholder.id,
                    channel_unknown_sku=True,
                    name=_(
                        "[%(sku)s] %(name)s (unknown SKU)",
                        sku=spec["sku"] or "?",
                        name=spec["name"],
                    ),
                )
            lines.append(values)
        return lines, unknown, missing_taxes

    @api.model
    def _order_taxes(self, backend, rates, included, country, missing):
        """The Odoo taxes of these platform rates (0.2 for 20 %), by the backend's tax
        mapping; a rate without a mapping is added to ``missing`` (a set) instead."""
        Mapping = self.env["integration.tax.mapping"]
        taxes = self.env["account.tax"]
        for rate in rates:
            percent = float(to_decimal(rate) * 100)
            mapping = Mapping._find(backend, percent, included, country)
            if mapping:
                taxes |= mapping.tax_id
            else:
                missing.add((percent, bool(included), country.code or ""))
        return taxes

    @api.model
    def _order_pricing(self, backend, order):
        """How the order is priced: ``{"pricelist", "factor", "missing_rate", "date"}``.

        In the company's currency: as sent. In another currency, by the backend's
        policy: converted (``factor``: company currency per unit of the order's, at the
        order date's rate), or on a price list of that currency. Without a rate on that
        date (or, to keep the currency, with the currency inactive), the order is priced
        in its own currency as sent and ``missing_rate`` holds it back as a quotation:
        a currency is never activated here, nor an amount converted at a rate of 1."""
        company = backend.company_id
        date = fields.Datetime.to_datetime(order.get("created_at")) or fields.Datetime.now()
        date = date.date()
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", order.get("currency") or company.currency_id.name)], limit=1)
        )
        if not currency:
            raise PermanentError(
                _(
                    "The order is in %(code)s, a currency Odoo does not know.",
                    code=order["currency"],
                )
            )
        pricing = {"factor": 1, "missing_rate": False, "date": date}
        if currency == company.currency_id:
            return dict(pricing, pricelist=self._order_pricelist(backend, currency))
        has_rate = bool(
            self.env["res.currency.rate"].search_count(
                [
                    ("currency_id", "=", currency.id),
                    ("name", "<=", date),
                    ("company_id", "in", (False, company.root_id.id)),
                ],
                limit=1,
            )
        )
        if has_rate and backend.order_currency_policy == "convert":
            factor = currency._get_conversion_rate(currency, company.currency_id, company, date)
            return dict(
                pricing,
                factor=factor,
                pricelist=self._order_pricelist(backend, company.currency_id),
            )
        return dict(
            pricing,
            pricelist=self._order_pricelist(backend, currency),
            missing_rate=not (has_rate and currency.active),
        )

    @api.model
    def _order_pricelist(self, backend, currency):
        """The company's price list in ``currency``, created when there is none."""
        company = backend.company_id
        Pricelist = self.env["product.pricelist"]
        pricelist = Pricelist.search(
            [("currency_id", "=", currency.id), ("company_id", "in", (False, company.id))],
            limit=1,
        )
        return pricelist or Pricelist.create(
            {
                "name": "%s %s" % (backend._platform_label(), currency.name),
                "currency_id": currency.id,
                "company_id": company.id,
            }
        )

    @api.model
    def _order_partners(self, backend, order):
        """(customer, delivery address, invoice address).

        The customer is the partner bound to the platform's customer id on this
        backend (``integration.partner.binding``), created for it the first time; an
        email or a name alone never finds a partner (anyone can type any email at a
        checkout). A guest order (no customer id) gets a partner of its own, never
        merged with another. New partners belong to the backend's company; the
        addresses are contacts of that customer when they differ from it."""
        customer = order.get("customer") or {}
        email = order.get("email") or customer.get("email")
        billing = order.get("billing_address") or order.get("shipping_address") or {}
        name = (
            " ".join(p for p in (customer.get("first_name"), customer.get("last_name")) if p)
            or billing.get("name")
            or email
            or _(
                "%(platform)s customer %(order)s",
                platform=backend._platform_label(),
                order=order["name"],
            )
        )
        values = {
            "name": name,
            "email": email or False,
            "phone": customer.get("phone") or order.get("phone") or False,
            "company_id": backend.company_id.id,
            **self._order_address_values(billing),
        }
        if customer.get("external_id"):
            partner = self.env["integration.partner.binding"]._partner_of(
                backend, customer["external_id"], values
            )
        else:
            partner = self.env["res.partner"].create(values)
        shipping = self._order_child_address(partner, order.get("shipping_address"), "delivery")
        invoice = self._order_child_address(partner, order.get("billing_address"), "invoice")
        return partner, shipping, invoice

    @api.model
    def _order_child_address(self, partner, address, kind):
        if not address:
            return partner
        values = self._order_address_values(address)
        same = all(
            (partner[k].id if hasattr(partner[k], "id") else partner[k]) == v
            for k, v in values.items()
            if k in ("street", "zip", "city", "country_id")
        )
        if same:
            return partner
        child = partner.child_ids.filtered(
            lambda c: c.type == kind
            and c.street == values.get("street")
            and c.zip == values.get("zip")
        )[:1]
        return child or self.env["res.partner"].create(
            {
                "parent_id": partner.id,
                "type": kind,
                "name": address.get("name") or partner.name,
                "company_id": partner.company_id.id,
                **values,
            }
        )

    @api.model
    def _order_address_values(self, address):
        if not address:
            return {}
        country = self.env["res.country"].search(
            [("code", "=", (address.get("country_code") or "").upper())], limit=1
        )
        state = (
            self.env["res.country.state"].search(
                [("country_id", "=", country.id), ("code", "=", address.get("state_code") or "")],
                limit=1,
            )
            if country and address.get("state_code")
            else self.env["res.country.state"]
        )
        return {
            "street": address.get("street") or False,
            "street2": address.get("street2") or False,
            "city": address.get("city") or False,
            "zip": address.get("zip") or False,
            "country_id": country.id or False,
            "state_id": state.id or False,
            "phone": address.get("phone") or False,
        }

    @api.model
    def _refund_ids_text(self, refunds):
        return "\n".join(sorted({r["external_id"] for r in refunds if r.get("external_id")}))

    def _check_order_totals(self, order, factor=1):
        """Flag the order when Odoo's total differs from the platform's (converted by
        ``factor`` when the order was), for a person."""
        self.ensure_one()
        sale = self.odoo_id
        rounding = sale.currency_id.rounding
        mismatch = float_compare(
            sale.amount_total,
            float(to_decimal(order["total"])) * factor,
            precision_rounding=rounding,
        )
        unknown = any(sale.order_line.mapped("channel_unknown_sku"))
        self.write({"total_mismatch": bool(mismatch), "has_unknown_sku": unknown})
        if mismatch:
            platform = self.backend_id._platform_label()
            sale.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Total differs from %(platform)s", platform=platform),
                note=_(
                    "Odoo computes %(odoo)s for %(name)s, %(platform)s charged %(total)s "
                    "(expected from the lines: %(expected)s). Check taxes and discounts.",
                    odoo=sale.amount_total,
                    name=self.platform_order_name,
                    platform=platform,
                    total=order["total"],
                    expected=expected_total(order_line_specs(order), order["taxes_included"]),
                ),
            )
