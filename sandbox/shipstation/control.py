"""The sandbox control API under ``/_sandbox/`` (JSON in, JSON out, no auth): what the
warehouse, the account owner and the test need to do that the V1 API does not offer."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import unquote

from . import orders as order_ops
from . import shipments as shipment_ops
from .formats import loads
from .store import StoreError, guid, public


class ControlError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def order_ref(store, ref: str) -> dict:
    """An order by orderId, orderNumber or orderKey (the original after a split)."""
    ref = unquote(ref)
    if ref.isdigit() and int(ref) in store.orders and store.orders[int(ref)]["_active"]:
        return store.orders[int(ref)]
    live = sorted((o for o in store.orders.values() if o["_active"]), key=lambda o: o["orderId"])
    for order in live:
        if ref in (order["orderNumber"], order["orderKey"]):
            return order
    raise ControlError(404, f"order {ref!r} not found")


def state(app) -> dict:
    store = app.store
    with store.lock:
        order_ops.refresh_holds(store)
        shipments = []
        for shipment in store.shipments.values():
            entry = shipment_ops.view(shipment, with_items=True)
            entry["batchId"] = shipment["_batch"]
            shipments.append(entry)
        orders = []
        for order in store.orders.values():
            entry = order_ops.view(order)
            entry["active"] = order["_active"]
            entry["importBatch"] = order["_import_batch"]
            entry["markedShipped"] = list(order["_marked_shipped"])
            entry["remaining"] = order_ops.remaining(store, order)
            orders.append(entry)
        carriers = []
        for carrier in store.carriers.values():
            entry = public(carrier)
            entry["services"] = [dict(s) for s in carrier["_services"]]
            entry["packages"] = [dict(p) for p in carrier["_packages"]]
            carriers.append(entry)
        return {
            "config": app.config.as_dict(),
            "stores": [dict(s) for s in store.stores.values()],
            "warehouses": [dict(w) for w in store.warehouses.values()],
            "carriers": carriers,
            "orders": orders,
            "shipments": shipments,
            "webhooks": [dict(h) for h in store.webhooks.values()],
            "webhook_deliveries": app.webhooks.snapshot(),
            "faults": app.faults.rules(),
            "ratelimit": app.limiter.status(),
            **app.requests(),
        }


def _ship(app, ref: str, data: dict) -> dict:
    store = app.store
    with store.lock:
        order = order_ref(store, ref)
        batch = str(store.next_id("batch"))
        made = shipment_ops.ship(store, order, data, batch)
        return {
            "batchId": batch,
            "shipments": [shipment_ops.view(s, with_items=True) for s in made],
            "order": order_ops.view(store.orders[made[0]["orderId"]]),
            "parent": order_ops.view(order),
        }


def _update(app, ref: str, data: dict) -> dict:
    """A person edits the order in ShipStation's screens: any field, no checks."""
    store = app.store
    with store.lock:
        order = order_ref(store, ref)
        for key, value in data.items():
            if key.startswith("_") or key in ("orderId", "items", "createDate"):
                raise ControlError(400, f"{key} cannot be edited here")
            order[key] = value
        order["modifyDate"] = store.now_stamp()
        return order_ops.view(order)


def _webhook_routes(app, method: str, path: str, params: dict, data: dict):
    hooks = app.webhooks
    if (method, path) == ("GET", "/webhooks/deliveries"):
        if params.get("wait"):
            hooks.wait_idle(float(params["wait"]))
        found = hooks.snapshot()
        if params.get("event"):
            found = [d for d in found if d["event"] == params["event"]]
        return 200, {"deliveries": found}
    if (method, path) == ("DELETE", "/webhooks/deliveries"):
        hooks.clear()
        return 200, {"deliveries": []}
    if (method, path) == ("POST", "/webhooks/faults"):
        return 200, {"rules": hooks.add_rule(data)}
    if (method, path) == ("GET", "/webhooks/faults"):
        return 200, {"rules": [dict(r) for r in hooks.rules]}
    if (method, path) == ("DELETE", "/webhooks/faults"):
        hooks.clear_rules()
        return 200, {"rules": []}
    if (method, path) == ("POST", "/webhooks/release"):
        return 200, {"released": hooks.release(data.get("id"))}
    if (method, path) == ("POST", "/webhooks/trigger"):
        return 200, _trigger(app, data)
    return None


def _trigger(app, data: dict) -> dict:
    """Fire a webhook by hand: ``{"event", "batchId" | "orderId" | "path", "storeId"}``."""
    event = data.get("event", "SHIP_NOTIFY")
    items = "True" if event == "ITEM_SHIP_NOTIFY" else "False"
    if data.get("path"):
        path = data["path"]
    elif data.get("batchId"):
        path = f"/shipments?batchId={data['batchId']}&includeShipmentItems={items}"
    elif data.get("orderId"):
        path = f"/shipments?orderId={data['orderId']}&includeShipmentItems={items}"
    elif data.get("importBatch"):
        path = f"/orders?importBatch={data['importBatch']}"
    else:
        raise ControlError(400, "say what the webhook is about: batchId, orderId or path")
    with app.store.lock:
        before = len(app.webhooks.deliveries)
        app.store.emit(event, path, data.get("storeId"))
        return {"queued": len(app.webhooks.deliveries) - before}


def _clock(app, data: dict) -> dict:
    """Move the sandbox's wall clock: ``{"now": "2026-12-03T14:00:00Z"}``,
    ``{"advance": 3600}`` or ``{"reset": true}``."""
    if data.get("reset"):
        app.clock.reset()
    if data.get("now"):
        try:
            when = datetime.fromisoformat(str(data["now"]).replace("Z", "+00:00"))
        except ValueError as exc:
            raise ControlError(400, f"now: {exc}") from exc
        app.clock.set(when)
    if data.get("advance"):
        app.clock.advance(float(data["advance"]))
    return {"now": app.store.now_stamp()}


def _ratelimit(app, data: dict) -> dict:
    changes = {k: data[k] for k in ("limit", "window") if k in data}
    app.config.update(
        {{"limit": "rate_limit", "window": "rate_window"}[k]: v for k, v in changes.items()}
    )
    if data.get("reset"):
        app.limiter.reset()
    if "used" in data:
        key = data.get("api_key") or next(iter(app.config.credentials))
        app.limiter.set_used(key, int(data["used"]))
    return app.limiter.status()


def _routes(app, method: str, path: str, params: dict, data: dict):
    store = app.store
    route = (method, path)
    if route == ("GET", "/health"):
        return 200, {"ok": True}
    if route == ("POST", "/reset"):
        app.reset()
        if data.get("seed"):
            store.seed(data["seed"] if isinstance(data["seed"], dict) else None)
        return 200, {"ok": True}
    if route == ("POST", "/seed"):
        with store.lock:
            return 200, {"ok": True, "created": store.seed(data or None)}
    if route == ("GET", "/state"):
        return 200, state(app)
    if route == ("GET", "/requests"):
        return 200, app.requests()
    if route == ("POST", "/orders"):
        with store.lock:
            batch = guid(2, store.next_id("import"))
            return 201, {"order": order_ops.view(order_ops.place(store, data, batch))}
    match = re.fullmatch(r"/orders/([^/]+)/(ship|markshipped|update|hold)", path)
    if method == "POST" and match:
        ref, action = match.groups()
        if action == "ship":
            return 200, _ship(app, ref, data)
        if action == "update":
            return 200, _update(app, ref, data)
        with store.lock:
            order = order_ref(store, ref)
            if action == "hold":
                order_ops.hold(store, order["orderId"], data.get("holdUntilDate", ""))
            else:
                order_ops.mark_shipped(
                    store, {"carrierCode": "other", **data, "orderId": order["orderId"]}
                )
            return 200, {"order": order_ops.view(order)}
    match = re.fullmatch(r"/shipments/(\d+)/void", path)
    if method == "POST" and match:
        with store.lock:
            approved, message = shipment_ops.void(store, int(match.group(1)))
        return 200, {"approved": approved, "message": message}
    if path.startswith("/webhooks/"):
        answer = _webhook_routes(app, method, path, params, data)
        if answer:
            return answer
    if route == ("POST", "/faults"):
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
        return 200, {"config": app.config.as_dict(), "ignored": app.config.update(data)}
    if route == ("GET", "/ratelimit"):
        return 200, app.limiter.status()
    if route == ("POST", "/ratelimit"):
        return 200, _ratelimit(app, data)
    if route == ("POST", "/clock"):
        return 200, _clock(app, data)
    return None


def handle(app, method: str, path: str, params: dict, body: bytes) -> tuple[int, dict]:
    """Dispatch one control request. ``path`` is the part after ``/_sandbox``."""
    try:
        data = loads(body) if body and body.strip() else {}
    except ValueError as exc:
        raise ControlError(400, f"invalid JSON body: {exc}") from exc
    if not isinstance(data, dict):
        raise ControlError(400, "the body must be a JSON object")
    try:
        answer = _routes(app, method, path.rstrip("/") or "/", params, data)
    except StoreError as exc:
        raise ControlError(422, str(exc)) from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise ControlError(400, f"{type(exc).__name__}: {exc}") from exc
    if answer is None:
        raise ControlError(404, f"no control route {method} /_sandbox{path}")
    return answer
