"""Odoo's delivery, as plain values, to ShipStation's documents (pure: no ORM).

The model layer reads a delivery into the dictionaries described below; these
functions turn them into the bodies of createorder, getrates and
createlabelfororder, as ShipStation's declarations (CreateOrUpdateOrderOptions,
GetRatesOptions, CreateOrderLabelOptions) require them.

An address (``partner``): ``name``, ``company``, ``street``, ``street2``, ``city``,
``state_code``, ``zip``, ``country_code``, ``phone``, ``is_company``.
"""

from decimal import ROUND_HALF_UP, Decimal

ORDER_NUMBER_MAX = 50  # ShipStation: "max 50 characters"
CENT = Decimal("0.01")


def money(value):
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def weight(kilograms):
    """Odoo's kilograms as a ShipStation Weight in grams (one decimal)."""
    grams = (Decimal(str(kilograms or 0)) * 1000).quantize(Decimal("0.1"))
    return {"value": grams, "units": "grams"}


def _text(value):
    return " ".join(str(value or "").split())


def address(partner):
    """A ShipStation Address: every field its declaration requires, as strings
    (an empty one as ``""``), stripped of the spaces people leave around them."""
    name = _text(partner.get("name")) or _text(partner.get("company"))
    result = {
        "name": name,
        "company": _text(partner.get("company")) or None,
        "street1": _text(partner.get("street")),
        "street2": _text(partner.get("street2")) or None,
        "city": _text(partner.get("city")),
        "state": _text(partner.get("state_code")),
        "postalCode": _text(partner.get("zip")).upper(),
        "country": _text(partner.get("country_code")).upper(),
        "phone": _text(partner.get("phone")) or None,
        "residential": not partner.get("is_company"),
    }
    return result


def address_problems(partner):
    """What is missing for a carrier to ship to ``partner``: sentences a person can act
    on, empty when nothing is."""
    missing = [
        label
        for key, label in (
            ("street", "street"),
            ("city", "city"),
            ("zip", "postcode"),
            ("country_code", "country"),
        )
        if not _text(partner.get(key))
    ]
    if not missing:
        return []
    return [
        "The address of %s has no %s: complete it on the contact."
        % (_text(partner.get("name")) or "the customer", ", ".join(missing))
    ]


def order_key(database_uuid, picking_id):
    """The delivery's stable key: a retry (or a second Odoo on another database)
    updates its own order and never makes a second one."""
    return "odoo-%s-picking-%s" % (str(database_uuid)[:8], int(picking_id))


def customs(delivery):
    """InternationalOptions for a delivery abroad: one customs item per product."""
    return {
        "contents": "merchandise",
        "nonDelivery": "return_to_sender",
        "customsItems": [
            {
                "description": _text(item.get("customs_description") or item["name"])[:100],
                "quantity": int(item["quantity"]),
                "value": money(item.get("unit_price")),
                "harmonizedTariffCode": item.get("hs_code") or None,
                "countryOfOrigin": (item.get("origin_country") or delivery["origin_country"])
                .strip()
                .upper(),
            }
            for item in delivery["items"]
        ],
    }


def order_document(delivery):
    """The createorder body of a delivery.

    ``delivery``: ``number`` (the channel's order number when there is one), ``key``,
    ``date`` (ISO, UTC), ``status`` (awaiting_shipment, on_hold, cancelled),
    ``customer_email``, ``customer_username``, ``bill_to`` and ``ship_to``
    (addresses), ``items`` (``line_key``, ``sku``, ``name``, ``quantity``,
    ``unit_price``, ``weight_kg``, optional ``hs_code``, ``origin_country``),
    ``amount_paid``, ``tax_amount``, ``shipping_amount``, ``weight_kg``,
    ``origin_country``, and optional ``order_id``, ``store_id``, ``warehouse_id``,
    ``carrier_code``, ``service_code``, ``package_code``, ``requested_service``,
    ``hold_until``, ``notes``.
    """
    ship_to = address(delivery["ship_to"])
    document = {
        "orderNumber": _text(delivery["number"])[:ORDER_NUMBER_MAX],
        "orderKey": delivery["key"],
        "orderDate": delivery["date"],
        "orderStatus": delivery.get("status") or "awaiting_shipment",
        "customerUsername": delivery.get("customer_username") or None,
        "customerEmail": delivery.get("customer_email") or None,
        "billTo": address(delivery.get("bill_to") or delivery["ship_to"]),
        "shipTo": ship_to,
        "items": [
            {
                "lineItemKey": str(item["line_key"]),
                # An empty SKU is a product without an internal reference: the warehouse
                # still sees its name, and ShipStation takes "" for a sku.
                "sku": _text(item.get("sku")),
                "name": _text(item["name"])[:200] or _text(item.get("sku")) or "Item",
                "quantity": int(item["quantity"]),
                "unitPrice": money(item.get("unit_price")),
                "weight": weight(item.get("weight_kg")),
                "adjustment": False,
            }
            for item in delivery["items"]
        ],
        "amountPaid": money(delivery.get("amount_paid")),
        "taxAmount": money(delivery.get("tax_amount")),
        "shippingAmount": money(delivery.get("shipping_amount")),
        "weight": weight(delivery.get("weight_kg")),
    }
    if delivery.get("order_id"):
        document["orderId"] = int(delivery["order_id"])
    for key, field in (
        ("carrier_code", "carrierCode"),
        ("service_code", "serviceCode"),
        ("package_code", "packageCode"),
        ("requested_service", "requestedShippingService"),
        ("notes", "internalNotes"),
    ):
        if delivery.get(key):
            document[field] = delivery[key]
    advanced = {}
    if delivery.get("warehouse_id"):
        advanced["warehouseId"] = int(delivery["warehouse_id"])
    if delivery.get("store_id"):
        advanced["storeId"] = int(delivery["store_id"])
    if advanced:
        document["advancedOptions"] = advanced
    origin = (delivery.get("origin_country") or "").strip().upper()
    if origin and ship_to["country"] and ship_to["country"] != origin:
        document["internationalOptions"] = customs(delivery)
    return document


def rates_request(shipment, carrier_code, service_code=None, package_code=None):
    """The getrates body for ``shipment``: ``from_zip``, optional ``warehouse_id``,
    ``to`` (an address), ``weight_kg``."""
    to = address(shipment["to"])
    request = {
        "carrierCode": carrier_code,
        "serviceCode": service_code or None,
        "packageCode": package_code or None,
        "fromPostalCode": _text(shipment["from_zip"]).upper(),
        "toCountry": to["country"],
        "toPostalCode": to["postalCode"],
        "toCity": to["city"] or None,
        "toState": to["state"] or None,
        "weight": weight(shipment["weight_kg"]),
        "residential": to["residential"],
    }
    if shipment.get("warehouse_id"):
        request["fromWarehouseId"] = str(shipment["warehouse_id"])
    return request


def pick_rate(rates, service_code=None):
    """(price, service name) of the rate for ``service_code``, else the cheapest; None
    when there is none."""
    candidates = [r for r in rates if not service_code or r.get("serviceCode") == service_code]
    if not candidates:
        return None
    best = min(candidates, key=lambda r: Decimal(str(r["shipmentCost"])) + _other(r))
    return money(Decimal(str(best["shipmentCost"])) + _other(best)), best.get("serviceName")


def _other(rate):
    return Decimal(str(rate.get("otherCost") or 0))


def label_request(order_id, carrier, ship_date, weight_kg):
    """The createlabelfororder body: ``carrier`` has ``carrier_code``,
    ``service_code``, ``confirmation`` (the package type is the order's)."""
    return {
        "orderId": int(order_id),
        "carrierCode": carrier["carrier_code"],
        "serviceCode": carrier["service_code"],
        "confirmation": carrier.get("confirmation") or "none",
        "shipDate": ship_date,
        "weight": weight(weight_kg),
        "testLabel": False,
    }
