"""The sandbox control API under ``/_sandbox/`` (JSON in, JSON out, no auth)."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from . import media, order_changes
from .store import StoreError, gid, parse_gid


class ControlError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _order_ref(store, ref: str) -> dict:
    ref = unquote(ref)
    if parse_gid(ref):
        order = store.orders.get(ref)
    elif ref.isdigit():
        order = store.orders.get(gid("Order", int(ref)))
        if order is None:
            order = next((o for o in store.orders.values() if o["order_number"] == int(ref)), None)
    else:
        order = next((o for o in store.orders.values() if o["name"] in (ref, f"#{ref}")), None)
    if order is None:
        raise ControlError(404, f"order {ref!r} not found")
    return order


def state(app) -> dict:
    store = app.store
    with store.lock:
        locations = {loc_id: loc["name"] for loc_id, loc in store.locations.items()}
        products, by_sku = [], {}
        for product in store.products.values():
            variants = []
            for vid in product["variant_ids"]:
                v = store.variants[vid]
                item = store.items[v["inventory_item_id"]]
                entry = {
                    "id": v["id"],
                    "sku": item["sku"],
                    "title": store.variant_title(v),
                    "price": v["price"],
                    "compareAtPrice": v["compareAtPrice"],
                    "barcode": v["barcode"],
                    "position": v["position"],
                    "selectedOptions": v["selectedOptions"],
                    "inventory_item_id": item["id"],
                    "weight": item["weight"],
                    "tracked": item["tracked"],
                    "metafields": [
                        {k: m[k] for k in ("namespace", "key", "type", "value")}
                        for m in v["metafields"]
                    ],
                    "media_ids": [m for m in v.get("media_ids", []) if m in store.media],
                }
                variants.append(entry)
                if item["sku"]:
                    by_sku[item["sku"]] = dict(entry, product_id=product["id"])
            products.append(
                {
                    "id": product["id"],
                    "title": product["title"],
                    "handle": product["handle"],
                    "status": product["status"],
                    "vendor": product["vendor"],
                    "productType": product["productType"],
                    "descriptionHtml": product["descriptionHtml"],
                    "tags": product["tags"],
                    "updatedAt": product["updatedAt"],
                    "options": [
                        {"name": o["name"], "values": [v["name"] for v in o["optionValues"]]}
                        for o in product["options"]
                    ],
                    "metafields": [
                        {k: m[k] for k in ("namespace", "key", "type", "value")}
                        for m in product["metafields"]
                    ],
                    "variants": variants,
                    "media": media.state(app, product),
                }
            )
        inventory, inventory_by_sku = [], {}
        for (item_id, loc_id), lvl in store.levels.items():
            item = store.items.get(item_id) or {}
            row = {
                "inventory_item_id": item_id,
                "location_id": loc_id,
                "location": locations.get(loc_id),
                "sku": item.get("sku"),
                **{k: v for k, v in lvl.items() if k not in ("createdAt",)},
            }
            inventory.append(row)
            if item.get("sku"):
                inventory_by_sku.setdefault(item["sku"], {})[locations.get(loc_id)] = {
                    "available": lvl["available"],
                    "on_hand": lvl["on_hand"],
                    "committed": lvl["committed"],
                }
        orders = []
        for order in store.orders.values():
            payload = app.payloads.order(order)
            payload["fulfillment_orders"] = [
                {
                    "id": fo_id,
                    "status": store.fulfillment_orders[fo_id]["status"],
                    "location_id": store.fulfillment_orders[fo_id]["location_id"],
                    "line_items": [
                        {
                            "id": x["id"],
                            "line_item_id": x["line_item_id"],
                            "totalQuantity": x["totalQuantity"],
                            "remainingQuantity": x["remainingQuantity"],
                        }
                        for x in store.fulfillment_orders[fo_id]["line_items"]
                    ],
                }
                for fo_id in order["fulfillment_order_ids"]
            ]
            orders.append(payload)
        return {
            "shop": {"id": store.shop_id, "name": store.shop_name, "domain": store.domain},
            "config": app.config.as_dict(),
            "locations": [
                {"id": loc["id"], "name": loc["name"], "isActive": loc["isActive"]}
                for loc in store.locations.values()
            ],
            "customers": [
                {
                    "id": c["id"],
                    "email": c["email"],
                    "firstName": c["firstName"],
                    "lastName": c["lastName"],
                }
                for c in store.customers.values()
            ],
            "products": products,
            "variants_by_sku": by_sku,
            "inventory": inventory,
            "inventory_by_sku": inventory_by_sku,
            "orders": orders,
            "fulfillments": [app.payloads.fulfillment(f) for f in store.fulfillments.values()],
            "collections": [
                {
                    "id": c["id"],
                    "title": c["title"],
                    "handle": c["handle"],
                    "product_ids": c["product_ids"],
                }
                for c in store.collections.values()
            ],
            "metafield_definitions": [
                {k: d[k] for k in ("id", "namespace", "key", "name", "type", "ownerType")}
                for d in store.metafield_definitions.values()
            ],
            "webhook_subscriptions": [
                {k: s[k] for k in ("id", "topic", "uri", "format")}
                for s in store.webhook_subscriptions.values()
            ],
            "webhook_deliveries": app.webhooks.snapshot(),
            "bulk_operations": [
                {k: v for k, v in op.items() if k != "__typename"}
                for op in store.bulk_operations.values()
            ],
            "faults": app.faults.rules(),
            "throttle": app.bucket.status(),
        }


def handle(app, method: str, path: str, params: dict, body: bytes) -> tuple[int, dict]:
    """Dispatch one control request. ``path`` is the part after ``/_sandbox``."""
    try:
        data = json.loads(body) if body and body.strip() else {}
    except ValueError as exc:
        raise ControlError(400, f"invalid JSON body: {exc}") from exc
    store = app.store
    route = (method, path.rstrip("/") or "/")
    try:
        if route == ("GET", "/health"):
            return 200, {"ok": True}
        if route == ("POST", "/reset"):
            app.reset()
            if data.get("seed"):
                store.seed(data["seed"] if isinstance(data["seed"], dict) else None)
            return 200, {"ok": True}
        if route == ("POST", "/seed"):
            created = store.seed(data or None)
            return 200, {"ok": True, "created": created}
        if route == ("GET", "/state"):
            return 200, state(app)
        if route == ("POST", "/orders"):
            order = store.place_order(data)
            return 201, {"order": app.payloads.order(order)}
        match = re.fullmatch(r"/orders/(.+)/cancel", path)
        if method == "POST" and match:
            order = _order_ref(store, match.group(1))
            store.cancel_order(
                order, reason=data.get("reason", "CUSTOMER"), restock=data.get("restock", True)
            )
            return 200, {"order": app.payloads.order(order)}
        match = re.fullmatch(r"/orders/(.+)/(refund|edit)", path)
        if method == "POST" and match:
            order = _order_ref(store, match.group(1))
            if match.group(2) == "refund":
                refund = order_changes.refund_order(store, order, data)
                return 200, {
                    "refund": app.payloads.refund(refund),
                    "order": app.payloads.order(order),
                }
            edit = order_changes.edit_order(store, order, data)
            return 200, {
                "order_edit": app.payloads.order_edit(edit)["order_edit"],
                "order": app.payloads.order(order),
            }
        if route == ("POST", "/inventory"):
            return 200, _set_inventory(app, data)
        if route == ("POST", "/faults"):
            if data.get("clear"):
                app.faults.clear()
                return 200, {"faults": []}
            app.faults.add(data)
            return 200, {"faults": app.faults.rules()}
        if route == ("GET", "/faults"):
            return 200, {"faults": app.faults.rules(), "fired": app.faults.fired()}
        if route == ("DELETE", "/faults"):
            app.faults.clear()
            return 200, {"faults": [], "fired": {}}
        if route == ("GET", "/config"):
            return 200, app.config.as_dict()
        if route == ("POST", "/config"):
            unknown = app.config.update(data)
            if "bucket_size" in data or "plan" in data:
                app.bucket.reset()
            return 200, {"config": app.config.as_dict(), "ignored": unknown}
        if route == ("GET", "/throttle"):
            return 200, app.bucket.status()
        if route == ("POST", "/throttle"):
            if "currentlyAvailable" in data:
                app.bucket.set_available(data["currentlyAvailable"])
            else:
                app.bucket.reset()
            return 200, app.bucket.status()
        if route == ("GET", "/webhooks/deliveries"):
            if params.get("wait"):
                app.webhooks.wait_idle(float(params.get("wait") or 10))
            deliveries = app.webhooks.snapshot()
            if params.get("topic"):
                deliveries = [d for d in deliveries if d["topic"] == params["topic"]]
            return 200, {"deliveries": deliveries}
        if route == ("DELETE", "/webhooks/deliveries"):
            app.webhooks.clear()
            return 200, {"deliveries": []}
        if route == ("POST", "/uninstall"):
            with store.lock:
                store.emit("app/uninstalled", app.payloads.shop())
            if data.get("revoke_tokens", True):
                app.auth.revoke_all()
            return 200, {"ok": True}
    except StoreError as exc:
        raise ControlError(422, str(exc)) from exc
    except ValueError as exc:
        raise ControlError(400, str(exc)) from exc
    raise ControlError(404, f"no control route {method} /_sandbox{path}")


def _set_inventory(app, data: dict) -> dict:
    """Simulate a merchant editing stock in the Shopify admin (fires webhooks)."""
    store = app.store
    with store.lock:
        variants = store.variants_by_sku(data.get("sku", ""))
        if not variants:
            raise StoreError(f"no variant with sku {data.get('sku')!r}")
        loc = store.location_by_name(data.get("location") or "") or store.primary_location()
        item_id = variants[0]["inventory_item_id"]
        name = data.get("name", "available")
        current = store.quantity(item_id, loc["id"], name)
        store.change_quantity(item_id, loc["id"], name, int(data["quantity"]) - current)
        store.inventory_changed(item_id, loc["id"])
        lvl = store.levels[(item_id, loc["id"])]
        return {
            "inventory_item_id": item_id,
            "location_id": loc["id"],
            "available": lvl["available"],
            "on_hand": lvl["on_hand"],
        }
