import base64
import json

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from ..exceptions import ConfigurationError
from ..tools import ratelimit
from ..tools.backoff import parse_retry_after, retry_delay
from ..tools.crypto import CredentialCipher, generate_key, mask
from ..tools.redact import redact_headers, redact_text, redact_url
from ..tools.signature import hmac_sha256_base64, verify_hmac_sha256_base64

# RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?"
RFC4231_DIGEST = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"


@tagged("post_install", "-at_install")
class TestSignature(BaseCase):
    def test_known_vector(self):
        expected = base64.b64encode(bytes.fromhex(RFC4231_DIGEST)).decode()
        body = b"what do ya want for nothing?"
        self.assertEqual(hmac_sha256_base64("Jefe", body), expected)
        self.assertTrue(verify_hmac_sha256_base64("Jefe", body, expected))

    def test_rejections(self):
        body = b'{"id": 1}'
        good = hmac_sha256_base64("secret", body)
        self.assertFalse(verify_hmac_sha256_base64("secret", body + b" ", good))
        self.assertFalse(verify_hmac_sha256_base64("other", body, good))
        self.assertFalse(verify_hmac_sha256_base64(None, body, good), "no secret rejects")
        self.assertFalse(verify_hmac_sha256_base64("secret", body, None))
        self.assertFalse(verify_hmac_sha256_base64("secret", body, good[:-2]))


@tagged("post_install", "-at_install")
class TestBackoff(BaseCase):
    def test_exponential_schedule_without_jitter(self):
        delays = [retry_delay(n, jitter=0) for n in range(1, 8)]
        self.assertEqual(delays, [10, 20, 40, 80, 160, 320, 640])
        self.assertEqual(retry_delay(20, jitter=0), 3600, "capped")

    def test_jitter_bounds(self):
        self.assertEqual(retry_delay(3, rand=lambda: 0.0), 40 * 0.75)
        self.assertEqual(retry_delay(3, rand=lambda: 1.0), 40 * 1.25)

    def test_platform_wait_is_honoured(self):
        self.assertEqual(retry_delay(1, requested=90, rand=lambda: 0.0), 90)
        self.assertGreaterEqual(retry_delay(6, requested=2, rand=lambda: 0.99), 2)
        self.assertLessEqual(retry_delay(6, requested=2, rand=lambda: 0.99), 2.5)

    def test_parse_retry_after(self):
        self.assertEqual(parse_retry_after("2.0"), 2.0)
        self.assertEqual(parse_retry_after(" 30 "), 30.0)
        self.assertIsNone(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"))
        self.assertIsNone(parse_retry_after(None))
        self.assertIsNone(parse_retry_after("-4"))


@tagged("post_install", "-at_install")
class TestRateLimitArithmetic(BaseCase):
    def test_leaky_bucket_drains_and_refills(self):
        state = ratelimit.LimiterState()
        for _ in range(10):
            state, wait = ratelimit.leaky_bucket(
                state, now=100.0, cost=100, capacity=1000, restore_rate=50, reserve=True
            )
            self.assertEqual(wait, 0)
        state, wait = ratelimit.leaky_bucket(
            state, now=100.0, cost=100, capacity=1000, restore_rate=50, reserve=False
        )
        self.assertEqual(wait, 2.0, "100 points at 50 a second")
        self.assertEqual(state.level, 0)
        state, wait = ratelimit.leaky_bucket(
            state, now=102.0, cost=100, capacity=1000, restore_rate=50, reserve=True
        )
        self.assertEqual((wait, state.level), (0, 0))

    def test_reserved_calls_queue_behind_each_other(self):
        state = ratelimit.LimiterState(level=0.0, window_start=10.0)
        waits = []
        for _ in range(3):
            state, wait = ratelimit.leaky_bucket(
                state, now=10.0, cost=10, capacity=100, restore_rate=10, reserve=True
            )
            waits.append(wait)
        self.assertEqual(waits, [1.0, 2.0, 3.0])

    def test_fixed_window(self):
        state = ratelimit.LimiterState()
        for _ in range(40):
            state, wait = ratelimit.fixed_window(
                state, now=1000.0, cost=1, limit=40, window_seconds=60, reserve=False
            )
            self.assertEqual(wait, 0)
        state, wait = ratelimit.fixed_window(
            state, now=1030.0, cost=1, limit=40, window_seconds=60, reserve=False
        )
        self.assertEqual(wait, 30.0)
        state, wait = ratelimit.fixed_window(
            state, now=1060.0, cost=1, limit=40, window_seconds=60, reserve=False
        )
        self.assertEqual((wait, state.level), (0, 1))

    def test_daily_quota_resets_at_midnight(self):
        noon = 1_767_268_800.0  # 2026-01-01 12:00 UTC
        state = ratelimit.LimiterState()
        state, wait = ratelimit.daily_quota(state, now=noon, cost=5, quota=5)
        self.assertEqual(wait, 0)
        state, wait = ratelimit.daily_quota(state, now=noon, cost=1, quota=5)
        self.assertEqual(wait, 12 * 3600)
        state, wait = ratelimit.daily_quota(state, now=noon + 12 * 3600, cost=1, quota=5)
        self.assertEqual((wait, state.level), (0, 1))

    def test_platform_report_replaces_estimate(self):
        state = ratelimit.bucket_from_platform(now=5.0, currently_available=42)
        self.assertEqual(state, ratelimit.LimiterState(42.0, 5.0))
        state = ratelimit.window_from_headers(
            now=100.0, limit=40, remaining=10, reset_seconds=20, window_seconds=60
        )
        self.assertEqual(state, ratelimit.LimiterState(30.0, 60.0))


@tagged("post_install", "-at_install")
class TestCrypto(BaseCase):
    def test_round_trip_and_rotation(self):
        old, new = generate_key(), generate_key()
        token = CredentialCipher(old).encrypt("shpat_123")
        self.assertNotIn("shpat_123", token)
        self.assertEqual(CredentialCipher(old).decrypt(token), "shpat_123")
        self.assertEqual(CredentialCipher("%s,%s" % (new, old)).decrypt(token), "shpat_123")

    def test_missing_and_wrong_key(self):
        with self.assertRaisesRegex(ConfigurationError, "No encryption key"):
            CredentialCipher("")
        with self.assertRaisesRegex(ConfigurationError, "not a valid Fernet key"):
            CredentialCipher("not-a-key")
        token = CredentialCipher(generate_key()).encrypt("x")
        with self.assertRaisesRegex(ConfigurationError, "not the one it was saved with"):
            CredentialCipher(generate_key()).decrypt(token)

    def test_mask(self):
        self.assertEqual(mask("shpat_0123456789abcdef"), "\u2022" * 8 + "cdef")
        self.assertEqual(mask("short"), "\u2022" * 8)
        self.assertEqual(mask(""), "")


@tagged("post_install", "-at_install")
class TestRedact(BaseCase):
    def test_url(self):
        url = "https://user:pw@api.example.com:8443/v1/orders?access_token=abc&limit=5&api_key=k"
        redacted = redact_url(url)
        for secret in ("abc", "pw", "user", "=k"):
            self.assertNotIn(secret, redacted)
        self.assertIn("limit=5", redacted)
        self.assertTrue(redacted.startswith("https://api.example.com:8443/v1/orders?"))

    def test_headers_and_text(self):
        headers = redact_headers({"Authorization": "Bearer t0k", "X-Shopify-Access-Token": "s"})
        self.assertNotIn("t0k", json.dumps(headers))
        self.assertNotIn('"s"', json.dumps(headers))
        text = redact_text("failed with Bearer abc.def and secret hunter22", ["hunter22"])
        self.assertNotIn("abc.def", text)
        self.assertNotIn("hunter22", text)
