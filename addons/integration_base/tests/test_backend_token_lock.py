"""Token lifecycle and the lock helper of integration.backend, on committed data with
several workers at once."""

import threading
import time
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from ..const import TOKEN_RENEW_MARGIN_SECONDS
from .common import CommittedData, run_in_threads


@tagged("post_install", "-at_install")
class TestTokenLifecycle(BaseCase):
    def setUp(self):
        super().setUp()
        self.data = CommittedData(self)
        self.backend_id = self.data.backend(name="Expiring tokens", platform="ebay")
        self.requests = []
        self.lifetime = 7200
        test = self

        def request_token(backend):
            test.requests.append(backend.id)
            time.sleep(0.3)  # the platform's answer takes a while: others must wait
            return "token-%s" % len(test.requests), test.lifetime

        # The platform hook a connector implements (here eBay's, which is not installed).
        patcher = patch.object(
            self.data.registry["integration.backend"],
            "_ebay_request_token",
            request_token,
            create=True,
        )
        patcher.start()
        self.addCleanup(patcher.stop)

    def token(self):
        with self.data.env() as env:
            return env["integration.backend"].browse(self.backend_id)._access_token()

    def stored_expiry(self):
        with self.data.env() as env:
            return env["integration.backend"].browse(self.backend_id)._token_credential().expires_at

    def test_a_token_is_requested_once_then_reused_until_it_expires(self):
        self.assertEqual(self.token(), "token-1")
        expiry = self.stored_expiry()
        self.assertAlmostEqual(
            expiry, datetime.utcnow() + timedelta(seconds=7200), delta=timedelta(seconds=60)
        )
        self.assertEqual(self.token(), "token-1")
        self.assertEqual(len(self.requests), 1)
        # Within the renew margin of its expiry: renewed before it is refused.
        with self.data.env() as env:
            env["integration.backend"].browse(self.backend_id)._token_credential().expires_at = (
                datetime.utcnow() + timedelta(seconds=TOKEN_RENEW_MARGIN_SECONDS - 30)
            )
        self.assertEqual(self.token(), "token-2")
        # A token without a lifetime is kept until the platform refuses it.
        self.lifetime = None
        with self.data.env() as env:
            env["integration.backend"].browse(
                self.backend_id
            )._token_credential().expires_at = datetime(2001, 1, 1)
        self.assertEqual(self.token(), "token-3")
        self.assertFalse(self.stored_expiry())
        self.assertEqual(self.token(), "token-3")

    def test_workers_renewing_at_once_ask_the_platform_once(self):
        tokens = []
        run_in_threads(4, lambda _index: tokens.append(self.token()))
        self.assertEqual(len(self.requests), 1, "one worker asked, the others waited for it")
        self.assertEqual(tokens, ["token-1"] * 4)

    def test_a_rejected_token_stays_rejected_when_the_job_rolls_back(self):
        self.assertEqual(self.token(), "token-1")
        with self.data.env() as env:
            backend = env["integration.backend"].browse(self.backend_id)
            backend._reject_token()
            env.cr.rollback()  # the job that met the 401 fails
        self.assertEqual(self.token(), "token-2", "the next call asks for a new one")


@tagged("post_install", "-at_install")
class TestLock(BaseCase):
    def setUp(self):
        super().setUp()
        self.data = CommittedData(self)
        self.backend_id = self.data.backend(name="Locking backend")
        self.other_id = self.data.backend(name="Other backend")

    def hold(self, backend_id, purpose, key, seconds, log):
        with self.data.env() as env:
            started = time.monotonic()
            env.cr.execute("SET LOCAL lock_timeout = '10s'")
            env["integration.backend"].browse(backend_id)._lock(purpose, key)
            log.append((purpose, key, backend_id, time.monotonic() - started))
            time.sleep(seconds)

    def wait_for(self, log):
        """Until the holder has its lock (at most 10 s)."""
        deadline = time.monotonic() + 10
        while not log and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertTrue(log, "the first transaction took the lock")

    def waited(self, backend_id, purpose, key):
        """How long taking (backend, purpose, key) waits while another transaction
        holds ("export", "A") on the first backend."""
        log = []
        holder = threading.Thread(target=self.hold, args=(self.backend_id, "export", "A", 0.6, log))
        holder.start()
        self.wait_for(log)
        self.hold(backend_id, purpose, key, 0, log)
        holder.join(10)
        return log[-1][3]

    def test_one_transaction_at_a_time_per_backend_purpose_and_key(self):
        self.assertGreater(self.waited(self.backend_id, "export", "A"), 0.4, "same: waits")
        self.assertLess(self.waited(self.backend_id, "export", "B"), 0.3, "another key")
        self.assertLess(self.waited(self.backend_id, "import", "A"), 0.3, "another purpose")
        self.assertLess(self.waited(self.other_id, "export", "A"), 0.3, "another backend")

    def test_exclusive_holds_the_same_lock_in_a_transaction_of_its_own(self):
        log = []
        holder = threading.Thread(target=self.hold, args=(self.backend_id, "setup", None, 0.6, log))
        holder.start()
        self.wait_for(log)
        started = time.monotonic()
        with (
            self.data.env() as env,
            env["integration.backend"].browse(self.backend_id)._exclusive("setup"),
        ):
            waited = time.monotonic() - started
        holder.join(10)
        self.assertGreater(waited, 0.4)
