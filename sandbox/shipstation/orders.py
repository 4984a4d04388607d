"""Orders: create-or-update by orderKey, holds, mark as shipped, soft delete, lists.

Every function expects the caller to hold ``store.lock``."""

from __future__ import annotations

from decimal import Decimal

from .declarations import declared_fields
from .formats import money4, normalize_stamp, parse_date, to_pacific
from .store import Store, StoreError, address, guid, messy_address, weight_in_ounces, weight_view

OPEN_STATUSES = ("awaiting_payment", "awaiting_shipment", "pending_fulfillment", "on_hold")
ADVANCED_DEFAULTS = {
    "warehouseId": None,
    "nonMachinable": False,
    "saturdayDelivery": False,
    "containsAlcohol": False,
    "mergedOrSplit": False,
    "mergedIds": [],
    "parentId": None,
    "storeId": None,
    "customField1": None,
    "customField2": None,
    "customField3": None,
    "source": None,
    "billToParty": None,
    "billToAccount": None,
    "billToPostalCode": None,
    "billToCountryCode": None,
    "billToMyOtherAccount": None,
}
_COPIED = (
    "orderNumber",
    "customerUsername",
    "customerEmail",
    "customerNotes",
    "internalNotes",
    "giftMessage",
    "paymentMethod",
    "requestedShippingService",
    "carrierCode",
    "serviceCode",
    "packageCode",
    "confirmation",
    "tagIds",
)


def find(store: Store, order_id) -> dict:
    order = store.orders.get(order_id) if isinstance(order_id, int) else None
    if order is None or not order["_active"]:
        raise StoreError(f"Order {order_id} was not found.")
    return order


def by_key(store: Store, order_key: str) -> dict | None:
    """The live order with this orderKey; after a split, the original one."""
    found = [o for o in store.orders.values() if o["orderKey"] == order_key and o["_active"]]
    return min(found, key=lambda o: o["orderId"]) if found else None


def refresh_holds(store: Store) -> None:
    """Orders whose hold has run out are back in awaiting_shipment, as ShipStation does."""
    today = to_pacific(store.clock.now())
    for order in store.orders.values():
        until = parse_date(order["holdUntilDate"]) if order["holdUntilDate"] else None
        if order["orderStatus"] == "on_hold" and until and until <= today:
            order["orderStatus"] = "awaiting_shipment"
            order["holdUntilDate"] = None
            order["modifyDate"] = store.now_stamp()


def _items(store: Store, given: list | None, old: list, now: str) -> list[dict]:
    """Items replace the old ones; an item keeps its orderItemId when its lineItemKey
    (or, failing that, its SKU) matches one already there."""
    previous = {(i["lineItemKey"] or i["sku"]): i for i in old}
    items = []
    for entry in given or []:
        match = previous.pop(entry.get("lineItemKey") or entry.get("sku"), None)
        items.append(
            {
                "orderItemId": match["orderItemId"] if match else store.next_id("item"),
                "lineItemKey": entry.get("lineItemKey"),
                "sku": entry.get("sku"),
                "name": entry.get("name"),
                "imageUrl": entry.get("imageUrl"),
                "weight": weight_view(entry["weight"]) if entry.get("weight") else None,
                "quantity": int(entry.get("quantity") or 0),
                "unitPrice": money4(entry.get("unitPrice")),
                "taxAmount": money4(entry["taxAmount"]) if entry.get("taxAmount") else None,
                "shippingAmount": (
                    money4(entry["shippingAmount"]) if entry.get("shippingAmount") else None
                ),
                "warehouseLocation": entry.get("warehouseLocation"),
                "options": list(entry.get("options") or []),
                "productId": entry.get("productId") or store.product_id(entry.get("sku")),
                "fulfillmentSku": entry.get("fulfillmentSku"),
                "adjustment": bool(entry.get("adjustment")),
                "upc": entry.get("upc"),
                "createDate": match["createDate"] if match else now,
                "modifyDate": now,
            }
        )
    return items


def _international(store: Store, given: dict | None) -> dict:
    if not given:
        return {"contents": None, "customsItems": None, "nonDelivery": None}
    items = []
    for entry in given.get("customsItems") or []:
        items.append(
            {
                "customsItemId": entry.get("customsItemId") or store.next_id("customs"),
                "description": entry.get("description"),
                "quantity": entry.get("quantity"),
                "value": money4(entry.get("value")),
                "harmonizedTariffCode": entry.get("harmonizedTariffCode"),
                "countryOfOrigin": entry.get("countryOfOrigin"),
            }
        )
    return {
        "contents": given.get("contents"),
        "customsItems": items,
        "nonDelivery": given.get("nonDelivery"),
    }


def _advanced(store: Store, given: dict | None, old: dict | None) -> dict:
    out = dict(old or ADVANCED_DEFAULTS)
    for key, value in (given or {}).items():
        if key in out and key not in ("storeId", "mergedOrSplit", "mergedIds", "parentId"):
            out[key] = value
    if old is None:
        store_id = (given or {}).get("storeId")
        if store_id is None:
            store_id = store.default_store_id()
        elif store_id not in store.stores:
            raise StoreError(f"Invalid storeId {store_id}: no such store on this account.")
        out["storeId"] = store_id
    if out["warehouseId"] is None and store.default_warehouse():
        out["warehouseId"] = store.default_warehouse()["warehouseId"]
    elif out["warehouseId"] not in store.warehouses:
        raise StoreError(f"Invalid warehouseId {out['warehouseId']}.")
    return out


def _totals(order: dict) -> None:
    items = sum((i["unitPrice"] * i["quantity"] for i in order["items"]), start=Decimal(0))
    order["orderTotal"] = money4(items + order["taxAmount"] + order["shippingAmount"])
    if not order["_weight_given"]:
        ounces = sum(
            (weight_in_ounces(i["weight"]) * i["quantity"] for i in order["items"]),
            start=Decimal(0),
        )
        order["weight"] = weight_view({"value": ounces, "units": "ounces"})


def _fill(store: Store, order: dict, body: dict, creating: bool) -> None:
    now = store.now_stamp()
    for key in _COPIED:
        order[key] = body.get(key)
    order["orderDate"] = normalize_stamp(body.get("orderDate"))
    order["paymentDate"] = normalize_stamp(body.get("paymentDate"))
    order["shipByDate"] = normalize_stamp(body.get("shipByDate"))
    order["shipDate"] = (body.get("shipDate") or "")[:10] or order.get("shipDate")
    order["orderStatus"] = body["orderStatus"]
    order["customerId"] = store.customer_id(body.get("customerUsername"))
    order["billTo"] = address(body.get("billTo"))
    order["shipTo"] = address(body.get("shipTo"))
    order["items"] = _items(store, body.get("items"), order.get("items") or [], now)
    order["amountPaid"] = money4(body.get("amountPaid"))
    order["taxAmount"] = money4(body.get("taxAmount"))
    order["shippingAmount"] = money4(body.get("shippingAmount"))
    order["gift"] = bool(body.get("gift"))
    order["_weight_given"] = bool(body.get("weight"))
    order["weight"] = weight_view(body.get("weight"))
    order["dimensions"] = body.get("dimensions")
    insurance = body.get("insuranceOptions") or {}
    order["insuranceOptions"] = {
        "provider": insurance.get("provider"),
        "insureShipment": bool(insurance.get("insureShipment")),
        "insuredValue": money4(insurance.get("insuredValue")),
    }
    order["internationalOptions"] = _international(store, body.get("internationalOptions"))
    order["advancedOptions"] = _advanced(
        store, body.get("advancedOptions"), None if creating else order["advancedOptions"]
    )
    order["modifyDate"] = now
    _totals(order)


def _new_order(store: Store, order_key: str | None) -> dict:
    now = store.now_stamp()
    order_id = store.next_id("order")
    return {
        "orderId": order_id,
        "orderKey": order_key or guid(1, store.next_id("order_key")),
        "createDate": now,
        "holdUntilDate": None,
        "shipDate": None,
        "userId": None,
        "externallyFulfilled": False,
        "externallyFulfilledBy": None,
        "externallyFulfilledById": None,
        "externallyFulfilledByName": None,
        "labelMessages": None,
        "_active": True,
        "_import_batch": None,
        "_marked_shipped": [],
    }


def upsert(store: Store, body: dict, batch: str) -> tuple[dict, bool]:
    """createorder: update the order named by orderId, or by orderKey, or create one.
    Returns (order, created). Shipped and cancelled orders cannot be changed."""
    order = None
    if body.get("orderId") is not None:
        order = find(store, body["orderId"])
    elif body.get("orderKey"):
        order = by_key(store, body["orderKey"])
    for field in ("orderDate", "paymentDate", "shipByDate", "shipDate"):
        if body.get(field) is not None and parse_date(body[field]) is None:
            raise StoreError(f"{field} '{body[field]}' is not a date ShipStation can read.")
    created = order is None
    if created:
        order = _new_order(store, body.get("orderKey"))
    elif order["orderStatus"] not in OPEN_STATUSES:
        raise StoreError(
            f"Order {order['orderId']} is {order['orderStatus']}: only orders awaiting "
            "payment, awaiting shipment, pending fulfillment or on hold can be updated."
        )
    was_status = None if created else order["orderStatus"]
    _fill(store, order, body, created)
    if created:
        store.orders[order["orderId"]] = order
    paid_now = was_status in (None, "awaiting_payment")
    if paid_now and order["orderStatus"] not in ("awaiting_payment", "cancelled"):
        order["_import_batch"] = batch
    return order, created


def announce(store: Store, batch: str) -> None:
    """ORDER_NOTIFY and ITEM_ORDER_NOTIFY once for every order of an import batch
    (per store), as ShipStation puts all the orders created at once in one webhook."""
    stores = sorted(
        {_store_of(o) for o in store.orders.values() if o["_import_batch"] == batch},
        key=str,
    )
    for store_id in stores:
        store.emit("ORDER_NOTIFY", f"/orders?importBatch={batch}", store_id)
        store.emit("ITEM_ORDER_NOTIFY", f"/orders?importBatch={batch}", store_id)


def _store_of(order: dict) -> int | None:
    return order["advancedOptions"]["storeId"]


def hold(store: Store, order_id, until: str) -> None:
    order = find(store, order_id)
    if parse_date(until) is None:
        raise StoreError(f"holdUntilDate '{until}' is not a date ShipStation can read.")
    if order["orderStatus"] not in OPEN_STATUSES:
        raise StoreError(f"Order {order_id} is {order['orderStatus']} and cannot be held.")
    order["orderStatus"] = "on_hold"
    order["holdUntilDate"] = normalize_stamp(until)
    order["modifyDate"] = store.now_stamp()


def restore(store: Store, order_id) -> None:
    order = find(store, order_id)
    if order["orderStatus"] != "on_hold":
        raise StoreError(f"Order {order_id} is not on hold.")
    order["orderStatus"] = "awaiting_shipment"
    order["holdUntilDate"] = None
    order["modifyDate"] = store.now_stamp()


def mark_shipped(store: Store, body: dict) -> dict:
    """Shipped without a label: no shipment record (ShipStation lists none), the
    tracking number kept on the order, the carrier code as typed."""
    order = find(store, body["orderId"])
    if order["orderStatus"] in ("cancelled", "shipped"):
        raise StoreError(f"Order {order['orderId']} is {order['orderStatus']}.")
    if body.get("shipDate") is not None and parse_date(body["shipDate"]) is None:
        raise StoreError(f"shipDate '{body['shipDate']}' is not a date ShipStation can read.")
    now = store.clock.now()
    order["orderStatus"] = "shipped"
    order["shipDate"] = (body.get("shipDate") or to_pacific(now).date().isoformat())[:10]
    order["carrierCode"] = body["carrierCode"]
    order["_marked_shipped"].append(
        {"carrierCode": body["carrierCode"], "trackingNumber": body.get("trackingNumber")}
    )
    order["modifyDate"] = store.now_stamp()
    return order


def delete(store: Store, order_id) -> None:
    order = find(store, order_id)
    order["_active"] = False
    order["modifyDate"] = store.now_stamp()


def place(store: Store, body: dict, batch: str) -> dict:
    """An order arriving from a marketplace or typed in the UI (control API): the
    address as people type it when ``config.messy``."""
    order, _created = upsert(store, body, batch)
    if store.config.messy:
        order["shipTo"] = messy_address(order["shipTo"])
    announce(store, batch)
    return order


def shipped_quantities(store: Store, order: dict) -> dict[int, int]:
    shipped: dict[int, int] = {}
    for shipment in store.shipments.values():
        if shipment["orderId"] == order["orderId"] and not shipment["voided"]:
            for item in shipment["_items"]:
                shipped[item["orderItemId"]] = (
                    shipped.get(item["orderItemId"], 0) + item["quantity"]
                )
    return shipped


def remaining(store: Store, order: dict) -> dict[int, int]:
    shipped = shipped_quantities(store, order)
    return {
        item["orderItemId"]: item["quantity"] - shipped.get(item["orderItemId"], 0)
        for item in order["items"]
        if not item["adjustment"]
    }


def matches(order: dict, query: dict) -> bool:
    """The filters of GET /orders (query keys already lower-cased)."""
    if not order["_active"]:
        return False
    number = query.get("ordernumber")
    if number and not (order["orderNumber"] or "").lower().startswith(number.lower()):
        return False
    if query.get("orderstatus") and order["orderStatus"] != query["orderstatus"]:
        return False
    if query.get("storeid") and str(order["advancedOptions"]["storeId"]) != query["storeid"]:
        return False
    if query.get("importbatch") and order["_import_batch"] != query["importbatch"]:
        return False
    name = query.get("customername")
    if name and name.lower() not in ((order["shipTo"] or {}).get("name") or "").lower():
        return False
    for field in ("createDate", "modifyDate", "orderDate", "paymentDate"):
        if not _in_range(order[field], query, field.lower()[:-4]):
            return False
    return True


def _in_range(value: str | None, query: dict, prefix: str) -> bool:
    start, end = query.get(prefix + "datestart"), query.get(prefix + "dateend")
    if not start and not end:
        return True
    when = parse_date(value) if value else None
    if when is None:
        return False
    if start and when < parse_date(start):
        return False
    return not (end and when > parse_date(end))


def sort_key(by: str | None):
    field = {"orderdate": "orderDate", "modifydate": "modifyDate", "createdate": "createDate"}
    name = field.get((by or "").lower())
    if name is None:
        return lambda o: o["orderId"]
    return lambda o: (parse_date(o[name] or "") or parse_date("1900-01-01"), o["orderId"])


def view(order: dict) -> dict:
    """The order as ShipStation answers it: the declared fields in their order, then
    the ones real answers carry beyond the declarations."""
    out = {k: order[k] for k in declared_fields("OrderResponseItem") if k in order}
    out.update({k: v for k, v in order.items() if not k.startswith("_") and k not in out})
    out["items"] = [dict(i) for i in order["items"]]
    out["advancedOptions"] = dict(order["advancedOptions"])
    return out
