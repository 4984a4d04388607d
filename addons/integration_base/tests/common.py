import contextlib
import threading

from odoo import api
from odoo.modules.registry import Registry
from odoo.tests import common
from odoo.tests.common import get_db_name


class IntegrationCase(common.TransactionCase):
    """A backend and its webhook secret, in the test transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Rows written "in a transaction of their own" (API log, limiter state) share
        # the test transaction instead, as HttpCase does.
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.backend = cls.env["integration.backend"].create(
            {"name": "Test Shop", "platform": "shopify", "api_url": "http://127.0.0.1:9"}
        )
        cls.backend._set_credential("webhook_secret", "hush-webhook-secret")
        cls.Job = cls.env["sync.job"]


class CommittedData:
    """Rows committed for real, for tests where several cursors (workers) must see
    them; removed again at the end of the test."""

    def __init__(self, testcase):
        self.registry = Registry(get_db_name())
        self.backend_ids = []
        testcase.addCleanup(self.cleanup)

    @contextlib.contextmanager
    def env(self):
        with self.registry.cursor() as cr:
            yield api.Environment(cr, api.SUPERUSER_ID, {})

    def backend(self, **values):
        with self.env() as env:
            backend = env["integration.backend"].create(
                {"name": "Committed backend", "platform": "shopify", **values}
            )
            self.backend_ids.append(backend.id)
            return backend.id

    def cleanup(self):
        if not self.backend_ids:
            return
        with self.registry.cursor() as cr:
            ids = tuple(self.backend_ids)
            cr.execute("DELETE FROM sync_job WHERE backend_id IN %s", [ids])
            cr.execute("DELETE FROM sync_job_counter WHERE backend_id IN %s", [ids])
            cr.execute("DELETE FROM integration_api_log WHERE backend_id IN %s", [ids])
            cr.execute("DELETE FROM integration_rate_limit WHERE backend_id IN %s", [ids])
            cr.execute("DELETE FROM integration_backend WHERE id IN %s", [ids])


def run_in_threads(count, target):
    """Start ``count`` threads on target(index), release them together, join them,
    and re-raise the first exception one of them met."""
    barrier = threading.Barrier(count)
    errors = []

    def runner(index):
        try:
            barrier.wait(timeout=10)
            target(index)
        except Exception as exc:  # re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
