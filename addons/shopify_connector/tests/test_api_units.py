"""The api layer's logic without HTTP: answers are canned, ``send`` is a fake."""

import json
from unittest.mock import patch

import requests
from gql import gql

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from odoo.addons.integration_base.exceptions import (
    AuthenticationError,
    PermanentError,
    RateLimitedError,
    RetryableError,
)
from odoo.addons.shopify_connector.api import client as client_module
from odoo.addons.shopify_connector.api.client import (
    ShopifyClient,
    ShopifyUserError,
    actual_query_cost,
    field_path,
)
from odoo.addons.shopify_connector.api.shop_url import normalize_shop_url

THROTTLE = {"maximumAvailable": 2000.0, "currentlyAvailable": 1900, "restoreRate": 100.0}


def _response(payload, status=200):
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(payload).encode()
    response.headers["Content-Type"] = "application/json"
    return response


def _cost(requested, actual, **status):
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": dict(THROTTLE, **status),
        }
    }


class FakeSend:
    """Answers each call with the next canned payload; keeps what was sent."""

    def __init__(self, *payloads):
        self.payloads = list(payloads)
        self.calls = []

    def __call__(self, method, url, **kwargs):
        self.calls.append(dict(kwargs, method=method, url=url))
        payload = self.payloads.pop(0)
        return payload if isinstance(payload, requests.Response) else _response(payload)


@tagged("post_install", "-at_install")
class TestShopifyClientUnits(BaseCase):
    def _client(self, *payloads, on_throttle=None):
        send = FakeSend(*payloads)
        return ShopifyClient("my-shop", "shpat_test", send, on_throttle=on_throttle), send

    def test_request_shape(self):
        client, send = self._client({"data": {"bulkOperation": None}, "extensions": _cost(1, 1)})
        self.assertIsNone(client.bulk_operation("gid://shopify/BulkOperation/1"))
        (call,) = send.calls
        self.assertEqual(call["method"], "POST")
        self.assertEqual(
            call["url"], "https://my-shop.myshopify.com/admin/api/2026-10/graphql.json"
        )
        self.assertEqual(call["headers"]["X-Shopify-Access-Token"], "shpat_test")
        self.assertEqual(call["json"]["operationName"], "BulkOperation")
        self.assertEqual(call["json"]["variables"], {"id": "gid://shopify/BulkOperation/1"})
        self.assertEqual(call["json"]["query"], client_module.DOCUMENTS["BulkOperation"])
        self.assertIs(call["cost_of"], actual_query_cost)
        self.assertEqual(actual_query_cost(_response({"extensions": _cost(5, 3)})), 3.0)
        self.assertIsNone(actual_query_cost(_response({"errors": "Not Found"})))

    def test_on_throttle_and_expected_cost(self):
        memory = patch.dict(ShopifyClient._requested_costs, clear=True)
        memory.start()
        self.addCleanup(memory.stop)
        self.assertEqual(ShopifyClient.expected_cost("WebhookSubscriptionDelete"), 10)
        self.assertEqual(ShopifyClient.expected_cost("OrderLineItems"), 50)
        seen = []
        client, _send = self._client(
            {"data": {"currentBulkOperation": None}, "extensions": _cost(2, 1)},
            on_throttle=lambda *args: seen.append(args),
        )
        client.current_bulk_operation()
        self.assertEqual(seen, [(THROTTLE, 2, 1)])
        self.assertEqual(ShopifyClient.expected_cost("CurrentBulkOperation"), 2)

    def test_a_failing_on_throttle_never_fails_the_call(self):
        def broken(*args):
            raise ValueError("bucket is broken")

        client, _send = self._client(
            {
                "data": {"webhookSubscriptionDelete": {"deletedWebhookSubscriptionId": "gid://1"}},
                "extensions": _cost(10, 10),
            },
            on_throttle=broken,
        )
        with self.assertLogs("odoo.addons.shopify_connector.api.client", "ERROR"):
            self.assertEqual(client.webhook_subscription_delete("gid://1"), "gid://1")

    def test_throttled_wait(self):
        payload = {
            "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
            "extensions": _cost(500, None, currentlyAvailable=100, restoreRate=50.0),
        }
        client, _send = self._client(payload, dict(payload, extensions=_cost(50, None)))
        with self.assertRaises(RateLimitedError) as caught:
            client.shop_info()
        self.assertEqual(caught.exception.retry_after, 8.0)  # (500 - 100) / 50
        with self.assertRaises(RateLimitedError) as caught:
            client.shop_info()  # 50 needed, 1900 available: a floor, not zero
        self.assertEqual(caught.exception.retry_after, client_module.MIN_RETRY_AFTER)

    def test_error_codes(self):
        cases = [
            ("ACCESS_DENIED", AuthenticationError),
            ("INTERNAL_SERVER_ERROR", RetryableError),
            ("MAX_COST_EXCEEDED", PermanentError),
            ("undefinedField", PermanentError),
        ]
        for code, error_class in cases:
            with self.subTest(code=code):
                client, _send = self._client(
                    {"errors": [{"message": "nope", "extensions": {"code": code}}]}
                )
                with self.assertRaises(error_class) as caught:
                    client.shop_info()
                self.assertIs(type(caught.exception), error_class)
                self.assertIn("ShopInfo", caught.exception.message)

    def test_not_json_is_retryable(self):
        response = requests.Response()
        response.status_code = 200
        response._content = b"<html>maintenance</html>"
        client, _send = self._client(response)
        with self.assertRaises(RetryableError):
            client.shop_info()

    def test_documents_are_validated_before_they_leave(self):
        client, send = self._client()
        self.addCleanup(ShopifyClient._documents.pop, "Broken", None)
        ShopifyClient._documents["Broken"] = gql("query Broken { shop { madeUpField } }")
        with self.assertRaises(PermanentError) as caught:
            client.execute("Broken")
        self.assertIn("madeUpField", caught.exception.message)
        self.assertEqual(send.calls, [], "nothing was sent")
        with self.assertRaises(PermanentError):
            client.execute("NoSuchOperation")

    def test_user_errors(self):
        error = ShopifyUserError(
            "ProductSet",
            [
                {"field": ["input", "variants", "2", "sku"], "message": "SKU is taken"},
                {"field": None, "message": "Something else", "code": "INVALID"},
            ],
        )
        self.assertEqual(
            error.message,
            "Shopify refused ProductSet: input.variants[2].sku: SKU is taken; " "Something else",
        )
        self.assertEqual(
            error.user_errors[1], {"field": [], "message": "Something else", "code": "INVALID"}
        )
        self.assertIsInstance(error, PermanentError)
        self.assertEqual(field_path(["a", "0", "1", "b"]), "a[0][1].b")

    def test_fulfillment_create_input(self):
        answer = {
            "data": {
                "fulfillmentCreate": {
                    "fulfillment": {"id": "gid://F/1", "status": "SUCCESS", "trackingInfo": []},
                    "userErrors": [],
                }
            }
        }
        client, send = self._client(answer, answer)
        client.fulfillment_create({"gid://FO/1": {"gid://FOL/1": 2}, "gid://FO/2": None})
        client.fulfillment_create(
            [{"fulfillmentOrderId": "gid://FO/3"}], tracking_number="123", notify=True
        )
        first = send.calls[0]["json"]["variables"]["fulfillment"]
        self.assertEqual(
            first,
            {
                "lineItemsByFulfillmentOrder": [
                    {
                        "fulfillmentOrderId": "gid://FO/1",
                        "fulfillmentOrderLineItems": [{"id": "gid://FOL/1", "quantity": 2}],
                    },
                    {"fulfillmentOrderId": "gid://FO/2"},
                ],
                "notifyCustomer": False,
            },
        )
        second = send.calls[1]["json"]["variables"]["fulfillment"]
        self.assertEqual(second["trackingInfo"], {"number": "123"})
        self.assertTrue(second["notifyCustomer"])

    def test_storage_urls_get_no_token(self):
        client, send = self._client(requests.Response())
        send.payloads[0].status_code = 201
        client.upload_jsonl("https://storage.example/upload", {"key": "tmp/1/x.jsonl"}, b"{}\n")
        self.assertNotIn("headers", send.calls[0])
        self.assertEqual(send.calls[0]["data"], {"key": "tmp/1/x.jsonl"})

    def test_staged_images_are_posted_as_the_targets_form_without_token(self):
        host = "https://shopify-staged-uploads.storage.googleapis.com/"
        staged = {
            "data": {
                "stagedUploadsCreate": {
                    "stagedTargets": [
                        {
                            "url": host,
                            "resourceUrl": host + "tmp/1/products/a/disc.png",
                            "parameters": [
                                {"name": "key", "value": "tmp/1/products/a/disc.png"},
                                {"name": "policy", "value": "signed"},
                            ],
                        }
                    ],
                    "userErrors": [],
                }
            }
        }
        upload = requests.Response()
        upload.status_code = 201
        client, send = self._client(staged, upload)
        spec = {"resource": "IMAGE", "filename": "disc.png", "mimeType": "image/png"}
        [target] = client.staged_uploads([spec])
        client.upload_staged(target["url"], target["parameters"], "disc.png", b"png", "image/png")
        self.assertEqual(send.calls[0]["json"]["variables"]["input"], [spec])
        post = send.calls[1]
        self.assertEqual((post["method"], post["url"]), ("POST", target["url"]))
        self.assertNotIn("headers", post)
        self.assertEqual(post["data"], {"key": "tmp/1/products/a/disc.png", "policy": "signed"})
        self.assertEqual(post["files"], {"file": ("disc.png", b"png", "image/png")})

    def test_fewer_staged_targets_than_files_is_retried(self):
        answer = {"data": {"stagedUploadsCreate": {"stagedTargets": [], "userErrors": []}}}
        client, _send = self._client(answer)
        spec = {"resource": "IMAGE", "filename": "disc.png", "mimeType": "image/png"}
        with self.assertRaises(RetryableError):
            client.staged_uploads([spec])

    def test_no_token(self):
        with self.assertRaises(AuthenticationError):
            ShopifyClient("my-shop", "", FakeSend())

    def test_normalize_shop_url(self):
        expected = "https://my-shop.myshopify.com"
        for given in ("my-shop", "my-shop.myshopify.com", " https://my-shop.myshopify.com/admin/ "):
            self.assertEqual(normalize_shop_url(given), expected)
        self.assertEqual(normalize_shop_url("http://127.0.0.1:8701/"), "http://127.0.0.1:8701")
        with self.assertRaises(ValueError):
            normalize_shop_url("  ")
