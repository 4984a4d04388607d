"""What workers execute, users cannot write: checked with real users of each group."""

from unittest.mock import patch

from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tests.common import BaseCase, new_test_user

from ..exceptions import RetryableError
from .common import CommittedData, IntegrationCase

USER_GROUPS = "base.group_user,integration_base.group_integration_user"
MANAGER_GROUPS = "base.group_user,integration_base.group_integration_manager"


@tagged("post_install", "-at_install")
class TestWorkerInputIsReadOnly(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, "integration-user", USER_GROUPS)
        cls.manager = new_test_user(cls.env, "integration-manager", MANAGER_GROUPS)
        cls.employee = new_test_user(cls.env, "plain-employee", "base.group_user")
        cls.Event = cls.env["integration.webhook.event"]

    def failed_job(self, payload=None):
        job = self.Job.enqueue(
            self.backend, "noop", payload=payload or {"sku": "A"}, dedupe_key=None
        )
        job.write({"state": "failed", "error_kind": "permanent", "last_error": "It broke."})
        return job

    def stored_event(self, body='{"id": 1, "total": "10.00"}'):
        target = {
            "id": self.backend.id,
            "platform": self.backend.platform,
            "company_id": self.backend.company_id.id,
        }
        event_id, _created = self.Event._store_delivery(target, "d-sec", "orders/create", {}, body)
        self.Job.search([("res_model", "=", self.Event._name), ("res_id", "=", event_id)]).write(
            {"state": "done"}
        )
        return self.Event.browse(event_id)

    def test_no_user_writes_or_creates_a_job(self):
        job = self.failed_job()
        for user in (self.user, self.manager):
            with self.assertRaises(AccessError, msg=user.login):
                job.with_user(user).write({"payload": {"sku": "FORGED"}})
            with self.assertRaises(AccessError, msg=user.login):
                job.with_user(user).write({"state": "pending"})
            with self.assertRaises(AccessError, msg=user.login):
                self.Job.with_user(user).create(
                    {
                        "backend_id": self.backend.id,
                        "platform": "shopify",
                        "operation": "noop",
                        "payload": {"sku": "FORGED"},
                    }
                )
        self.assertEqual(job.payload, {"sku": "A"})

    def test_no_user_writes_or_creates_a_delivery(self):
        event = self.stored_event()
        for user in (self.user, self.manager):
            with self.assertRaises(AccessError, msg=user.login):
                event.with_user(user).write({"body": '{"id": 666}'})
            with self.assertRaises(AccessError, msg=user.login):
                self.Event.with_user(user).create(
                    {"backend_id": self.backend.id, "delivery_id": "forged", "body": "{}"}
                )
        self.assertEqual(event.body, '{"id": 1, "total": "10.00"}')

    def test_retry_by_a_user_changes_the_state_only(self):
        job = self.failed_job({"sku": "KEEP"})
        job.with_user(self.user).action_retry()
        self.assertEqual((job.state, job.retry_count, job.last_error), ("pending", 0, False))
        self.assertEqual(job.payload, {"sku": "KEEP"})
        with self.assertRaises(AccessError):
            self.failed_job().with_user(self.employee).action_retry()

    def test_manager_buttons_work_without_write_access(self):
        job = self.failed_job()
        with self.assertRaises(AccessError):
            job.with_user(self.user).action_cancel()
        job.with_user(self.manager).action_cancel()
        self.assertEqual(job.state, "cancelled")
        job.with_user(self.manager).action_requeue()
        self.assertEqual(job.state, "pending")
        job.with_user(self.manager).action_run_now()
        self.assertEqual(job.state, "done")

    def test_replay_by_a_user_runs_the_stored_body(self):
        event = self.stored_event()
        seen = []

        def handle(event_self, payload):
            seen.append(payload)

        with self.assertRaises(AccessError):
            event.with_user(self.employee).action_replay()
        event.with_user(self.user).action_replay()
        self.assertEqual((event.state, event.job_id.state), ("received", "pending"))
        with (
            patch.object(
                type(self.backend),
                "_webhook_handlers",
                lambda self: {"orders/create": "_test_orders_create"},
            ),
            patch.object(type(event), "_test_orders_create", handle, create=True),
        ):
            event.job_id.with_user(self.manager).action_run_now()
        self.assertEqual(seen, [{"id": 1, "total": "10.00"}])
        self.assertEqual(event.state, "done")

    def test_views_open_read_only_for_both_groups(self):
        for user in (self.user, self.manager):
            for model in ("sync.job", "integration.webhook.event"):
                views = (
                    self.env[model].with_user(user).get_views([(False, "list"), (False, "form")])
                )
                for view_type in ("list", "form"):
                    root = etree.fromstring(views["views"][view_type]["arch"])
                    self.assertEqual(root.get("edit"), "False", (user.login, model, view_type))
        form = etree.fromstring(
            self.Job.with_user(self.user).get_views([(False, "form")])["views"]["form"]["arch"]
        )
        buttons = {button.get("name") for button in form.iter("button")}
        self.assertIn("action_retry", buttons)
        self.assertNotIn("action_cancel", buttons, "a manager's button")


@tagged("post_install", "-at_install")
class TestFailedConnectionTest(BaseCase):
    """On committed data: the request that raised is rolled back, the error stays."""

    def test_failed_test_connection_leaves_the_backend_in_error(self):
        data = CommittedData(self)
        backend_id = data.backend(name="Unreachable", platform="ebay")

        def unreachable(backend_self):
            raise RetryableError("eBay could not be reached (connection failed).")

        hook = patch.object(
            data.registry["integration.backend"], "_ebay_test_connection", unreachable, create=True
        )
        # The request's transaction is rolled back, as Odoo does when it raises.
        with hook, self.assertRaises(UserError), data.env() as env:
            env["integration.backend"].browse(backend_id).action_test_connection()
        with data.env() as env:
            backend = env["integration.backend"].browse(backend_id)
            self.assertEqual(backend.state, "error")
            self.assertEqual(backend.last_error, "eBay could not be reached (connection failed).")
            self.assertTrue(backend.last_error_date)
