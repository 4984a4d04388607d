"""Stock batching: changes wait for a short window (or a full call) and go out in one
inventorySetQuantities call; stock jobs of one shop never take the same changes."""

import time
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tests.common import BaseCase

from odoo.addons.integration_base.exceptions import JobDeferred
from odoo.addons.integration_base.tests.common import run_in_threads

from ..models import integration_backend as backend_module
from .common import CommittedShopMixin, ShopifyCase


class StockJobsMixin:
    def stock_jobs(self, env, backend_id):
        return env["sync.job"].search(
            [("operation", "=", "channel_export_stock"), ("backend_id", "=", backend_id)],
            order="id",
        )


@tagged("post_install", "-at_install")
class TestStockBatchWindow(StockJobsMixin, ShopifyCase):
    def setUp(self):
        super().setUp()
        self.templates = self.env["product.template"].concat(
            *(self.make_template("Spark plug %s" % i, "SPK-%s" % i) for i in range(3))
        )
        self.env["shopify.product.binding"]._bind_and_export(self.backend, self.templates)
        self.run_jobs()
        self.stock_jobs(self.env, self.backend.id).unlink()
        self.backend.shopify_stock_batch_seconds = 30
        self.variants = self.templates.product_variant_id

    def available(self, sku):
        return self.state()["inventory_by_sku"][sku]["Main warehouse"]["available"]

    def test_changes_wait_for_the_window_of_the_oldest(self):
        before = datetime.utcnow()
        self.set_stock(self.variants[0], 4)
        self.set_stock(self.variants[1], 6)
        job = self.stock_jobs(self.env, self.backend.id)
        self.assertEqual(len(job), 1, "one job collects the window's changes")
        self.assertTrue(before + timedelta(seconds=29) <= job.eta <= before + timedelta(seconds=31))
        # Run by a worker before the window ends: put back until it ends.
        with self.assertRaises(JobDeferred) as deferred:
            job._execute()
        self.assertTrue(
            before + timedelta(seconds=29) <= deferred.exception.until
            and deferred.exception.until <= before + timedelta(seconds=31)
        )
        self.assertNotEqual(self.available("SPK-0"), 4)
        self.env.cr.execute(
            "UPDATE integration_stock_change SET noted_at = noted_at - interval '31 seconds'"
        )
        job._execute()
        self.assertEqual((self.available("SPK-0"), self.available("SPK-1")), (4, 6))

    def test_a_full_call_goes_without_waiting(self):
        with patch.object(backend_module, "MAX_INPUT_ITEMS", 2):
            self.set_stock(self.variants[0], 3)
            self.assertEqual(len(self.stock_jobs(self.env, self.backend.id)), 1)
            self.set_stock(self.variants[1], 5)
            jobs = self.stock_jobs(self.env, self.backend.id)
            self.assertEqual(len(jobs), 2)
            self.assertFalse(jobs[1].eta, "a full call's worth is sent at once")
            jobs[1]._execute()
        self.assertEqual((self.available("SPK-0"), self.available("SPK-1")), (3, 5))
        with self.assertRaises(JobDeferred):
            self.set_stock(self.variants[2], 2)
            jobs[0]._execute()  # the window job: only the newest change is left

    def test_a_job_sends_one_full_call_and_leaves_the_rest_to_the_next(self):
        for variant, quantity in zip(self.variants, (1, 2, 3), strict=True):
            self.set_stock(variant, quantity)
        self.env.cr.execute(
            "UPDATE integration_stock_change SET noted_at = noted_at - interval '31 seconds'"
        )
        (job,) = self.stock_jobs(self.env, self.backend.id)
        calls = self.env["integration.api.log"].search_count([("backend_id", "=", self.backend.id)])
        with patch.object(backend_module, "MAX_INPUT_ITEMS", 2):
            job._execute()
        self.assertEqual(
            self.env["integration.api.log"].search_count([("backend_id", "=", self.backend.id)]),
            calls + 1,
            "one full call, not a full one and a small one",
        )
        last_call = self.env["integration.api.log"].search(
            [("backend_id", "=", self.backend.id)], order="id desc", limit=1
        )
        self.assertEqual(
            (last_call.items, last_call.max_items), (2, 250), "the batch, against Shopify's cap"
        )
        self.assertEqual((self.available("SPK-0"), self.available("SPK-1")), (1, 2))
        self.assertNotEqual(self.available("SPK-2"), 3)
        follow_up = self.stock_jobs(self.env, self.backend.id) - job
        self.assertEqual(len(follow_up), 1)
        self.assertFalse(follow_up.eta, "its window is over: at once")
        follow_up._execute()
        self.assertEqual(self.available("SPK-2"), 3)

    def test_the_window_is_bounded(self):
        with self.assertRaisesRegex(ValidationError, "between 0 and 60 seconds"):
            self.backend.shopify_stock_batch_seconds = 600
        with self.assertRaisesRegex(ValidationError, "between 0 and 60 seconds"):
            self.backend.shopify_stock_batch_seconds = -1

    def test_run_now_by_a_person_does_not_wait(self):
        self.set_stock(self.variants[2], 9)
        self.stock_jobs(self.env, self.backend.id).action_run_now()
        self.assertEqual(self.available("SPK-2"), 9)


@tagged("post_install", "-at_install")
class TestStockOneBadItem(ShopifyCase):
    """One variant Shopify cannot take never keeps the others' stock from Shopify."""

    def available(self, sku):
        return self.state()["inventory_by_sku"][sku]["Main warehouse"]["available"]

    def test_a_variant_deleted_by_product_set_loses_its_binding(self):
        template = self.make_template("Brake hose", "HOS", variants=["Front", "Rear"])
        self.env["shopify.product.binding"]._bind_and_export(self.backend, template)
        self.run_jobs()
        front, rear = template.product_variant_ids.sorted("default_code")
        binding = template.shopify_binding_ids
        self.assertEqual(binding.variant_binding_ids.odoo_id, front | rear)
        rear.active = False  # productSet now sends the front one only: Shopify deletes the rear
        binding._enqueue_export()
        self.run_jobs()
        self.assertNotIn("HOS-REAR", self.state()["variants_by_sku"])
        self.assertEqual(binding.variant_binding_ids.odoo_id, front)
        self.set_stock(front, 4)
        self.set_stock(rear, 2)
        self.run_jobs()
        self.assertEqual(self.available("HOS-FRONT"), 4)
        self.assertFalse(
            self.env["sync.job"].search(
                [("operation", "=", "channel_export_stock"), ("state", "!=", "done")]
            )
        )

    def test_a_quantity_shopify_refuses_is_flagged_and_the_others_are_sent(self):
        templates = self.make_template("Wiper", "WIP-1") | self.make_template("Bulb", "BLB-1")
        self.env["shopify.product.binding"]._bind_and_export(self.backend, templates)
        self.run_jobs()
        wiper, bulb = templates.product_variant_id
        self.set_stock(wiper, 2_000_000_000)  # a typo: more than Shopify takes
        self.set_stock(bulb, 6)
        self.run_jobs()
        self.assertEqual(self.available("BLB-1"), 6)
        self.assertNotEqual(self.available("WIP-1"), 2_000_000_000)
        wiper_binding, bulb_binding = templates.shopify_binding_ids.variant_binding_ids.sorted(
            lambda b: b.odoo_id != wiper
        )
        self.assertIn(
            "Shopify refused 2000000000 on hand for WIP-1 at Main warehouse",
            wiper_binding.stock_error,
        )
        self.assertIn("can't be higher than", wiper_binding.stock_error)
        self.assertFalse(bulb_binding.stock_error)
        stock_jobs = self.env["sync.job"].search([("operation", "=", "channel_export_stock")])
        self.assertEqual(set(stock_jobs.mapped("state")), {"done"})
        self.set_stock(wiper, -1_999_999_990)  # corrected: 10
        self.run_jobs()
        self.assertEqual(self.available("WIP-1"), 10)
        self.assertFalse(wiper_binding.stock_error)


@tagged("post_install", "-at_install")
class TestStockWorkers(StockJobsMixin, CommittedShopMixin, BaseCase):
    """Real workers on committed data: two of them, one window, one call."""

    def setUp(self):
        super().setUp()
        self.setup_committed_shop(shopify_stock_batch_seconds=1.0)
        self.variant_ids = self.committed_templates(["WRK-0", "WRK-1", "WRK-2"])
        self.run_worker(idle_wait=0)
        with self.data.env() as env:
            env.cr.execute(
                "DELETE FROM integration_stock_change WHERE backend_id = %s", [self.backend_id]
            )
            self.stock_jobs(env, self.backend_id).unlink()
            env.cr.execute("SELECT coalesce(max(id), 0) FROM integration_api_log")
            self.log_start = env.cr.fetchone()[0]
            self.stock_location_id = (
                env["integration.backend"]
                .browse(self.backend_id)
                .shopify_location_ids.warehouse_id.lot_stock_id.id
            )

    def add_stock(self, index, quantity):
        with self.data.env() as env:
            env["stock.quant"]._update_available_quantity(
                env["product.product"].browse(self.variant_ids[index]),
                env["stock.location"].browse(self.stock_location_id),
                quantity,
            )

    def outcome(self):
        """(available per SKU on the sandbox, calls made since setUp, stock job states
        and error kinds)."""
        inventory = self.shop.control("GET", "state")["inventory_by_sku"]
        with self.data.env() as env:
            calls = env["integration.api.log"].search_count(
                [("backend_id", "=", self.backend_id), ("id", ">", self.log_start)]
            )
            jobs = self.stock_jobs(env, self.backend_id)
            states = sorted({(job.state, job.error_kind or None) for job in jobs})
        available = {
            sku: inventory[sku]["Main warehouse"]["available"] for sku in ("WRK-0", "WRK-1")
        }
        return available, calls, states

    def test_two_workers_send_one_window_in_one_call(self):
        started = time.monotonic()
        self.add_stock(0, 4)
        time.sleep(0.3)
        self.add_stock(1, 7)
        self.add_stock(0, 1)
        run_in_threads(2, lambda _index: self.run_worker())
        elapsed = time.monotonic() - started
        self.assertEqual(self.outcome(), ({"WRK-0": 5, "WRK-1": 7}, 1, [("done", None)]))
        self.assertGreaterEqual(elapsed, 1.0, "the changes waited for the window")

    def test_stock_jobs_running_together_take_each_change_once(self):
        with self.data.env() as env:
            env["integration.backend"].browse(self.backend_id).shopify_stock_batch_seconds = 0
        self.add_stock(0, 2)
        self.add_stock(1, 3)
        with self.data.env() as env:
            backend = env["integration.backend"].browse(self.backend_id)
            for _job in range(2):
                env["sync.job"].enqueue(
                    backend, "channel_export_stock", backend, dedupe_key=None, priority=1
                )
        run_in_threads(2, lambda _index: self.run_worker(batch_size=1, idle_wait=0))
        self.assertEqual(self.outcome(), ({"WRK-0": 2, "WRK-1": 3}, 1, [("done", None)]))

    def test_a_change_committed_after_a_job_read_the_changes_still_goes(self):
        with self.data.env() as env:
            env["integration.backend"].browse(self.backend_id).shopify_stock_batch_seconds = 0
        self.add_stock(0, 2)  # its job is pending and runnable
        with self.data.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["stock.quant"]._update_available_quantity(
                env["product.product"].browse(self.variant_ids[1]),
                env["stock.location"].browse(self.stock_location_id),
                5,
            )
            # Saw the pending job, so queued none; that job runs before this commits.
            self.assertEqual(len(self.stock_jobs(env, self.backend_id)), 1)
            self.run_worker(idle_wait=0)
        inventory = self.shop.control("GET", "state")["inventory_by_sku"]
        self.assertEqual(inventory["WRK-0"]["Main warehouse"]["available"], 2)
        # setUp's stock job may have sent the new variants' 0 already (a slow machine
        # outlasts the window while exporting): not this change.
        self.assertNotEqual(
            inventory.get("WRK-1", {}).get("Main warehouse", {}).get("available"),
            5,
            "not sent yet: that job could not see it",
        )
        self.run_worker(idle_wait=0)
        available, calls, states = self.outcome()
        self.assertEqual(available, {"WRK-0": 2, "WRK-1": 5}, "sent without the flush cron")
        self.assertEqual((calls, states), (2, [("done", None)]))
