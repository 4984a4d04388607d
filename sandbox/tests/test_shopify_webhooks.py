"""Webhook subscriptions and outbound deliveries (HMAC, headers, retries)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sandbox.shopify.server import start_server
from sandbox.shopify.testing import SandboxClient

SECRET = "whsec-test"
CREATE = """mutation($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id topic uri format
      endpoint { __typename ... on WebhookHttpEndpoint { callbackUrl } } }
    userErrors { field message }
  }
}"""


class Receiver:
    """A tiny local HTTP receiver; answers ``fail_first`` requests with 500."""

    def __init__(self, fail_first: int = 0):
        self.requests: list[dict] = []
        self.fail_first = fail_first
        receiver = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = 500 if len(receiver.requests) <= receiver.fail_first else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.requests

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = start_server(seed=True, client_secret=SECRET, webhook_retry_delays=[0.1, 0.2, 0.3])
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    return SandboxClient(server.url)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_subscription_create_list_delete(client, receiver):
    body = client.gql(CREATE, {"topic": "ORDERS_CREATE", "uri": receiver.url})
    sub = body["data"]["webhookSubscriptionCreate"]["webhookSubscription"]
    assert sub["topic"] == "ORDERS_CREATE" and sub["uri"] == receiver.url
    assert sub["endpoint"] == {"__typename": "WebhookHttpEndpoint", "callbackUrl": receiver.url}
    dup = client.gql(CREATE, {"topic": "ORDERS_CREATE", "uri": receiver.url})
    assert dup["data"]["webhookSubscriptionCreate"]["userErrors"][0]["message"] == (
        "Address for this topic has already been taken"
    )
    listing = client.gql("{ webhookSubscriptions(first: 10) { nodes { id topic uri } } }")
    assert [n["id"] for n in listing["data"]["webhookSubscriptions"]["nodes"]] == [sub["id"]]
    deleted = client.gql(
        "mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { "
        "deletedWebhookSubscriptionId userErrors { message } } }",
        {"id": sub["id"]},
    )
    assert deleted["data"]["webhookSubscriptionDelete"]["deletedWebhookSubscriptionId"] == sub["id"]
    assert (
        client.gql("{ webhookSubscriptions(first: 10) { nodes { id } } }")["data"][
            "webhookSubscriptions"
        ]["nodes"]
        == []
    )


def test_order_webhook_is_signed_and_shaped(client, receiver):
    client.gql(CREATE, {"topic": "ORDERS_CREATE", "uri": receiver.url})
    order = client.control(
        "POST",
        "orders",
        {
            "email": "alice@example.com",
            "line_items": [{"sku": "OF-200", "quantity": 2}],
            "shipping_address": {
                "first_name": "Alice",
                "address1": "1 Road",
                "city": "Leeds",
                "zip": "LS1",
                "country_code": "GB",
            },
        },
    )["order"]
    request = receiver.wait_for(1)[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), request["body"], hashlib.sha256).digest()
    ).decode()
    assert headers["x-shopify-hmac-sha256"] == expected
    assert headers["x-shopify-topic"] == "orders/create"
    assert headers["x-shopify-shop-domain"].endswith(".myshopify.com")
    assert headers["x-shopify-api-version"] == "2026-10"
    assert (
        headers["x-shopify-webhook-id"]
        and headers["x-shopify-event-id"]
        and headers["x-shopify-triggered-at"]
    )
    payload = json.loads(request["body"])
    assert payload["id"] == order["id"] and payload["admin_graphql_api_id"].startswith(
        "gid://shopify/Order/"
    )
    assert payload["line_items"][0]["sku"] == "OF-200" and payload["line_items"][0]["quantity"] == 2
    assert payload["email"] == "alice@example.com" and payload["total_price"] == "17.00"
    deliveries = client.control("GET", "webhooks/deliveries?wait=5")["deliveries"]
    assert (
        deliveries[0]["status"] == "delivered"
        and deliveries[0]["attempts"][0]["status_code"] == 200
    )


def test_retry_after_500(client):
    receiver = Receiver(fail_first=2)
    try:
        client.gql(CREATE, {"topic": "INVENTORY_LEVELS_UPDATE", "uri": receiver.url})
        client.control(
            "POST", "inventory", {"sku": "OF-200", "location": "Main Warehouse", "quantity": 3}
        )
        requests = receiver.wait_for(3)
        assert len(requests) == 3
        ids = {r["headers"]["X-Shopify-Webhook-Id"] for r in requests}
        assert len(ids) == 1  # same webhook id on every retry
        assert json.loads(requests[-1]["body"])["available"] == 3
        delivery = client.control("GET", "webhooks/deliveries?wait=5")["deliveries"][0]
        assert delivery["status"] == "delivered"
        assert [a.get("status_code") for a in delivery["attempts"]] == [500, 500, 200]
    finally:
        receiver.close()


def test_gives_up_after_max_attempts(client):
    client.control("POST", "config", {"webhook_max_attempts": 2, "webhook_retry_delays": [0.05]})
    receiver = Receiver(fail_first=100)
    try:
        client.gql(CREATE, {"topic": "PRODUCTS_UPDATE", "uri": receiver.url})
        pid = client.state()["products"][0]["id"]
        client.gql(
            "mutation($p: ProductUpdateInput!) { "
            "productUpdate(product: $p) { userErrors { message } } }",
            {"p": {"id": pid, "title": "Renamed"}},
        )
        delivery = client.control("GET", "webhooks/deliveries?wait=5")["deliveries"][0]
        assert delivery["status"] == "failed" and len(delivery["attempts"]) == 2
        assert json.loads(receiver.requests[0]["body"])["title"] == "Renamed"
    finally:
        receiver.close()


def test_non_loopback_uri_is_never_contacted(client):
    client.gql(CREATE, {"topic": "APP_UNINSTALLED", "uri": "https://example.com/hooks"})
    client.control("POST", "uninstall", {"revoke_tokens": False})
    delivery = client.control("GET", "webhooks/deliveries?wait=5")["deliveries"][0]
    assert delivery["status"] == "refused" and delivery["topic"] == "app/uninstalled"
