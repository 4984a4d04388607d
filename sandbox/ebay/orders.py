"""Orders: what buyers do (place, pay, cancel, get refunds), and the order as the
Fulfillment API returns it, with the mess real accounts send:

- amounts are strings of uneven precision ("264.8", "0.0"); ``totalDueSeller`` goes
  negative when refunds exceed what the seller was due (eBay keeps its fees);
- line items of listings without a SKU carry no ``sku`` key at all, and a SKU can
  hold several part numbers ("BRK-PAD-1001+BRK-ROT-2040");
- buyer e-mails are relay addresses (``...@members.ebay.com``) beside real ones, and
  older orders have none on the ship-to;
- addresses without a postal code (Hong Kong has none);
- orders cancelled after they were shipped; partial refunds whose order-level figure
  differs from the sum of the line refunds;
- ``legacyOrderId``, which the contract does not list;
- timestamps in UTC, whatever the seller's time zone.

Pending-payment purchases are not returned by getOrders (eBay: "the getOrders method
does not include pending-payment purchases that require upfront payment") until paid.
"""

from __future__ import annotations

import copy
import datetime as dt
import zlib
from decimal import ROUND_HALF_UP, Decimal

from .store import StoreError
from .util import CENT, dec, ebay_amount, iso, parse_iso

CURRENCY = "USD"
PAYMENT_STATES = ("PAID", "PENDING", "AWAITING")


def _amount(value) -> dict:
    return {"value": ebay_amount(value), "currency": CURRENCY}


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------- placing


def _line_source(store, spec: dict) -> tuple[dict, str, dict | None]:
    """(listing, sku or "", offer or None) for one requested line."""
    if spec.get("listingId"):
        listing = store.listings.get(str(spec["listingId"]))
        if listing is None:
            raise StoreError(f"no listing {spec['listingId']}")
        sku = spec.get("sku") or (store.listing_skus(listing) or [""])[0]
    else:
        sku = spec.get("sku") or ""
        listing = store.listing_for_sku(sku)
        if listing is None:
            raise StoreError(f"no active listing offers SKU {sku!r}")
    if listing["status"] != "ACTIVE":
        raise StoreError(f"listing {listing['listingId']} has ended")
    offer = None
    if listing["source"] == "inventory":
        offer = next(
            (store.offers[o] for o in listing["offerIds"] if store.offers[o]["sku"] == sku), None
        )
        if offer is None:
            raise StoreError(f"listing {listing['listingId']} does not offer SKU {sku!r}")
    return listing, sku, offer


def _unit_price(store, listing, sku, offer) -> str:
    if offer is not None:
        return offer["pricingSummary"]["price"]["value"]
    for variation in listing["variations"]:
        if variation.get("sku") == sku:
            return str(variation.get("price", listing["price"]))
    return listing["price"]


def _title(store, listing, sku, offer) -> str:
    if offer is None:
        return listing["title"]
    group = store.groups.get(listing.get("groupKey") or "")
    if group and group.get("title"):
        return group["title"]
    return (store.items.get(sku, {}).get("product") or {}).get("title") or sku


def _take_stock(store, listing, sku, offer, quantity: int) -> None:
    if offer is not None:
        if offer.get("availableQuantity") is not None:
            offer["availableQuantity"] = max(int(offer["availableQuantity"]) - quantity, 0)
        item = store.items.get(sku)
        ship = ((item or {}).get("availability") or {}).get("shipToLocationAvailability")
        if ship is not None:
            if "quantity" in ship:
                ship["quantity"] = max(int(ship["quantity"]) - quantity, 0)
            left = quantity
            for dist in ship.get("availabilityDistributions", []):
                used = min(left, int(dist.get("quantity", 0)))
                dist["quantity"] = int(dist.get("quantity", 0)) - used
                left -= used
        offer["listing"]["soldQuantity"] = int(offer["listing"].get("soldQuantity", 0)) + quantity
    elif listing["variations"]:
        for variation in listing["variations"]:
            if variation.get("sku") == sku:
                variation["quantity"] = max(int(variation.get("quantity", 0)) - quantity, 0)
    else:
        listing["quantity"] = max(int(listing["quantity"]) - quantity, 0)
    listing["sold"][sku] = int(listing["sold"].get(sku, 0)) + quantity


def _return_stock(store, order: dict) -> None:
    for line in order["lines"]:
        listing = store.listings.get(line["listingId"])
        if not listing:
            continue
        sku, quantity = line["real_sku"], line["quantity"]
        if listing["source"] == "inventory":
            item = store.items.get(sku)
            ship = ((item or {}).get("availability") or {}).get("shipToLocationAvailability")
            if ship is not None and "quantity" in ship:
                ship["quantity"] = int(ship["quantity"]) + quantity
            elif ship is not None and ship.get("availabilityDistributions"):
                dist = ship["availabilityDistributions"][0]
                dist["quantity"] = int(dist.get("quantity", 0)) + quantity
        elif listing["variations"]:
            for variation in listing["variations"]:
                if variation.get("sku") == sku:
                    variation["quantity"] = int(variation.get("quantity", 0)) + quantity
        else:
            listing["quantity"] = int(listing["quantity"]) + quantity
        store.record_quantity(sku)


def place(app, data: dict) -> dict:
    """A buyer buys: lines [{sku | listingId, quantity, price?, omit_sku?, sku_as?}]."""
    store = app.store
    buyer = store.buyer(data.get("buyer") or "")
    specs = data.get("lines") or []
    if not specs:
        raise StoreError("an order needs lines")
    payment = data.get("payment", "PAID")
    if payment not in PAYMENT_STATES:
        raise StoreError(f"payment must be one of {list(PAYMENT_STATES)}")
    resolved = []
    for spec in specs:
        listing, sku, offer = _line_source(store, spec)
        quantity = int(spec.get("quantity", 1))
        if quantity < 1:
            raise StoreError("a line quantity must be 1 or more")
        available = store.listing_quantity(listing, sku or None)
        if quantity > available and not data.get("allow_oversell"):
            raise StoreError(f"only {available} of {sku or listing['listingId']} available")
        resolved.append((spec, listing, sku, offer, quantity))
    created = parse_iso(data["created"]) if data.get("created") else app.clock.now()
    number = store.next_id("order")
    order_id = f"{10 + number % 90:02d}-{10000 + number:05d}-{20000 + number * 7:05d}"
    tax_rate = dec(data.get("tax_rate", "0"))
    lines = []
    shipping_left = dec(data.get("shipping_cost", "0"))
    for spec, listing, sku, offer, quantity in resolved:
        unit = dec(spec.get("price") or _unit_price(store, listing, sku, offer))
        cost = _round(unit * quantity)
        shipping = dec(spec["shipping"]) if "shipping" in spec else shipping_left
        shipping_left = Decimal("0")
        lines.append(
            {
                "lineItemId": str(store.next_id("line")),
                "listingId": listing["listingId"],
                "real_sku": sku,
                "sku": None if spec.get("omit_sku") or not sku else spec.get("sku_as") or sku,
                "title": _title(store, listing, sku, offer),
                "quantity": quantity,
                "cost": cost,
                "shipping": shipping,
                "tax": _round((cost + shipping) * tax_rate),
                "legacyVariationId": _variation_id(store, listing, sku),
                "variationAspects": _variation_aspects(store, listing, sku),
                "refunds": [],
            }
        )
        _take_stock(store, listing, sku, offer, quantity)
    total = sum((line["cost"] + line["shipping"] for line in lines), Decimal("0"))
    order = {
        "orderId": order_id,
        "legacyOrderId": f"{lines[0]['listingId']}-{2800000000000 + number}",
        "salesRecordReference": str(store.next_id("record")),
        "buyerId": buyer["userId"],
        "creationDate": iso(created),
        "lastModifiedDate": iso(max(created, app.clock.now())),
        "payment": payment,
        "paidDate": iso(created) if payment == "PAID" else None,
        "lines": lines,
        "total": total,
        "fee": _round(total * dec(app.config.marketplace_fee_rate)),
        "shipTo": _ship_to(buyer, data),
        "buyerCheckoutNotes": data.get("buyer_checkout_notes"),
        "shippingServiceCode": data.get("shipping_service", "USPSGroundAdvantage"),
        "fulfillments": [],
        "cancel": None,
        "refunds": [],
    }
    store.orders[order_id] = order
    store.record_skus(line["real_sku"] for line in lines)
    return order


def _variation_id(store, listing, sku) -> str | None:
    if listing.get("groupKey") or listing.get("variations"):
        return str(400000000000 + zlib.crc32(f"{listing['listingId']}/{sku}".encode()))
    return None


def _variation_aspects(store, listing, sku) -> list | None:
    group = store.groups.get(listing.get("groupKey") or "")
    if not group:
        return None
    aspects = (store.items.get(sku, {}).get("product") or {}).get("aspects") or {}
    names = [s["name"] for s in (group.get("variesBy") or {}).get("specifications", [])]
    return [{"name": n, "value": (aspects.get(n) or [""])[0]} for n in names if n in aspects]


def _ship_to(buyer: dict, data: dict) -> dict:
    address = copy.deepcopy(buyer["address"])
    if data.get("no_postal_code"):
        address.pop("postalCode", None)
    mode = data.get("email")  # None (the buyer's), "masked", "none"
    if mode == "none":
        email = ""
    elif mode == "masked":
        email = _masked(buyer)
    else:
        email = buyer["email"]
    return {
        "fullName": buyer["fullName"],
        "contactAddress": address,
        "primaryPhone": {"phoneNumber": buyer.get("phone", "")},
        "email": email,
    }


def _masked(buyer: dict) -> str:
    return f"{zlib.crc32(buyer['userId'].encode()):08x}{len(buyer['userId']):06x}@members.ebay.com"


# ------------------------------------------------------------------ transitions


def touch(app, order: dict) -> None:
    order["lastModifiedDate"] = app.store.now()


def pay(app, order: dict) -> dict:
    if order["payment"] == "PAID":
        raise StoreError(f"order {order['orderId']} is already paid")
    order["payment"] = "PAID"
    order["paidDate"] = app.store.now()
    touch(app, order)
    return order


def cancel(app, order: dict, reason="BUYER_ASKED_CANCEL", initiator="BUYER", restock=True):
    if order["cancel"]:
        raise StoreError(f"order {order['orderId']} is already cancelled")
    now = app.store.now()
    order["cancel"] = {
        "cancelState": "CANCELED",
        "cancelledDate": now,
        "cancelRequests": [
            {
                "cancelCompletedDate": now,
                "cancelInitiator": initiator,
                "cancelReason": reason,
                "cancelRequestedDate": now,
                "cancelRequestId": str(5000000000 + app.store.next_id("refund")),
                "cancelRequestState": "COMPLETED",
            }
        ],
    }
    if order["payment"] == "PAID":
        due = order["total"] - sum((r["amount"] for r in order["refunds"]), Decimal("0"))
        if due > 0:
            refund(app, order, str(due), None)
    if restock:
        _return_stock(app.store, order)
    touch(app, order)
    return order


def refund(app, order: dict, amount: str | None, lines: list | None) -> dict:
    """A refund: an order-level ``amount`` and/or line refunds [{lineItemId, amount}].
    The order-level figure is recorded as given, so it may differ from the sum of the
    line refunds (as eBay's own data sometimes does)."""
    if order["payment"] != "PAID":
        raise StoreError("only a paid order can be refunded")
    now = app.store.now()
    line_total = Decimal("0")
    for entry in lines or []:
        line = next((x for x in order["lines"] if x["lineItemId"] == entry["lineItemId"]), None)
        if line is None:
            raise StoreError(f"no line item {entry['lineItemId']}")
        value = dec(entry["amount"])
        line_total += value
        line["refunds"].append(
            {
                "amount": value,
                "refundDate": now,
                "refundId": f"5{app.store.next_id('refund'):010d}",
                "refundReferenceId": f"{app.store.next_id('refund'):017d}",
            }
        )
    value = dec(amount) if amount is not None else line_total
    if value <= 0:
        raise StoreError("a refund needs a positive amount")
    order["refunds"].append(
        {
            "amount": value,
            "refundDate": now,
            "refundId": f"5{app.store.next_id('refund'):010d}",
            "refundReferenceId": f"{app.store.next_id('refund'):017d}",
            "refundStatus": "REFUNDED",
        }
    )
    touch(app, order)
    return order


# -------------------------------------------------------------------- payloads


def visible(order: dict) -> bool:
    return order["payment"] != "AWAITING"


def fulfilled_quantity(store, order: dict, line_item_id: str) -> int:
    """Units of a line shipped (a fulfilment that only adds tracking ships none)."""
    total = 0
    for fid in order["fulfillments"]:
        entry = store.fulfillments_by_id[fid]
        if entry.get("addsTracking"):
            continue
        for ref in entry["lineItems"]:
            if ref["lineItemId"] == line_item_id:
                total += int(ref["quantity"])
    return total


def untracked_quantity(store, order: dict, line_item_id: str) -> int:
    """Units of a line shipped without a tracking number and not given one since."""
    total = 0
    for fid in order["fulfillments"]:
        entry = store.fulfillments_by_id[fid]
        sign = -1 if entry.get("addsTracking") else (0 if entry.get("trackingNumber") else 1)
        for ref in entry["lineItems"]:
            if ref["lineItemId"] == line_item_id:
                total += sign * int(ref["quantity"])
    return max(total, 0)


def _status(store, order: dict) -> tuple[str, dict]:
    per_line = {}
    for line in order["lines"]:
        done = fulfilled_quantity(store, order, line["lineItemId"])
        if done >= line["quantity"]:
            per_line[line["lineItemId"]] = "FULFILLED"
        elif done:
            per_line[line["lineItemId"]] = "IN_PROGRESS"
        else:
            per_line[line["lineItemId"]] = "NOT_STARTED"
    states = set(per_line.values())
    if states == {"FULFILLED"}:
        overall = "FULFILLED"
    elif states == {"NOT_STARTED"}:
        overall = "NOT_STARTED"
    else:
        overall = "IN_PROGRESS"
    return overall, per_line


def payment_status(order: dict) -> str:
    if order["payment"] != "PAID":
        return "PENDING"
    refunded = sum((r["amount"] for r in order["refunds"]), Decimal("0"))
    if refunded <= 0:
        return "PAID"
    return "FULLY_REFUNDED" if refunded >= order["total"] else "PARTIALLY_REFUNDED"


def buyer_name(app, buyer: dict) -> str:
    """buyer.username as eBay gives it: the username, or (data-handling change of
    2025-09-26) the immutable user id in its place."""
    if app.config.buyer_identity == "immutable":
        return buyer["userId"]
    return buyer["username"]


def payload(app, order: dict, with_cancel_requests: bool = True) -> dict:
    store = app.store
    buyer = store.buyers[order["buyerId"]]
    overall, per_line = _status(store, order)
    refunded = sum((r["amount"] for r in order["refunds"]), Decimal("0"))
    subtotal = sum((x["cost"] for x in order["lines"]), Decimal("0"))
    delivery = sum((x["shipping"] for x in order["lines"]), Decimal("0"))
    tax = sum((x["tax"] for x in order["lines"]), Decimal("0"))
    cancel = copy.deepcopy(order["cancel"]) or {"cancelState": "NONE_REQUESTED"}
    cancel.setdefault("cancelRequests", [])
    if not with_cancel_requests:
        # eBay: "In this call [getOrders], the cancelStatus.cancelRequests array is
        # returned but is always empty."
        cancel["cancelRequests"] = []
    created = parse_iso(order["creationDate"])
    out = {
        "orderId": order["orderId"],
        "legacyOrderId": order["legacyOrderId"],
        "creationDate": order["creationDate"],
        "lastModifiedDate": order["lastModifiedDate"],
        "orderFulfillmentStatus": overall,
        "orderPaymentStatus": payment_status(order),
        "sellerId": app.config.seller_username,
        "buyer": _buyer(app, buyer, order),
        "pricingSummary": {
            "priceSubtotal": _amount(subtotal),
            "deliveryCost": _amount(delivery),
            "total": _amount(order["total"]),
        },
        "cancelStatus": cancel,
        "paymentSummary": {
            "totalDueSeller": _amount(order["total"] - order["fee"] - refunded),
            "refunds": [_refund(r) for r in order["refunds"]],
            "payments": _payments(order),
        },
        "fulfillmentStartInstructions": [
            {
                "fulfillmentInstructionsType": "SHIP_TO",
                "minEstimatedDeliveryDate": iso(created + dt.timedelta(days=3)),
                "maxEstimatedDeliveryDate": iso(created + dt.timedelta(days=7)),
                "ebaySupportedFulfillment": False,
                "shippingStep": {
                    "shipTo": _contact(order["shipTo"]),
                    "shippingCarrierCode": "USPS",
                    "shippingServiceCode": order["shippingServiceCode"],
                },
            }
        ],
        "fulfillmentHrefs": [
            app.href(f"/sell/fulfillment/v1/order/{order['orderId']}/shipping_fulfillment/{f}")
            for f in order["fulfillments"]
        ],
        "lineItems": [_line(app, order, line, per_line) for line in order["lines"]],
        "salesRecordReference": order["salesRecordReference"],
        "totalFeeBasisAmount": _amount(order["total"] + tax),
        "totalMarketplaceFee": _amount(order["fee"]),
        "ebayCollectAndRemitTax": tax > 0,
    }
    if order.get("buyerCheckoutNotes"):
        out["buyerCheckoutNotes"] = order["buyerCheckoutNotes"]
    return out


def _contact(contact: dict) -> dict:
    out = {
        "fullName": contact["fullName"],
        "contactAddress": copy.deepcopy(contact["contactAddress"]),
        "primaryPhone": dict(contact["primaryPhone"]),
    }
    if contact.get("email"):
        out["email"] = contact["email"]
    return out


def _buyer(app, buyer: dict, order: dict) -> dict:
    address = buyer["address"]
    tax_address = {k: address[k] for k in ("city", "stateOrProvince", "postalCode") if k in address}
    tax_address["countryCode"] = address.get("countryCode", "US")
    registration = {
        "fullName": buyer["fullName"],
        "contactAddress": copy.deepcopy(address),
        "primaryPhone": {"phoneNumber": buyer.get("phone", "")},
    }
    email = buyer.get("email")
    if email:
        registration["email"] = email
    return {
        "username": buyer_name(app, buyer),
        "taxAddress": tax_address,
        "buyerRegistrationAddress": registration,
    }


def _payments(order: dict) -> list:
    if order["payment"] != "PAID":
        return [
            {
                "paymentMethod": "EBAY",
                "paymentStatus": "PENDING",
                "amount": _amount(order["total"]),
            }
        ]
    return [
        {
            "paymentMethod": "EBAY",
            "paymentReferenceId": f"{order['salesRecordReference']}0{order['orderId'][-5:]}",
            "paymentDate": order["paidDate"],
            "amount": _amount(order["total"]),
            "paymentStatus": "PAID",
        }
    ]


def _refund(refund: dict) -> dict:
    return {
        "refundId": refund["refundId"],
        "refundReferenceId": refund["refundReferenceId"],
        "refundDate": refund["refundDate"],
        "amount": _amount(refund["amount"]),
        "refundStatus": refund["refundStatus"],
    }


def _line(app, order: dict, line: dict, per_line: dict) -> dict:
    created = parse_iso(order["creationDate"])
    out = {
        "lineItemId": line["lineItemId"],
        "legacyItemId": line["listingId"],
        "title": line["title"],
        "lineItemCost": _amount(line["cost"]),
        "quantity": line["quantity"],
        "soldFormat": "FIXED_PRICE",
        "listingMarketplaceId": "EBAY_MOTORS_US",
        "purchaseMarketplaceId": "EBAY_US",
        "lineItemFulfillmentStatus": per_line[line["lineItemId"]],
        "total": _amount(line["cost"] + line["shipping"]),
        "deliveryCost": {"shippingCost": _amount(line["shipping"])},
        "appliedPromotions": [],
        "taxes": [],
        "properties": {"buyerProtection": True},
        "lineItemFulfillmentInstructions": {
            "minEstimatedDeliveryDate": iso(created + dt.timedelta(days=3)),
            "maxEstimatedDeliveryDate": iso(created + dt.timedelta(days=7)),
            "shipByDate": iso(created + dt.timedelta(days=2)),
            "guaranteedDelivery": False,
        },
        "itemLocation": {"location": "San Jose, CA", "countryCode": "US", "postalCode": "95125"},
        "refunds": [
            {
                "amount": _amount(r["amount"]),
                "refundDate": r["refundDate"],
                "refundId": r["refundId"],
                "refundReferenceId": r["refundReferenceId"],
            }
            for r in line["refunds"]
        ],
    }
    if line["sku"]:
        out["sku"] = line["sku"]
    if line["legacyVariationId"]:
        out["legacyVariationId"] = line["legacyVariationId"]
    if line["variationAspects"]:
        out["variationAspects"] = line["variationAspects"]
    if line["tax"] > 0:
        out["ebayCollectAndRemitTaxes"] = [
            {
                "taxType": "STATE_SALES_TAX",
                "amount": _amount(line["tax"]),
                "collectionMethod": "NET",
            }
        ]
    return out
