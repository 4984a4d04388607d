"""ShipStation's shipments and webhook deliveries, read into plain values (pure).

What real accounts send is messier than the declarations: amounts with four
decimals, Pacific-time timestamps with seven decimals and no zone, carrier codes
typed by people with trailing spaces, ``shipmentItems`` null when the
``resource_url`` says ``includeShipmentItems=False``.
"""

import hashlib
from datetime import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from ..const import RESOURCE_HOST

PACIFIC = ZoneInfo("America/Los_Angeles")
UTC = ZoneInfo("UTC")


def parse_timestamp(value):
    """``2026-12-03T06:52:05.6500000`` (Pacific, no zone) -> naive UTC datetime;
    a value with ``Z`` or an offset keeps its zone. None for an empty value."""
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    if "." in text:  # Python reads at most six decimals
        head, _, tail = text.partition(".")
        digits = "".join(c for c in tail if c.isdigit())
        zone = tail[len(digits) :]
        text = "%s.%s%s" % (head, digits[:6].ljust(6, "0"), zone)
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=PACIFIC)
    return parsed.astimezone(UTC).replace(tzinfo=None)


def pacific(moment):
    """A naive UTC datetime as ShipStation's query dates want it (Pacific time)."""
    return moment.replace(tzinfo=UTC).astimezone(PACIFIC).strftime("%Y-%m-%d %H:%M:%S")


def carrier_code(value):
    """``"Royal Mail "`` (typed by a person) -> ``royal_mail``."""
    return "_".join(str(value or "").strip().lower().split())


def shipment(record):
    """A ShipStation shipment -> the values the connector acts on. ``items`` is None
    when ShipStation left them out (null): get them before counting quantities."""
    items = record.get("shipmentItems")
    return {
        "shipment_id": int(record["shipmentId"]),
        "order_id": int(record["orderId"]) if record.get("orderId") else None,
        "order_key": record.get("orderKey") or None,
        "order_number": record.get("orderNumber") or None,
        "tracking": str(record.get("trackingNumber") or "").strip(),
        "carrier_code": carrier_code(record.get("carrierCode")),
        "service_code": (record.get("serviceCode") or "").strip() or None,
        "cost": Decimal(str(record.get("shipmentCost") or 0))
        + Decimal(str(record.get("insuranceCost") or 0)),
        "voided": bool(record.get("voided")),
        "ship_date": record.get("shipDate") or None,
        "created": parse_timestamp(record.get("createDate")),
        "items": None
        if items is None
        else [
            {
                "line_key": (item.get("lineItemKey") or "").strip() or None,
                "sku": (item.get("sku") or "").strip(),
                "quantity": int(item.get("quantity") or 0),
            }
            for item in items
        ],
    }


def resource_url_problem(url, api_url=None):
    """None when a webhook's ``resource_url`` may be fetched with the account's
    credentials, else why not. It comes in an unauthenticated request: only https to
    one of ShipStation's API hosts (``ssapi.shipstation.com``, ``ssapi6...``), on
    the default port, without user info; or the backend's own API URL's origin (a
    sandbox)."""
    parts = urlsplit(str(url or "").strip())
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return "its port is not a number"
    if parts.username or parts.password:
        return "it carries user information"
    if api_url:
        own = urlsplit(api_url.strip())
        if (parts.scheme, host, port) == (own.scheme, (own.hostname or "").lower(), own.port):
            return None
    if parts.scheme != "https":
        return "it is not https"
    if port not in (None, 443):
        return "it names port %s" % port
    if not RESOURCE_HOST.fullmatch(host):
        return "%s is not one of ShipStation's API hosts" % (host or "its host")
    return None


def batch_id(url):
    """The ``batchId`` of a SHIP_NOTIFY resource_url, or None."""
    values = parse_qs(urlsplit(str(url or "")).query)
    for key, found in values.items():
        if key.lower() == "batchid" and found and found[0].isdigit():
            return int(found[0])
    return None


def delivery_identity(data, _headers=None):
    """(delivery id, topic) of a ShipStation webhook, whose headers name neither: a
    retry of the same delivery carries the same resource_url, hence the same id."""
    if not isinstance(data, dict):
        return None, None
    url, kind = data.get("resource_url"), data.get("resource_type")
    if not isinstance(url, str) or not isinstance(kind, str) or not url:
        return None, None
    digest = hashlib.sha256(("%s %s" % (kind, url)).encode()).hexdigest()
    return "%s:%s" % (kind, digest[:40]), kind


def shipped_quantities(shipments, line_keys):
    """{line key: quantity} shipped by ``shipments`` (parsed, with items), each item
    matched by its lineItemKey, else by a SKU that names one line only.

    ``line_keys``: {line key: sku} of the delivery's lines. Items that match no line
    are returned apart as sentences."""
    by_sku = {}
    for key, sku in line_keys.items():
        by_sku.setdefault((sku or "").strip(), []).append(key)
    shipped, unknown = {}, []
    for record in shipments:
        for item in record["items"] or ():
            key = item["line_key"] if item["line_key"] in line_keys else None
            if key is None and len(by_sku.get(item["sku"], ())) == 1:
                key = by_sku[item["sku"]][0]
            if key is None:
                unknown.append(
                    "Shipment %s ships %s x %s, which is not on the delivery."
                    % (record["shipment_id"], item["quantity"], item["sku"] or "an item")
                )
                continue
            shipped[key] = shipped.get(key, 0) + item["quantity"]
    return shipped, unknown
