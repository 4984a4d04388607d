import json
from unittest.mock import patch

from odoo.tests import HttpCase, tagged

from ..const import WEBHOOK_MAX_BODY_BYTES
from ..models.integration_backend import IntegrationBackend
from ..tools.signature import hmac_sha256_base64, verify_hmac_sha256_base64

SECRET = "hush-webhook-secret"


def hmac_verifier(backend):
    """A platform's verifier, for the route's own tests: the base assumes none."""
    secret = backend._webhook_secret()
    header = backend._webhook_spec()["signature"]
    if not secret:
        return None
    return lambda body, headers: verify_hmac_sha256_base64(secret, body, headers.get(header))


@tagged("post_install", "-at_install")
class TestWebhookRoute(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # eBay: no connector of that platform is installed to declare a verifier.
        cls.Backend = cls.env["integration.backend"]
        cls.startClassPatcher(patch.object(type(cls.Backend), "_webhook_verifier", hmac_verifier))
        cls.backend = cls.Backend.create({"name": "Webhook shop", "platform": "ebay"})
        cls.backend._set_credential("webhook_secret", SECRET)
        cls.Event = cls.env["integration.webhook.event"]

    def post(
        self, body, *, signature=None, delivery="d-1", topic="orders/create", backend=None, url=None
    ):
        # Header names come from the backend: platform addons name them their way.
        backend = backend or self.backend
        spec = backend._webhook_spec()
        headers = {
            "Content-Type": "application/json",
            spec["signature"]: signature
            if signature is not None
            else hmac_sha256_base64(SECRET, body),
            spec["topic"]: topic,
        }
        if delivery:
            headers[spec["delivery_id"]] = delivery
        url = url or "/integration/webhook/%s" % backend.id
        return self.opener.post(self.base_url() + url, data=body, headers=headers, timeout=20)

    def events(self):
        return self.Event.search([("backend_id", "=", self.backend.id)])

    def test_accepted_stored_raw_and_queued(self):
        body = json.dumps({"id": 820982911946154508, "email": "jon@example.com"}).encode()
        response = self.post(body)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "accepted")
        event = self.events()
        self.assertEqual(len(event), 1)
        self.assertEqual(event.body.encode(), body, "stored byte for byte")
        self.assertEqual(
            (event.topic, event.delivery_id, event.state), ("orders/create", "d-1", "received")
        )
        self.assertEqual(event.job_id.operation, "webhook")
        self.assertEqual(event.job_id.state, "pending")
        self.assertEqual((event.job_id.res_model, event.job_id.res_id), (event._name, event.id))

    def test_duplicate_delivery_is_stored_once(self):
        body = b'{"id": 1}'
        self.assertEqual(self.post(body, delivery="dup").json()["status"], "accepted")
        second = self.post(body, delivery="dup")
        self.assertEqual(second.status_code, 200, "the platform must stop retrying")
        self.assertEqual(second.json()["status"], "duplicate")
        self.assertEqual(len(self.events()), 1)
        self.assertEqual(
            self.env["sync.job"].search_count([("backend_id", "=", self.backend.id)]), 1
        )

    def test_bad_signature_stores_nothing(self):
        body = b'{"id": 2}'
        self.assertEqual(
            self.post(body, signature=hmac_sha256_base64("wrong", body)).status_code, 401
        )
        self.assertEqual(self.post(body, signature="").status_code, 401)
        tampered = self.post(b'{"id": 3}', signature=hmac_sha256_base64(SECRET, body))
        self.assertEqual(tampered.status_code, 401)
        self.assertFalse(self.events())

    def test_backend_without_secret_rejects(self):
        bare = self.env["integration.backend"].create({"name": "No secret", "platform": "ebay"})
        body = b'{"id": 4}'
        response = self.post(body, signature=hmac_sha256_base64("", body), backend=bare)
        self.assertEqual(response.status_code, 401)

    def test_unknown_backend_answers_like_a_bad_signature(self):
        body = b'{"id": 10}'
        refused = self.post(body, signature=hmac_sha256_base64("wrong", body))
        unknown = self.post(body, url="/integration/webhook/%s" % (self.backend.id + 100000))
        self.assertEqual((unknown.status_code, unknown.text), (401, refused.text))
        self.assertFalse(self.events())

    def test_the_base_verifies_no_scheme_of_its_own(self):
        # Without the patch (the base alone), every delivery is refused: the base
        # does not assume Shopify's HMAC or any other scheme.
        with patch.object(
            type(self.Backend), "_webhook_verifier", IntegrationBackend._webhook_verifier
        ):
            self.env.registry.clear_cache()
            self.assertIsNone(self.Backend._webhook_target(self.backend.id))
            self.assertEqual(self.post(b'{"id": 11}').status_code, 401)
        self.env.registry.clear_cache()
        self.assertFalse(self.events())

    def test_pathological_but_signed_deliveries_are_400(self):
        deep = b"[" * 100000 + b"]" * 100000
        self.assertEqual(self.post(deep, delivery="deep").status_code, 400)
        for name in ("delivery", "topic"):
            response = self.post(b'{"id": 12}', **{name: "nul-\x00-%s" % name})
            self.assertEqual(response.status_code, 400, name)
        self.assertFalse(self.events())

    def test_a_new_secret_applies_at_once(self):
        body = b'{"id": 9}'
        self.assertEqual(self.post(body, delivery="s-1").status_code, 200)
        self.backend._set_credential("webhook_secret", "rotated-secret")
        self.assertEqual(self.post(body, delivery="s-2").status_code, 401)
        rotated = self.post(
            body, delivery="s-3", signature=hmac_sha256_base64("rotated-secret", body)
        )
        self.assertEqual(rotated.status_code, 200)
        self.backend.action_disable()
        self.assertEqual(self.post(body, delivery="s-4").status_code, 401)

    def test_too_large_and_malformed(self):
        big = b'{"pad": "' + b"x" * WEBHOOK_MAX_BODY_BYTES + b'"}'
        self.assertEqual(self.post(big).status_code, 413)
        self.assertEqual(self.post(b'{"id": 5,').status_code, 400)
        self.assertEqual(self.post(b'{"id": 6}', delivery=None).status_code, 400)
        self.assertFalse(self.events())

    def test_processed_through_the_queue_and_replayable(self):
        self.post(b'{"id": 7, "total": "10.00"}', delivery="p-1")
        event = self.events()
        seen = []

        def handle(event_self, payload):
            seen.append(payload)

        with (
            patch.object(
                type(self.backend),
                "_webhook_handlers",
                lambda self: {"orders/create": "_test_orders_create"},
            ),
            patch.object(type(event), "_test_orders_create", handle, create=True),
        ):
            event.job_id.action_run_now()
            self.assertEqual(event.state, "done")
            self.assertEqual(seen, [{"id": 7, "total": "10.00"}])
            event.action_replay()
            self.assertEqual(event.state, "received")
            self.assertEqual(event.job_id.state, "pending")
            event.job_id.action_run_now()
        self.assertEqual(len(seen), 2)

    def test_unknown_topic_is_ignored_not_failed(self):
        self.post(b'{"id": 8}', delivery="t-1", topic="carts/update")
        event = self.events()
        event.job_id.action_run_now()
        self.assertEqual(event.state, "ignored")
        self.assertEqual(event.job_id.state, "done")
