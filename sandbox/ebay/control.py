"""The sandbox control API under ``/_sandbox/`` (JSON in, JSON out, no auth): seed,
reset, state, config, clock, quotas, faults, tokens, buyers, orders, messages,
listings, notifications."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from . import fulfillment, inventory, messages, offers, orders
from .store import StoreError

# EndReasonCodeType of the Trading API: why a seller (or eBay) ended a listing.
END_REASONS = ("NotAvailable", "Incorrect", "LostOrBroken", "OtherListingError", "Sold")


class ControlError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _order(store, ref: str) -> dict:
    order = store.orders.get(unquote(ref))
    if order is None:
        raise ControlError(404, f"order {ref!r} not found")
    return order


def listing_view(app, listing: dict) -> dict:
    store = app.store
    skus = store.listing_skus(listing)
    return {
        "listingId": listing["listingId"],
        "source": listing["source"],
        "status": listing["status"],
        "skus": skus,
        "quantities": {s: store.listing_quantity(listing, s) for s in skus},
        "quantity": store.listing_quantity(listing),
        "sold": dict(listing["sold"]),
        "offerIds": list(listing.get("offerIds", [])),
        "groupKey": listing.get("groupKey"),
        "categoryId": listing.get("categoryId"),
        "endingReason": listing.get("endingReason"),
        **(
            {
                "title": listing["title"],
                "price": listing["price"],
                "revisions": listing["revisions"],
                "compatibility": listing["compatibility"],
                "specifics": listing["specifics"],
            }
            if listing["source"] == "trading"
            else {}
        ),
    }


def listings_by_sku(app) -> dict:
    store = app.store
    out = {}
    for listing in store.listings.values():
        if listing["status"] != "ACTIVE":
            continue
        for sku in store.listing_skus(listing):
            offer = next(
                (
                    store.offers[o]
                    for o in listing.get("offerIds", [])
                    if store.offers.get(o, {}).get("sku") == sku
                ),
                None,
            )
            price = (
                offer["pricingSummary"]["price"]["value"]
                if offer
                else next(
                    (v.get("price") for v in listing["variations"] if v.get("sku") == sku),
                    listing.get("price"),
                )
            )
            out[sku] = {
                "listingId": listing["listingId"],
                "quantity": store.listing_quantity(listing, sku),
                "price": price,
                "source": listing["source"],
            }
    return out


def state(app) -> dict:
    store = app.store
    with store.lock:
        return {
            "config": app.config.as_dict(),
            "clock_offset": app.clock.offset,
            "quotas": app.quotas.state(),
            "faults": app.faults.rules(),
            "calls": dict(app.calls),
            "oauth": app.oauth.state(),
            "locations": [inventory.location_payload(k, v) for k, v in store.locations.items()],
            "policies": {k: list(v.values()) for k, v in store.policies.items()},
            "inventory_items": {s: inventory.item_payload(app, i) for s, i in store.items.items()},
            "compatibility": dict(store.compatibility),
            "groups": dict(store.groups),
            "offers": [offers.offer_payload(app, o) for o in store.offers.values()],
            "listings": [listing_view(app, x) for x in store.listings.values()],
            "listings_by_sku": listings_by_sku(app),
            "orders": [
                {**orders.payload(app, o), "visible": orders.visible(o)}
                for o in store.orders.values()
            ],
            "fulfillments": [
                {**fulfillment.fulfillment_payload(f), "orderId": f["orderId"]}
                for f in store.fulfillments_by_id.values()
            ],
            "buyers": list(store.buyers.values()),
            "images": list(store.images.values()),
            "conversations": [
                {**messages.conversation_payload(app, c), "messages": c["messages"]}
                for c in store.conversations.values()
                if c["messages"]
            ],
            "notifications": app.notifier.snapshot(),
            "trading_calls": list(app.trading.log),
        }


def _routes(app, method: str, path: str, params: dict, data: dict):
    """Yields nothing: returns (status, body) or None when no route matches."""
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
        return 200, {"ok": True, "created": store.seed(data or None)}
    if route == ("GET", "/state"):
        return 200, state(app)
    if route == ("GET", "/config"):
        return 200, app.config.as_dict()
    if route == ("POST", "/config"):
        unknown = app.config.update(data)
        return 200, {"config": app.config.as_dict(), "ignored": unknown}
    if route == ("GET", "/clock"):
        return 200, {"offset": app.clock.offset, "now": store.now()}
    if route == ("POST", "/clock"):
        app.clock.advance(float(data.get("advance", 0)))
        return 200, {"offset": app.clock.offset, "now": store.now()}
    if route == ("GET", "/quotas"):
        return 200, app.quotas.state()
    if route == ("POST", "/quotas"):
        if data.get("reset"):
            app.quotas.reset()
        for api, used in (data.get("used") or {}).items():
            app.quotas.set_used(api, used)
        if data.get("limits"):
            app.config.update({"quotas": data["limits"]})
        return 200, app.quotas.state()
    if route == ("POST", "/faults"):
        app.faults.add(data)
        return 200, {"faults": app.faults.rules()}
    if route == ("GET", "/faults"):
        return 200, {"faults": app.faults.rules(), "fired": app.faults.fired()}
    if route == ("DELETE", "/faults"):
        app.faults.clear()
        return 200, {"faults": [], "fired": {}}
    if route == ("GET", "/calls"):
        return 200, dict(app.calls)
    if route == ("DELETE", "/calls"):
        with app._calls_lock:
            app.calls.clear()
        return 200, {}
    return _account_routes(app, method, path, params, data)


def _account_routes(app, method, path, params, data):
    store = app.store
    route = (method, path)
    if route == ("POST", "/tokens"):
        return 201, app.oauth.issue(data.get("scopes"))
    if route == ("POST", "/tokens/revoke"):
        return 200, {"revoked": app.oauth.revoke(data.get("refresh_token"))}
    if route == ("POST", "/tokens/expire"):
        return 200, {"expired": app.oauth.expire_access_tokens()}
    if route == ("POST", "/buyers"):
        with store.lock:
            return 201, store.add_buyer(data)
    found = re.fullmatch(r"/buyers/([^/]+)/rename", path)
    if method == "POST" and found:
        with store.lock:
            buyer = store.buyer(unquote(found.group(1)))
            buyer["previous_usernames"].append(buyer["username"])
            buyer["username"] = data["username"]
            return 200, buyer
    if route == ("POST", "/policies"):
        with store.lock:
            return 201, {"id": store.add_policy(data.get("kind", ""), data.get("policy", {}))}
    if route == ("POST", "/trading/listings"):
        with store.lock:
            return 201, listing_view(app, store.add_trading_listing(data))
    found = re.fullmatch(r"/listings/([^/]+)/end", path)
    if method == "POST" and found:
        with store.lock:
            listing = store.listings.get(found.group(1))
            if listing is None:
                raise ControlError(404, f"no listing {found.group(1)}")
            reason = data.get("reason", "NotAvailable")
            if reason not in END_REASONS:
                raise ValueError(f"reason must be one of {list(END_REASONS)}")
            listing["status"] = "ENDED"
            listing["endTime"] = store.now()
            listing["endingReason"] = reason
            for offer_id in listing.get("offerIds", []):
                offer = store.offers.get(offer_id)
                if offer and offer.get("listing"):
                    offer["listing"]["listingStatus"] = "ENDED"
            store.record_skus(store.listing_skus(listing))
            return 200, listing_view(app, listing)
    if route == ("GET", "/listings"):
        with store.lock:
            return 200, listings_by_sku(app)
    found = re.fullmatch(r"/history/(.+)", path)
    if method == "GET" and found:
        sku = unquote(found.group(1))
        with store.lock:
            rows = list(store.history.get(sku, []))
        return 200, {"sku": sku, "history": [{"at": t, "quantity": q} for t, q in rows]}
    return _order_routes(app, method, path, params, data)


def _order_routes(app, method, path, params, data):
    store = app.store
    if (method, path) == ("POST", "/orders"):
        with store.lock:
            return 201, orders.payload(app, orders.place(app, data))
    found = re.fullmatch(r"/orders/([^/]+)(?:/(pay|cancel|refund))?", path)
    if found:
        with store.lock:
            order = _order(store, found.group(1))
            action = found.group(2)
            if method == "GET" and not action:
                return 200, orders.payload(app, order)
            if method == "POST" and action == "pay":
                orders.pay(app, order)
            elif method == "POST" and action == "cancel":
                orders.cancel(
                    app,
                    order,
                    data.get("reason", "BUYER_ASKED_CANCEL"),
                    data.get("initiator", "BUYER"),
                    data.get("restock", True),
                )
            elif method == "POST" and action == "refund":
                orders.refund(app, order, data.get("amount"), data.get("lines"))
            else:
                return None
            return 200, orders.payload(app, order)
    if (method, path) == ("POST", "/messages"):
        with store.lock:
            return 201, messages.buyer_writes(app, data)
    return _notification_routes(app, method, path, data)


def _notification_routes(app, method, path, data):
    store = app.store
    if (method, path) == ("GET", "/notifications"):
        return 200, {"deliveries": app.notifier.snapshot()}
    if (method, path) == ("POST", "/notifications"):
        with store.lock:
            if data.get("buyer"):
                message = app.notifier.account_deletion(store.buyer(data["buyer"]))
            else:
                message = app.notifier.message(
                    data.get("topic", "MARKETPLACE_ACCOUNT_DELETION"), data.get("data", {})
                )
        # Delivered outside the store lock: the endpoint may call the sandbox back.
        return 200, app.notifier.deliver(message, data.get("endpoint"), data.get("forge"))
    if (method, path) == ("POST", "/notifications/challenge"):
        return 200, app.notifier.challenge(data.get("endpoint"))
    if (method, path) == ("POST", "/notifications/keys/rotate"):
        return 200, {"kid": app.notifier.rotate()}
    return None


def handle(app, method: str, path: str, params: dict, body: bytes) -> tuple[int, dict]:
    """Dispatch one control request. ``path`` is the part after ``/_sandbox``."""
    try:
        data = json.loads(body) if body and body.strip() else {}
    except ValueError as exc:
        raise ControlError(400, f"invalid JSON body: {exc}") from exc
    if not isinstance(data, dict):
        raise ControlError(400, "the body must be a JSON object")
    try:
        answer = _routes(app, method, path.rstrip("/") or "/", params, data)
    except StoreError as exc:
        raise ControlError(422, str(exc)) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ControlError(400, f"{type(exc).__name__}: {exc}") from exc
    if answer is None:
        raise ControlError(404, f"no control route {method} /_sandbox{path}")
    return answer
