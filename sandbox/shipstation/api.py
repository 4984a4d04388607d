"""The V1 endpoints: each takes (app, request) and answers (status, body).

Paths and query parameter names are matched without regard to case, as ASP.NET does.
Bodies are checked against the declared interface of their endpoint first
(``declarations.py``); then the store applies ShipStation's rules."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from . import orders as order_ops
from . import shipments as shipment_ops
from .declarations import Checker, named
from .errors import ApiError, bad_request, invalid, no_route, not_found
from .formats import parse_date
from .store import StoreError, guid, public, weight_in_ounces

HOLD = ("object", {"orderId": (("number",), False), "holdUntilDate": (("string",), False)})
ORDER_ONLY = ("object", {"orderId": (("number",), False)})
VOID = ("object", {"shipmentId": (("number",), False)})
MAX_BATCH = 100
_DIGITS = r"\d+"


@dataclass
class Request:
    method: str
    path: str  # as sent, for messages
    query: dict  # lower-cased names -> values
    body: object = None  # parsed JSON (Decimal numbers) or None
    unknown_fields: list[str] = field(default_factory=list)


def _check(request: Request, node, root: str):
    if request.body is None:
        raise bad_request("The request body is empty: a JSON object is required.")
    checker = Checker("request").check(request.body, node)
    request.unknown_fields.extend(checker.unknown)
    if checker.errors:
        raise invalid(checker.errors, root)
    return request.body


def _int(query: dict, name: str, default: int | None = None) -> int | None:
    value = query.get(name.lower())
    if value in (None, ""):
        return default
    if not re.fullmatch(r"\d+", value):
        raise bad_request(f"The value '{value}' is not valid for {name}.")
    return int(value)


def _bool(query: dict, name: str) -> bool:
    value = (query.get(name.lower()) or "false").lower()
    if value not in ("true", "false"):
        raise bad_request(f"The value '{query[name.lower()]}' is not valid for {name}.")
    return value == "true"


def _check_dates(query: dict) -> None:
    for name, value in query.items():
        if re.fullmatch(r"\w+date(start|end)", name) and value and parse_date(value) is None:
            raise bad_request(f"The value '{value}' is not a valid date for {name}.")


def _page(app, records: list, query: dict, key, list_name: str) -> dict:
    page = _int(query, "page", 1) or 1
    size = _int(query, "pageSize", 100) or 100
    size = min(size, app.config.max_page_size)
    ordered = sorted(records, key=key, reverse=(query.get("sortdir") or "").upper() == "DESC")
    chunk = ordered[(page - 1) * size : page * size]
    return {
        list_name: chunk,
        "total": len(ordered),
        "page": page,
        "pages": math.ceil(len(ordered) / size) if ordered else 0,
    }


def _path_id(path: str) -> int:
    tail = path.rstrip("/").rsplit("/", 1)[-1]
    if not tail.isdigit():
        raise bad_request(f"The value '{tail}' is not a valid id.")
    return int(tail)


# ------------------------------------------------------------------ orders
def list_orders(app, request: Request):
    _check_dates(request.query)
    store = app.store
    order_ops.refresh_holds(store)
    found = [o for o in store.orders.values() if order_ops.matches(o, request.query)]
    key = order_ops.sort_key(request.query.get("sortby"))
    result = _page(app, found, request.query, key, "orders")
    result["orders"] = [order_ops.view(o) for o in result["orders"]]
    return 200, result


def get_order(app, request: Request):
    order_ops.refresh_holds(app.store)
    order_id = _path_id(request.path)
    try:
        return 200, order_ops.view(order_ops.find(app.store, order_id))
    except StoreError as exc:
        raise not_found(str(exc)) from exc


def create_order(app, request: Request):
    body = _check(request, named("CreateOrUpdateOrderOptions"), "apiOrder")
    batch = guid(2, app.store.next_id("import"))
    order, _created = order_ops.upsert(app.store, body, batch)
    order_ops.announce(app.store, batch)
    return 200, order_ops.view(order)


def create_orders(app, request: Request):
    """Up to 100 orders; each succeeds or fails alone, as ``results[]`` tells."""
    if not isinstance(request.body, list):
        raise bad_request("The request body must be a JSON array of orders.")
    if len(request.body) > MAX_BATCH:
        raise bad_request(
            f"{len(request.body)} orders were sent: the maximum is {MAX_BATCH} per request."
        )
    batch = guid(2, app.store.next_id("import"))
    results = []
    for index, body in enumerate(request.body):
        checker = Checker("request").check(body, named("CreateOrUpdateOrderOptions"))
        request.unknown_fields.extend(f"[{index}].{u}" for u in checker.unknown)
        given = body if isinstance(body, dict) else {}
        row = {
            "orderId": 0,
            "orderNumber": given.get("orderNumber"),
            "orderKey": given.get("orderKey"),
            "success": False,
            "errorMessage": None,
        }
        try:
            if checker.errors:
                raise StoreError("; ".join(f"{p} {t}" for p, t in checker.errors))
            order, _created = order_ops.upsert(app.store, body, batch)
            row.update(orderId=order["orderId"], orderKey=order["orderKey"], success=True)
        except StoreError as exc:
            row["errorMessage"] = str(exc)
        results.append(row)
    order_ops.announce(app.store, batch)
    return 200, {"hasErrors": any(not r["success"] for r in results), "results": results}


def hold_order(app, request: Request):
    body = _check(request, HOLD, "request")
    order_ops.hold(app.store, body["orderId"], body["holdUntilDate"])
    return 200, {"success": True, "message": "Order held successfully."}


def restore_order(app, request: Request):
    body = _check(request, ORDER_ONLY, "request")
    order_ops.restore(app.store, body["orderId"])
    return 200, {"success": True, "message": "Order restored successfully."}


def mark_shipped(app, request: Request):
    body = _check(request, named("MarkShippedOptions"), "request")
    order = order_ops.mark_shipped(app.store, body)
    return 200, {"orderId": order["orderId"], "orderNumber": order["orderNumber"]}


def delete_order(app, request: Request):
    try:
        order_ops.delete(app.store, _path_id(request.path))
    except StoreError as exc:
        raise not_found(str(exc)) from exc
    return 200, {"success": True, "message": "The requested order has been deleted."}


def label_for_order(app, request: Request):
    body = _check(request, named("CreateOrderLabelOptions"), "request")
    shipment = shipment_ops.label_for_order(app.store, body, str(app.store.next_id("batch")))
    return 200, shipment_ops.view(shipment, with_items=False, with_label=True)


# --------------------------------------------------------------- shipments
def list_shipments(app, request: Request):
    _check_dates(request.query)
    with_items = _bool(request.query, "includeShipmentItems")
    found = [
        s for s in app.store.shipments.values() if shipment_ops.matches(s, request.query, app.store)
    ]
    key = shipment_ops.sort_key(request.query.get("sortby"))
    result = _page(app, found, request.query, key, "shipments")
    result["shipments"] = [shipment_ops.view(s, with_items) for s in result["shipments"]]
    return 200, result


def create_label(app, request: Request):
    body = _check(request, named("CreateShipmentLabelOptions"), "request")
    shipment = shipment_ops.label_without_order(app.store, body, str(app.store.next_id("batch")))
    return 200, shipment_ops.view(shipment, with_items=False, with_label=True)


def void_label(app, request: Request):
    body = _check(request, VOID, "request")
    approved, message = shipment_ops.void(app.store, body["shipmentId"])
    return 200, {"approved": approved, "message": message}


def get_rates(app, request: Request):
    body = _check(request, named("GetRatesOptions"), "request")
    store = app.store
    carrier = store.carrier(body["carrierCode"])
    weight_oz = weight_in_ounces(body["weight"])
    if weight_oz <= 0:
        raise StoreError("The shipment's weight must be greater than zero.")
    origin = _origin(store, body)
    international = body["toCountry"].upper() != (origin.get("country") or "").upper()
    rates = []
    for index, service in store.services_for(carrier, international):
        if body.get("serviceCode") and service["code"] != body["serviceCode"]:
            continue
        cost = store.rate(carrier, weight_oz, international, index)
        rates.append({"serviceName": service["name"], "serviceCode": service["code"], **cost})
    return 200, rates


def _origin(store, body: dict) -> dict:
    wanted = body.get("fromWarehouseId")
    for warehouse in store.warehouses.values():
        if str(warehouse["warehouseId"]) == str(wanted):
            return warehouse["originAddress"]
    for warehouse in store.warehouses.values():
        postal = (warehouse["originAddress"].get("postalCode") or "").replace(" ", "").lower()
        if postal == body["fromPostalCode"].replace(" ", "").lower():
            return warehouse["originAddress"]
    default = store.default_warehouse()
    return default["originAddress"] if default else {}


# ------------------------------------------------- carriers, stores, hooks
def _carrier_view(carrier: dict) -> dict:
    return public(carrier)


def list_carriers(app, request: Request):
    return 200, [_carrier_view(c) for c in app.store.carriers.values()]


def _carrier_param(app, request: Request) -> dict:
    code = request.query.get("carriercode")
    if not code:
        raise bad_request("The carrierCode parameter is required.")
    return app.store.carrier(code)


def get_carrier(app, request: Request):
    return 200, _carrier_view(_carrier_param(app, request))


def list_services(app, request: Request):
    return 200, [dict(s) for s in _carrier_param(app, request)["_services"]]


def list_packages(app, request: Request):
    return 200, [dict(p) for p in _carrier_param(app, request)["_packages"]]


def list_warehouses(app, request: Request):
    return 200, [dict(w) for w in app.store.warehouses.values()]


def get_warehouse(app, request: Request):
    warehouse = app.store.warehouses.get(_path_id(request.path))
    if warehouse is None:
        raise not_found("Warehouse not found.")
    return 200, dict(warehouse)


def list_stores(app, request: Request):
    show_inactive = _bool(request.query, "showInactive")
    marketplace = _int(request.query, "marketplaceId")
    stores = [
        dict(s)
        for s in app.store.stores.values()
        if (show_inactive or s["active"]) and marketplace in (None, s["marketplaceId"])
    ]
    return 200, stores


def get_store(app, request: Request):
    found = app.store.stores.get(_path_id(request.path))
    if found is None:
        raise not_found("Store not found.")
    return 200, dict(found)


def list_webhooks(app, request: Request):
    hooks = [dict(h) for h in app.store.webhooks.values()]
    return 200, ({"webhooks": hooks} if app.config.webhooks_list_wrapped else hooks)


def subscribe(app, request: Request):
    body = _check(request, named("SubscribeToWebhookOptions"), "request")
    if not re.match(r"^https?://", body["target_url"]):
        raise bad_request(f"target_url '{body['target_url']}' is not an http(s) URL.")
    return 200, {"id": app.store.subscribe(body)["WebHookID"]}


def unsubscribe(app, request: Request):
    hook_id = _path_id(request.path)
    if app.store.webhooks.pop(hook_id, None) is None:
        raise not_found(f"Webhook {hook_id} was not found.")
    return 200, None


ROUTES: list[tuple[str, re.Pattern, object]] = [
    (m, re.compile(p), h)
    for m, p, h in (
        ("GET", r"/orders", list_orders),
        ("GET", r"/orders/\d+", get_order),
        ("DELETE", r"/orders/\d+", delete_order),
        ("POST", r"/orders/createorder", create_order),
        ("POST", r"/orders/createorders", create_orders),
        ("POST", r"/orders/holduntil", hold_order),
        ("POST", r"/orders/restorefromhold", restore_order),
        ("POST", r"/orders/markasshipped", mark_shipped),
        ("POST", r"/orders/createlabelfororder", label_for_order),
        ("GET", r"/shipments", list_shipments),
        ("POST", r"/shipments/getrates", get_rates),
        ("POST", r"/shipments/createlabel", create_label),
        ("POST", r"/shipments/voidlabel", void_label),
        ("GET", r"/carriers", list_carriers),
        ("GET", r"/carriers/getcarrier", get_carrier),
        ("GET", r"/carriers/listservices", list_services),
        ("GET", r"/carriers/listpackages", list_packages),
        ("GET", r"/warehouses", list_warehouses),
        ("GET", r"/warehouses/\d+", get_warehouse),
        ("GET", r"/stores", list_stores),
        ("GET", r"/stores/\d+", get_store),
        ("GET", r"/webhooks", list_webhooks),
        ("POST", r"/webhooks/subscribe", subscribe),
        ("DELETE", r"/webhooks/\d+", unsubscribe),
    )
]


def route_name(method: str, path: str) -> str | None:
    """``"POST /orders/createorder"`` for the route that serves the request, or None."""
    lowered = path.lower().rstrip("/") or "/"
    for route_method, pattern, _handler in ROUTES:
        if route_method == method and pattern.fullmatch(lowered):
            return f"{method} {pattern.pattern.replace(_DIGITS, '{id}')}"
    return None


def dispatch(app, request: Request):
    lowered = request.path.lower().rstrip("/") or "/"
    for route_method, pattern, handler in ROUTES:
        if route_method == request.method and pattern.fullmatch(lowered):
            try:
                with app.store.lock:
                    return handler(app, request)
            except StoreError as exc:
                raise bad_request(str(exc)) from exc
    raise no_route(request.path)


__all__ = ["ApiError", "Request", "dispatch", "route_name"]
