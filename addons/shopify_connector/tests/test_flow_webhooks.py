import json
import uuid

import requests

from odoo.tests import HttpCase, tagged

from odoo.addons.integration_base.tools.signature import hmac_sha256_base64

from .common import CLIENT_SECRET, SandboxMixin


@tagged("post_install", "-at_install")
class TestWebhooks(SandboxMixin, HttpCase):
    """Shopify (the sandbox) posts to the Odoo test server, signed as Shopify signs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_sandbox()
        cls.backend = cls.make_backend(shopify_webhook_base_url=cls.base_url())
        cls.template = cls.env["product.template"].create(
            {
                "name": "Oil filter",
                "default_code": "OIL-3",
                "list_price": 9.0,
                "detailed_type": "product",
            }
        )
        cls.env["shopify.product.binding"]._bind_and_export(cls.backend, cls.template)
        cls.run_jobs(cls)
        cls.backend.action_shopify_register_webhooks()
        cls.status_after_registration = cls.backend.shopify_webhook_status
        cls.topics_after_registration = {
            s["topic"] for s in cls.shop.control("GET", "state")["webhook_subscriptions"]
        }
        # Only orders/create is delivered by the sandbox from here on: its deliveries
        # arrive on the server thread, which shares the test transaction, so the test
        # waits for them to finish before it touches the database again.
        client = cls.backend._shopify_client()
        for subscription in client.webhook_subscriptions():
            if subscription["topic"] != "ORDERS_CREATE":
                client.webhook_subscription_delete(subscription["id"])

    def wait_for_deliveries(self):
        return self.shop.control("GET", "webhooks/deliveries?wait=15")

    def events(self, topic=None):
        domain = [("backend_id", "=", self.backend.id)]
        if topic:
            domain.append(("topic", "=", topic))
        return self.env["integration.webhook.event"].search(domain)

    def test_subscriptions_are_registered(self):
        self.assertIn("\u2713 orders/create", self.status_after_registration)
        self.assertNotIn("missing", self.status_after_registration)
        self.assertEqual(
            self.topics_after_registration,
            {
                "ORDERS_CREATE",
                "ORDERS_UPDATED",
                "ORDERS_CANCELLED",
                "ORDERS_EDITED",
                "REFUNDS_CREATE",
                "PRODUCTS_UPDATE",
                "INVENTORY_LEVELS_UPDATE",
                "APP_UNINSTALLED",
            },
        )

    def test_an_order_placed_on_shopify_becomes_a_sale_order(self):
        order = self.shop.control(
            "POST",
            "orders",
            {
                "email": "webhook@example.com",
                "line_items": [{"sku": "OIL-3", "quantity": 2}],
                "allow_oversell": True,
                "tax_rate": "0.2",
                "shipping_address": {
                    "first_name": "Al",
                    "last_name": "Webb",
                    "address1": "1 Way",
                    "city": "York",
                    "zip": "YO1 7HH",
                    "country_code": "GB",
                },
            },
        )
        order = order.get("order", order)
        deliveries = self.wait_for_deliveries()
        statuses = [d.get("status") for d in deliveries.get("deliveries", deliveries)]
        self.assertIn("delivered", statuses)
        event = self.events("orders/create")
        self.assertEqual(len(event), 1)
        self.assertEqual(event.state, "received", "answered at once, processed by the queue")
        self.run_jobs()
        self.assertEqual(event.state, "done")
        binding = self.env["shopify.order.binding"].search(
            [("external_id", "=", order["admin_graphql_api_id"])]
        )
        self.assertEqual(len(binding), 1)
        self.assertAlmostEqual(binding.odoo_id.amount_total, float(order["total_price"]), 2)

    def test_refunds_and_edits_arrive_signed_and_refresh_the_order(self):
        """Shopify's own refunds/create and orders/edited (bodies that are not orders)
        make Odoo read the order again: the edit and the refund reach the sale order."""
        client = self.backend._shopify_client()
        for topic in ("REFUNDS_CREATE", "ORDERS_EDITED"):
            subscription = client.webhook_subscription_create(
                topic, self.backend._shopify_webhook_uri()
            )
            self.addCleanup(client.webhook_subscription_delete, subscription["id"])
        order = self.shop.control(
            "POST",
            "orders",
            {
                "email": "refund@example.com",
                "line_items": [{"sku": "OIL-3", "quantity": 3}],
                "allow_oversell": True,
                "tax_rate": "0.2",
            },
        )["order"]
        self.wait_for_deliveries()
        self.run_jobs()
        binding = self.env["shopify.order.binding"].search(
            [("external_id", "=", order["admin_graphql_api_id"])]
        )
        sale = binding.odoo_id
        sale._create_invoices().action_post()
        self.shop.control(
            "POST",
            "orders/%s/edit" % order["id"],
            {"set_quantity": [{"sku": "OIL-3", "quantity": 2}]},
        )
        self.shop.control(
            "POST",
            "orders/%s/refund" % order["id"],
            {"line_items": [{"sku": "OIL-3", "quantity": 1}], "amount": "5.00"},
        )
        deliveries = self.wait_for_deliveries()["deliveries"]
        for topic in ("orders/edited", "refunds/create"):
            (delivery,) = [d for d in deliveries if d["topic"] == topic]
            self.assertEqual(delivery["status"], "delivered", delivery["attempts"])
            self.assertEqual(len(self.events(topic)), 1, "stored once, verified")
        self.run_jobs()
        self.assertEqual(set(self.events("refunds/create").mapped("state")), {"done"})
        self.assertEqual(sale.order_line.product_uom_qty, 1, "3, less one edited, one refunded")
        credit_notes = self.env["account.move"].search(
            [("move_type", "=", "out_refund"), ("invoice_origin", "=", sale.name)]
        )
        self.assertEqual(credit_notes.mapped("amount_total"), [5.0], "what Shopify refunded")

    def post(self, body, signature, delivery_id, topic="orders/create", shop=None, backend=None):
        return requests.post(
            "%s/shopify/webhook/%s" % (self.base_url(), (backend or self.backend).id),
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Shopify-Hmac-Sha256": signature,
                "X-Shopify-Topic": topic,
                "X-Shopify-Webhook-Id": delivery_id,
                "X-Shopify-Shop-Domain": shop or self.state()["shop"]["domain"],
            },
            timeout=20,
        )

    def test_the_shop_domain_is_learnt_and_another_shop_is_refused(self):
        self.assertEqual(self.backend.shopify_shop_domain, self.state()["shop"]["domain"])
        body = b'{"id": 2, "admin_graphql_api_id": "gid://shopify/Order/2"}'
        good = hmac_sha256_base64(CLIENT_SECRET, body)
        for shop in ("other-shop.myshopify.com", "sandbox-motor-parts.myshopify.com.evil.example"):
            response = self.post(body, good, str(uuid.uuid4()), shop=shop)
            self.assertEqual(response.status_code, 401, shop)
        self.assertFalse(self.events().filtered(lambda e: e.body == body.decode()))

    def test_unknown_backend_and_other_platform_answer_401(self):
        body = b'{"id": 3}'
        good = hmac_sha256_base64(CLIENT_SECRET, body)
        unknown = self.env["integration.backend"].browse(self.backend.id + 100000)
        self.assertEqual(self.post(body, good, "u-1", backend=unknown).status_code, 401)
        ebay = self.env["integration.backend"].create({"name": "Seller", "platform": "ebay"})
        self.assertEqual(self.post(body, good, "u-2", backend=ebay).status_code, 401)
        self.assertFalse(self.events().filtered(lambda e: e.body == body.decode()))

    def test_wrong_signature_is_refused_and_a_duplicate_is_ignored(self):
        body = json.dumps({"id": 1, "admin_graphql_api_id": "gid://shopify/Order/1"}).encode()
        delivery = str(uuid.uuid4())
        self.assertEqual(
            self.post(body, hmac_sha256_base64("nope", body), delivery).status_code, 401
        )
        self.assertFalse(self.events().filtered(lambda e: e.delivery_id == delivery))
        good = hmac_sha256_base64(CLIENT_SECRET, body)
        self.assertEqual(self.post(body, good, delivery).json()["status"], "accepted")
        self.assertEqual(self.post(body, good, delivery).json()["status"], "duplicate")
        self.assertEqual(len(self.events().filtered(lambda e: e.delivery_id == delivery)), 1)

    def test_concurrent_deliveries_of_one_order_make_one_sale_order(self):
        order = self.shop.control(
            "POST",
            "orders",
            {
                "email": "twice@example.com",
                "line_items": [{"sku": "OIL-3", "quantity": 1}],
                "allow_oversell": True,
            },
        )
        order = order.get("order", order)
        shop_order = next(o for o in self.state()["orders"] if o["id"] == order["id"])
        body = json.dumps(shop_order).encode()
        good = hmac_sha256_base64(CLIENT_SECRET, body)
        for topic in ("orders/create", "orders/updated"):
            self.assertEqual(self.post(body, good, str(uuid.uuid4()), topic).status_code, 200)
        self.run_jobs()
        self.assertEqual(
            self.env["shopify.order.binding"].search_count(
                [("external_id", "=", order["admin_graphql_api_id"])]
            ),
            1,
        )

    def test_app_uninstalled_disconnects_the_backend(self):
        backend = self.make_backend(name="Leaving shop", shopify_webhook_base_url=self.base_url())
        backend.flush_recordset()  # the shop domain Test connection learnt, for the route
        body = b'{"id": 1, "name": "sandbox"}'
        response = requests.post(
            "%s/shopify/webhook/%s" % (self.base_url(), backend.id),
            data=body,
            timeout=20,
            headers={
                "X-Shopify-Hmac-Sha256": hmac_sha256_base64(CLIENT_SECRET, body),
                "X-Shopify-Topic": "app/uninstalled",
                "X-Shopify-Webhook-Id": "bye-1",
                "X-Shopify-Shop-Domain": self.state()["shop"]["domain"],
                "Content-Type": "application/json",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.run_jobs()
        self.assertEqual(backend.state, "error")
        self.assertIn("uninstalled", backend.last_error)
        self.assertFalse(backend.credential_ids.filtered(lambda c: c.key == "access_token"))
