"""Edits and refunds made on Shopify (the sandbox) reach the sale order: through the
poll alone (the order as it is now), and through Shopify's own refunds/create and
orders/edited webhooks (stored as the route stores them, processed by the queue),
each refund credited once, for exactly what Shopify returned."""

import json
import uuid

from odoo.tests import tagged

from .common import ShopifyCase

ADDRESS = {
    "first_name": "Rhea",
    "last_name": "Fund",
    "address1": "3 Quay Street",
    "city": "Hull",
    "zip": "HU1 1AA",
    "country_code": "GB",
}
# Where the sandbox "sends" the refunds/create and orders/edited deliveries: a host it
# never contacts, so that each test hands the recorded body to Odoo itself.
RECORDED_URI = "https://odoo.invalid/shopify/webhook/recorded"


@tagged("post_install", "-at_install")
class TestRefundsAndEdits(ShopifyCase):
    # Each refund and edit makes the connector read the order again (593 points, and
    # 137 a refund): a Plus shop's bucket, so that the tests do not wait on its refill.
    sandbox_options = {"plan": "plus"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend.shopify_plan = "plus"
        cls.pad = cls.make_template(cls, "Brake pad set", "PAD-8", 40.0)
        cls.disc = cls.make_template(cls, "Brake disc", "DSC-8", 60.0, ["Front", "Rear"])
        for template in (cls.pad, cls.disc):
            for variant in template.product_variant_ids:
                cls.set_stock(cls, variant, 50)
        cls.env["shopify.product.binding"]._bind_and_export(cls.backend, cls.pad | cls.disc)
        cls.run_jobs(cls)
        client = cls.backend._shopify_client()
        for topic in ("REFUNDS_CREATE", "ORDERS_EDITED"):
            client.webhook_subscription_create(topic, RECORDED_URI)

    # ------------------------------------------------------------ helpers
    def place(self, lines, **extra):
        body = {
            "email": "rhea@example.com",
            "customer": {"first_name": "Rhea", "last_name": "Fund", "email": "rhea@example.com"},
            "line_items": lines,
            "shipping_address": ADDRESS,
            "billing_address": ADDRESS,
            "shipping": {"title": "Standard", "price": "7.50"},
            "tax_rate": "0.2",
            **extra,
        }
        return self.shop.control("POST", "orders", body)["order"]

    def poll(self):
        self.env["sync.job"].enqueue(self.backend, "shopify_poll_orders", self.backend)
        self.run_jobs()

    def sale_of(self, order):
        binding = self.env["shopify.order.binding"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("external_id", "=", order["admin_graphql_api_id"]),
            ]
        )
        self.assertEqual(len(binding), 1)
        return binding.odoo_id

    def shop_order(self, order):
        return next(o for o in self.state()["orders"] if o["id"] == order["id"])

    def refund(self, order, **body):
        return self.shop.control("POST", "orders/%s/refund" % order["id"], body)["refund"]

    def edit(self, order, **body):
        return self.shop.control("POST", "orders/%s/edit" % order["id"], body)["order_edit"]

    def deliver(self, topic):
        """Hand Odoo the last delivery of ``topic``, as the webhook route stores a
        verified one, and let the queue process it."""
        deliveries = self.shop.control("GET", "webhooks/deliveries?topic=%s" % topic)
        body = json.dumps(deliveries["deliveries"][-1]["payload"])
        target = self.env["integration.backend"]._webhook_target(self.backend.id)
        event_id, created = self.env["integration.webhook.event"]._store_delivery(
            target, str(uuid.uuid4()), topic, {}, body
        )
        self.assertTrue(created)
        self.run_jobs()
        event = self.env["integration.webhook.event"].browse(event_id)
        self.assertEqual(
            event.state, "done", [(j.state, j.error_kind, j.last_error) for j in event.job_id]
        )
        return event

    def invoice(self, sale):
        sale._create_invoices().action_post()

    def credit_notes(self, sale):
        return self.env["account.move"].search(
            [("move_type", "=", "out_refund"), ("invoice_origin", "=", sale.name)]
        )

    def quantities(self, sale):
        return {
            line.product_id.default_code: line.product_uom_qty
            for line in sale.order_line
            if not line.is_delivery
        }

    # ------------------------------------------------------------ the poll alone
    def test_the_poll_imports_an_edited_and_refunded_order_as_it_is_now(self):
        lines = [
            {"sku": "PAD-8", "quantity": 3},
            {"sku": "DSC-8-FRONT", "quantity": 1},
            {"sku": "DSC-8-REAR", "quantity": 2},
        ]
        imported = self.place(lines)
        self.poll()
        unseen = self.place(lines)  # edited and refunded before Odoo ever saw it
        for order in (imported, unseen):
            self.edit(
                order,
                set_quantity=[
                    {"sku": "PAD-8", "quantity": 2},
                    {"sku": "DSC-8-FRONT", "quantity": 0},
                ],
            )
            self.refund(order, line_items=[{"sku": "DSC-8-REAR", "quantity": 1}])
        self.poll()  # no webhook: the poll alone
        expected = {
            imported["id"]: {"PAD-8": 2, "DSC-8-FRONT": 0, "DSC-8-REAR": 1},
            unseen["id"]: {"PAD-8": 2, "DSC-8-REAR": 1},  # imported as it is now
        }
        for order in (imported, unseen):
            sale, current = self.sale_of(order), self.shop_order(order)
            self.assertEqual(self.quantities(sale), expected[order["id"]])
            # 2 x 40 + 60 + 7.50, 20 % VAT
            self.assertEqual(current["current_total_price"], "177.00")
            self.assertAlmostEqual(sale.amount_total, 177.0, 2)
            self.assertFalse(self.credit_notes(sale), "nothing was invoiced")
            self.assertIn(
                current["refunds"][0]["admin_graphql_api_id"],
                sale.shopify_binding_ids.platform_refund_ids,
            )
        moves = self.sale_of(imported).picking_ids.move_ids.filtered(
            lambda m: m.state not in ("done", "cancel")
        )
        self.assertEqual(
            {m.product_id.default_code: m.product_uom_qty for m in moves},
            {"PAD-8": 2, "DSC-8-REAR": 1},
            "what left the order is no longer to deliver",
        )

    # ------------------------------------------------------------ refunds/create
    def test_a_refund_is_credited_for_what_shopify_returned_once(self):
        order = self.place([{"sku": "PAD-8", "quantity": 3}])
        self.poll()
        sale = self.sale_of(order)
        self.invoice(sale)
        # One pad (48.00 with VAT) and the shipping (9.00): 57.00 worth, 50.00 returned.
        refund = self.refund(
            order,
            line_items=[{"sku": "PAD-8", "quantity": 1, "restock_type": "cancel"}],
            shipping={"full_refund": True},
            amount="50.00",
        )
        self.assertEqual(refund["order_adjustments"][0]["kind"], "refund_discrepancy")
        event = self.deliver("refunds/create")
        self.assertEqual(self.quantities(sale), {"PAD-8": 2})
        credit_note = self.credit_notes(sale)
        self.assertEqual(len(credit_note), 1)
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(credit_note.currency_id, sale.currency_id)
        self.assertAlmostEqual(credit_note.amount_total, 50.0, 2)
        self.assertIn(refund["admin_graphql_api_id"], credit_note.ref)
        pad = sale.order_line.filtered(lambda line: not line.is_delivery)
        self.assertEqual((pad.qty_invoiced, pad.qty_to_invoice), (2, 0))
        # The same refund again: replayed, read by the poll, delivered twice.
        event.action_replay()
        self.run_jobs()
        self.poll()
        self.deliver("refunds/create")
        self.assertEqual(len(self.credit_notes(sale)), 1, "one refund, one credit note")

    def test_a_refund_after_delivery_with_and_without_restock(self):
        order = self.place([{"sku": "PAD-8", "quantity": 2}, {"sku": "DSC-8-FRONT", "quantity": 2}])
        self.poll()
        sale = self.sale_of(order)
        self.invoice(sale)
        picking = sale.picking_ids
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking.button_validate()
        self.run_jobs()  # fulfilled on Shopify too
        self.assertEqual(self.shop_order(order)["fulfillment_status"], "fulfilled")
        self.refund(
            order,
            line_items=[
                {"sku": "PAD-8", "quantity": 2, "restock_type": "return"},
                {"sku": "DSC-8-FRONT", "quantity": 1, "restock_type": "no_restock"},
            ],
        )
        self.deliver("refunds/create")
        self.assertEqual(self.quantities(sale), {"PAD-8": 2, "DSC-8-FRONT": 2}, "delivered")
        (activity,) = sale.activity_ids.filtered(
            lambda a: a.summary == "Refunded or removed after delivery"
        )
        self.assertIn("2 [PAD-8] Brake pad set (restocked on the platform", activity.note)
        self.assertIn("1 [DSC-8-FRONT] Brake disc (Front).", activity.note)
        self.assertNotIn("Front) (restocked", activity.note, "not restocked: nothing comes back")
        credit_note = self.credit_notes(sale)
        self.assertAlmostEqual(credit_note.amount_total, (80 + 60) * 1.2, 2)
        for line in sale.order_line.filtered(lambda line: not line.is_delivery):
            self.assertEqual(line.qty_to_invoice, 0, "refunded units are not invoiced again")
        self.poll()
        self.assertEqual(len(self.credit_notes(sale)), 1)
        self.assertEqual(
            len(sale.activity_ids.filtered(lambda a: a.summary == activity.summary)), 1
        )

    def test_a_refund_of_shipping_only(self):
        unbilled, billed = (
            self.place([{"sku": "PAD-8", "quantity": 1}]),
            self.place([{"sku": "PAD-8", "quantity": 1}]),
        )
        self.poll()
        self.invoice(self.sale_of(billed))
        for order in (unbilled, billed):
            self.refund(order, shipping={"full_refund": True})
            self.deliver("refunds/create")
        sale = self.sale_of(unbilled)
        self.assertEqual(sale.order_line.filtered("is_delivery").price_subtotal, 0)
        self.assertAlmostEqual(
            sale.amount_total, float(self.shop_order(unbilled)["current_total_price"]), 2
        )
        self.assertFalse(self.credit_notes(sale))
        self.assertFalse(sale.activity_ids.filtered(lambda a: "refund differs" in a.summary))
        credit_note = self.credit_notes(self.sale_of(billed))
        self.assertAlmostEqual(credit_note.amount_total, 9.0, 2)
        self.assertEqual(
            credit_note.invoice_line_ids.product_id,
            self.env.ref("shopify_connector.product_shipping"),
        )

    def test_a_refund_in_the_customer_currency_is_credited_in_shop_money(self):
        order = self.place(
            [{"sku": "PAD-8", "quantity": 2}], presentment_currency="EUR", presentment_rate="1.17"
        )
        self.poll()
        sale = self.sale_of(order)
        self.invoice(sale)
        refund = self.refund(order, line_items=[{"sku": "PAD-8", "quantity": 1}])
        self.assertEqual(refund["transactions"][0]["currency"], "EUR")
        self.assertEqual(refund["transactions"][0]["amount"], "56.16")
        self.deliver("refunds/create")
        self.assertEqual(sale.currency_id.name, "GBP")
        self.assertAlmostEqual(self.credit_notes(sale).amount_total, 48.0, 2)

    # ------------------------------------------------------------ orders/edited
    def test_an_edit_adding_an_item_without_sku_adds_its_bound_variant(self):
        order = self.place([{"sku": "PAD-8", "quantity": 1}])
        self.poll()
        sale = self.sale_of(order)
        rear = self.disc.product_variant_ids.filtered(lambda v: v.default_code == "DSC-8-REAR")
        variant = self.env["shopify.variant.binding"].search(
            [("backend_id", "=", self.backend.id), ("odoo_id", "=", rear.id)]
        )
        edit = self.edit(order, add=[{"variant_id": variant.external_id, "sku": "", "quantity": 1}])
        self.assertEqual(edit["order_id"], order["id"])
        added = next(
            line
            for line in self.shop_order(order)["line_items"]
            if line["id"] != order["line_items"][0]["id"]
        )
        self.assertIsNone(added["sku"], "Shopify sends the added item without a SKU")
        self.deliver("orders/edited")
        self.assertEqual(self.quantities(sale), {"PAD-8": 1, "DSC-8-REAR": 1})
        self.assertFalse(sale.shopify_binding_ids.has_unknown_sku)
        self.assertAlmostEqual(
            sale.amount_total, float(self.shop_order(order)["current_total_price"]), 2
        )
        moves = sale.picking_ids.move_ids.filtered(lambda m: m.product_id == rear)
        self.assertEqual(sum(moves.mapped("product_uom_qty")), 1, "to deliver")

    def test_a_goodwill_refund_before_invoicing_is_flagged_for_the_invoice(self):
        order = self.place([{"sku": "PAD-8", "quantity": 1}])
        self.poll()
        sale = self.sale_of(order)
        self.refund(order, amount="5.00", note="scratched box")
        self.deliver("refunds/create")
        self.assertEqual(self.quantities(sale), {"PAD-8": 1})
        self.assertFalse(self.credit_notes(sale), "no invoice to credit yet")
        (activity,) = sale.activity_ids.filtered(lambda a: "refund differs" in a.summary)
        self.assertIn("returned £&nbsp;5.00, £&nbsp;5.00 more than the items", activity.note)
        # Invoiced later, then refunded again: that one is a credit note.
        self.invoice(sale)
        self.refund(order, amount="2.00")
        self.deliver("refunds/create")
        self.assertEqual(self.credit_notes(sale).mapped("amount_total"), [2.0])

    def test_a_refund_body_without_order_or_of_an_unknown_order_fails_alone(self):
        target = self.env["integration.backend"]._webhook_target(self.backend.id)
        Event = self.env["integration.webhook.event"]
        bodies = {
            "refunds/create": '{"id": 1, "refund_line_items": []}',
            "orders/edited": '{"order_edit": {"order_id": 999999}}',
        }
        events = Event.browse(
            [
                Event._store_delivery(target, str(uuid.uuid4()), topic, {}, body)[0]
                for topic, body in bodies.items()
            ]
        )
        self.run_jobs()
        self.assertEqual(events.mapped("state"), ["failed", "failed"])
        self.assertEqual(events.job_id.mapped("error_kind"), ["permanent", "permanent"])
        self.assertFalse(any(events.job_id.mapped("traceback")), "data errors, not defects")
        self.assertIn("not a Shopify refund (it has no order id)", events[0].note)
        self.assertIn("Shopify has no order gid://shopify/Order/999999", events[1].note)
