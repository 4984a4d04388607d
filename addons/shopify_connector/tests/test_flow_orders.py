import time

import psycopg2

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.integration_base.exceptions import PermanentError
from odoo.addons.integration_base.models.sync_job import classify_error

from .common import ShopifyCase
from .test_mapping_order import graphql_tax_excluded

ADDRESS = {
    "first_name": "Dana",
    "last_name": "Reyes",
    "address1": "12 Mill Road",
    "city": "Leeds",
    "zip": "LS1 4AP",
    "country_code": "GB",
}


@tagged("post_install", "-at_install")
class TestOrders(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pad = cls.make_template(cls, "Brake pad set", "PAD-7", 40.0)
        cls.disc = cls.make_template(cls, "Brake disc", "DSC-7", 60.0, ["Front", "Rear"])
        for template in (cls.pad, cls.disc):
            for variant in template.product_variant_ids:
                cls.set_stock(cls, variant, 20)
        cls.env["shopify.product.binding"]._bind_and_export(cls.backend, cls.pad | cls.disc)
        cls.run_jobs(cls)
        # An item only Shopify has, for the unknown-SKU case.
        cls.shop.control(
            "POST",
            "seed",
            {
                "products": [
                    {
                        "title": "Shopify-only mat",
                        "variants": [
                            {
                                "sku": "MAT-ONLY",
                                "price": "15.00",
                                "inventory": {"Main warehouse": 5},
                            }
                        ],
                    }
                ]
            },
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Dana Reyes", "email": "dana@example.com"}
        )

    def place(self, lines, **extra):
        order = self.shop.control(
            "POST",
            "orders",
            {
                "email": "dana@example.com",
                "customer": {
                    "first_name": "Dana",
                    "last_name": "Reyes",
                    "email": "dana@example.com",
                },
                "line_items": lines,
                "shipping_address": ADDRESS,
                "billing_address": ADDRESS,
                "shipping": {"title": "Standard", "price": "7.50"},
                "tax_rate": "0.2",
                **extra,
            },
        )
        return order.get("order", order)

    def poll(self):
        self.env["sync.job"].enqueue(self.backend, "shopify_poll_orders", self.backend)
        self.run_jobs()

    def binding_of(self, order):
        return self.env["shopify.order.binding"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("external_id", "=", order["admin_graphql_api_id"]),
            ]
        )

    def test_poll_imports_one_sale_order_with_matching_total(self):
        order = self.place(
            [{"sku": "PAD-7", "quantity": 2}, {"sku": "DSC-7-FRONT", "quantity": 1}],
            discount={"code": "SPRING", "amount": "5.00"},
        )
        self.poll()
        binding = self.binding_of(order)
        self.assertEqual(len(binding), 1)
        sale = binding.odoo_id
        self.assertNotEqual(sale.partner_id, self.customer, "an email alone matches no one")
        self.assertEqual(sale.state, "sale", "confirmed: stock is reserved")
        products = sale.order_line.filtered(lambda line: not line.is_delivery).mapped("product_id")
        self.assertEqual(sorted(products.mapped("default_code")), ["DSC-7-FRONT", "PAD-7"])
        self.assertTrue(sale.order_line.filtered("is_delivery"))
        self.assertAlmostEqual(sale.amount_total, float(order["total_price"]), places=2)
        self.assertFalse(binding.total_mismatch)
        # Polling again (or a replayed webhook) creates nothing.
        self.poll()
        self.assertEqual(len(self.binding_of(order)), 1)
        self.assertEqual(
            self.env["sale.order"].search_count([("client_order_ref", "=", order["name"])]), 1
        )

    def test_a_second_sale_order_for_one_shopify_order_is_impossible(self):
        order = self.place([{"sku": "PAD-7", "quantity": 1}])
        self.poll()
        binding = self.binding_of(order)
        other = self.env["sale.order"].create({"partner_id": self.customer.id})
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            self.env["shopify.order.binding"].create(
                {
                    "backend_id": self.backend.id,
                    "odoo_id": other.id,
                    "external_id": binding.external_id,
                }
            )
            self.env.flush_all()

    def test_unknown_sku_still_imports_with_a_flag_and_an_activity(self):
        order = self.place([{"sku": "MAT-ONLY", "quantity": 1}, {"sku": "PAD-7", "quantity": 1}])
        self.poll()
        binding = self.binding_of(order)
        sale = binding.odoo_id
        flagged = sale.order_line.filtered("channel_unknown_sku")
        self.assertEqual(len(flagged), 1)
        self.assertIn("MAT-ONLY", flagged.name)
        self.assertTrue(binding.has_unknown_sku)
        self.assertIn("MAT-ONLY", sale.activity_ids.note)
        self.assertAlmostEqual(sale.amount_total, float(order["total_price"]), places=2)

    def test_cancellation_cancels_the_sale_order(self):
        order = self.place([{"sku": "PAD-7", "quantity": 1}])
        self.poll()
        sale = self.binding_of(order).odoo_id
        self.shop.control("POST", "orders/%s/cancel" % order["id"], {"reason": "CUSTOMER"})
        self.poll()
        self.assertEqual(sale.state, "cancel")

    def test_partial_delivery_is_a_partial_fulfilment_with_tracking(self):
        order = self.place([{"sku": "PAD-7", "quantity": 3}])
        self.poll()
        sale = self.binding_of(order).odoo_id
        picking = sale.picking_ids
        self.assertEqual(len(picking), 1)
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking.carrier_tracking_ref = "1Z999AA10123456784"
        picking.with_context(skip_backorder=True).button_validate()
        self.assertEqual(picking.state, "done")
        self.assertTrue(picking.backorder_ids, "the last unit waits in a backorder")
        # Read before the job runs, as a person's screen would: the job's fulfilment
        # must show on this very record afterwards, not a stale cached "none".
        self.assertFalse(picking.shopify_fulfillment_id)
        # The fulfilment reads the order's fulfilment orders (an expensive query): when
        # earlier calls emptied the shop's cost bucket, the job waits for it to refill
        # (rate limited, back in the queue), so give the bucket real time, not rounds.
        for _attempt in range(40):
            self.run_jobs()
            if picking.shopify_fulfillment_id:
                break
            time.sleep(0.5)
        jobs = self.env["sync.job"].search([("res_model", "=", "stock.picking")])
        self.assertTrue(
            picking.shopify_fulfillment_id, [(j.state, j.error_kind, j.last_error) for j in jobs]
        )
        fulfillments = [
            f
            for f in self.state()["fulfillments"]
            if f["admin_graphql_api_id"] == picking.shopify_fulfillment_id
        ]
        self.assertEqual(len(fulfillments), 1)
        fulfillment = fulfillments[0]
        self.assertEqual(sum(li["quantity"] for li in fulfillment["line_items"]), 2)
        self.assertEqual(fulfillment["tracking_number"], "1Z999AA10123456784")
        shop_order = next(o for o in self.state()["orders"] if o["id"] == order["id"])
        self.assertEqual(shop_order["fulfillment_status"], "partial")

    # ------------------------------------------------------------ customer identity
    def normalized(self, external_id, customer=None, **extra):
        """A normalized order of one PAD-7, as a platform addon hands it to the core."""
        return {
            "external_id": external_id,
            "name": "#N-%s" % external_id.rsplit("/", 1)[-1],
            "email": (customer or {}).get("email"),
            "phone": None,
            "currency": self.env.company.currency_id.name,
            "created_at": "2026-01-05 08:30:00",
            "updated_at": "2026-01-05 08:30:00",
            "cancelled": False,
            "financial_status": "paid",
            "taxes_included": False,
            "customer": customer,
            "shipping_address": {
                "name": "Someone Else",
                "company": None,
                "street": "1 Other Street",
                "street2": None,
                "city": "York",
                "state_code": None,
                "zip": "YO1 7HH",
                "country_code": "GB",
                "phone": None,
            },
            "billing_address": None,
            "lines": [
                {
                    "external_id": external_id + "-line",
                    "variant_external_id": None,
                    "sku": "PAD-7",
                    "name": "Brake pad set",
                    "quantity": 1,
                    "unit_price": "40.00",
                    "discount": "0",
                    "taxes": [],
                }
            ],
            "shipping": [],
            "total": "40.00",
            "total_tax": "0",
            "total_discount": "0",
            "subtotal": "40.00",
            **extra,
        }

    def import_normalized(self, order):
        return self.env["shopify.order.binding"]._import_order(self.backend, order)

    def test_customer_is_the_partner_bound_to_the_platform_customer_id(self):
        first = self.place([{"sku": "PAD-7", "quantity": 1}])
        second = self.place([{"sku": "PAD-7", "quantity": 1}])
        self.poll()
        partner = self.binding_of(first).odoo_id.partner_id
        self.assertNotEqual(partner, self.customer, "same email, but not this backend's")
        self.assertEqual(partner.company_id, self.backend.company_id)
        self.assertEqual(self.binding_of(second).odoo_id.partner_id, partner, "same customer id")
        binding = self.env["integration.partner.binding"].search(
            [("backend_id", "=", self.backend.id), ("odoo_id", "=", partner.id)]
        )
        self.assertEqual(binding.external_id, first["customer"]["admin_graphql_api_id"])
        self.assertFalse(self.customer.child_ids, "no address added to someone else")

    def test_an_email_never_links_an_order_to_an_existing_partner(self):
        # A wildcard typed at a guest checkout (no platform customer) must not match
        # the first partner whose email fits the pattern, nor anyone's exact email.
        for index, email in enumerate(("%@example.com", "DANA@example.com")):
            guest = {
                "external_id": None,
                "email": email,
                "first_name": "Mallory",
                "last_name": None,
                "phone": None,
            }
            sale = self.import_normalized(
                self.normalized("gid://shopify/Order/99%s" % index, guest)
            ).odoo_id
            self.assertNotEqual(sale.partner_id, self.customer)
            self.assertEqual(sale.partner_id.company_id, self.backend.company_id)
            self.assertEqual(sale.partner_shipping_id.commercial_partner_id, sale.partner_id)
        self.assertFalse(self.customer.child_ids, "no address added to someone else")

    def test_guest_orders_get_a_partner_each(self):
        guest = {
            "external_id": None,
            "email": "guest@example.com",
            "first_name": "Gus",
            "last_name": "Guest",
            "phone": None,
        }
        first = self.import_normalized(self.normalized("gid://shopify/Order/981", guest))
        second = self.import_normalized(self.normalized("gid://shopify/Order/982", guest))
        self.assertNotEqual(first.odoo_id.partner_id, second.odoo_id.partner_id)

    # ------------------------------------------------------------ what real shops send
    def test_an_item_without_sku_matches_its_bound_variant(self):
        front = self.disc.product_variant_ids.filtered(lambda v: v.default_code == "DSC-7-FRONT")
        variant_binding = self.env["shopify.variant.binding"].search(
            [("backend_id", "=", self.backend.id), ("odoo_id", "=", front.id)]
        )
        order = self.place([{"variant_id": variant_binding.external_id, "sku": "", "quantity": 1}])
        self.assertIsNone(order["line_items"][0]["sku"], "the sandbox sends an empty SKU")
        self.poll()
        binding = self.binding_of(order)
        line = binding.odoo_id.order_line.filtered(lambda line: not line.is_delivery)
        self.assertEqual(line.product_id, front)
        self.assertFalse(binding.has_unknown_sku)

    def test_the_sale_order_keeps_the_platform_date_once_confirmed(self):
        sale = self.import_normalized(self.normalized("gid://shopify/Order/983")).odoo_id
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.date_order, fields.Datetime.to_datetime("2026-01-05 08:30:00"))

    def foreign_currency(self):
        """A currency the company does not use, inactive, without any rate."""
        currency = self.env.ref("base.CAD")
        if currency == self.env.company.currency_id:
            currency = self.env.ref("base.CHF")
        currency.rate_ids.unlink()
        currency.active = False
        return currency

    def test_an_order_in_a_currency_without_rate_waits_as_a_flagged_quotation(self):
        currency = self.foreign_currency()
        for policy in ("convert", "pricelist"):
            self.backend.order_currency_policy = policy
            binding = self.import_normalized(
                self.normalized("gid://shopify/Order/99%s" % policy, currency=currency.name)
            )
            sale = binding.odoo_id
            self.assertFalse(currency.active, "never activated behind anyone's back")
            self.assertEqual(sale.state, "draft", "held back, not confirmed")
            self.assertEqual(sale.currency_id, currency, "priced as the platform sent it")
            self.assertAlmostEqual(sale.amount_total, 40.0)
            self.assertIn("No %s rate" % currency.name, sale.activity_ids.mapped("summary"))

    def test_an_order_in_another_currency_is_converted_at_its_date_rate(self):
        currency = self.foreign_currency()
        company = self.env.company
        self.env["res.currency.rate"].create(
            [
                {"currency_id": currency.id, "name": "2025-12-01", "rate": 1.25},
                {"currency_id": currency.id, "name": "2026-02-01", "rate": 2.0},
            ]
        )
        self.backend.order_currency_policy = "convert"
        binding = self.import_normalized(
            self.normalized("gid://shopify/Order/988", currency=currency.name)
        )
        sale = binding.odoo_id
        self.assertEqual(sale.currency_id, company.currency_id)
        self.assertEqual(sale.state, "sale")
        self.assertFalse(currency.active)
        # 40.00 on 2026-01-05, at that day's 1.25 a unit of the company currency.
        self.assertAlmostEqual(sale.amount_total, 32.0)
        self.assertFalse(binding.total_mismatch)

    def taxed_line(self, order, rate):
        order["lines"][0]["taxes"] = [{"title": "VAT", "rate": rate, "amount": "0"}]
        order["shipping_address"]["country_code"] = "GB"
        return order

    def test_platform_taxes_are_the_mapped_taxes_under_their_group(self):
        group = self.env["account.tax.group"].create({"name": "UK VAT 20%"})
        uk_vat = self.env["account.tax"].create(
            {
                "name": "UK VAT 20% (sales)",
                "type_tax_use": "sale",
                "amount": 20.0,
                "tax_group_id": group.id,
            }
        )
        self.env["integration.tax.mapping"].create(
            {
                "backend_id": self.backend.id,
                "rate": 20.0,
                "country_id": self.env.ref("base.uk").id,
                "tax_id": uk_vat.id,
            }
        )
        order = self.taxed_line(self.normalized("gid://shopify/Order/989", total="48.00"), "0.2")
        sale = self.import_normalized(order).odoo_id
        self.assertEqual(sale.order_line.tax_id, uk_vat, "the country's mapping first")
        groups = [
            g["tax_group_name"] for g in sale.tax_totals["groups_by_subtotal"]["Untaxed Amount"]
        ]
        self.assertEqual(groups, ["UK VAT 20%"])
        self.assertEqual(sale.state, "sale")

    def test_a_tax_without_mapping_is_flagged_never_created(self):
        taxes_before = self.env["account.tax"].with_context(active_test=False).search_count([])
        order = self.taxed_line(self.normalized("gid://shopify/Order/990", total="44.00"), "0.1")
        sale = self.import_normalized(order).odoo_id
        self.assertEqual(
            self.env["account.tax"].with_context(active_test=False).search_count([]),
            taxes_before,
            "no tax without accounts",
        )
        self.assertEqual(sale.state, "draft", "held back until a person sets the taxes")
        note = sale.activity_ids.filtered(lambda a: a.summary == "Tax mapping missing").note
        self.assertIn("10% on top of prices in GB", note)

    # ------------------------------------------------------------ payment status
    def test_a_pending_order_waits_as_a_quotation_until_paid(self):
        order = self.normalized("gid://shopify/Order/991", financial_status="pending")
        binding = self.import_normalized(order)
        sale = binding.odoo_id
        self.assertEqual(sale.state, "draft")
        paid = dict(order, financial_status="paid", updated_at="2026-01-06 09:00:00")
        self.import_normalized(paid)
        self.assertEqual(sale.state, "sale", "confirmed once paid")
        self.assertEqual(sale.date_order, fields.Datetime.to_datetime("2026-01-05 08:30:00"))

    def test_a_voided_order_is_not_imported_and_a_voided_quotation_cancelled(self):
        voided = self.normalized("gid://shopify/Order/992", financial_status="voided")
        self.assertFalse(self.import_normalized(voided))
        self.assertFalse(self.env["sale.order"].search([("client_order_ref", "=", voided["name"])]))
        order = self.normalized("gid://shopify/Order/993", financial_status="pending")
        sale = self.import_normalized(order).odoo_id
        self.import_normalized(
            dict(order, financial_status="voided", updated_at="2026-01-06 09:00:00")
        )
        self.assertEqual(sale.state, "cancel")

    def test_which_statuses_confirm_is_a_backend_setting(self):
        self.backend.order_confirm_statuses = "paid"
        order = self.normalized("gid://shopify/Order/994", financial_status="authorized")
        self.assertEqual(self.import_normalized(order).odoo_id.state, "draft")

    def test_order_workflow_invoices_a_paid_order_and_registers_its_payment(self):
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.backend.company_id.id)], limit=1
        )
        self.backend.write({"order_invoice_paid": True, "order_payment_journal_id": journal.id})
        sale = self.import_normalized(self.normalized("gid://shopify/Order/997")).odoo_id
        invoice = sale.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(str(invoice.invoice_date), "2026-01-05")
        pending = self.import_normalized(
            self.normalized("gid://shopify/Order/998", financial_status="authorized")
        ).odoo_id
        self.assertEqual(pending.state, "sale")
        self.assertFalse(pending.invoice_ids, "authorized is not paid yet")

    # ------------------------------------------------------------ edits and refunds
    def edited(self, order, quantity, stamp="2026-01-06 09:00:00", **extra):
        """The order after an edit or a refund left ``quantity`` pads (current state)."""
        line = dict(order["lines"][0], quantity=quantity)
        return dict(order, lines=[line] if quantity else [], updated_at=stamp, **extra)

    def test_an_edit_reduces_what_is_not_delivered_yet(self):
        order = self.normalized("gid://shopify/Order/995")
        order["lines"][0]["quantity"] = 3
        sale = self.import_normalized(order).odoo_id
        self.import_normalized(self.edited(order, 1))
        line = sale.order_line.filtered("channel_line_id")
        self.assertEqual(line.product_uom_qty, 1)
        moves = sale.picking_ids.move_ids.filtered(lambda m: m.state != "cancel")
        self.assertEqual(sum(moves.mapped("product_uom_qty")), 1, "one left to deliver")
        self.assertEqual(moves.location_dest_id.usage, "customer", "and no return")
        # A state older than the edit (a late webhook delivery) never undoes it...
        self.import_normalized(dict(order, updated_at="2026-01-05 09:00:00"))
        self.assertEqual(line.product_uom_qty, 1)
        # ...and a newer one that adds units adds them.
        self.import_normalized(self.edited(order, 2, stamp="2026-01-07 09:00:00"))
        self.assertEqual(line.product_uom_qty, 2)
        moves = sale.picking_ids.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        self.assertEqual(sum(moves.mapped("product_uom_qty")), 2, "two to deliver")

    def test_a_refund_after_invoicing_is_a_credit_note_after_delivery_an_activity(self):
        order = self.normalized("gid://shopify/Order/996")
        order["lines"][0]["quantity"] = 3
        sale = self.import_normalized(order).odoo_id
        invoice = sale._create_invoices()
        invoice.action_post()
        picking = sale.picking_ids
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True).button_validate()
        refund = {
            "external_id": "gid://shopify/Refund/996",
            "created_at": "2026-01-06 09:00:00",
            "amount": "120.00",
            "lines": [
                {
                    "line_external_id": order["lines"][0]["external_id"],
                    "quantity": 3,
                    "amount": "120.00",
                    "restock": False,
                }
            ],
            "shipping": "0",
            "shipping_tax": "0",
        }
        self.import_normalized(self.edited(order, 0, refunds=[refund]))
        line = sale.order_line.filtered("channel_line_id")
        self.assertEqual(line.product_uom_qty, 2, "the delivered two stay, the third is gone")
        credit_note = self.env["account.move"].search(
            [("move_type", "=", "out_refund"), ("invoice_origin", "=", sale.name)]
        )
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(credit_note.amount_total, 120.0, "what the platform refunded")
        self.assertEqual(sum(credit_note.invoice_line_ids.mapped("quantity")), 3)
        self.assertEqual(line.qty_invoiced, 2, "the third unit credited on its line")
        self.assertEqual(line.qty_to_invoice, 0, "the two delivered are not invoiced again")
        undelivered = sale.picking_ids.move_ids.filtered(
            lambda m: m.state not in ("done", "cancel")
        )
        self.assertFalse(undelivered, "the third unit is no longer to be delivered")
        note = sale.activity_ids.filtered(
            lambda a: a.summary == "Refunded or removed after delivery"
        ).note
        self.assertIn("2 ", note)
        self.assertIn("Brake pad set", note)

    # ------------------------------------------------------------ team, salesperson
    def test_orders_carry_the_backend_team_salesperson_and_warehouse(self):
        salesperson = self.env["res.users"].create(
            {
                "name": "Channel seller",
                "login": "channel-seller",
                "groups_id": [(6, 0, [self.env.ref("sales_team.group_sale_salesman").id])],
            }
        )
        team = self.env["crm.team"].create({"name": "Web shop"})
        warehouse = self.env["stock.warehouse"].create({"name": "Web", "code": "WEB"})
        self.backend.write(
            {
                "order_team_id": team.id,
                "order_user_id": salesperson.id,
                "order_warehouse_id": warehouse.id,
            }
        )
        sale = self.import_normalized(self.normalized("gid://shopify/Order/984")).odoo_id
        self.assertEqual(
            (sale.team_id, sale.user_id, sale.warehouse_id), (team, salesperson, warehouse)
        )
        self.assertEqual(sale.picking_ids.picking_type_id.warehouse_id, warehouse)

    def test_without_settings_an_order_has_no_salesperson_not_the_worker(self):
        sale = self.import_normalized(self.normalized("gid://shopify/Order/985")).odoo_id
        self.assertFalse(sale.user_id)
        self.assertFalse(sale.team_id)

    # ------------------------------------------------------------ pathological amounts
    def test_an_infinite_amount_is_a_data_error_not_a_defect(self):
        body = {
            "id": 986,
            "name": "#986",
            "updated_at": "2026-01-05T08:30:00Z",
            "line_items": [{"id": 1, "sku": "PAD-7", "quantity": 1, "price": "1e999"}],
            "total_price": "40.00",
        }
        with self.assertRaises(PermanentError) as caught:
            self.env["shopify.order.binding"]._shopify_normalize_webhook(body)
        kind, message, _wait = classify_error(caught.exception)
        self.assertEqual(kind, "permanent")
        self.assertIn("1e999", message)
        self.assertNotIn("defect", message)

    def test_a_bad_order_of_a_polled_page_fails_alone(self):
        good, bad = graphql_tax_excluded(), graphql_tax_excluded()
        bad.update(id="gid://shopify/Order/987", name="#987")
        bad["currentTotalPriceSet"]["shopMoney"]["amount"] = "NaN"
        self.env["shopify.order.binding"]._shopify_enqueue_imports(
            self.backend, [good, bad], "graphql"
        )
        self.run_jobs()
        jobs = self.env["sync.job"].search(
            [("backend_id", "=", self.backend.id), ("operation", "=", "shopify_import_order")]
        )
        by_name = {job.name: job for job in jobs}
        failed = by_name["Import Shopify order #987"]
        self.assertEqual(failed.state, "failed")
        self.assertIn("NaN", failed.last_error)
        self.assertNotIn("defect", failed.last_error)
        self.assertEqual(by_name["Import Shopify order #1001"].state, "done")
