import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo.tests import tagged

from ..exceptions import AuthenticationError, PermanentError, RateLimitedError, RetryableError
from .common import IntegrationCase

TOKEN = "shpat_topsecret_9f8e7d6c5b4a"


class FakePlatform(BaseHTTPRequestHandler):
    """Answers by path: /ok 200, /slow-down 429, /denied 401, /broken 500, /bad 422."""

    def do_GET(self):
        status = {"/ok": 200, "/slow-down": 429, "/denied": 401, "/broken": 500, "/bad": 422}
        code = status.get(self.path.split("?")[0], 404)
        body = json.dumps({"errors": "nope"} if code >= 300 else {"shop": "x"}).encode()
        self.send_response(code)
        if code == 429:
            self.send_header("Retry-After", "7")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class CapturingHandler(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@tagged("post_install", "-at_install")
class TestApiLog(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FakePlatform)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.addClassCleanup(cls.server.shutdown)
        cls.base_url = "http://127.0.0.1:%s" % cls.server.server_address[1]
        cls.backend.api_url = cls.base_url
        cls.backend._set_credential("access_token", TOKEN)

    def call(self, path):
        token = self.backend._get_credential("access_token")
        return self.backend._http(
            "GET",
            self.base_url + path + "?access_token=" + token + "&limit=5",
            headers={"X-Shopify-Access-Token": token, "Authorization": "Bearer " + token},
            secrets=[token],
        )

    def call_error(self, path, error_class):
        # Odoo's assertRaises rolls back to a savepoint, which would also undo the
        # log rows that tests share with the test transaction: catch by hand.
        try:
            self.call(path)
        except error_class as exc:
            return exc
        self.fail("%s did not raise %s" % (path, error_class.__name__))

    def test_calls_are_logged_with_typed_errors_and_no_secret(self):
        capture = CapturingHandler()
        root = logging.getLogger()
        root.addHandler(capture)
        previous_level = root.level
        root.setLevel(logging.DEBUG)
        try:
            self.assertEqual(self.call("/ok").json(), {"shop": "x"})
            self.assertEqual(self.call_error("/slow-down", RateLimitedError).retry_after, 7.0)
            self.call_error("/denied", AuthenticationError)
            self.call_error("/broken", RetryableError)
            self.call_error("/bad", PermanentError)
        finally:
            root.removeHandler(capture)
            root.setLevel(previous_level)
        logs = self.env["integration.api.log"].search(
            [("backend_id", "=", self.backend.id)], order="id"
        )
        self.assertEqual(logs.mapped("status_code"), [200, 429, 401, 500, 422])
        self.assertEqual(logs.mapped("is_error"), [False, True, True, True, True])
        self.assertTrue(all(log.duration_ms > 0 for log in logs))
        self.assertIn("limit=5", logs[0].endpoint)
        self.assertIn("access_token=[redacted]", logs[0].endpoint)
        for log in logs:
            self.assertNotIn(TOKEN, json.dumps(log.read()[0], default=str))
        self.assertTrue(capture.lines, "something was logged at DEBUG")
        self.assertFalse([line for line in capture.lines if TOKEN in line])

    def test_unreachable_platform_is_retryable_and_logged(self):
        self.backend.api_url = "http://127.0.0.1:9"
        try:
            self.backend._http("GET", "http://127.0.0.1:9/nothing-listens-here")
        except RetryableError as exc:
            self.assertIn("could not be reached", exc.message)
        else:
            self.fail("an unreachable platform must raise RetryableError")
        log = self.env["integration.api.log"].search(
            [("backend_id", "=", self.backend.id)], order="id desc", limit=1
        )
        self.assertEqual(log.status_code, 0)
        self.assertIn("could not be reached", log.error)

    def test_log_rows_link_the_job(self):
        # Pruning commits batch by batch: tested on committed rows in test_scale.py.
        job = self.Job.enqueue(self.backend, "noop", dedupe_key=None)
        self.backend.with_context(integration_job_id=job.id)._http("GET", self.base_url + "/ok")
        log = self.env["integration.api.log"].search([("job_id", "=", job.id)])
        self.assertEqual(len(log), 1)
        self.assertEqual(log.job_link_id, job)

    def test_a_batched_call_records_its_items_against_the_maximum(self):
        self.backend._http("GET", self.base_url + "/ok", items=180, max_items=250)
        self.backend._http("GET", self.base_url + "/ok")
        calls = self.env["integration.api.log"].search(
            [("backend_id", "=", self.backend.id)], order="id desc", limit=2
        )
        self.assertEqual([(call.items, call.max_items) for call in calls], [(0, 0), (180, 250)])
