import zlib
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.tools import float_compare

from ..mapping.order import (
    expected_total,
    normalize_graphql_order,
    normalize_webhook_order,
    order_line_specs,
)

NORMALIZERS = {"graphql": normalize_graphql_order, "webhook": normalize_webhook_order}


class ShopifyOrderBinding(models.Model):
    """A Shopify order and the one sale order it became. The (backend, external id)
    unique constraint of the binding makes a second sale order for the same Shopify
    order impossible, even when two deliveries of it are processed at once."""

    _name = "shopify.order.binding"
    _inherit = "integration.binding"
    _description = "Shopify Order"
    _rec_name = "shopify_name"

    odoo_id = fields.Many2one("sale.order", "Sale order", required=True, ondelete="cascade")
    shopify_name = fields.Char("Shopify order", readonly=True)
    shopify_updated_at = fields.Datetime("Updated on Shopify", readonly=True)
    shopify_total = fields.Monetary("Shopify total", readonly=True, currency_field="currency_id")
    currency_id = fields.Many2one(related="odoo_id.currency_id")
    total_mismatch = fields.Boolean(readonly=True)
    has_unknown_sku = fields.Boolean("Unknown SKU", readonly=True)

    _sql_constraints = [
        (
            "backend_odoo_unique",
            "unique(backend_id, odoo_id)",
            "This sale order already comes from a Shopify order.",
        )
    ]

    # ----------------------------------------------------------------- queueing
    @api.model
    def _shopify_enqueue_imports(self, backend, orders, source):
        """Queue one import per order (folded per order: the newest state wins)."""
        normalize = NORMALIZERS[source]
        Job = self.env["sync.job"]
        for order in orders:
            normalized = normalize(order)
            Job.enqueue(
                backend,
                "shopify_import_order",
                payload=normalized,
                dedupe_key="shopify-order:%s:%s" % (backend.id, normalized["external_id"]),
                name=_("Import Shopify order %(name)s", name=normalized["name"]),
            )

    @api.model
    def _shopify_normalize_webhook(self, payload):
        return normalize_webhook_order(payload)

    @api.model
    def _shopify_job_import(self, job):
        """Job handler: import the normalized order of the job's payload."""
        return self._shopify_import(job.backend_id, job.payload)

    # ------------------------------------------------------------------ import
    @api.model
    def _shopify_import(self, backend, order):
        """Create or update the sale order of a normalized Shopify order (idempotent).

        :return: the binding
        """
        # Two deliveries of one order wait for each other here; the second then
        # finds the binding (or, if its snapshot predates it, fails on the unique
        # constraint and is retried by the queue, and finds it then).
        lock = zlib.crc32(("shopify-order-%s-%s" % (backend.id, order["external_id"])).encode())
        self.env.cr.execute("SELECT pg_advisory_xact_lock(%s)", [lock])
        binding = self.search(
            [("backend_id", "=", backend.id), ("external_id", "=", order["external_id"])]
        )
        updated_at = fields.Datetime.to_datetime(order["updated_at"])
        if binding:
            if (
                binding.shopify_updated_at
                and updated_at
                and updated_at < binding.shopify_updated_at
            ):
                return binding  # an older state than the one imported
            binding._shopify_apply_update(order, updated_at)
            return binding
        sale = self._shopify_create_sale_order(backend, order)
        binding = self.create(
            {
                "backend_id": backend.id,
                "odoo_id": sale.id,
                "external_id": order["external_id"],
                "shopify_name": order["name"],
                "shopify_updated_at": updated_at,
                "shopify_total": float(Decimal(str(order["total"]))),
                "sync_state": "synced",
                "sync_date": fields.Datetime.now(),
            }
        )
        binding._shopify_check_totals(order)
        if order.get("cancelled"):
            sale._action_cancel()
        elif backend.shopify_order_mode == "confirmed":
            sale.action_confirm()
        return binding

    def _shopify_apply_update(self, order, updated_at):
        self.ensure_one()
        self.write({"shopify_updated_at": updated_at, "sync_date": fields.Datetime.now()})
        sale = self.odoo_id
        if order.get("cancelled") and sale.state != "cancel":
            if sale.picking_ids.filtered(lambda p: p.state == "done"):
                sale.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=_("Cancelled on Shopify after shipping"),
                    note=_(
                        "Shopify order %(name)s was cancelled but goods already left: "
                        "arrange the return or refund.",
                        name=self.shopify_name,
                    ),
                )
            else:
                sale._action_cancel()
                sale.message_post(
                    body=_(
                        "Cancelled because Shopify order %(name)s was cancelled.",
                        name=self.shopify_name,
                    )
                )

    @api.model
    def _shopify_create_sale_order(self, backend, order):
        company = backend.company_id
        partner, shipping, invoice = self._shopify_partners(order, company)
        lines, unknown = self._shopify_order_lines(order, company)
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
                    "origin": "Shopify %s" % order["name"],
                    "date_order": order.get("created_at") or fields.Datetime.now(),
                    "pricelist_id": self._shopify_pricelist(order["currency"], company).id,
                    "order_line": [(0, 0, line) for line in lines],
                }
            )
        )
        if unknown:
            sale.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Unknown SKU in Shopify order"),
                note=_(
                    "Shopify order %(name)s has items whose SKU no Odoo product has: "
                    "%(skus)s. Create or fix those products, then replace the flagged lines.",
                    name=order["name"],
                    skus=", ".join(sorted(s or _("(no SKU)") for s in unknown)),
                ),
            )
        return sale

    @api.model
    def _shopify_order_lines(self, order, company):
        """sale.order.line values for the order's items and shipping, and the SKUs no
        Odoo product has (those lines use the placeholder product, flagged)."""
        Product = self.env["product.product"].with_context(active_test=False)
        specs = order_line_specs(order)
        skus = {s["sku"] for s in specs if s["kind"] == "product" and s["sku"]}
        products = {
            p.default_code: p
            for p in Product.search(
                [("default_code", "in", list(skus)), ("company_id", "in", (False, company.id))]
            )
        }
        placeholder = self.env.ref("shopify_connector.product_unknown_item")
        shipping_product = self.env.ref("shopify_connector.product_shipping")
        lines, unknown = [], set()
        for spec in specs:
            taxes = self._shopify_taxes(spec["tax_rates"], order["taxes_included"], company)
            values = {
                "name": spec["name"],
                "product_uom_qty": spec["quantity"],
                "price_unit": float(spec["price_unit"]),
                "discount": float(spec["discount_percent"]),
                "tax_id": [(6, 0, taxes.ids)],
                "shopify_line_id": spec.get("external_id"),
            }
            if spec["kind"] == "shipping":
                values.update(product_id=shipping_product.id, is_delivery=True)
            elif spec["sku"] in products:
                values["product_id"] = products[spec["sku"]].id
            else:
                unknown.add(spec["sku"])
                values.update(
                    product_id=placeholder.id,
                    shopify_unknown_sku=True,
                    name=_(
                        "[%(sku)s] %(name)s (unknown SKU)",
                        sku=spec["sku"] or "?",
                        name=spec["name"],
                    ),
                )
            lines.append(values)
        return lines, unknown

    @api.model
    def _shopify_taxes(self, rates, included, company):
        """The sale taxes of these rates (0.2 for 20 %), created when missing."""
        Tax = self.env["account.tax"].with_company(company)
        taxes = Tax
        for rate in rates:
            amount = float(Decimal(str(rate)) * 100)
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
                        "name": "Shopify %s%%%s" % (("%g" % amount), " incl." if included else ""),
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
    def _shopify_pricelist(self, currency_code, company):
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
                "name": "Shopify %s" % currency.name,
                "currency_id": currency.id,
                "company_id": company.id,
            }
        )

    @api.model
    def _shopify_partners(self, order, company):
        """(customer, delivery address, invoice address): the customer matched by
        email, else created; addresses as children when they differ from it."""
        Partner = self.env["res.partner"].with_company(company)
        customer = order.get("customer") or {}
        email = (order.get("email") or customer.get("email") or "").strip()
        billing = order.get("billing_address") or order.get("shipping_address") or {}
        name = (
            " ".join(p for p in (customer.get("first_name"), customer.get("last_name")) if p)
            or billing.get("name")
            or email
            or _("Shopify customer %(order)s", order=order["name"])
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
                    **self._shopify_address_values(billing),
                }
            )
        shipping = self._shopify_child_address(partner, order.get("shipping_address"), "delivery")
        invoice = self._shopify_child_address(partner, order.get("billing_address"), "invoice")
        return partner, shipping, invoice

    @api.model
    def _shopify_child_address(self, partner, address, kind):
        if not address:
            return partner
        values = self._shopify_address_values(address)
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
    def _shopify_address_values(self, address):
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

    def _shopify_check_totals(self, order):
        """Flag the order when Odoo's total differs from Shopify's, for a person."""
        self.ensure_one()
        sale = self.odoo_id
        rounding = sale.currency_id.rounding
        mismatch = float_compare(
            sale.amount_total, float(Decimal(str(order["total"]))), precision_rounding=rounding
        )
        unknown = any(sale.order_line.mapped("shopify_unknown_sku"))
        self.write({"total_mismatch": bool(mismatch), "has_unknown_sku": unknown})
        if mismatch:
            sale.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Total differs from Shopify"),
                note=_(
                    "Odoo computes %(odoo)s for %(name)s, Shopify charged %(shopify)s "
                    "(expected from the lines: %(expected)s). Check taxes and discounts.",
                    odoo=sale.amount_total,
                    name=self.shopify_name,
                    shopify=order["total"],
                    expected=expected_total(order_line_specs(order), order["taxes_included"]),
                ),
            )
