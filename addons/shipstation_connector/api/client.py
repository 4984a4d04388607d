"""The ShipStation V1 client: plain values in, plain values out, typed errors.

It knows ShipStation's paths, query parameters and answers, nothing of Odoo. Every
call goes through ``send`` (integration_base's logged, timed, classified request,
given by the backend), with HTTP Basic credentials; the rate-limit headers of every
answer go to ``on_rate_headers``. Numbers are read as ``Decimal``: ShipStation writes
amounts with four decimals (``4.0100``) and they keep their value.

A second transport (V2, API-Key header) would be another ``auth`` and paths; the
callers only see the methods below.
"""

import contextlib
import json
from decimal import Decimal
from urllib.parse import urlencode

from odoo.addons.integration_base.exceptions import PermanentError

from ..const import MAX_ORDERS_PER_CALL, MAX_PAGE_SIZE


class ShipStationClient:
    def __init__(self, base_url, api_key, api_secret, send, on_rate_headers=None):
        self.base_url = base_url.rstrip("/")
        self.auth = (api_key, api_secret)
        self._send = send
        self._on_rate_headers = on_rate_headers

    # ------------------------------------------------------------------ plumbing
    def url(self, path, **query):
        query = {key: value for key, value in query.items() if value is not None}
        return self.base_url + path + ("?" + urlencode(query) if query else "")

    def call(self, method, url, body=None, *, items=None, max_items=None):
        """One request to ``url`` (an absolute URL: a webhook's resource_url is one);
        the parsed answer (None for an empty body)."""
        kwargs = {"auth": self.auth, "headers": {"Accept": "application/json"}}
        if body is not None:
            kwargs["data"] = json.dumps(body, default=_json_default)
            kwargs["headers"]["Content-Type"] = "application/json"
        if items is not None:
            kwargs.update(items=items, max_items=max_items)
        response = self._send(method, url, **kwargs)
        self._report_rate(response)
        if not response.content:
            return None
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError as exc:
            raise PermanentError(
                "ShipStation answered %s with something that is not JSON." % method
            ) from exc

    def _report_rate(self, response):
        headers = response.headers
        if self._on_rate_headers and headers.get("X-Rate-Limit-Remaining") is not None:
            # A header we cannot read: our own estimate stands.
            with contextlib.suppress(KeyError, ValueError):
                self._on_rate_headers(
                    int(headers["X-Rate-Limit-Limit"]),
                    int(headers["X-Rate-Limit-Remaining"]),
                    int(headers["X-Rate-Limit-Reset"]),
                )

    def get(self, path, **query):
        return self.call("GET", self.url(path, **query))

    def post(self, path, body, **kwargs):
        return self.call("POST", self.url(path), body, **kwargs)

    def pages(self, path, list_name, page_size=MAX_PAGE_SIZE, start_page=1, **query):
        """(page number, pages, records) for each page of a list, from ``start_page``:
        the caller commits after each one (a checkpoint)."""
        page = start_page
        while True:
            answer = self.get(path, page=page, pageSize=page_size, **query) or {}
            pages = int(answer.get("pages") or 0)
            yield page, pages, answer.get(list_name) or []
            if page >= pages:
                return
            page += 1

    # ------------------------------------------------------------------ account
    def list_stores(self):
        return self.get("/stores", showInactive="true") or []

    def list_warehouses(self):
        return self.get("/warehouses") or []

    def list_carriers(self):
        return self.get("/carriers") or []

    def list_services(self, carrier_code):
        return self.get("/carriers/listservices", carrierCode=carrier_code) or []

    def list_packages(self, carrier_code):
        return self.get("/carriers/listpackages", carrierCode=carrier_code) or []

    # ------------------------------------------------------------------ orders
    def create_order(self, order):
        """createorder: with the order's ``orderKey``, a retry updates, never doubles."""
        return self.post("/orders/createorder", order)

    def create_orders(self, orders):
        """createorders, up to 100: ``results`` say for each order whether it went."""
        if len(orders) > MAX_ORDERS_PER_CALL:
            raise ValueError("at most %s orders a call" % MAX_ORDERS_PER_CALL)
        return self.post(
            "/orders/createorders", orders, items=len(orders), max_items=MAX_ORDERS_PER_CALL
        )

    def find_order(self, order_number, order_key):
        """The order with ``order_key`` among those whose number starts with
        ``order_number`` (the list has no key filter), or None."""
        for _page, _pages, orders in self.pages("/orders", "orders", orderNumber=order_number):
            for order in orders:
                if order.get("orderKey") == order_key:
                    return order
        return None

    def get_order(self, order_id):
        return self.get("/orders/%s" % int(order_id))

    def hold_until(self, order_id, date):
        return self.post("/orders/holduntil", {"orderId": int(order_id), "holdUntilDate": date})

    def restore_from_hold(self, order_id):
        return self.post("/orders/restorefromhold", {"orderId": int(order_id)})

    def delete_order(self, order_id):
        return self.call("DELETE", self.url("/orders/%s" % int(order_id)))

    def create_label_for_order(self, options):
        return self.post("/orders/createlabelfororder", options)

    # ------------------------------------------------------------------ shipments
    def get_rates(self, options):
        return self.post("/shipments/getrates", options) or []

    def void_label(self, shipment_id):
        return self.post("/shipments/voidlabel", {"shipmentId": int(shipment_id)}) or {}

    def shipments_of_order(self, order_id):
        """Every shipment of one ShipStation order, with its items."""
        shipments = []
        for _page, _pages, records in self.pages(
            "/shipments", "shipments", orderId=int(order_id), includeShipmentItems="true"
        ):
            shipments.extend(records)
        return shipments

    # ------------------------------------------------------------------ webhooks
    def list_webhooks(self):
        answer = self.get("/webhooks")
        # ShipStation answers {"webhooks": [...]}; its declaration says a bare array.
        return answer.get("webhooks", []) if isinstance(answer, dict) else answer or []

    def subscribe_webhook(self, target_url, event, friendly_name, store_id=None):
        body = {"target_url": target_url, "event": event, "friendly_name": friendly_name}
        if store_id:
            body["store_id"] = int(store_id)
        return self.post("/webhooks/subscribe", body)

    def unsubscribe_webhook(self, webhook_id):
        return self.call("DELETE", self.url("/webhooks/%s" % int(webhook_id)))


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError("%r is not JSON" % (value,))
