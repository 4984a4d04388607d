"""Sell Fulfillment API: getOrders, getOrder, createShippingFulfillment,
getShippingFulfillments, getShippingFulfillment."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from . import orders
from .routes import Response, rest
from .util import iso, parse_iso

API = "sell.fulfillment"
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
STATUS_FILTERS = ({"NOT_STARTED", "IN_PROGRESS"}, {"FULFILLED", "IN_PROGRESS"})
# Carrier codes eBay's ShippingCarrierCodeEnum lists for the US (a subset).
CARRIERS = {
    "USPS",
    "UPS",
    "FEDEX",
    "DHL",
    "DHLEKB",
    "ONTRAC",
    "LASERSHIP",
    "AMAZON",
    "ROYALMAIL",
    "CANADAPOST",
    "OTHER",
}
TRACKING_RE = re.compile(r"^[A-Za-z0-9]{6,40}$")


def _split_filter(text: str) -> list[str]:
    """Split on commas outside [] and {}."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _date_range(app, req, name: str, value: str):
    found = re.fullmatch(r"\[([^\]]*)\]", value)
    if not found or ".." not in found.group(1):
        raise app.fail(req, 30800, fieldvalue=value, fieldname=name)
    start_text, _, end_text = found.group(1).partition("..")
    if not start_text.strip():
        raise app.fail(req, 30820)
    start = parse_iso(start_text)
    end = parse_iso(end_text) if end_text.strip() else None
    if start is None or (end_text.strip() and end is None):
        raise app.fail(req, 30810)
    now = app.clock.now()
    if start > now or (end and end > now):
        raise app.fail(req, 30850)
    if end and start > end:
        raise app.fail(req, 30840)
    return start, end


def _filters(app, req) -> list:
    """The getOrders ``filter`` parameter as predicates on orders."""
    predicates = []
    for part in _split_filter(req.query.get("filter", "")):
        name, sep, value = part.partition(":")
        name = name.strip()
        if not sep:
            raise app.fail(req, 30700, fieldname=part)
        if name in ("creationdate", "lastmodifieddate"):
            start, end = _date_range(app, req, name, value.strip())
            key = "creationDate" if name == "creationdate" else "lastModifiedDate"

            def in_range(order, key=key, start=start, end=end):
                when = parse_iso(order[key])
                return when >= start and (end is None or when <= end)

            predicates.append(in_range)
        elif name == "orderfulfillmentstatus":
            found = re.fullmatch(r"\{([^}]*)\}", value.strip())
            wanted = set(found.group(1).split("|")) if found else set()
            if wanted not in STATUS_FILTERS:
                raise app.fail(req, 30800, fieldvalue=value, fieldname=name)
            predicates.append(
                lambda order, wanted=wanted: orders.payload(app, order)["orderFulfillmentStatus"]
                in wanted
            )
        else:
            raise app.fail(req, 30700, fieldname=name)
    return predicates


def _int(app, req, name, default, error_id, low, high=None):
    text = req.query.get(name)
    if text is None:
        return default
    if not re.fullmatch(r"\d+", text) or int(text) < low or (high and int(text) > high):
        raise app.fail(req, error_id, **{f"{name}value": text})
    return int(text)


@rest(API, "getOrders")
def get_orders(app, req):
    store = app.store
    field_groups = req.query.get("fieldGroups")
    if field_groups and field_groups != "TAX_BREAKDOWN":
        raise app.fail(req, 32800, fieldGroup=field_groups)
    ids = [i for i in (req.query.get("orderIds") or "").split(",") if i.strip()]
    if ids:
        if len(ids) > 50:
            raise app.fail(req, 30900)
        rows = [store.orders[i] for i in ids if i in store.orders]
        limit, offset = len(rows) or 1, 0
    else:
        predicates = _filters(app, req)
        limit = _int(app, req, "limit", DEFAULT_LIMIT, 31100, 1, MAX_LIMIT)
        offset = _int(app, req, "offset", 0, 31000, 0)
        rows = [o for o in store.orders.values() if all(p(o) for p in predicates)]
    rows = [o for o in rows if orders.visible(o)]
    rows.sort(key=lambda o: (o["creationDate"], o["orderId"]), reverse=True)
    page = rows[offset : offset + limit]
    params = {k: req.query[k] for k in ("filter", "fieldGroups") if req.query.get(k)}
    if ids:
        params["orderIds"] = ",".join(ids)

    def link(at: int) -> str:
        return app.href(req.path) + "?" + urlencode({**params, "limit": limit, "offset": at})

    body = {
        "href": link(offset),
        "total": len(rows),
        "limit": limit,
        "offset": offset,
        "orders": [orders.payload(app, o, with_cancel_requests=False) for o in page],
    }
    if offset + limit < len(rows):
        body["next"] = link(offset + limit)
    if offset > 0:
        body["prev"] = link(max(offset - limit, 0))
    return Response(200, body)


def _order(app, req) -> dict:
    order_id = req.path_params.get("orderId") or req.path_params.get("order_id")
    order = app.store.orders.get(order_id or "")
    if order is None or not orders.visible(order):
        raise app.fail(req, 32100, orderId=order_id)
    return order


@rest(API, "getOrder")
def get_order(app, req):
    field_groups = req.query.get("fieldGroups")
    if field_groups and field_groups != "TAX_BREAKDOWN":
        raise app.fail(req, 32800, fieldGroup=field_groups)
    return Response(200, orders.payload(app, _order(app, req)))


def fulfillment_payload(entry: dict) -> dict:
    out = {
        "fulfillmentId": entry["fulfillmentId"],
        "lineItems": [dict(x) for x in entry["lineItems"]],
        "shippedDate": entry["shippedDate"],
    }
    if entry.get("trackingNumber"):
        out["shipmentTrackingNumber"] = entry["trackingNumber"]
        out["shippingCarrierCode"] = entry["carrier"]
    return out


def _fulfillment_lines(app, req, order: dict, refs: list, tracking) -> tuple[list, bool]:
    """The lines a fulfilment ships, and whether it only adds tracking to units
    shipped before without a tracking number (eBay lets a seller add tracking to a
    shipped order: several tracking numbers per order, up to a maximum, 34100)."""
    if not refs:
        raise app.fail(req, 32600, message="Invalid input data: lineItems is required.")
    seen, rows = set(), []
    for ref in refs:
        line_id = ref.get("lineItemId")
        line = next((x for x in order["lines"] if x["lineItemId"] == line_id), None)
        if line is None:
            raise app.fail(req, 32200, lineItemId=line_id)
        if line_id in seen:
            raise app.fail(req, 32210)
        seen.add(line_id)
        remaining = line["quantity"] - orders.fulfilled_quantity(app.store, order, line_id)
        untracked = orders.untracked_quantity(app.store, order, line_id)
        rows.append((line, ref.get("quantity"), remaining, untracked))
    adds_tracking = bool(tracking) and all(r[2] == 0 and r[3] > 0 for r in rows)
    out = []
    for line, asked, remaining, untracked in rows:
        room = untracked if adds_tracking else remaining
        quantity = room if asked is None else asked
        if quantity < 1 or quantity > room:
            raise app.fail(
                req,
                32600,
                message=f"Invalid input data: line item {line['lineItemId']} has {remaining} of "
                f"{line['quantity']} left to ship; {quantity} cannot be shipped.",
                parameters=[("lineItemId", line["lineItemId"]), ("quantity", quantity)],
            )
        out.append({"lineItemId": line["lineItemId"], "quantity": quantity})
    return out, adds_tracking


@rest(API, "createShippingFulfillment")
def create_fulfillment(app, req):
    store = app.store
    order = _order(app, req)
    body = req.json
    tracking = body.get("trackingNumber")
    carrier = body.get("shippingCarrierCode")
    lines, adds_tracking = _fulfillment_lines(
        app, req, order, body.get("lineItems") or [], tracking
    )
    if (tracking or carrier) and (
        not tracking or not carrier or not TRACKING_RE.match(tracking) or carrier not in CARRIERS
    ):
        raise app.fail(req, 32300)
    shipped = app.clock.now()
    if body.get("shippedDate"):
        shipped = parse_iso(body["shippedDate"])
        if shipped is None or shipped > app.clock.now():
            raise app.fail(req, 32500)
    fulfillment_id = tracking if tracking and tracking not in store.fulfillments_by_id else None
    fulfillment_id = fulfillment_id or f"{9400100000000000000000 + store.next_id('fulfillment')}"
    entry = {
        "fulfillmentId": fulfillment_id,
        "orderId": order["orderId"],
        "lineItems": lines,
        "shippedDate": iso(shipped),
        "trackingNumber": tracking,
        "carrier": carrier,
        "addsTracking": adds_tracking,
    }
    store.fulfillments_by_id[fulfillment_id] = entry
    order["fulfillments"].append(fulfillment_id)
    orders.touch(app, order)
    location = app.href(f"{req.path}/{fulfillment_id}")
    return Response(201, {}, {"Location": location})


@rest(API, "getShippingFulfillments")
def get_fulfillments(app, req):
    order = _order(app, req)
    rows = [fulfillment_payload(app.store.fulfillments_by_id[f]) for f in order["fulfillments"]]
    return Response(200, {"fulfillments": rows, "total": len(rows)})


@rest(API, "getShippingFulfillment")
def get_fulfillment(app, req):
    order = _order(app, req)
    fulfillment_id = req.path_params["fulfillmentId"]
    if fulfillment_id not in order["fulfillments"]:
        raise app.fail(req, 32110, fulfillmentId=fulfillment_id)
    return Response(200, fulfillment_payload(app.store.fulfillments_by_id[fulfillment_id]))
