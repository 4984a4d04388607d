"""Shopify's hosts and webhook verification, company rules on every Shopify model and
who edits fitment rows: checked with real users."""

from unittest.mock import patch

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tests.common import new_test_user
from odoo.tools import config

from odoo.addons.integration_base.const import SANDBOX_HOSTS_OPTION
from odoo.addons.integration_base.exceptions import ConfigurationError
from odoo.addons.integration_base.tools.signature import hmac_sha256_base64

SHOP = "https://motor-parts.myshopify.com"


def sandbox_option(value):
    return patch.dict(config.options, {SANDBOX_HOSTS_OPTION: value})


@tagged("post_install", "-at_install")
class TestShopifyHosts(TransactionCase):
    def backend(self, **values):
        return self.env["integration.backend"].create(
            {"name": "Shop", "platform": "shopify", "environment": "production", **values}
        )

    def test_production_shop_is_its_myshopify_host(self):
        backend = self.backend(api_url=SHOP)
        for url in (
            "http://127.0.0.1:8701",
            "https://motor-parts.example.com",
            "https://motor-parts.myshopify.com.example.com",
            "http://motor-parts.myshopify.com",
            "https://motor-parts.myshopify.com/admin",
            "motor-parts",
        ):
            with self.assertRaises(ValidationError, msg=url) as caught, sandbox_option("True"):
                backend.api_url = url
            self.assertIn("only talks to https://<shop>.myshopify.com", str(caught.exception))

    def test_sandbox_shop_needs_sandbox_environment_and_server_option(self):
        with sandbox_option("False"), self.assertRaises(ValidationError) as caught:
            self.backend(environment="sandbox", api_url="http://127.0.0.1:8701")
        self.assertIn("%s = True" % SANDBOX_HOSTS_OPTION, str(caught.exception))
        with sandbox_option("True"):
            backend = self.backend(environment="sandbox", api_url="http://127.0.0.1:8701")
            with self.assertRaises(ValidationError):
                backend.environment = "production"
        # A development store is a real Shopify host: fine in either environment.
        with sandbox_option("False"):
            backend.api_url = SHOP

    def test_calls_go_to_the_shop_and_shopify_storage_only(self):
        backend = self.backend(api_url=SHOP)
        for url in (
            SHOP + "/admin/api/2026-10/graphql.json",
            SHOP + "/admin/oauth/access_token",
            "https://shopify-staged-uploads.storage.googleapis.com/",
            "https://storage.googleapis.com/shopify-tiers-assets-prod-us-east1/bulk.jsonl",
        ):
            backend._check_outbound_url(url)
        for url in (
            "https://other-shop.myshopify.com/admin/api/2026-10/graphql.json",
            "https://evil.example.com/steal",
        ):
            with self.assertRaises(ConfigurationError, msg=url):
                backend._check_outbound_url(url)


@tagged("post_install", "-at_install")
class TestShopifyWebhookVerifier(TransactionCase):
    def test_signature_and_shop_domain_are_both_required(self):
        backend = self.env["integration.backend"].create(
            {"name": "Shop", "platform": "shopify", "environment": "production", "api_url": SHOP}
        )
        backend._set_credential("client_secret", "app-secret")
        self.assertIsNone(
            backend._webhook_target(backend.id), "shop domain unknown before Test connection"
        )
        backend.shopify_shop_domain = "motor-parts.myshopify.com"
        verify = backend._webhook_target(backend.id)["verify"]
        body = b'{"id": 1}'
        good = hmac_sha256_base64("app-secret", body)
        headers = {
            "X-Shopify-Hmac-Sha256": good,
            "X-Shopify-Shop-Domain": "motor-parts.myshopify.com",
        }
        self.assertTrue(verify(body, headers))
        self.assertTrue(
            verify(body, dict(headers, **{"X-Shopify-Shop-Domain": "Motor-Parts.myshopify.com"}))
        )
        self.assertFalse(
            verify(body, dict(headers, **{"X-Shopify-Shop-Domain": "other.myshopify.com"}))
        )
        self.assertFalse(verify(body, {"X-Shopify-Hmac-Sha256": good}))
        self.assertFalse(verify(body + b" ", headers))


@tagged("post_install", "-at_install")
class TestCompanyRules(TransactionCase):
    """A user of one company sees none of another company's Shopify records."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Other company"})
        cls.user = new_test_user(
            cls.env,
            "shopify-manager-a",
            "base.group_user,integration_base.group_integration_manager",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, cls.company_a.ids)],
        )
        cls.records = {
            company: cls.make_records(company) for company in (cls.company_a, cls.company_b)
        }

    @classmethod
    def make_records(cls, company):
        env = cls.env
        backend = env["integration.backend"].create(
            {"name": "Shop %s" % company.name, "platform": "shopify", "company_id": company.id}
        )
        template = env["product.template"].create(
            {"name": "Part %s" % company.name, "default_code": "P-%s" % company.id}
        )
        product_binding = env["shopify.product.binding"].create(
            {"backend_id": backend.id, "odoo_id": template.id}
        )
        variant_binding = env["shopify.variant.binding"].search(
            [("product_binding_id", "=", product_binding.id)]
        ) or env["shopify.variant.binding"].create(
            {
                "backend_id": backend.id,
                "odoo_id": template.product_variant_id.id,
                "product_binding_id": product_binding.id,
            }
        )
        order = env["sale.order"].create(
            {
                "partner_id": env["res.partner"].create({"name": "Buyer"}).id,
                "company_id": company.id,
            }
        )
        category = env["product.category"].create({"name": "Brakes %s" % company.name})
        env.cr.execute(
            "INSERT INTO integration_stock_change (backend_id, product_id) "
            "VALUES (%s, %s) RETURNING id",
            [backend.id, template.product_variant_id.id],
        )
        change_id = env.cr.fetchone()[0]
        return {
            "shopify.product.binding": product_binding,
            "shopify.variant.binding": variant_binding,
            "shopify.order.binding": env["shopify.order.binding"].create(
                {
                    "backend_id": backend.id,
                    "odoo_id": order.id,
                    "external_id": "gid://o/%s" % company.id,
                }
            ),
            "shopify.collection.binding": env["shopify.collection.binding"].create(
                {"backend_id": backend.id, "odoo_id": category.id}
            ),
            "shopify.location": env["shopify.location"].create(
                {"backend_id": backend.id, "external_id": "gid://l/%s" % company.id, "name": "Main"}
            ),
            "shopify.bulk.operation": env["shopify.bulk.operation"].create(
                {"backend_id": backend.id, "kind": "import"}
            ),
            "shopify.product.media": env["shopify.product.media"].create(
                {"binding_id": product_binding.id, "checksum": "%064d" % company.id}
            ),
            "integration.stock.change": env["integration.stock.change"].browse(change_id),
        }

    def test_every_shopify_model_follows_the_user_companies(self):
        mine, theirs = self.records[self.company_a], self.records[self.company_b]
        self.assertEqual(set(mine), set(theirs))
        shopify_models = {
            name
            for name in self.env["ir.model.access"].search([]).mapped("model_id.model")
            if name.startswith("shopify.")
        }
        self.assertEqual(shopify_models - set(mine), set(), "a Shopify model this test omits")
        for model, record in mine.items():
            other = theirs[model]
            visible = (
                self.env[model].with_user(self.user).search([("id", "in", (record | other).ids)])
            )
            self.assertEqual(visible, record, model)
            with self.assertRaises(AccessError, msg=model):
                other.with_user(self.user).read(["id"])

    def test_every_shopify_model_has_a_company_rule(self):
        models = {
            name
            for name in self.env["ir.model.access"].search([]).mapped("model_id.model")
            if name.startswith("shopify.")
        }
        ruled = set(
            self.env["ir.rule"]
            .search([("model_id.model", "in", list(models))])
            .mapped("model_id.model")
        )
        self.assertEqual(models - ruled, set())


@tagged("post_install", "-at_install")
class TestFitmentAccess(TransactionCase):
    """Fitment rows belong to their product: whoever edits products edits them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls.env["product.template"].create({"name": "Brake pad"})

    def edit_fitment(self, user):
        Fitment = self.env["product.fitment"].with_user(user)
        row = Fitment.create(
            {"product_tmpl_id": self.template.id, "year": 2012, "make": "Ford", "model": "Focus"}
        )
        row.write({"engine": "1.6"})
        self.template.with_user(user).write(
            {"fitment_ids": [(0, 0, {"year": 2013, "make": "Ford", "model": "Focus"})]}
        )
        row.unlink()

    def test_product_and_sales_managers_edit_fitment(self):
        for groups in (
            "sales_team.group_sale_manager",
            "stock.group_stock_manager",
            "base.group_system",
        ):
            user = new_test_user(self.env, "fit-%s" % groups, "base.group_user," + groups)
            self.edit_fitment(user)
        self.assertEqual(len(self.template.fitment_ids), 3)

    def test_others_only_read_fitment(self):
        row = self.env["product.fitment"].create(
            {"product_tmpl_id": self.template.id, "year": 2010, "make": "VW", "model": "Golf"}
        )
        for groups in ("base.group_user", "sales_team.group_sale_salesman"):
            user = new_test_user(self.env, "reader-%s" % groups, groups)
            self.assertEqual(row.with_user(user).read(["make"])[0]["make"], "VW")
            with self.assertRaises(AccessError, msg=groups):
                self.env["product.fitment"].with_user(user).create(
                    {
                        "product_tmpl_id": self.template.id,
                        "year": 2011,
                        "make": "VW",
                        "model": "Polo",
                    }
                )
            with self.assertRaises(AccessError, msg=groups):
                row.with_user(user).write({"engine": "2.0"})
            with self.assertRaises(AccessError, msg=groups):
                row.with_user(user).unlink()
