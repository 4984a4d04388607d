"""The order poll makes progress: a backlog polled page by page, each page's imports
committed with the page cursor, so that a rate-limit pause or a crash resumes after
the last page done instead of from page one. Committed data, the real worker."""

import logging
import math
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from odoo.addons.integration_base.exceptions import RateLimitedError, RetryableError
from odoo.addons.shopify_connector.api.client import MAX_ORDERS_PER_PAGE, ShopifyClient

from .common import CommittedShopMixin

_logger = logging.getLogger(__name__)

ORDERS = 600
# The Standard plan's bucket (2000 points), restored 40 times faster than Shopify
# does, so that 120 pages of 817 points take seconds here rather than 16 minutes.
RESTORE_RATE = 4000


@tagged("post_install", "-at_install")
class TestOrderPollProgress(CommittedShopMixin, BaseCase):
    def setUp(self):
        super().setUp()
        self.setup_committed_shop(
            sandbox_options={"plan": "standard", "restore_rate": RESTORE_RATE},
            order_mode="quotation",
            state="connected",
        )
        self.addCleanup(self.delete_orders)
        with self.data.env() as env:
            env["integration.backend"].browse(
                self.backend_id
            ).rate_limit_restore_rate = RESTORE_RATE
        self.shop.control(
            "POST",
            "seed",
            {
                "products": [
                    {
                        "title": "Polled part",
                        "variants": [
                            {
                                "sku": "POLL-1",
                                "price": "10.00",
                                "inventory": {"Main warehouse": 9999},
                            }
                        ],
                    }
                ]
            },
        )
        for _index in range(ORDERS):
            self.shop.control(
                "POST",
                "orders",
                {"email": "backlog@example.com", "line_items": [{"sku": "POLL-1", "quantity": 1}]},
            )

    def delete_orders(self):
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

    def test_a_backlog_is_polled_once_through_a_throttle_and_a_crash(self):
        pages = []  # the cursor of every page Shopify served
        attempts = []
        interruptions = {
            40: RateLimitedError("Shopify: throttled", retry_after=0.5),
            80: RetryableError("Connection reset by peer"),
        }
        real = ShopifyClient.orders_updated_since

        def observed(client, since_iso, after=None, first=50):
            attempts.append(after)
            if len(attempts) in interruptions:
                raise interruptions.pop(len(attempts))
            page = real(client, since_iso, after=after, first=first)
            pages.append(after)  # served (a call Shopify throttled is only an attempt)
            return page

        with self.data.env() as env:
            backend = env["integration.backend"].browse(self.backend_id)
            env["sync.job"].enqueue(backend, "shopify_poll_orders", backend)
        with patch.object(ShopifyClient, "orders_updated_since", observed):
            for _run in range(60):  # the worker hands its slot back after 50 s
                self.run_worker(idle_wait=15)
                with self.data.env() as env:
                    if not env["sync.job"].search_count(
                        [("backend_id", "=", self.backend_id), ("state", "=", "pending")]
                    ):
                        break
        floor = math.ceil(ORDERS / MAX_ORDERS_PER_PAGE)
        outcome = "order poll: %s pages served, %s calls, for %s orders (floor %s)" % (
            len(pages),
            len(attempts),
            ORDERS,
            floor,
        )
        _logger.info(outcome)
        self.assertFalse(interruptions, "both interruptions happened")
        self.assertEqual(len(pages), floor, "every page served once: %s" % outcome)
        self.assertEqual(len(set(pages)), floor, "no page twice: %s" % outcome)
        self.assertEqual(pages.count(None), 1, "page one once: resumed, never restarted")
        self.assertLessEqual(len(attempts), floor + 10, "calls near the floor: %s" % outcome)
        with self.data.env() as env:
            backend = env["integration.backend"].browse(self.backend_id)
            jobs = env["sync.job"].search([("backend_id", "=", self.backend_id)])
            self.assertEqual(set(jobs.mapped("state")), {"done"}, jobs.mapped("last_error"))
            self.assertEqual(
                env["shopify.order.binding"].search_count([("backend_id", "=", self.backend_id)]),
                ORDERS,
            )
            self.assertTrue(backend.shopify_last_order_poll)
            self.assertFalse(backend.shopify_order_poll_cursor)
