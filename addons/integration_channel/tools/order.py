"""The normalized order every channel produces, and the sale order lines it becomes.

Pure functions: no Odoo environment, no records, no HTTP.

A platform addon turns what its platform sends (an API node, a webhook body) into
this dict; the channel core (``integration.order.binding``) imports it::

    {"external_id": "gid://shopify/Order/123", "name": "#1001", "email", "phone",
     "currency", "created_at": "2026-11-26 10:00:00", "updated_at": ...,  # UTC, naive
     "cancelled": bool, "financial_status": "paid"|...|None, "taxes_included": bool,
     "customer": {"external_id", "email", "first_name", "last_name", "phone"} | None,
     "shipping_address": {"name", "company", "street", "street2", "city", "state_code",
                          "zip", "country_code", "phone"} | None,
     "billing_address": ... | None,
     "lines": [{"external_id", "variant_external_id", "sku", "name", "quantity": int,
                "unit_price": Decimal, "discount": Decimal,  # for the whole line
                "taxes": [{"title", "rate": Decimal, "amount": Decimal}]}],
     "shipping": [{"title", "code", "price": Decimal, "discount": Decimal, "taxes": [...]}],
     "total": Decimal, "total_tax": Decimal, "total_discount": Decimal,
     "subtotal": Decimal,
     "refunds": [{"external_id", "created_at", "amount": Decimal,  # what it returned
                  "lines": [{"line_external_id", "quantity": int,
                             "amount": Decimal,  # what those units were worth, taxed
                             "restock": bool}],  # the platform expects them back
                  "shipping": Decimal, "shipping_tax": Decimal}] | None}

The order is as it is now on the platform: the current quantities (an item refunded or
edited away is absent), the current totals and shipping; ``refunds`` are all its
refunds, oldest first, or None when the platform's message does not say (an order
read from a webhook body).

Amounts are in the order's currency, as ``Decimal`` built from the platform's strings,
never through a float. A blank text is None. A customer without ``external_id`` is a
guest (the platform has no account for the buyer).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")
PERCENT_STEP = Decimal("0.0001")  # discount_percent: 4 decimals at most
# Far above any order, far below what a float (Odoo's monetary fields) can hold.
MAX_AMOUNT = Decimal("1e15")
MAX_QUANTITY = 10**9


class InvalidOrderData(ValueError):
    """The platform sent a value the order cannot hold; the message says which."""


def to_decimal(value) -> Decimal:
    """A platform's money or rate -> Decimal (None/"" -> 0). Strings are parsed as they
    are; a JSON number (a tax ``rate``) goes through its shortest repr, so 0.2 -> 0.2.

    :raise InvalidOrderData: not a number, or not a finite amount an order can hold
        ("inf", "NaN", "1e999")
    """
    if value is None or value == "":
        return ZERO
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, bool):
        raise InvalidOrderData("The platform sent %r where an amount was expected." % (value,))
    else:
        try:
            amount = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation:
            raise InvalidOrderData(
                "The platform sent %r where an amount was expected." % (value,)
            ) from None
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise InvalidOrderData(
            "The platform sent %r where an amount was expected: not an amount an order "
            "can hold." % (value,)
        )
    return amount


def to_quantity(value) -> int:
    """A platform's item quantity -> int (None/"" -> 0).

    :raise InvalidOrderData: not a whole number of a sane size
    """
    if value is None or value == "":
        return 0
    amount = to_decimal(value)
    if amount != amount.to_integral_value() or abs(amount) > MAX_QUANTITY:
        raise InvalidOrderData("The platform sent %r where a quantity was expected." % (value,))
    return int(amount)


def discount_percent(gross, discount) -> Decimal:
    """The percentage that takes ``gross`` down by ``discount``, with 4 decimals at most,
    between 0 and 100: ``gross * (1 - d / 100)`` is ``gross - discount`` to within
    ``gross * 0.0000005`` (under half a cent for a line under 10,000)."""
    gross, discount = to_decimal(gross), to_decimal(discount)
    if not gross or not discount:
        return ZERO.quantize(PERCENT_STEP)
    percent = (discount * HUNDRED / gross).quantize(PERCENT_STEP, rounding=ROUND_HALF_UP)
    return min(max(percent, ZERO), HUNDRED).quantize(PERCENT_STEP)


def order_line_specs(order: dict) -> list[dict]:
    """The sale order lines of a normalized order, as plain values.

    Product lines: ``{"kind": "product", "sku", "name", "quantity", "price_unit",
    "discount_percent", "tax_rates": [Decimal], "external_id", "variant_external_id"}``;
    then shipping lines: the same keys with ``"kind": "shipping"``, ``sku``,
    ``external_id`` and ``variant_external_id`` None, quantity 1, and ``"code"`` (the
    shipping rate's code). ``price_unit * quantity * (1 - discount_percent / 100)`` is
    the line's discounted amount; ``tax_rates`` are fractions (0.2 for 20 %), one per
    tax line of the platform, in the platform's order.
    """
    specs = []
    for line in order.get("lines") or ():
        quantity = to_quantity(line["quantity"])
        price = to_decimal(line["unit_price"])
        specs.append(
            {
                "kind": "product",
                "sku": line.get("sku"),
                "name": line.get("name"),
                "quantity": quantity,
                "price_unit": price,
                "discount_percent": discount_percent(price * quantity, line.get("discount")),
                "tax_rates": [to_decimal(tax["rate"]) for tax in line.get("taxes") or ()],
                "external_id": line.get("external_id"),
                "variant_external_id": line.get("variant_external_id"),
            }
        )
    for line in order.get("shipping") or ():
        price = to_decimal(line["price"])
        specs.append(
            {
                "kind": "shipping",
                "sku": None,
                "name": line.get("title"),
                "quantity": 1,
                "price_unit": price,
                "discount_percent": discount_percent(price, line.get("discount")),
                "tax_rates": [to_decimal(tax["rate"]) for tax in line.get("taxes") or ()],
                "external_id": None,
                "variant_external_id": None,
                "code": line.get("code"),
            }
        )
    return specs


def _round(amount, rounding):
    """Round half away from zero to a multiple of ``rounding`` (Odoo's float_round)."""
    return (amount / rounding).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * rounding


def expected_amounts(specs, taxes_included, currency_rounding=CENT) -> dict:
    """``{"untaxed", "tax", "total"}`` of ``specs`` the way Odoo computes a sale order
    with percent taxes rounded per line (the default ``round_per_line``):

    - a line's amount is ``round(price_unit * (1 - discount / 100) * quantity)``;
    - prices without tax: each tax is ``round(amount * rate)``, the total adds them;
    - prices with tax included: the untaxed amount is ``round(amount / (1 + sum of
      rates))``, the taxes are the rest, the total is the amount.
    """
    rounding = to_decimal(currency_rounding)
    untaxed = tax = ZERO
    for spec in specs:
        price = to_decimal(spec["price_unit"])
        factor = 1 - to_decimal(spec.get("discount_percent")) / HUNDRED
        amount = _round(price * factor * to_decimal(spec["quantity"]), rounding)
        rates = [to_decimal(rate) for rate in spec.get("tax_rates") or ()]
        if taxes_included:
            net = _round(amount / (1 + sum(rates, ZERO)), rounding) if rates else amount
            untaxed += net
            tax += amount - net
        else:
            untaxed += amount
            tax += sum((_round(amount * rate, rounding) for rate in rates), ZERO)
    return {"untaxed": untaxed, "tax": tax, "total": untaxed + tax}


def expected_total(specs, taxes_included, currency_rounding=CENT) -> Decimal:
    """The total Odoo will compute for ``specs`` (see ``expected_amounts``), to compare
    with the platform's ``total`` and flag the order when they differ."""
    return expected_amounts(specs, taxes_included, currency_rounding)["total"]


# ---------------------------------------------------------------------- edits, refunds
def line_changes(sale_lines, order) -> dict:
    """How the platform's order as it is now changes the sale order's items.

    ``sale_lines``: ``[{"external_id", "quantity", "delivered"}]``, the sale order's
    lines of platform items. Returns ``{"quantities": {external id: new quantity},
    "kept": {external id: units delivered that the platform no longer has},
    "new": [the order's lines the sale order does not have]}``. A quantity goes down
    to the platform's, never below what was delivered (those units are kept, for a
    person to get back), and up when the platform added units.
    """
    current = {line["external_id"]: line["quantity"] for line in order.get("lines") or ()}
    quantities, kept = {}, {}
    for line in sale_lines:
        target = to_decimal(current.get(line["external_id"], 0))
        quantity, delivered = to_decimal(line["quantity"]), to_decimal(line["delivered"])
        if target == quantity:
            continue
        new_quantity = target if target > quantity else max(target, delivered)
        if new_quantity != quantity:
            quantities[line["external_id"]] = new_quantity
        if target < delivered and target < quantity:
            kept[line["external_id"]] = min(delivered, quantity) - target
    known = {line["external_id"] for line in sale_lines}
    new = [line for line in order.get("lines") or () if line["external_id"] not in known]
    return {"quantities": quantities, "kept": kept, "new": new}


def refund_discrepancy(refund) -> Decimal:
    """What a refund returned beyond (or, negative, short of) what the units and the
    shipping it took off were worth: a goodwill refund, a refund of less than the
    items, a fee kept."""
    worth = sum((to_decimal(line["amount"]) for line in refund["lines"]), ZERO)
    worth += to_decimal(refund.get("shipping")) + to_decimal(refund.get("shipping_tax"))
    return to_decimal(refund["amount"]) - worth


def refund_credits(refunds, lines, shipping_invoiced) -> list[dict]:
    """The credit notes of ``refunds`` (new ones, oldest first) on an invoiced order:
    each one returns what the refund returned, less the worth of what it refunded that
    was never invoiced (that only leaves the sale order).

    ``lines``: ``{external id: {"quantity", "invoiced", "current", "credited"}}`` per
    sale order line of a platform item, after the order's changes: its quantity, its
    invoiced quantity (net of credit notes linked to it), the platform's current
    quantity, and the units credited before though still on it (delivered).
    ``shipping_invoiced``: whether the shipping was invoiced.

    Returns ``[{"refund": external id, "date", "amount": Decimal, "shipping": Decimal,
    "lines": [{"external_id", "quantity", "linked": bool}]}]``. A linked line credits
    invoiced units that left the sale order (Odoo's invoiced quantity goes down with
    them); an unlinked one, invoiced units refunded though delivered (they stay on the
    order, so a linked credit would make them to invoice again). Invoiced units that an
    edit took off, which no refund names, are credited with the last refund.
    """
    left, kept = {}, {}
    for key, line in lines.items():
        quantity, invoiced = to_decimal(line["quantity"]), to_decimal(line["invoiced"])
        gone = max(quantity - to_decimal(line["current"]), ZERO)
        left[key] = max(invoiced - quantity, ZERO)
        kept[key] = max(min(gone, invoiced, quantity) - to_decimal(line["credited"]), ZERO)
    credits = []
    for refund in refunds:
        credit_lines, unbilled = [], ZERO
        for line in refund["lines"]:
            key, units = line["line_external_id"], to_decimal(line["quantity"])
            linked = min(units, left.get(key, ZERO))
            unlinked = min(units - linked, kept.get(key, ZERO))
            if key in left:
                left[key] -= linked
                kept[key] -= unlinked
            credit_lines += [
                {"external_id": key, "quantity": quantity, "linked": is_linked}
                for quantity, is_linked in ((linked, True), (unlinked, False))
                if quantity
            ]
            if units and units > linked + unlinked:
                unbilled += _round(
                    to_decimal(line["amount"]) * (units - linked - unlinked) / units, CENT
                )
        shipping = to_decimal(refund.get("shipping"))
        if not shipping_invoiced:
            unbilled += shipping + to_decimal(refund.get("shipping_tax"))
            shipping = ZERO
        credits.append(
            {
                "refund": refund["external_id"],
                "date": refund.get("created_at"),
                "amount": max(to_decimal(refund["amount"]) - unbilled, ZERO),
                "shipping": shipping,
                "lines": credit_lines,
            }
        )
    if credits:
        credits[-1]["lines"] += [
            {"external_id": key, "quantity": units, "linked": True}
            for key, units in left.items()
            if units
        ]
    return credits
