"""Outbound webhooks: REST-shaped payloads, HMAC signing, delivery with retries.

Deliveries only ever go to the URIs of webhook subscriptions, and by default only to
loopback hosts (``localhost``, 127.0.0.0/8, ::1) or hosts listed in
``config.webhook_allowed_hosts``.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import json
import time
import uuid

from ..common.dispatch import Dispatcher
from .schema import API_VERSION
from .store import CENT, Store, dec, gid_number, money

TOPIC_OVERRIDES: dict[str, str] = {}


def topic_to_rest(enum_value: str) -> str:
    """``ORDERS_CREATE`` -> ``orders/create``."""
    if enum_value in TOPIC_OVERRIDES:
        return TOPIC_OVERRIDES[enum_value]
    head, _, tail = enum_value.lower().rpartition("_")
    return f"{head}/{tail}" if head else tail


def topic_to_enum(rest: str) -> str:
    return rest.replace("/", "_").upper()


def sign(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _num(value) -> int | None:
    return gid_number(value) if value else None


class PayloadBuilder:
    """Builds the JSON bodies Shopify sends (REST resource representations)."""

    def __init__(self, store: Store):
        self.store = store

    def _address(self, addr: dict | None) -> dict | None:
        if not addr:
            return None
        return {
            "first_name": addr.get("firstName"),
            "last_name": addr.get("lastName"),
            "name": addr.get("name"),
            "company": addr.get("company"),
            "address1": addr.get("address1"),
            "address2": addr.get("address2"),
            "city": addr.get("city"),
            "province": addr.get("province"),
            "province_code": addr.get("provinceCode"),
            "zip": addr.get("zip"),
            "country": addr.get("country"),
            "country_code": addr.get("countryCodeV2"),
            "phone": addr.get("phone"),
        }

    def _money_set(self, amount, order: dict | None = None) -> dict:
        """Shop money and the presentment money of ``order`` (the currency its customer
        paid in, at its rate)."""
        shop = {"amount": money(amount), "currency_code": self.store.currency}
        presentment = dict(shop)
        currency = (order or {}).get("presentmentCurrencyCode")
        if currency and currency != self.store.currency:
            converted = (dec(amount) * order["presentment_rate"]).quantize(CENT)
            presentment = {"amount": money(converted), "currency_code": currency}
        return {"shop_money": shop, "presentment_money": presentment}

    def _remaining(self, order: dict, li: dict) -> int:
        s = self.store
        return sum(
            foli["remainingQuantity"]
            for fo_id in order["fulfillment_order_ids"]
            for foli in s.fulfillment_orders[fo_id]["line_items"]
            if foli["line_item_id"] == li["id"]
        )

    def line_item(self, order: dict, li: dict) -> dict:
        s = self.store
        fulfilled = s.fulfilled_quantity(li["id"], order)
        remaining = 0 if order["cancelledAt"] else self._remaining(order, li)
        status = None
        if fulfilled and not remaining:
            status = "fulfilled"
        elif fulfilled:
            status = "partial"
        sets = functools.partial(self._money_set, order=order)
        return {
            "id": _num(li["id"]),
            "admin_graphql_api_id": li["id"],
            "sku": li["sku"],
            "title": li["title"],
            "name": li["name"],
            "variant_title": li["variantTitle"],
            "vendor": li["vendor"],
            "quantity": li["quantity"],
            "current_quantity": s.current_quantity(li),
            "fulfillable_quantity": max(remaining, 0),
            "fulfillment_status": status,
            "price": li["price"],
            "price_set": sets(li["price"]),
            "total_discount": li["discount"],
            "variant_id": _num(li["variant_id"]),
            "product_id": _num(li["product_id"]),
            "requires_shipping": li["requiresShipping"],
            "taxable": li["taxable"],
            "grams": li.get("grams", 0),
            "discount_allocations": [
                {
                    "amount": li["discount"],
                    "amount_set": sets(li["discount"]),
                    "discount_application_index": 0,
                }
            ]
            if li["discount"] != "0.00"
            else [],
            "tax_lines": [
                {
                    "title": "VAT",
                    "price": li["tax"],
                    "rate": float(li["tax_rate"]),
                    "price_set": sets(li["tax"]),
                }
            ]
            if li["tax"] != "0.00"
            else [],
        }

    def order(self, order: dict) -> dict:
        s = self.store
        totals = s.order_totals(order)
        current = s.order_totals(order, current=True)
        customer = s.customers.get(order.get("customer_id"))
        line_items = [self.line_item(order, li) for li in order["line_items"]]
        sets = functools.partial(self._money_set, order=order)
        fulfillment_status = s.fulfillment_status(order)
        return {
            "id": _num(order["id"]),
            "admin_graphql_api_id": order["id"],
            "name": order["name"],
            "order_number": order["order_number"],
            "number": order["number"],
            "email": order["email"],
            "contact_email": order["email"],
            "phone": order["phone"],
            "note": order["note"],
            "tags": ", ".join(order["tags"]),
            "created_at": order["createdAt"],
            "updated_at": order["updatedAt"],
            "processed_at": order["processedAt"],
            "cancelled_at": order["cancelledAt"],
            "cancel_reason": order["cancelReason"].lower() if order["cancelReason"] else None,
            "closed_at": order["closedAt"],
            "currency": order["currencyCode"],
            "presentment_currency": order.get("presentmentCurrencyCode") or order["currencyCode"],
            "financial_status": order["displayFinancialStatus"].lower(),
            "fulfillment_status": {
                "UNFULFILLED": None,
                "PARTIALLY_FULFILLED": "partial",
                "FULFILLED": "fulfilled",
            }[fulfillment_status],
            "taxes_included": order["taxesIncluded"],
            "test": order["test"],
            "source_name": order["sourceName"],
            "subtotal_price": totals["subtotal"],
            "total_line_items_price": totals["line_items_gross"],
            "total_discounts": totals["discounts"],
            "total_tax": totals["tax"],
            "total_price": totals["total"],
            "total_price_set": sets(totals["total"]),
            "total_shipping_price_set": sets(totals["shipping"]),
            # After edits and refunds.
            "current_subtotal_price": current["subtotal"],
            "current_subtotal_price_set": sets(current["subtotal"]),
            "current_total_discounts": current["discounts"],
            "current_total_discounts_set": sets(current["discounts"]),
            "current_total_tax": current["tax"],
            "current_total_tax_set": sets(current["tax"]),
            "current_total_price": current["total"],
            "current_total_price_set": sets(current["total"]),
            "current_shipping_price_set": sets(current["shipping"]),
            "total_refunds_set": sets(s.refunded_total(order)),
            "discount_codes": [
                {"code": code, "amount": totals["discounts"], "type": "fixed_amount"}
                for code in order["discountCodes"]
            ],
            "customer": {
                "id": _num(customer["id"]),
                "admin_graphql_api_id": customer["id"],
                "email": customer["email"],
                "first_name": customer["firstName"],
                "last_name": customer["lastName"],
                "phone": customer["phone"],
            }
            if customer
            else None,
            "shipping_address": self._address(order["shippingAddress"]),
            "billing_address": self._address(order["billingAddress"]),
            "line_items": line_items,
            "shipping_lines": [
                {
                    "id": _num(sl["id"]),
                    "title": sl["title"],
                    "code": sl["code"],
                    "source": sl["source"],
                    "price": sl["price"],
                    "price_set": sets(sl["price"]),
                    "discounted_price": sl["price"],
                    "discount_allocations": [],
                    "tax_lines": [
                        {
                            "title": "VAT",
                            "price": sl["tax"],
                            "rate": float(sl["tax_rate"]),
                            "price_set": sets(sl["tax"]),
                        }
                    ]
                    if sl["tax"] != "0.00"
                    else [],
                }
                for sl in order["shipping_lines"]
            ],
            "tax_lines": [
                {"title": "VAT", "price": totals["tax"], "rate": float(order["tax_rate"])}
            ]
            if totals["tax"] != "0.00"
            else [],
            "fulfillments": [
                self.fulfillment(s.fulfillments[f_id]) for f_id in order["fulfillment_ids"]
            ],
            "refunds": [self.refund(s.refunds[r]) for r in order["refund_ids"]],
        }

    def refund(self, refund: dict) -> dict:
        """The body of refunds/create (REST Refund). Its transaction's ``amount`` is in
        the presentment currency (what the customer paid in), as Shopify sends it;
        the shop-money figures are in the ``*_set`` of the lines and adjustments."""
        order = self.store.orders[refund["order_id"]]
        sets = functools.partial(self._money_set, order=order)
        presentment = sets(refund["amount"])["presentment_money"]
        items = {li["id"]: li for li in order["line_items"]}
        shipping = refund["shipping"]
        return {
            "id": _num(refund["id"]),
            "admin_graphql_api_id": refund["id"],
            "order_id": _num(order["id"]),
            "created_at": refund["createdAt"],
            "processed_at": refund["createdAt"],
            "note": refund["note"],
            "user_id": None,
            "restock": any(x["restockType"] != "NO_RESTOCK" for x in refund["line_items"]),
            "duties": [],
            "total_duties_set": sets("0"),
            "refund_line_items": [
                {
                    "id": _num(x["id"]),
                    "line_item_id": _num(x["line_item_id"]),
                    "location_id": _num(x["location_id"]),
                    "quantity": x["quantity"],
                    "restock_type": x["restockType"].lower(),
                    # numbers, not strings, in Shopify's bodies
                    "subtotal": float(x["subtotal"]),
                    "total_tax": float(x["tax"]),
                    "subtotal_set": sets(x["subtotal"]),
                    "total_tax_set": sets(x["tax"]),
                    "line_item": self.line_item(order, items[x["line_item_id"]]),
                }
                for x in refund["line_items"]
            ],
            "refund_shipping_lines": [
                {
                    "id": _num(shipping["id"]),
                    "shipping_line_id": _num(shipping["shipping_line_id"]),
                    "subtotal_amount_set": sets(shipping["subtotal"]),
                    "tax_amount_set": sets(shipping["tax"]),
                }
            ]
            if shipping
            else [],
            "transactions": [
                {
                    "id": _num(refund["transaction_id"]),
                    "admin_graphql_api_id": refund["transaction_id"],
                    "order_id": _num(order["id"]),
                    "kind": "refund",
                    "gateway": "manual",
                    "status": "success",
                    "message": "Refunded",
                    "created_at": refund["createdAt"],
                    "processed_at": refund["createdAt"],
                    "test": order["test"],
                    "amount": presentment["amount"],
                    "currency": presentment["currency_code"],
                    "parent_id": None,
                    "source_name": "web",
                }
            ],
            "order_adjustments": [
                {
                    "id": _num(refund["adjustment_id"]),
                    "order_id": _num(order["id"]),
                    "refund_id": _num(refund["id"]),
                    "kind": "refund_discrepancy",
                    "reason": "Refund discrepancy",
                    "amount": money(refund["calculated"] - refund["amount"]),
                    "tax_amount": "0.00",
                    "amount_set": sets(refund["calculated"] - refund["amount"]),
                    "tax_amount_set": sets("0"),
                }
            ]
            if refund["adjustment_id"]
            else [],
        }

    def order_edit(self, edit: dict) -> dict:
        """The body of orders/edited: what changed, not the order."""

        def changes(entries):
            return [{"id": _num(e["id"]), "delta": e["delta"]} for e in entries]

        return {
            "order_edit": {
                "id": _num(edit["id"]),
                "app_id": None,
                "created_at": edit["createdAt"],
                "committed_at": edit["committedAt"],
                "notify_customer": False,
                "order_id": _num(edit["order_id"]),
                "staff_note": edit["staff_note"],
                "user_id": None,
                "line_items": {
                    "additions": changes(edit["line_items"]["additions"]),
                    "removals": changes(edit["line_items"]["removals"]),
                },
                "discounts": {"line_item": {"additions": [], "removals": []}},
                "shipping_lines": {"additions": [], "removals": []},
            }
        }

    def fulfillment(self, ful: dict) -> dict:
        tracking = ful["trackingInfo"][0] if ful["trackingInfo"] else {}
        order = self.store.orders[ful["order_id"]]
        return {
            "id": _num(ful["id"]),
            "admin_graphql_api_id": ful["id"],
            "order_id": _num(ful["order_id"]),
            "name": ful["name"],
            "status": ful["status"].lower(),
            "created_at": ful["createdAt"],
            "updated_at": ful["updatedAt"],
            "location_id": _num(ful["location_id"]),
            "tracking_company": tracking.get("company"),
            "tracking_number": tracking.get("number"),
            "tracking_url": tracking.get("url"),
            "line_items": [
                {
                    "id": _num(fli["line_item_id"]),
                    "quantity": fli["quantity"],
                    "sku": next(
                        (
                            li["sku"]
                            for li in order["line_items"]
                            if li["id"] == fli["line_item_id"]
                        ),
                        None,
                    ),
                }
                for fli in ful["line_items"]
            ],
        }

    def product(self, product: dict) -> dict:
        s = self.store
        variants = []
        for var_id in product["variant_ids"]:
            v = s.variants[var_id]
            item = s.items[v["inventory_item_id"]]
            opts = [sel["value"] for sel in v["selectedOptions"]] + [None, None, None]
            variants.append(
                {
                    "id": _num(v["id"]),
                    "admin_graphql_api_id": v["id"],
                    "product_id": _num(product["id"]),
                    "title": s.variant_title(v),
                    "sku": item["sku"],
                    "barcode": v["barcode"],
                    "price": v["price"],
                    "compare_at_price": v["compareAtPrice"],
                    "position": v["position"],
                    "inventory_item_id": _num(item["id"]),
                    "inventory_quantity": s.total_available(v),
                    "inventory_policy": v["inventoryPolicy"].lower(),
                    "option1": opts[0],
                    "option2": opts[1],
                    "option3": opts[2],
                    "taxable": v["taxable"],
                    "created_at": v["createdAt"],
                    "updated_at": v["updatedAt"],
                }
            )
        return {
            "id": _num(product["id"]),
            "admin_graphql_api_id": product["id"],
            "title": product["title"],
            "body_html": product["descriptionHtml"],
            "vendor": product["vendor"],
            "product_type": product["productType"],
            "handle": product["handle"],
            "status": product["status"].lower(),
            "tags": ", ".join(product["tags"]),
            "created_at": product["createdAt"],
            "updated_at": product["updatedAt"],
            "published_at": product["publishedAt"],
            "options": [
                {
                    "id": _num(o["id"]),
                    "product_id": _num(product["id"]),
                    "name": o["name"],
                    "position": o["position"],
                    "values": [ov["name"] for ov in o["optionValues"]],
                }
                for o in product["options"]
            ],
            "variants": variants,
        }

    def inventory_level(self, item_id: str, loc_id: str) -> dict:
        lvl = self.store.levels.get((item_id, loc_id)) or {}
        return {
            "inventory_item_id": _num(item_id),
            "location_id": _num(loc_id),
            "available": lvl.get("available", 0),
            "updated_at": lvl.get("updatedAt"),
            "admin_graphql_api_id": (
                f"gid://shopify/InventoryLevel/{_num(loc_id)}?inventory_item_id={_num(item_id)}"
            ),
        }

    def shop(self) -> dict:
        s = self.store
        return {
            "id": _num(s.shop_id),
            "name": s.shop_name,
            "domain": s.domain,
            "myshopify_domain": s.domain,
            "currency": s.currency,
            "email": f"owner@{s.domain}",
        }

    def bulk_operation(self, op: dict) -> dict:
        return {
            "admin_graphql_api_id": op["id"],
            "completed_at": op.get("completedAt"),
            "created_at": op["createdAt"],
            "error_code": op.get("errorCode").lower() if op.get("errorCode") else None,
            "status": op["status"].lower(),
            "type": op["type"].lower(),
        }


class WebhookDispatcher(Dispatcher):
    """Shopify's deliveries: signed, one per subscription of the topic."""

    refused = "refused: only loopback webhook URIs are delivered"

    # ---------------------------------------------------------------- public
    def emit(self, rest_topic: str, payload: dict) -> None:
        """Called by the store (under its lock) when something happened."""
        enum_topic = topic_to_enum(rest_topic)
        subs = [
            sub for sub in self.store.webhook_subscriptions.values() if sub["topic"] == enum_topic
        ]
        if not subs:
            return
        body = json.dumps(payload, separators=(",", ":"), sort_keys=False).encode("utf-8")
        event_id = str(uuid.uuid4())
        triggered = (
            dt.datetime.now(dt.timezone.utc)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")
        )
        for sub in subs:
            delivery = {
                "id": str(uuid.uuid4()),
                "event_id": event_id,
                "topic": rest_topic,
                "subscription_id": sub["id"],
                "uri": sub["uri"],
                "triggered_at": triggered,
                "status": "pending",
                "attempts": [],
                "payload": payload,
                "body": body,
            }
            with self._cond:
                self.deliveries.append(delivery)
                self._push(time.monotonic(), delivery)

    def clear(self) -> None:
        with self._cond:
            self.deliveries.clear()
            self._heap.clear()

    def snapshot(self) -> list[dict]:
        with self._cond:
            return [
                {k: v for k, v in d.items() if k != "body"} | {"attempts": list(d["attempts"])}
                for d in self.deliveries
            ]

    # -------------------------------------------------------------- internals
    def _target(self, delivery: dict) -> str:
        return delivery["uri"]

    def _headers(self, delivery: dict) -> dict:
        body = delivery["body"]
        return {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": delivery["topic"],
            "X-Shopify-Shop-Domain": self.store.domain,
            "X-Shopify-Hmac-Sha256": sign(self.config.client_secret, body),
            "X-Shopify-Webhook-Id": delivery["id"],
            "X-Shopify-Event-Id": delivery["event_id"],
            "X-Shopify-Triggered-At": delivery["triggered_at"],
            "X-Shopify-API-Version": API_VERSION,
        }
