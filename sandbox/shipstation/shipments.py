"""Shipments: labels (with a real PDF), the warehouse shipping an order in one or several
packages or in part, voids, and the list of GET /shipments.

Every function expects the caller to hold ``store.lock``."""

from __future__ import annotations

from decimal import Decimal

from . import orders as order_ops
from .declarations import declared_fields
from .formats import parse_date, to_pacific
from .pdf import label_data
from .store import (
    Store,
    StoreError,
    address,
    guid,
    messy_address,
    weight_in_ounces,
    weight_view,
)
from .tracking import for_carrier

SELLER_USER = guid(7, 1)


def _label_lines(ship_to: dict | None) -> list[str]:
    ship_to = ship_to or {}
    lines = [ship_to.get("name"), ship_to.get("company"), ship_to.get("street1")]
    lines += [ship_to.get("street2"), ship_to.get("city"), ship_to.get("postalCode")]
    lines.append(ship_to.get("country"))
    return [str(line).strip() for line in lines if line]


def new_shipment(store: Store, spec: dict) -> dict:
    """Record one shipment. ``spec``: order (or None), carrierCode, serviceCode,
    packageCode, confirmation, shipDate, weight, dimensions, shipTo, insuranceOptions,
    advancedOptions, items [{item, quantity}], trackingNumber, batch, cost."""
    order = spec.get("order")
    carrier_code = spec["carrierCode"]
    tracking = spec.get("trackingNumber") or for_carrier(carrier_code, store.next_id("tracking"))
    ship_to = spec.get("shipTo") or (order or {}).get("shipTo")
    if store.config.messy and order is not None:
        ship_to = messy_address(ship_to)
    else:
        ship_to = address(ship_to)
    warehouse = spec.get("warehouseId") or (
        order["advancedOptions"]["warehouseId"] if order else None
    )
    shipment_id = store.next_id("shipment")
    items = [
        {**dict(entry["item"]), "quantity": entry["quantity"]} for entry in spec.get("items", [])
    ]
    shipment = {
        "shipmentId": shipment_id,
        "orderId": order["orderId"] if order else None,
        "orderKey": order["orderKey"] if order else None,
        "userId": SELLER_USER,
        "customerEmail": order["customerEmail"] if order else None,
        "orderNumber": order["orderNumber"] if order else None,
        "createDate": store.now_stamp(),
        "shipDate": (spec.get("shipDate") or to_pacific(store.clock.now()).date().isoformat())[:10],
        "shipmentCost": spec["cost"]["shipmentCost"],
        "insuranceCost": store.insurance_cost(spec.get("insuranceOptions")),
        "trackingNumber": tracking,
        "isReturnLabel": False,
        "batchNumber": None,
        "carrierCode": carrier_code,
        "serviceCode": spec.get("serviceCode"),
        "packageCode": spec.get("packageCode") or "package",
        "confirmation": spec.get("confirmation"),
        "warehouseId": warehouse,
        "voided": False,
        "voidDate": None,
        "marketplaceNotified": False,
        "notifyErrorMessage": None,
        "shipTo": ship_to,
        "weight": weight_view(spec.get("weight")),
        "dimensions": spec.get("dimensions"),
        "insuranceOptions": {
            "provider": (spec.get("insuranceOptions") or {}).get("provider"),
            "insureShipment": bool((spec.get("insuranceOptions") or {}).get("insureShipment")),
            "insuredValue": (spec.get("insuranceOptions") or {}).get("insuredValue", 0),
        },
        "advancedOptions": {
            "billToParty": None,
            "billToAccount": None,
            "billToPostalCode": None,
            "billToCountryCode": None,
            "storeId": order["advancedOptions"]["storeId"] if order else None,
        },
        "shipmentItems": None,
        "labelData": None,
        "formData": None,
        "_items": items,
        "_batch": spec["batch"],
        "_label": label_data(
            tracking, _label_lines(ship_to), carrier_code, spec.get("serviceCode") or ""
        ),
    }
    if not spec.get("test"):
        store.shipments[shipment_id] = shipment
    return shipment


def _cost(store: Store, carrier_code: str, service_code, weight: dict, ship_to, order):
    """What the label costs: the carrier's rate for the service, or a flat price for
    a carrier code the account does not have (typed by a user in the warehouse)."""
    carrier = store.carriers.get(carrier_code)
    if carrier is None:
        return {"shipmentCost": Decimal("0.00"), "otherCost": Decimal("0.00")}
    warehouse = store.warehouses.get((order or {}).get("advancedOptions", {}).get("warehouseId"))
    origin = (warehouse or store.default_warehouse() or {}).get("originAddress") or {}
    international = (ship_to or {}).get("country") != origin.get("country")
    index = next((i for i, s in enumerate(carrier["_services"]) if s["code"] == service_code), 0)
    return store.rate(carrier, weight_in_ounces(weight), international, index)


def _check_label_request(store: Store, body: dict) -> None:
    carrier = store.carrier(body.get("carrierCode"))
    store.service(carrier, body.get("serviceCode"))
    package = body.get("packageCode")
    if package and package not in {p["code"] for p in carrier["_packages"]}:
        raise StoreError(f"Invalid packageCode '{package}' for carrier '{carrier['code']}'.")
    if parse_date(body.get("shipDate")) is None:
        raise StoreError(f"shipDate '{body.get('shipDate')}' is not a date ShipStation can read.")


def label_for_order(store: Store, body: dict, batch: str) -> dict:
    """POST /orders/createlabelfororder: one label for what is left of the order."""
    order = order_ops.find(store, body["orderId"])
    if order["orderStatus"] not in ("awaiting_shipment", "on_hold", "pending_fulfillment"):
        raise StoreError(
            f"Order {order['orderId']} is {order['orderStatus']}: a label can only be "
            "created for an order awaiting shipment."
        )
    _check_label_request(store, body)
    weight = body.get("weight") or order["weight"]
    if weight_in_ounces(weight) <= 0:
        raise StoreError("The shipment's weight must be greater than zero.")
    left = order_ops.remaining(store, order)
    items = [
        {"item": item, "quantity": left[item["orderItemId"]]}
        for item in order["items"]
        if left.get(item["orderItemId"], 0) > 0
    ]
    shipment = new_shipment(
        store,
        {
            **body,
            "order": order,
            "weight": weight,
            "dimensions": body.get("dimensions") or order["dimensions"],
            "items": items,
            "batch": batch,
            "test": bool(body.get("testLabel")),
            "cost": _cost(
                store, body["carrierCode"], body["serviceCode"], weight, order["shipTo"], order
            ),
        },
    )
    if not body.get("testLabel"):
        _after_shipping(store, order, [shipment], batch)
    return shipment


def label_without_order(store: Store, body: dict, batch: str) -> dict:
    """POST /shipments/createlabel: a label from addresses alone, no order."""
    _check_label_request(store, body)
    if weight_in_ounces(body.get("weight")) <= 0:
        raise StoreError("The shipment's weight must be greater than zero.")
    return new_shipment(
        store,
        {
            **body,
            "order": None,
            "batch": batch,
            "test": bool(body.get("testLabel")),
            "cost": _cost(
                store,
                body["carrierCode"],
                body["serviceCode"],
                body["weight"],
                body["shipTo"],
                None,
            ),
        },
    )


def _after_shipping(store: Store, order: dict, shipments: list[dict], batch: str) -> None:
    first = shipments[0]
    if not any(qty > 0 for qty in order_ops.remaining(store, order).values()):
        order["orderStatus"] = "shipped"
        order["holdUntilDate"] = None
    order["shipDate"] = first["shipDate"]
    order["carrierCode"] = first["carrierCode"]
    order["serviceCode"] = first["serviceCode"]
    order["packageCode"] = first["packageCode"]
    order["modifyDate"] = store.now_stamp()
    store_id = order["advancedOptions"]["storeId"]
    store.emit("SHIP_NOTIFY", f"/shipments?batchId={batch}&includeShipmentItems=False", store_id)
    store.emit(
        "ITEM_SHIP_NOTIFY", f"/shipments?batchId={batch}&includeShipmentItems=True", store_id
    )


def _pick(order: dict, entry: dict) -> dict:
    for item in order["items"]:
        if (
            ("orderItemId" in entry and item["orderItemId"] == entry["orderItemId"])
            or ("lineItemKey" in entry and item["lineItemKey"] == entry["lineItemKey"])
            or ("sku" in entry and item["sku"] == entry["sku"])
        ):
            return item
    raise StoreError(f"order {order['orderId']} has no item {entry}")


def _packages(store: Store, order: dict, packages: list | None) -> list[list[dict]]:
    """The items of each package, checked against what is left to ship."""
    left = order_ops.remaining(store, order)
    if not packages:
        packages = [{}]
    if not packages[0].get("items") and len(packages) == 1:
        chosen = [
            {"item": i, "quantity": left[i["orderItemId"]]}
            for i in order["items"]
            if left.get(i["orderItemId"], 0) > 0
        ]
        if not chosen:
            raise StoreError(f"order {order['orderId']} has nothing left to ship")
        return [chosen]
    out = []
    for package in packages:
        chosen = []
        for entry in package.get("items") or []:
            item = _pick(order, entry)
            quantity = int(entry.get("quantity", left.get(item["orderItemId"], 0)))
            if quantity <= 0 or quantity > left.get(item["orderItemId"], 0):
                raise StoreError(
                    f"cannot ship {quantity} of {item['sku']}: "
                    f"{left.get(item['orderItemId'], 0)} left to ship"
                )
            left[item["orderItemId"]] -= quantity
            chosen.append({"item": item, "quantity": quantity})
        if not chosen:
            raise StoreError("every package needs at least one item")
        out.append(chosen)
    return out


def _split(store: Store, order: dict, contents: list[list[dict]]) -> dict:
    """Split the shipped part off into a new order, as ShipStation's Split Order does:
    same orderNumber and orderKey, advancedOptions.parentId naming the original."""
    shipped: dict[int, int] = {}
    for package in contents:
        for entry in package:
            key = entry["item"]["orderItemId"]
            shipped[key] = shipped.get(key, 0) + entry["quantity"]
    child = order_ops.view(order)
    child.update({k: v for k, v in order.items() if k.startswith("_")})
    child["orderId"] = store.next_id("order")
    child["createDate"] = child["modifyDate"] = store.now_stamp()
    child["_marked_shipped"] = []
    child["items"] = []
    mapping = {}
    for item in order["items"]:
        if shipped.get(item["orderItemId"]):
            copy_item = dict(item, orderItemId=store.next_id("item"))
            copy_item["quantity"] = shipped[item["orderItemId"]]
            mapping[item["orderItemId"]] = copy_item
            child["items"].append(copy_item)
            item["quantity"] -= shipped[item["orderItemId"]]
    order["items"] = [i for i in order["items"] if i["quantity"] > 0 or i["adjustment"]]
    child["advancedOptions"] = dict(
        order["advancedOptions"], parentId=order["orderId"], mergedOrSplit=True, mergedIds=[]
    )
    order["advancedOptions"]["mergedOrSplit"] = True
    order["modifyDate"] = store.now_stamp()
    store.orders[child["orderId"]] = child
    for package in contents:
        for entry in package:
            entry["item"] = mapping[entry["item"]["orderItemId"]]
    return child


def ship(store: Store, order: dict, data: dict, batch: str) -> list[dict]:
    """The warehouse ships an order (control API): one shipment per package, each with
    its own tracking number, all in one batch (one SHIP_NOTIFY). A part only, when the
    packages hold less than what is left; with ``split`` the part becomes a split order."""
    if order["orderStatus"] in ("cancelled", "shipped", "awaiting_payment"):
        raise StoreError(f"order {order['orderId']} is {order['orderStatus']}")
    contents = _packages(store, order, data.get("packages"))
    left = order_ops.remaining(store, order)
    partial = sum(e["quantity"] for p in contents for e in p) < sum(left.values())
    target = _split(store, order, contents) if partial and data.get("split") else order
    packages = data.get("packages") or [{}]
    made = []
    for index, items in enumerate(contents):
        package = packages[index] if index < len(packages) else {}
        carrier_code = package.get("carrierCode") or data.get("carrierCode") or "royal_mail"
        service_code = package.get("serviceCode") or data.get("serviceCode")
        if service_code is None and carrier_code in store.carriers:
            service_code = store.carriers[carrier_code]["_services"][0]["code"]
        weight = package.get("weight") or {
            "value": sum(
                (weight_in_ounces(e["item"]["weight"]) * e["quantity"] for e in items),
                start=Decimal(0),
            )
            or 16,
            "units": "ounces",
        }
        ship_to = package.get("shipTo") or data.get("shipTo") or target["shipTo"]
        spec = {
            "order": target,
            "carrierCode": carrier_code,
            "serviceCode": service_code,
            "packageCode": package.get("packageCode"),
            "confirmation": package.get("confirmation"),
            "shipDate": data.get("shipDate"),
            "weight": weight,
            "shipTo": ship_to,
            "items": items,
            "trackingNumber": package.get("trackingNumber"),
            "batch": batch,
            "cost": _cost(store, carrier_code, service_code, weight, ship_to, target),
        }
        made.append(new_shipment(store, spec))
    if data.get("notify", True):
        _after_shipping(store, target, made, batch)
    else:
        _after_shipping_quietly(store, target, made)
    return made


def _after_shipping_quietly(store: Store, order: dict, shipments: list[dict]) -> None:
    emit, store.on_event = store.on_event, lambda *_args: None
    try:
        _after_shipping(store, order, shipments, "")
    finally:
        store.on_event = emit


def void(store: Store, shipment_id) -> tuple[bool, str]:
    """Void a label. The order goes back to awaiting shipment once none of its labels
    is left, as ShipStation does. No webhook: voids are found by polling."""
    shipment = store.shipments.get(shipment_id) if isinstance(shipment_id, int) else None
    if shipment is None:
        raise StoreError(f"Shipment {shipment_id} was not found.")
    if shipment["voided"]:
        return False, "Label has already been voided."
    shipment["voided"] = True
    shipment["voidDate"] = store.now_stamp()
    order = store.orders.get(shipment["orderId"]) if shipment["orderId"] else None
    if order and order["orderStatus"] == "shipped":
        live = [
            s
            for s in store.shipments.values()
            if s["orderId"] == order["orderId"] and not s["voided"]
        ]
        if not live:
            order["orderStatus"] = "awaiting_shipment"
            order["shipDate"] = None
        order["modifyDate"] = store.now_stamp()
    return True, "Label voided successfully"


def matches(shipment: dict, query: dict, store: Store) -> bool:
    """The filters of GET /shipments (query keys already lower-cased)."""
    for key, field in (
        ("orderid", "orderId"),
        ("shipmentid", "shipmentId"),
        ("ordernumber", "orderNumber"),
        ("trackingnumber", "trackingNumber"),
        ("carriercode", "carrierCode"),
        ("servicecode", "serviceCode"),
        ("warehouseid", "warehouseId"),
    ):
        if query.get(key) and str(shipment[field]) != query[key]:
            return False
    if query.get("batchid") and str(shipment["_batch"]) != query["batchid"]:
        return False
    if query.get("storeid") and str(shipment["advancedOptions"]["storeId"]) != query["storeid"]:
        return False
    ship_to = shipment["shipTo"] or {}
    name = query.get("recipientname")
    if name and name.lower() not in (ship_to.get("name") or "").lower():
        return False
    country = query.get("recipientcountrycode")
    if country and (ship_to.get("country") or "").upper() != country.upper():
        return False
    return all(
        order_ops._in_range(shipment[field], query, prefix)
        for field, prefix in (("createDate", "create"), ("shipDate", "ship"), ("voidDate", "void"))
    )


def sort_key(by: str | None):
    if (by or "").lower() == "shipdate":
        return lambda s: (s["shipDate"], s["shipmentId"])
    return lambda s: (parse_date(s["createDate"]), s["shipmentId"])


def view(shipment: dict, with_items: bool, with_label: bool = False) -> dict:
    """The shipment as ShipStation answers it (declared fields in their order)."""
    out = {k: shipment[k] for k in declared_fields("ShipmentResponseItem")}
    out["shipmentItems"] = [dict(i) for i in shipment["_items"]] if with_items else None
    out["labelData"] = shipment["_label"] if with_label else None
    return out
