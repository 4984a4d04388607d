"""Odoo tests of the connector's flows against a running Shopify sandbox."""

import sys
from pathlib import Path

from odoo.tests import common

from odoo.addons.integration_base.tests.common import CommittedData

# The sandbox lives at the repository root, beside addons/.
REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from sandbox.shopify.server import start_server  # noqa: E402
from sandbox.shopify.testing import SandboxClient  # noqa: E402

CLIENT_SECRET = "sandbox-client-secret"


class SandboxMixin:
    """A fresh sandbox store per test class, and a backend connected to it."""

    sandbox_options = {}

    @classmethod
    def start_sandbox(cls):
        cls.sandbox = start_server(
            webhook_retry_delays=[0.2, 0.5], bulk_step_delay=0.05, **cls.sandbox_options
        )
        cls.addClassCleanup(cls.sandbox.stop)
        cls.shop = SandboxClient(cls.sandbox.url)
        cls.shop.control("POST", "seed", {"locations": [{"name": "Main warehouse"}]})

    @classmethod
    def make_backend(cls, credentials=None, **values):
        # The sandbox shop sells in GBP: orders keep it, on a GBP price list, as a
        # merchant whose books are in another currency sets it up (active, with a rate).
        gbp = cls.env.ref("base.GBP")
        gbp.active = True
        if not gbp.rate_ids:
            cls.env["res.currency.rate"].create(
                {"currency_id": gbp.id, "name": "2000-01-01", "rate": 0.8}
            )
        backend = cls.env["integration.backend"].create(
            {
                "name": "Sandbox shop",
                "platform": "shopify",
                "api_url": cls.sandbox.url,
                "order_mode": "confirmed",
                "order_currency_policy": "pricelist",
                **values,
            }
        )
        # The sandbox charges 20 % VAT on top of prices: a sales tax of the company's.
        vat = cls.env["account.tax"].create(
            {
                "name": "VAT 20%% (backend %s)" % backend.id,
                "type_tax_use": "sale",
                "amount_type": "percent",
                "amount": 20.0,
                "company_id": backend.company_id.id,
            }
        )
        cls.env["integration.tax.mapping"].create(
            {"backend_id": backend.id, "rate": 20.0, "tax_id": vat.id}
        )
        for key, value in (credentials or {"access_token": "shpat_sandbox"}).items():
            backend._set_credential(key, value)
        backend._set_credential("webhook_secret", CLIENT_SECRET)
        backend.action_test_connection()
        return backend

    def run_jobs(self, rounds=8):
        """Run every runnable Shopify job now (eta ignored), as the worker would,
        each in a savepoint; repeat for the jobs that jobs queue."""
        Job = self.env["sync.job"]
        for _round in range(rounds):
            jobs = Job.search([("state", "=", "pending"), ("platform", "=", "shopify")])
            if not jobs:
                return
            jobs.action_run_now()

    def state(self):
        return self.shop.control("GET", "state")


class ShopifyCase(SandboxMixin, common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.start_sandbox()
        cls.backend = cls.make_backend()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )

    def make_template(self, name, sku, price=10.0, variants=None):
        """A storable product; with ``variants`` (values of an Axle attribute) one
        variant per value, SKUs ``<sku>-<VALUE>``."""
        values = {
            "name": name,
            "detailed_type": "product",
            "list_price": price,
            "default_code": sku,
            "weight": 1.5,
        }
        if variants:
            attribute = self.env["product.attribute"].create(
                {
                    "name": "Side %s" % sku,
                    "create_variant": "always",
                    "value_ids": [(0, 0, {"name": v}) for v in variants],
                }
            )
            values["attribute_line_ids"] = [
                (
                    0,
                    0,
                    {"attribute_id": attribute.id, "value_ids": [(6, 0, attribute.value_ids.ids)]},
                )
            ]
        template = self.env["product.template"].create(values)
        for variant in template.product_variant_ids:
            if variants:
                variant.default_code = "%s-%s" % (
                    sku,
                    variant.product_template_attribute_value_ids.name.upper(),
                )
        return template

    def set_stock(self, product, quantity):
        self.env["stock.quant"]._update_available_quantity(
            product, self.warehouse.lot_stock_id, quantity
        )


class CommittedShopMixin:
    """For BaseCase tests with real workers: a sandbox store of the test's own, a
    committed backend connected to it and committed products, all removed at the end."""

    def setup_committed_shop(self, sandbox_options=None, **backend_values):
        self.data = CommittedData(self)
        server = self.sandbox = start_server(**(sandbox_options or {}))
        self.addCleanup(server.stop)
        self.shop = SandboxClient(server.url)
        self.shop.control("POST", "seed", {"locations": [{"name": "Main warehouse"}]})
        self.backend_id = self.data.backend(
            name="Committed shop", api_url=server.url, **backend_values
        )
        self.template_ids = []
        self.addCleanup(self.cleanup_committed_shop)
        with self.data.env() as env:
            backend = env["integration.backend"].browse(self.backend_id)
            backend._set_credential("access_token", "shpat_sandbox")
        with self.data.env() as env:
            env["integration.backend"].browse(self.backend_id).action_test_connection()

    def committed_templates(self, skus, **values):
        """Storable templates, one per SKU, bound to the shop (their export queued)."""
        with self.data.env() as env:
            templates = env["product.template"].create(
                [
                    {"name": "Part %s" % sku, "detailed_type": "product", "default_code": sku}
                    | values
                    for sku in skus
                ]
            )
            self.template_ids += templates.ids
            env["shopify.product.binding"]._bind_and_export(
                env["integration.backend"].browse(self.backend_id), templates
            )
            return templates.product_variant_id.ids

    def run_worker(self, **kwargs):
        with self.data.env() as env:
            return env["sync.job"]._cron_run_jobs("shopify", **kwargs)

    def cleanup_committed_shop(self):
        with self.data.env() as env:
            env.cr.execute(
                "DELETE FROM integration_stock_change WHERE backend_id = %s", [self.backend_id]
            )
            for model in (
                "shopify.product.binding",
                "shopify.collection.binding",
                "integration.partner.binding",
            ):
                env[model].search([("backend_id", "=", self.backend_id)]).unlink()
            templates = env["product.template"].browse(self.template_ids)
            if templates:
                env.cr.execute(
                    "DELETE FROM stock_quant WHERE product_id IN %s",
                    [tuple(templates.product_variant_ids.ids)],
                )
                templates.product_variant_ids.unlink()
                templates.unlink()
