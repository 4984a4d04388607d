"""Two workers at the same moment, with committed data and real cursors: importing the
same Shopify order (orders/create and orders/updated delivered together), a refund
delivered while the poll imports the same order, and exporting the first products of
a shop and of a category."""

import json
import time
import uuid

import psycopg2

from odoo import api
from odoo.tests import tagged
from odoo.tests.common import BaseCase

from odoo.addons.integration_base.tests.common import CommittedData, run_in_threads

from .common import CommittedShopMixin

ORDER = {
    "external_id": "gid://shopify/Order/777000111",
    "name": "#7770",
    "email": "race@example.com",
    "phone": None,
    "currency": "USD",
    "created_at": "2026-11-26 10:00:00",
    "updated_at": "2026-11-26 10:00:00",
    "cancelled": False,
    "financial_status": "paid",
    "taxes_included": False,
    "customer": {
        "external_id": None,
        "email": "race@example.com",
        "first_name": "Ray",
        "last_name": "Ce",
        "phone": None,
    },
    "shipping_address": None,
    "billing_address": None,
    "lines": [
        {
            "external_id": "gid://shopify/LineItem/1",
            "variant_external_id": None,
            "sku": "RACE-NOT-IN-ODOO",
            "name": "Mystery part",
            "quantity": 1,
            "unit_price": "25.00",
            "discount": "0",
            "taxes": [],
        }
    ],
    "shipping": [],
    "total": "25.00",
    "total_tax": "0",
    "total_discount": "0",
    "subtotal": "25.00",
}


@tagged("post_install", "-at_install")
class TestConcurrentDeliveries(BaseCase):
    def setUp(self):
        super().setUp()
        self.data = CommittedData(self)
        self.backend_id = self.data.backend(
            name="Race shop",
            api_url="http://127.0.0.1:9",
            order_mode="quotation",
            state="connected",
        )
        self.addCleanup(self.cleanup_orders)

    def cleanup_orders(self):
        with self.data.env() as env:
            bindings = env["shopify.order.binding"].search([("backend_id", "=", self.backend_id)])
            sales = bindings.odoo_id
            partners = sales.partner_id | sales.partner_shipping_id | sales.partner_invoice_id
            bindings.unlink()
            sales.unlink()
            env["integration.partner.binding"].search(
                [("backend_id", "=", self.backend_id)]
            ).unlink()
            partners.unlink()

    def import_order(self, _index, outcomes):
        for _attempt in range(3):  # as the queue retries a job on these errors
            with self.data.registry.cursor() as cr:
                env = api.Environment(cr, api.SUPERUSER_ID, {})
                try:
                    env["shopify.order.binding"]._import_order(
                        env["integration.backend"].browse(self.backend_id), ORDER
                    )
                    env.flush_all()
                    # A worker's commit, on its own cursor.
                    cr.commit()  # pylint: disable=invalid-commit
                    outcomes.append("imported")
                    return
                except (psycopg2.IntegrityError, psycopg2.errors.SerializationFailure) as exc:
                    cr.rollback()
                    outcomes.append(type(exc).__name__)
        outcomes.append("gave up")

    def test_one_sale_order_whatever_the_interleaving(self):
        outcomes = []
        run_in_threads(2, lambda index: self.import_order(index, outcomes))
        self.assertEqual(outcomes.count("imported"), 2, outcomes)
        with self.data.env() as env:
            bindings = env["shopify.order.binding"].search(
                [("backend_id", "=", self.backend_id), ("external_id", "=", ORDER["external_id"])]
            )
            self.assertEqual(len(bindings), 1)
            self.assertEqual(
                env["sale.order"].search_count([("client_order_ref", "=", ORDER["name"])]), 1
            )

    def test_two_orders_of_one_new_customer_in_two_workers_give_one_partner(self):
        customer = {
            "external_id": "gid://shopify/Customer/777000222",
            "email": "twice@example.com",
            "first_name": "Tw",
            "last_name": "Ice",
            "phone": None,
        }
        with self.data.env() as env:
            backend = env["integration.backend"].browse(self.backend_id)
            for number in (1, 2):
                order = dict(
                    ORDER,
                    external_id="gid://shopify/Order/77700022%s" % number,
                    name="#772%s" % number,
                    email=customer["email"],
                    customer=customer,
                )
                env["sync.job"].enqueue(
                    backend, "shopify_import_order", payload=order, name=order["name"]
                )
        # Each worker takes one job; the one that loses the race on the customer is
        # retried by the queue (a unique violation is transient) within idle_wait.
        run_in_threads(
            2,
            lambda _index: self.run_worker(batch_size=1, idle_wait=20),
        )
        with self.data.env() as env:
            jobs = env["sync.job"].search([("backend_id", "=", self.backend_id)])
            self.assertEqual(set(jobs.mapped("state")), {"done"}, jobs.mapped("last_error"))
            sales = (
                env["shopify.order.binding"].search([("backend_id", "=", self.backend_id)]).odoo_id
            )
            self.assertEqual(len(sales), 2)
            self.assertEqual(len(sales.partner_id), 1, "one partner for one customer")
            self.assertEqual(
                env["res.partner"].search_count([("email", "=", "twice@example.com")]), 1
            )
            self.assertEqual(
                env["integration.partner.binding"].search_count(
                    [("backend_id", "=", self.backend_id)]
                ),
                1,
            )

    def run_worker(self, **kwargs):
        with self.data.env() as env:
            return env["sync.job"]._cron_run_jobs("shopify", **kwargs)


@tagged("post_install", "-at_install")
class TestConcurrentFirstExports(CommittedShopMixin, BaseCase):
    def setUp(self):
        super().setUp()
        self.addCleanup(self.delete_category)  # after the products that use it
        self.setup_committed_shop()
        with self.data.env() as env:
            self.category_id = env["product.category"].create({"name": "Race ignition"}).id

    def delete_category(self):
        with self.data.env() as env:
            env["product.category"].browse(self.category_id).unlink()

    def test_definitions_and_collection_are_created_once(self):
        skus = ["IGN-%s" % i for i in range(6)]
        self.committed_templates(skus, categ_id=self.category_id)
        run_in_threads(2, lambda _index: self.run_worker(batch_size=1, idle_wait=0))
        state = self.shop.control("GET", "state")
        collections = [c for c in state["collections"] if c["title"] == "Race ignition"]
        self.assertEqual(len(collections), 1)
        self.assertEqual(len(collections[0]["product_ids"]), 6)
        with self.data.env() as env:
            jobs = env["sync.job"].search(
                [("backend_id", "=", self.backend_id), ("operation", "=", "shopify_export_product")]
            )
            self.assertEqual(set(jobs.mapped("state")), {"done"}, jobs.mapped("last_error"))
            self.assertFalse(any(jobs.mapped("error_kind")))
            pids = set(jobs.mapped("worker_pid"))
        self.assertEqual(len(pids), 2, "both workers exported")
        definitions = self.shop.gql(
            """{ metafieldDefinitions(first: 50, ownerType: PRODUCT, namespace: "motorparts")
                 { nodes { key } } }"""
        )["data"]["metafieldDefinitions"]["nodes"]
        keys = [d["key"] for d in definitions]
        self.assertEqual(sorted(keys), sorted(set(keys)))
        self.assertIn("fitment", keys)


@tagged("post_install", "-at_install")
class TestRefundRace(CommittedShopMixin, BaseCase):
    """refunds/create and the poll apply the same refund of the same order in two
    workers at once: one credit note."""

    def setUp(self):
        super().setUp()
        self.setup_committed_shop(
            sandbox_options={"plan": "plus"},
            shopify_plan="plus",
            order_currency_policy="pricelist",
            state="connected",
        )
        self.addCleanup(self.delete_orders)
        with self.data.env() as env:
            # The shop sells in the company's currency (no rate to commit).
            self.sandbox.app.store.currency = env.company.currency_id.name
            env["integration.backend"].browse(self.backend_id)._set_credential(
                "webhook_secret", "sandbox-client-secret"
            )
        self.committed_templates(["RACE-R1"], list_price=10.0)
        self.run_worker(idle_wait=0)

    def delete_orders(self):
        with self.data.env() as env:
            bindings = env["shopify.order.binding"].search([("backend_id", "=", self.backend_id)])
            sales = bindings.odoo_id
            moves = sales.order_line.invoice_lines.move_id | env["account.move"].search(
                [("invoice_origin", "in", sales.mapped("name"))]
            )
            moves.button_draft()
            moves.with_context(force_delete=True).unlink()
            sales._action_cancel()
            sales.picking_ids.move_ids.unlink()
            sales.picking_ids.unlink()
            partners = sales.partner_id | sales.partner_shipping_id | sales.partner_invoice_id
            bindings.unlink()
            sales.unlink()
            env["integration.partner.binding"].search(
                [("backend_id", "=", self.backend_id)]
            ).unlink()
            env["integration.webhook.event"].search([("backend_id", "=", self.backend_id)]).unlink()
            partners.unlink()

    def poll(self):
        with self.data.env() as env:
            backend = env["integration.backend"].browse(self.backend_id)
            env["sync.job"].enqueue(backend, "shopify_poll_orders", backend)

    def test_a_refund_webhook_and_the_poll_give_one_credit_note(self):
        order = self.shop.control(
            "POST",
            "orders",
            {
                "email": "race@example.com",
                "line_items": [{"sku": "RACE-R1", "quantity": 3, "price": "10.00"}],
                "shipping": {"title": "Standard", "price": "5.00"},
                "allow_oversell": True,
            },
        )["order"]
        self.poll()
        self.run_worker(idle_wait=0)
        with self.data.env() as env:
            backend = env["integration.backend"].browse(self.backend_id)
            binding = env["shopify.order.binding"].search([("backend_id", "=", backend.id)])
            binding.odoo_id._create_invoices().action_post()
            backend._shopify_client().webhook_subscription_create(
                "REFUNDS_CREATE", "https://odoo.invalid/shopify/webhook/recorded"
            )
        refund = self.shop.control(
            "POST",
            "orders/%s/refund" % order["id"],
            # 15.00 worth (an item and the shipping), 14.00 returned
            {
                "line_items": [{"sku": "RACE-R1", "quantity": 1}],
                "shipping": {"full_refund": True},
                "amount": "14.00",
            },
        )["refund"]
        (delivery,) = self.shop.control("GET", "webhooks/deliveries?topic=refunds/create")[
            "deliveries"
        ]
        with self.data.env() as env:
            target = env["integration.backend"]._webhook_target(self.backend_id)
            env["integration.webhook.event"]._store_delivery(
                target, str(uuid.uuid4()), "refunds/create", {}, json.dumps(delivery["payload"])
            )
        self.poll()
        # The webhook's job reads the order and applies it; the poll's job queues the
        # same order's import: two workers, one job at a time each. The one that loses
        # the race is retried by the queue after its backoff.
        for _round in range(30):
            run_in_threads(2, lambda _index: self.run_worker(batch_size=1, idle_wait=2))
            with self.data.env() as env:
                if not env["sync.job"].search_count(
                    [("backend_id", "=", self.backend_id), ("state", "=", "pending")]
                ):
                    break
            time.sleep(1)
        with self.data.env() as env:
            jobs = env["sync.job"].search([("backend_id", "=", self.backend_id)])
            self.assertEqual(set(jobs.mapped("state")), {"done"}, jobs.mapped("last_error"))
            self.assertIn("shopify_import_order", jobs.mapped("operation"))
            binding = env["shopify.order.binding"].search([("backend_id", "=", self.backend_id)])
            sale = binding.odoo_id
            credit_notes = env["account.move"].search(
                [("move_type", "=", "out_refund"), ("invoice_origin", "=", sale.name)]
            )
            self.assertEqual(credit_notes.mapped("amount_total"), [14.0])
            self.assertEqual(binding.platform_refund_ids, refund["admin_graphql_api_id"])
            self.assertEqual(sale.order_line.filtered("channel_line_id").product_uom_qty, 2)
