"""Shopify orders -> the channel core's normalized order.

Pure functions: no Odoo environment, no records, no HTTP.

An order reaches the connector two ways: as an ``OrderFields`` node of the GraphQL API
(``ShopifyClient.order()`` / ``orders_updated_since()``) and as the REST-shaped body of the
``orders/create``, ``orders/updated`` and ``orders/cancelled`` webhooks. Both become the
same normalized dict (``normalize_graphql_order`` / ``normalize_webhook_order``), of the
shape ``integration_channel.tools.order`` describes, which also turns it into sale order
lines. Amounts are in the shop's currency (``shopMoney``; the REST ``price`` fields),
never in the customer's (``presentmentMoney``; REST refund transactions).

Both read the order as it is now: each item's current quantity (an item edited or
refunded away is absent), its discount and taxes for those units, the current totals.
Only the GraphQL order says what its refunds were (``refunds``): a REST body's refund
transactions are in the customer's currency, so a webhook's order has ``refunds``
None (unknown), and ``refunds/create`` and ``orders/edited`` (whose bodies are not
orders: ``refunded_order_id`` / ``edited_order_id``) make the connector read the
order through GraphQL.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from odoo.addons.integration_channel.tools.order import (
    ZERO,
    InvalidOrderData,
    to_decimal,
    to_quantity,
)

RATE_STEP = Decimal("0.000001")  # a tax rate derived from amounts (Shopify gave none)
CENT = Decimal("0.01")
RESTOCKED = ("RETURN", "CANCEL", "LEGACY_RESTOCK")  # RefundLineItemRestockType
ODOO_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


# ---------------------------------------------------------------------- values
def _text(value):
    if value is None or value is False:
        return None
    text = str(value).strip()
    return text or None


def _shop_money(bag, key="shopMoney"):
    """The amount of a GraphQL ``MoneyBag`` (``{"shopMoney": {"amount": "1.5"}}``)."""
    return to_decimal(((bag or {}).get(key) or {}).get("amount"))


def _rate(value):
    return None if value is None or value == "" else to_decimal(value)


def odoo_datetime(value):
    """An ISO 8601 timestamp (``2026-11-26T05:00:00-05:00``, ``...Z``) -> the UTC naive
    ``"2026-11-26 10:00:00"`` Odoo stores. A timestamp without an offset is taken as UTC."""
    text = _text(value)
    if text is None:
        return None
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidOrderData(
            "Shopify sent %r where a date and time was expected." % value
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0).strftime(ODOO_DATETIME_FORMAT)


def _gid(kind, value):
    """A REST numeric id -> its GraphQL id (``gid://shopify/Order/123``)."""
    if value is None or value == "":
        return None
    value = str(value)
    return value if value.startswith("gid://") else "gid://shopify/%s/%s" % (kind, value)


def _lower(value):
    text = _text(value)
    return text.lower() if text else None


# ---------------------------------------------------------------------- shared shape
def _address(name, company, street, street2, city, state_code, zip_code, country, phone):
    address = {
        "name": _text(name),
        "company": _text(company),
        "street": _text(street),
        "street2": _text(street2),
        "city": _text(city),
        "state_code": _text(state_code),
        "zip": _text(zip_code),
        "country_code": _text(country),
        "phone": _text(phone),
    }
    return address if any(v is not None for v in address.values()) else None


def _customer(external_id, email, first_name, last_name, phone):
    if not external_id and not email:
        return None
    return {
        "external_id": external_id,
        "email": _text(email),
        "first_name": _text(first_name),
        "last_name": _text(last_name),
        "phone": _text(phone),
    }


def _fill_rates(taxes, base, taxes_included):
    """Derive a tax's rate from its amount when Shopify gave none (``TaxLine.rate`` may
    be null): amount / base, the base being net of the taxes for tax-included prices."""
    if all(tax["rate"] is not None for tax in taxes):
        return taxes
    if taxes_included:
        base = base - sum((tax["amount"] for tax in taxes), ZERO)
    for tax in taxes:
        if tax["rate"] is None:
            tax["rate"] = (tax["amount"] / base).quantize(RATE_STEP) if base else ZERO
    return taxes


def _share(amount, part, whole):
    """``part`` of ``whole`` units' ``amount``, to the cent (all of it when part is
    whole): an item's discount and taxes for the units left on the order."""
    if part == whole or not whole:
        return amount
    return (amount * part / whole).quantize(CENT, rounding=ROUND_HALF_UP)


def _line(external_id, variant_id, sku, name, quantities, unit_price, discount, taxes, incl):
    """An item of ``quantities``: (current, ordered), the units still on the order and
    those ordered, refunded or edited away since: the discount and taxes Shopify gives
    are those of the units ordered."""
    quantity, ordered = (to_quantity(q) for q in quantities)
    taxes = _fill_rates(taxes, unit_price * ordered - discount, incl)
    discount = _share(discount, quantity, ordered)
    for tax in taxes:
        tax["amount"] = _share(tax["amount"], quantity, ordered)
    return {
        "external_id": external_id,
        "variant_external_id": variant_id,
        "sku": _text(sku),
        "name": _text(name),
        "quantity": quantity,
        "unit_price": unit_price,
        "discount": discount,
        "taxes": taxes,
    }


def _shipping(title, code, price, discount, taxes, incl, current=None):
    """A shipping line; ``current``: its price now (after discounts and refunds),
    when Shopify says: what was refunded of it counts as discounted."""
    taxes = _fill_rates(taxes, price - discount, incl)
    if current is not None:
        discount = min(max(price - current, ZERO), price)
    return {
        "title": _text(title),
        "code": _text(code),
        "price": price,
        "discount": discount,
        "taxes": taxes,
    }


def _tax(title, rate, amount):
    return {"title": _text(title), "rate": _rate(rate), "amount": amount}


def _order(values):
    """The normalized order, keys always in the same order."""
    keys = (
        "external_id",
        "name",
        "email",
        "phone",
        "currency",
        "created_at",
        "updated_at",
        "cancelled",
        "financial_status",
        "taxes_included",
        "customer",
        "shipping_address",
        "billing_address",
        "lines",
        "shipping",
        "total",
        "total_tax",
        "total_discount",
        "subtotal",
        "refunds",
    )
    return {key: values[key] for key in keys}


# ---------------------------------------------------------------------- GraphQL
def _graphql_address(node):
    if not node:
        return None
    return _address(
        node.get("name"),
        node.get("company"),
        node.get("address1"),
        node.get("address2"),
        node.get("city"),
        node.get("provinceCode"),
        node.get("zip"),
        node.get("countryCodeV2"),
        node.get("phone"),
    )


def _graphql_taxes(tax_lines):
    return [
        _tax(t.get("title"), t.get("rate"), _shop_money(t.get("priceSet"))) for t in tax_lines or ()
    ]


def _graphql_discount(allocations):
    return sum((_shop_money(a.get("allocatedAmountSet")) for a in allocations or ()), ZERO)


def normalize_graphql_order(node: dict) -> dict:
    """An ``OrderFields`` node (GraphQL, 2026-10) -> the normalized order."""
    incl = bool(node.get("taxesIncluded"))
    customer = node.get("customer") or None
    if customer:
        customer = _customer(
            customer.get("id"),
            (customer.get("defaultEmailAddress") or {}).get("emailAddress"),
            customer.get("firstName"),
            customer.get("lastName"),
            (customer.get("defaultPhoneNumber") or {}).get("phoneNumber"),
        )
    lines = [
        _line(
            item.get("id"),
            (item.get("variant") or {}).get("id"),
            item.get("sku"),
            item.get("name"),
            (_current_quantity(item), item.get("quantity")),
            _shop_money(item.get("originalUnitPriceSet")),
            _graphql_discount(item.get("discountAllocations")),
            _graphql_taxes(item.get("taxLines")),
            incl,
        )
        for item in (node.get("lineItems") or {}).get("nodes") or ()
        if _current_quantity(item) not in (0, "0")
    ]
    shipping = [
        _shipping(
            line.get("title"),
            line.get("code"),
            _shop_money(line.get("originalPriceSet")),
            _graphql_discount(line.get("discountAllocations")),
            _graphql_taxes(line.get("taxLines")),
            incl,
            _shop_money(line["currentDiscountedPriceSet"])
            if line.get("currentDiscountedPriceSet")
            else None,
        )
        for line in (node.get("shippingLines") or {}).get("nodes") or ()
    ]
    return _order(
        {
            "external_id": node.get("id"),
            "name": _text(node.get("name")),
            "email": _text(node.get("email")),
            "phone": _text(node.get("phone")),
            "currency": _text(node.get("currencyCode")),
            "created_at": odoo_datetime(node.get("createdAt")),
            "updated_at": odoo_datetime(node.get("updatedAt")),
            "cancelled": bool(node.get("cancelledAt")),
            "financial_status": _lower(node.get("displayFinancialStatus")),
            "taxes_included": incl,
            "customer": customer,
            "shipping_address": _graphql_address(node.get("shippingAddress")),
            "billing_address": _graphql_address(node.get("billingAddress")),
            "lines": lines,
            "shipping": shipping,
            "total": _shop_money(_current_bag(node, "TotalPriceSet")),
            "total_tax": _shop_money(_current_bag(node, "TotalTaxSet")),
            "total_discount": _shop_money(_current_bag(node, "TotalDiscountsSet")),
            "subtotal": _shop_money(_current_bag(node, "SubtotalPriceSet")),
            "refunds": _graphql_refunds(node.get("refunds")),
        }
    )


def _current_quantity(item):
    """A line item's ``currentQuantity`` (without refunded and removed units), else
    its ``quantity``."""
    current = item.get("currentQuantity")
    return item.get("quantity") if current is None else current


def _current_bag(node, name):
    """``node["current" + name]`` (after edits and refunds), else the original."""
    bag = node.get("current" + name)
    if bag is None:
        bag = node.get(name[0].lower() + name[1:])
    return bag


def _graphql_refunds(refunds):
    """RefundFields nodes -> normalized refunds, oldest first; None when the node
    has no refunds field (not read)."""
    if refunds is None:
        return None
    if not isinstance(refunds, list) or not all(isinstance(r, dict) for r in refunds):
        raise InvalidOrderData("its refunds are not a list of refunds.")
    normalized = [_graphql_refund(refund) for refund in refunds]
    return sorted(normalized, key=lambda refund: refund["created_at"] or "")


def _graphql_refund(refund):
    shipping = (refund.get("refundShippingLines") or {}).get("nodes") or ()
    return {
        "external_id": refund.get("id"),
        "created_at": odoo_datetime(refund.get("createdAt")),
        "amount": _shop_money(refund.get("totalRefundedSet")),
        "lines": [
            {
                "line_external_id": (line.get("lineItem") or {}).get("id"),
                "quantity": to_quantity(line.get("quantity")),
                "amount": _shop_money(line.get("subtotalSet"))
                + _shop_money(line.get("totalTaxSet")),
                "restock": line.get("restockType") in RESTOCKED,
            }
            for line in (refund.get("refundLineItems") or {}).get("nodes") or ()
        ],
        "shipping": sum((_shop_money(s.get("subtotalAmountSet")) for s in shipping), ZERO),
        "shipping_tax": sum((_shop_money(s.get("taxAmountSet")) for s in shipping), ZERO),
    }


# ---------------------------------------------------------------------- webhook (REST)
def _rest_money(item, key):
    """``item[key]`` (``"12.50"``), else the shop amount of ``item[key + "_set"]``."""
    if item.get(key) not in (None, ""):
        return to_decimal(item[key])
    return _shop_money(item.get(key + "_set"), "shop_money")


def _webhook_address(node):
    if not node:
        return None
    name = node.get("name")
    if not _text(name):
        name = " ".join(filter(None, (_text(node.get("first_name")), _text(node.get("last_name")))))
    return _address(
        name,
        node.get("company"),
        node.get("address1"),
        node.get("address2"),
        node.get("city"),
        node.get("province_code"),
        node.get("zip"),
        node.get("country_code"),
        node.get("phone"),
    )


def _webhook_taxes(tax_lines):
    return [_tax(t.get("title"), t.get("rate"), _rest_money(t, "price")) for t in tax_lines or ()]


def _webhook_discount(item, fallback):
    """The sum of the ``discount_allocations`` (Shopify's advice: the line's
    ``total_discount`` is not always filled in); ``fallback()`` when the list is absent."""
    if "discount_allocations" not in item:
        return fallback()
    return sum((_rest_money(a, "amount") for a in item.get("discount_allocations") or ()), ZERO)


def _current(item, key):
    """``item["current_" + key]`` when Shopify sent it, else ``item[key]``."""
    return item.get(_current_key(item, key))


def _current_key(item, key):
    current = "current_" + key
    return current if item.get(current) not in (None, "") else key


def _check_rest_order(payload):
    """A signed body is still the platform's data: one that is not an order fails as
    a data error of its own, never as a defect of the connector."""
    if not isinstance(payload, dict) or not (
        payload.get("admin_graphql_api_id") or payload.get("id")
    ):
        raise InvalidOrderData("the body is not a Shopify order (it has no order id).")
    for key in ("line_items", "shipping_lines", "tax_lines"):
        items = payload.get(key)
        if items is not None and not (
            isinstance(items, list) and all(isinstance(item, dict) for item in items)
        ):
            raise InvalidOrderData("its %s are not a list of items." % key)
    if payload.get("customer") is not None and not isinstance(payload["customer"], dict):
        raise InvalidOrderData("its customer is not a customer record.")


def normalize_webhook_order(payload: dict) -> dict:
    """The body of an ``orders/create``, ``orders/updated`` or ``orders/cancelled``
    webhook (Shopify's REST order) -> the normalized order.

    :raise InvalidOrderData: a body that is not an order (no id, lines not a list)
    """
    _check_rest_order(payload)
    incl = bool(payload.get("taxes_included"))
    customer = payload.get("customer") or None
    if customer:
        customer = _customer(
            customer.get("admin_graphql_api_id") or _gid("Customer", customer.get("id")),
            customer.get("email"),
            customer.get("first_name"),
            customer.get("last_name"),
            customer.get("phone"),
        )
    lines = []
    for item in payload.get("line_items") or ():
        # An edited order keeps its original quantities and totals; the current_*
        # fields say what is left (0 for an item removed by the edit).
        quantity = _current(item, "quantity")
        if quantity in (0, "0"):
            continue
        lines.append(
            _line(
                item.get("admin_graphql_api_id") or _gid("LineItem", item.get("id")),
                _gid("ProductVariant", item.get("variant_id")),
                item.get("sku"),
                item.get("name") or item.get("title"),
                (quantity, item.get("quantity", quantity)),
                _rest_money(item, "price"),
                _webhook_discount(item, lambda item=item: _rest_money(item, "total_discount")),
                _webhook_taxes(item.get("tax_lines")),
                incl,
            )
        )
    shipping = []
    for line in payload.get("shipping_lines") or ():
        price = _rest_money(line, "price")

        def discounted(line=line, price=price):
            if line.get("discounted_price") in (None, ""):
                return ZERO
            return price - to_decimal(line["discounted_price"])

        shipping.append(
            _shipping(
                line.get("title"),
                line.get("code"),
                price,
                _webhook_discount(line, discounted),
                _webhook_taxes(line.get("tax_lines")),
                incl,
            )
        )
    return _order(
        {
            "external_id": payload.get("admin_graphql_api_id") or _gid("Order", payload.get("id")),
            "name": _text(payload.get("name")),
            "email": _text(payload.get("email")) or _text(payload.get("contact_email")),
            "phone": _text(payload.get("phone")),
            "currency": _text(payload.get("currency")),
            "created_at": odoo_datetime(payload.get("created_at")),
            "updated_at": odoo_datetime(payload.get("updated_at")),
            "cancelled": bool(payload.get("cancelled_at")),
            "financial_status": _lower(payload.get("financial_status")),
            "taxes_included": incl,
            "customer": customer,
            "shipping_address": _webhook_address(payload.get("shipping_address")),
            "billing_address": _webhook_address(payload.get("billing_address")),
            "lines": lines,
            "shipping": shipping,
            "total": _rest_money(payload, _current_key(payload, "total_price")),
            "total_tax": _rest_money(payload, _current_key(payload, "total_tax")),
            "total_discount": _rest_money(payload, _current_key(payload, "total_discounts")),
            "subtotal": _rest_money(payload, _current_key(payload, "subtotal_price")),
            "refunds": None,  # its transactions are in the customer's currency
        }
    )


# ---------------------------------------------------------------------- other topics
def refunded_order_id(payload) -> str:
    """The order of a ``refunds/create`` body (a REST Refund) -> its GraphQL id.

    :raise InvalidOrderData: a body that is not a refund of an order
    """
    order_id = payload.get("order_id") if isinstance(payload, dict) else None
    return _order_gid(order_id, "refund")


def edited_order_id(payload) -> str:
    """The order of an ``orders/edited`` body (``{"order_edit": {"order_id", ...}}``)
    -> its GraphQL id.

    :raise InvalidOrderData: a body that is not an order edit
    """
    edit = payload.get("order_edit") if isinstance(payload, dict) else None
    order_id = edit.get("order_id") if isinstance(edit, dict) else None
    return _order_gid(order_id, "order edit")


def _order_gid(order_id, what):
    text = _text(order_id) if not isinstance(order_id, bool) else None
    if text and text.startswith("gid://shopify/Order/"):
        text = text.rsplit("/", 1)[1]
    if not text or not (text.isascii() and text.isdigit()) or len(text) > 20:
        raise InvalidOrderData("the body is not a Shopify %s (it has no order id)." % what)
    return "gid://shopify/Order/%s" % int(text)
