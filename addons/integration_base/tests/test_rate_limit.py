import time

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from ..exceptions import RateLimitedError
from ..models.integration_rate_limit import with_rate_limit
from .common import CommittedData, run_in_threads


@tagged("post_install", "-at_install")
class TestRateLimiters(BaseCase):
    def setUp(self):
        super().setUp()
        self.data = CommittedData(self)

    def acquire(self, backend_id, cost=1, max_wait=3.0):
        with self.data.env() as env:
            backend = env["integration.backend"].browse(backend_id)
            return env["integration.rate.limit"]._acquire(backend, cost, max_wait=max_wait)

    def test_leaky_bucket_shared_by_concurrent_workers(self):
        capacity, rate, cost = 100, 50, 10
        backend_id = self.data.backend(
            rate_limit_kind="leaky_bucket",
            rate_limit_capacity=capacity,
            rate_limit_restore_rate=rate,
        )
        granted_at = []
        start = time.monotonic()

        def worker(_index):
            for _ in range(5):
                self.acquire(backend_id, cost)
                granted_at.append(time.monotonic() - start)

        # 4 workers x 5 calls of 10 points = 200 points through a bucket of 100
        # refilled at 50 a second: whatever the interleaving, by time t at most
        # capacity + rate * t points may have gone out.
        run_in_threads(4, worker)
        self.assertEqual(len(granted_at), 20)
        for sent, at in enumerate(sorted(granted_at), start=1):
            self.assertLessEqual(
                sent * cost,
                capacity + rate * at + cost,
                "call %s went out at %.2f s, too early" % (sent, at),
            )
        self.assertGreaterEqual(max(granted_at), (200 - capacity - cost) / rate)

    def test_long_wait_goes_back_to_the_queue(self):
        backend_id = self.data.backend(
            rate_limit_kind="leaky_bucket", rate_limit_capacity=10, rate_limit_restore_rate=1
        )
        self.acquire(backend_id, 10)
        started = time.monotonic()
        with self.assertRaises(RateLimitedError) as caught:
            self.acquire(backend_id, 10)
        self.assertLess(time.monotonic() - started, 1.0, "a long wait does not block")
        self.assertAlmostEqual(caught.exception.retry_after, 10, delta=0.5)
        # The refused call took nothing from the bucket: a 1-point call needs about
        # 1 s of refill, not the 10 s that the refused call would have cost.
        self.assertAlmostEqual(self.acquire(backend_id, 1, max_wait=2), 1.0, delta=0.3)

    def test_requests_per_minute_window_across_workers(self):
        backend_id = self.data.backend(
            rate_limit_kind="window", rate_limit_capacity=40, rate_limit_window_seconds=60
        )
        granted, refused = [], []

        def worker(_index):
            for _ in range(15):
                try:
                    self.acquire(backend_id, 1, max_wait=0)
                    granted.append(1)
                except RateLimitedError as exc:
                    refused.append(exc.retry_after)

        run_in_threads(4, worker)
        self.assertEqual(len(granted), 40, "exactly the window's 40 requests")
        self.assertEqual(len(refused), 20)
        self.assertTrue(all(0 < wait <= 60 for wait in refused))

    def test_daily_quota_is_persisted_and_shown(self):
        backend_id = self.data.backend(rate_limit_kind="daily", rate_limit_capacity=5)
        for _ in range(5):
            self.acquire(backend_id)
        with self.assertRaises(RateLimitedError) as caught:
            self.acquire(backend_id)
        self.assertGreater(caught.exception.retry_after, 0)
        self.assertLessEqual(caught.exception.retry_after, 86400)
        with self.data.env() as env:
            backend = env["integration.backend"].browse(backend_id)
            self.assertEqual(env["integration.rate.limit"]._usage(backend), (5, 5))

    def test_platform_report_corrects_the_bucket(self):
        backend_id = self.data.backend(
            rate_limit_kind="leaky_bucket", rate_limit_capacity=1000, rate_limit_restore_rate=100
        )
        with self.data.env() as env:
            backend = env["integration.backend"].browse(backend_id)
            env["integration.rate.limit"]._report(backend, available=0)
        with self.assertRaises(RateLimitedError) as caught:
            self.acquire(backend_id, 500)
        self.assertAlmostEqual(caught.exception.retry_after, 5.0, delta=0.2)

    def test_decorator(self):
        backend_id = self.data.backend(rate_limit_kind="daily", rate_limit_capacity=1)
        calls = []

        @with_rate_limit(cost=1)
        def call_platform(backend):
            calls.append(backend.id)
            return "ok"

        with self.data.env() as env:
            backend = env["integration.backend"].browse(backend_id)
            self.assertEqual(call_platform(backend), "ok")
            with self.assertRaises(RateLimitedError):
                call_platform(backend)
        self.assertEqual(calls, [backend_id], "the refused call never went out")

    def test_platform_report_never_frees_points_reserved_by_other_workers(self):
        backend_id = self.data.backend(
            rate_limit_kind="leaky_bucket", rate_limit_capacity=100, rate_limit_restore_rate=1
        )
        self.acquire(backend_id, 90)  # another worker's reservation, not yet seen by Shopify
        with self.data.env() as env:
            env["integration.rate.limit"]._report(
                env["integration.backend"].browse(backend_id), available=100
            )
        with self.assertRaises(RateLimitedError):
            self.acquire(backend_id, 50)
