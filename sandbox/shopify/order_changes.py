"""Refunds and order edits, made the way the Shopify admin makes them (control API).

A refund (``refund_order``) takes units off line items (``restock_type`` "cancel" for
units not fulfilled yet, "return" for fulfilled ones coming back, "no_restock"),
maybe shipping, and returns money: its transaction is what the merchant typed, which
may differ from what the items are worth (Shopify then records an order adjustment,
the refund discrepancy). An edit (``edit_order``) changes the quantities of items not
fulfilled yet and adds items. Both keep the line items' current quantities, the
fulfillment orders and the stock consistent, and fire the webhooks Shopify fires:
``refunds/create`` or ``orders/edited``, then ``orders/updated``.
"""

from __future__ import annotations

from decimal import Decimal

from .store import CENT, Store, StoreError, dec, gid, money

RESTOCK_TYPES = ("cancel", "return", "no_restock")
ZERO = Decimal("0")


# --------------------------------------------------------------------- lookups
def find_line(order: dict, spec: dict) -> dict:
    """The line item a control-API spec names: ``line_item_id`` (gid or number), or
    ``sku`` (the first of its line items with units left)."""
    wanted = spec.get("line_item_id")
    if wanted:
        wanted = str(wanted)
        if not wanted.startswith("gid://"):
            wanted = gid("LineItem", int(wanted))
        line = next((li for li in order["line_items"] if li["id"] == wanted), None)
    else:
        line = next(
            (
                li
                for li in order["line_items"]
                if li["sku"] == spec.get("sku") and Store.current_quantity(li)
            ),
            None,
        )
    if line is None:
        raise StoreError(f"the order has no line item {wanted or spec.get('sku')!r}")
    return line


def _open_items(store: Store, order: dict, line: dict) -> list[dict]:
    """The fulfillment order line items of ``line`` with units still to fulfil."""
    return [
        foli
        for fo_id in order["fulfillment_order_ids"]
        for foli in store.fulfillment_orders[fo_id]["line_items"]
        if foli["line_item_id"] == line["id"] and foli["remainingQuantity"] > 0
    ]


def unfulfilled(store: Store, order: dict, line: dict) -> int:
    return sum(foli["remainingQuantity"] for foli in _open_items(store, order, line))


def _take_unfulfilled(store: Store, order: dict, line: dict, units: int) -> list[tuple]:
    """Take ``units`` off the line's fulfillment orders; ``[(location id, units)]``."""
    taken = []
    for foli in _open_items(store, order, line):
        if units <= 0:
            break
        share = min(units, foli["remainingQuantity"])
        foli["remainingQuantity"] -= share
        foli["totalQuantity"] -= share
        units -= share
        fo = store.fulfillment_orders[foli["fulfillment_order_id"]]
        fo["updatedAt"] = store.now()
        if all(x["remainingQuantity"] == 0 for x in fo["line_items"]) and fo["status"] == "OPEN":
            fo["status"] = "CLOSED"
        taken.append((fo["location_id"], share))
    return taken


def _item_id(store: Store, line: dict) -> str | None:
    variant = store.variants.get(line["variant_id"])
    return variant["inventory_item_id"] if variant else None


# --------------------------------------------------------------------- refunds
def _plan_refund_line(store: Store, order: dict, spec: dict) -> dict:
    line = find_line(order, spec)
    quantity = int(spec.get("quantity") or 0)
    open_units = unfulfilled(store, order, line)
    fulfilled = store.fulfilled_quantity(line["id"], order) - line["refunded_fulfilled"]
    restock = spec.get("restock_type") or ("cancel" if quantity <= open_units else "return")
    if restock not in RESTOCK_TYPES:
        raise StoreError(f"restock_type must be one of {', '.join(RESTOCK_TYPES)}")
    if quantity <= 0 or quantity > store.current_quantity(line):
        raise StoreError(
            f"{quantity} of {line['name']} cannot be refunded: "
            f"{store.current_quantity(line)} refundable"
        )
    if restock == "cancel" and quantity > open_units:
        raise StoreError("cancel restocks unfulfilled items only: use return")
    if restock == "return" and quantity > fulfilled:
        raise StoreError("return restocks fulfilled items only: use cancel")
    from_open = 0 if restock == "return" else min(quantity, open_units)
    return {"line": line, "quantity": quantity, "restock": restock, "open": from_open}


def _plan_shipping(order: dict, spec: dict | None) -> tuple[dict | None, Decimal, Decimal]:
    """(shipping line, subtotal, tax) a refund gives back; ``{"full_refund": true}``
    refunds what is left of it, ``{"amount": "3.00"}`` that much (before tax)."""
    if not spec or not order["shipping_lines"]:
        return None, ZERO, ZERO
    line = order["shipping_lines"][0]
    left = dec(line["price"]) - dec(line["refunded"])
    amount = left if spec.get("full_refund") else dec(spec.get("amount"))
    if amount <= 0 or amount > left:
        raise StoreError(f"shipping refund must be between 0 and {money(left)}")
    if amount == left:
        tax = dec(line["tax"]) - dec(line["refunded_tax"])
    else:
        tax = (amount * dec(line["tax_rate"])).quantize(CENT)
    return line, amount, tax


def _apply_refund_line(store: Store, order: dict, plan: dict, touched: list) -> None:
    line, quantity = plan["line"], plan["quantity"]
    line["refunded"] += quantity
    line["refunded_fulfilled"] += quantity - plan["open"]
    item_id = _item_id(store, line)
    for loc_id, units in _take_unfulfilled(store, order, line, plan["open"]):
        if item_id:
            store.change_quantity(item_id, loc_id, "committed", -units)
            if plan["restock"] == "cancel":
                store.change_quantity(item_id, loc_id, "available", units)
            touched.append((item_id, loc_id))
    if plan["restock"] == "return" and item_id:
        store.change_quantity(item_id, order["location_id"], "available", quantity)
        touched.append((item_id, order["location_id"]))


def refund_order(store: Store, order: dict, data: dict) -> dict:
    """Refund ``data``: ``{"line_items": [{"sku" | "line_item_id", "quantity",
    "restock_type"}], "shipping": {"full_refund": true} | {"amount"}, "amount":
    what the transaction returns (default: what the items and shipping are worth),
    "note"}``. Returns the refund."""
    with store.lock:
        plans = [_plan_refund_line(store, order, spec) for spec in data.get("line_items") or ()]
        if len({id(plan["line"]) for plan in plans}) != len(plans):
            raise StoreError("one entry per line item")
        shipping_line, shipping, shipping_tax = _plan_shipping(order, data.get("shipping"))
        lines = []
        for plan in plans:
            share = store.line_share(plan["line"], plan["quantity"])
            lines.append(dict(plan, subtotal=share["subtotal"], tax=share["tax"]))
        calculated = sum((x["subtotal"] + x["tax"] for x in lines), ZERO) + shipping
        if not order["taxesIncluded"]:
            calculated += shipping_tax
        amount = dec(data["amount"]).quantize(CENT) if "amount" in data else calculated
        paid = dec(store.order_totals(order)["total"]) - store.refunded_total(order)
        if amount < 0 or amount > paid:
            raise StoreError(f"a refund must be between 0.00 and {money(paid)}")
        if not lines and not shipping and not amount:
            raise StoreError("nothing to refund")
        now = store.now()
        refund_id = store.next_id("Refund")[0]
        touched = []
        for plan in lines:
            _apply_refund_line(store, order, plan, touched)
        if shipping_line:
            shipping_line["refunded"] = money(dec(shipping_line["refunded"]) + shipping)
            shipping_line["refunded_tax"] = money(dec(shipping_line["refunded_tax"]) + shipping_tax)
        refund = {
            "__typename": "Refund",
            "id": refund_id,
            "order_id": order["id"],
            "createdAt": now,
            "note": data.get("note"),
            "amount": amount,
            "calculated": calculated,
            "line_items": [
                {
                    "__typename": "RefundLineItem",
                    "id": store.next_id("RefundLineItem")[0],
                    "line_item_id": x["line"]["id"],
                    "quantity": x["quantity"],
                    "restockType": x["restock"].upper(),
                    "location_id": None if x["restock"] == "no_restock" else order["location_id"],
                    "subtotal": x["subtotal"],
                    "tax": x["tax"],
                }
                for x in lines
            ],
            "shipping": {
                "__typename": "RefundShippingLine",
                "id": store.next_id("RefundShippingLine")[0],
                "shipping_line_id": shipping_line["id"],
                "subtotal": shipping,
                "tax": shipping_tax,
            }
            if shipping_line
            else None,
            "transaction_id": store.next_id("OrderTransaction")[0],
            "adjustment_id": store.next_id("OrderAdjustment")[0] if amount != calculated else None,
        }
        store.refunds[refund_id] = refund
        order["refund_ids"].append(refund_id)
        order["updatedAt"] = now
        if order["displayFinancialStatus"] in ("PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED"):
            left = paid - amount
            order["displayFinancialStatus"] = "REFUNDED" if left <= 0 else "PARTIALLY_REFUNDED"
        if store.payload_builder:
            store.emit("refunds/create", store.payload_builder.refund(refund))
            store.emit("orders/updated", store.payload_builder.order(order))
            for item_id, loc_id in dict.fromkeys(touched):
                store.inventory_changed(item_id, loc_id)
        return refund


# --------------------------------------------------------------------- edits
def _open_fulfillment_order(store: Store, order: dict) -> dict:
    """Where items added by an edit are fulfilled from: the order's first open
    fulfillment order, or a new one at the order's location."""
    for fo_id in order["fulfillment_order_ids"]:
        fo = store.fulfillment_orders[fo_id]
        if fo["status"] in ("OPEN", "IN_PROGRESS") and fo["location_id"] == order["location_id"]:
            return fo
    now = store.now()
    fo_id = store.next_id("FulfillmentOrder")[0]
    fo = {
        "__typename": "FulfillmentOrder",
        "id": fo_id,
        "order_id": order["id"],
        "location_id": order["location_id"],
        "status": "OPEN",
        "requestStatus": "UNSUBMITTED",
        "createdAt": now,
        "updatedAt": now,
        "line_items": [],
    }
    store.fulfillment_orders[fo_id] = fo
    order["fulfillment_order_ids"].append(fo_id)
    return fo


def _add_units(store: Store, order: dict, line: dict, units: int, touched: list) -> None:
    """Put ``units`` more of ``line`` to fulfil (committed at the order's location)."""
    fo = _open_fulfillment_order(store, order)
    foli = next((x for x in fo["line_items"] if x["line_item_id"] == line["id"]), None)
    if foli is None:
        foli = {
            "__typename": "FulfillmentOrderLineItem",
            "id": store.next_id("FulfillmentOrderLineItem")[0],
            "line_item_id": line["id"],
            "fulfillment_order_id": fo["id"],
            "totalQuantity": 0,
            "remainingQuantity": 0,
        }
        fo["line_items"].append(foli)
    foli["totalQuantity"] += units
    foli["remainingQuantity"] += units
    fo["status"] = "OPEN" if fo["status"] == "CLOSED" else fo["status"]
    item_id = _item_id(store, line)
    if item_id:
        store.change_quantity(item_id, fo["location_id"], "available", -units)
        store.change_quantity(item_id, fo["location_id"], "committed", units)
        touched.append((item_id, fo["location_id"]))


def _line_tax(line: dict) -> str:
    if not line["taxable"]:
        return "0.00"
    base = dec(line["price"]) * line["quantity"] - dec(line["discount"])
    return money(base * dec(line["tax_rate"]))


def _set_quantity(store, order, spec, restock, touched, changes) -> None:
    line = find_line(order, spec)
    wanted = int(spec["quantity"])
    current = store.current_quantity(line)
    if wanted < 0:
        raise StoreError("quantity must not be negative")
    if wanted > current:
        line["quantity"] += wanted - current
        line["tax"] = _line_tax(line)
        _add_units(store, order, line, wanted - current, touched)
        changes["additions"].append({"id": line["id"], "delta": wanted - current})
    elif wanted < current:
        units = current - wanted
        if units > unfulfilled(store, order, line):
            raise StoreError(f"only unfulfilled units of {line['name']} can be edited away")
        line["removed"] += units
        item_id = _item_id(store, line)
        for loc_id, taken in _take_unfulfilled(store, order, line, units):
            if item_id:
                store.change_quantity(item_id, loc_id, "committed", -taken)
                if restock:
                    store.change_quantity(item_id, loc_id, "available", taken)
                touched.append((item_id, loc_id))
        changes["removals"].append({"id": line["id"], "delta": units})


def _add_line(store, order, spec, touched, changes) -> None:
    variant = store.resolve_variant(spec)
    units = int(spec.get("quantity") or 1)
    if units <= 0:
        raise StoreError("quantity must be positive")
    line = store.line_record(variant, units, spec, order["tax_rate"], order["id"])
    line["tax"] = _line_tax(line)
    order["line_items"].append(line)
    _add_units(store, order, line, units, touched)
    changes["additions"].append({"id": line["id"], "delta": units})


def edit_order(store: Store, order: dict, data: dict) -> dict:
    """Edit ``data``: ``{"set_quantity": [{"sku" | "line_item_id", "quantity"}],
    "add": [{"sku" | "variant_id" (then "sku" is what the line carries, maybe
    nothing), "quantity", "price"}], "restock": true, "staff_note"}``. Only units not
    fulfilled yet can be taken off, as in Shopify. Returns the order edit."""
    with store.lock:
        if order["cancelledAt"]:
            raise StoreError("a cancelled order cannot be edited")
        if not data.get("set_quantity") and not data.get("add"):
            raise StoreError("nothing to edit")
        before = dec(store.order_totals(order, current=True)["total"])
        changes, touched = {"additions": [], "removals": []}, []
        for spec in data.get("set_quantity") or ():
            _set_quantity(store, order, spec, data.get("restock", True), touched, changes)
        for spec in data.get("add") or ():
            _add_line(store, order, spec, touched, changes)
        now = store.now()
        edit_id = store.next_id("OrderEdit")[0]
        edit = {
            "id": edit_id,
            "order_id": order["id"],
            "createdAt": now,
            "committedAt": now,
            "staff_note": data.get("staff_note") or "",
            "line_items": changes,
        }
        store.order_edits[edit_id] = edit
        order["updatedAt"] = now
        after = dec(store.order_totals(order, current=True)["total"])
        if after > before and order["displayFinancialStatus"] == "PAID":
            order["displayFinancialStatus"] = "PARTIALLY_PAID"
        if store.payload_builder:
            store.emit("orders/edited", store.payload_builder.order_edit(edit))
            store.emit("orders/updated", store.payload_builder.order(order))
            for item_id, loc_id in dict.fromkeys(touched):
                store.inventory_changed(item_id, loc_id)
        return edit
