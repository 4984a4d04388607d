from odoo import _, api, fields, models
from odoo.tools import float_compare

from odoo.addons.integration_base.exceptions import PermanentError

from ..tools.order import InvalidOrderData, expected_total, order_line_specs, to_decimal


class IntegrationOrderBinding(models.AbstractModel):
    """A platform's order and the one sale order it became.

    The import of a normalized order (``tools.order``) into a sale order, shared by
    every channel: exactly once per (backend, external id), whatever the number of
    deliveries and workers; lines, shipping, discounts, totals check, cancellation; a
    state older than the one imported is skipped.

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
        self.env.cr.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            ["%s:%s:%s" % (self._name, backend.id, order["external_id"])],
        )
        binding = self.search(
            [("backend_id", "=", backend.id), ("external_id", "=", order["external_id"])]
        )
        updated_at = fields.Datetime.to_datetime(order["updated_at"])
        if binding:
            if (
                binding.platform_updated_at
                and updated_at
                and updated_at < binding.platform_updated_at
            ):
                return binding  # an older state than the one imported
            binding._apply_order_update(order, updated_at)
            return binding
        sale = self._create_sale_order(backend, order)
        binding = self.create(
            {
                "backend_id": backend.id,
                "odoo_id": sale.id,
                "external_id": order["external_id"],
                "platform_order_name": order["name"],
                "platform_updated_at": updated_at,
                "platform_total": float(to_decimal(order["total"])),
                "sync_state": "synced",
                "sync_date": fields.Datetime.now(),
            }
        )
        binding._check_order_totals(order)
        if order.get("cancelled"):
            sale._action_cancel()
        elif backend.order_mode == "confirmed":
            sale.action_confirm()
        return binding

    def _apply_order_update(self, order, updated_at):
        self.ensure_one()
        self.write({"platform_updated_at": updated_at, "sync_date": fields.Datetime.now()})
        sale = self.odoo_id
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
    def _create_sale_order(self, backend, order):
        company = backend.company_id
        platform = backend._platform_label()
        partner, shipping, invoice = self._order_partners(backend, order)
        lines, unknown = self._order_lines(backend, order)
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
                    "pricelist_id": self._order_pricelist(backend, order["currency"]).id,
                    "order_line": [(0, 0, line) for line in lines],
                }
            )
        )
        if unknown:
            sale.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Unknown SKU in %(platform)s order", platform=platform),
                note=_(
                    "%(platform)s order %(name)s has items whose SKU no Odoo product has: "
                    "%(skus)s. Create or fix those products, then replace the flagged lines.",
                    platform=platform,
                    name=order["name"],
                    skus=", ".join(sorted(s or _("(no SKU)") for s in unknown)),
                ),
            )
        return sale

    @api.model
    def _order_lines(self, backend, order):
        """sale.order.line values for the order's items and shipping, and the SKUs no
        Odoo product has (those lines use the placeholder product, flagged)."""
        company = backend.company_id
        Product = self.env["product.product"].with_context(active_test=False)
        specs = order_line_specs(order)
        skus = {s["sku"] for s in specs if s["kind"] == "product" and s["sku"]}
        products = {
            p.default_code: p
            for p in Product.search(
                [("default_code", "in", list(skus)), ("company_id", "in", (False, company.id))]
            )
        }
        placeholder = self._channel_placeholder_product()
        shipping_product = self._channel_shipping_product()
        lines, unknown = [], set()
        for spec in specs:
            taxes = self._order_taxes(backend, spec["tax_rates"], order["taxes_included"])
            values = {
                "name": spec["name"],
                "product_uom_qty": spec["quantity"],
                "price_unit": float(spec["price_unit"]),
                "discount": float(spec["discount_percent"]),
                "tax_id": [(6, 0, taxes.ids)],
                "channel_line_id": spec.get("external_id"),
            }
            if spec["kind"] == "shipping":
                values.update(product_id=shipping_product.id, is_delivery=True)
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
        return lines, unknown

    @api.model
    def _order_taxes(self, backend, rates, included):
        """The sale taxes of these rates (0.2 for 20 %), created when missing."""
        company = backend.company_id
        Tax = self.env["account.tax"].with_company(company)
        taxes = Tax
        for rate in rates:
            amount = float(to_decimal(rate) * 100)
            tax = Tax.search(
                [
                    ("type_tax_use", "=", "sale"),
                    ("amount_type", "=", "percent"),
                    ("amount", "=", amount),
                    ("price_include", "=", bool(included)),
                    ("company_id", "=", company.id),
                ],
                limit=1,
            )
            if not tax:
                tax = Tax.create(
                    {
                        "name": "%s %s%%%s"
                        % (backend._platform_label(), "%g" % amount, " incl." if included else ""),
                        "type_tax_use": "sale",
                        "amount_type": "percent",
                        "amount": amount,
                        "price_include": bool(included),
                        "company_id": company.id,
                    }
                )
            taxes |= tax
        return taxes

    @api.model
    def _order_pricelist(self, backend, currency_code):
        company = backend.company_id
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", currency_code or company.currency_id.name)], limit=1)
        )
        if not currency.active:
            currency.active = True
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
        """(customer, delivery address, invoice address): the customer matched by
        email, else created; addresses as children when they differ from it."""
        Partner = self.env["res.partner"].with_company(backend.company_id)
        customer = order.get("customer") or {}
        email = (order.get("email") or customer.get("email") or "").strip()
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
        partner = (
            Partner.search([("email", "=ilike", email), ("parent_id", "=", False)], limit=1)
            if email
            else Partner
        )
        if not partner:
            partner = Partner.create(
                {
                    "name": name,
                    "email": email or False,
                    "phone": customer.get("phone") or order.get("phone") or False,
                    **self._order_address_values(billing),
                }
            )
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

    def _check_order_totals(self, order):
        """Flag the order when Odoo's total differs from the platform's, for a person."""
        self.ensure_one()
        sale = self.odoo_id
        rounding = sale.currency_id.rounding
        mismatch = float_compare(
            sale.amount_total, float(to_decimal(order["total"])), precision_rounding=rounding
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
