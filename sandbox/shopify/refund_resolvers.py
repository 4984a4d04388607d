"""Resolvers of refunds: ``Order.refunds`` and ``node(id:)`` give ``Refund`` records
(``order_changes.refund_order``), their line items, shipping, transaction and, when
the money returned differs from what the items and shipping are worth, the order
adjustment Shopify records for the discrepancy."""

from __future__ import annotations

from .resolvers import _store, connection, field, order_bag
from .store import money


def _order(refund, info):
    return _store(info).orders[refund["order_id"]]


def _bag(refund, amount, info):
    return order_bag(_order(refund, info), money(amount), info)


@field("Refund", "order")
def refund_order(refund, info):
    return _order(refund, info)


@field("Refund", "legacyResourceId")
def refund_legacy_id(refund, info):
    return refund["id"].rsplit("/", 1)[1]


@field("Refund", "updatedAt", "processedAt")
def refund_dates(refund, info):
    return refund["createdAt"]


@field("Refund", "totalRefundedSet")
def refund_total(refund, info):
    return _bag(refund, refund["amount"], info)


@field("Refund", "totalRefunded")
def refund_total_v2(refund, info):
    return _bag(refund, refund["amount"], info)["shopMoney"]


def _line_view(refund, line, info):
    store = _store(info)
    order = _order(refund, info)
    item = next(li for li in order["line_items"] if li["id"] == line["line_item_id"])
    return {
        "__typename": "RefundLineItem",
        "id": line["id"],
        "lineItem": item,
        "quantity": line["quantity"],
        "restockType": line["restockType"],
        "restocked": line["restockType"] != "NO_RESTOCK",
        "location": store.locations.get(line["location_id"]) if line["location_id"] else None,
        "priceSet": order_bag(order, item["price"], info),
        "subtotalSet": order_bag(order, money(line["subtotal"]), info),
        "totalTaxSet": order_bag(order, money(line["tax"]), info),
    }


@field("Refund", "refundLineItems")
def refund_line_items(refund, info, **args):
    views = [_line_view(refund, line, info) for line in refund["line_items"]]
    return connection(info, views, args, key=lambda v: views.index(v))


@field("Refund", "refundShippingLines")
def refund_shipping_lines(refund, info, **args):
    shipping = refund["shipping"]
    views = []
    if shipping:
        order = _order(refund, info)
        views.append(
            {
                "__typename": "RefundShippingLine",
                "id": shipping["id"],
                "shippingLine": next(
                    s for s in order["shipping_lines"] if s["id"] == shipping["shipping_line_id"]
                ),
                "subtotalAmountSet": _bag(refund, shipping["subtotal"], info),
                "taxAmountSet": _bag(refund, shipping["tax"], info),
            }
        )
    return connection(info, views, args)


@field("Refund", "transactions")
def refund_transactions(refund, info, **args):
    amount = _bag(refund, refund["amount"], info)
    views = [
        {
            "__typename": "OrderTransaction",
            "id": refund["transaction_id"],
            "kind": "REFUND",
            "status": "SUCCESS",
            "gateway": "manual",
            "formattedGateway": "Manual",
            "test": False,
            "createdAt": refund["createdAt"],
            "processedAt": refund["createdAt"],
            "amountSet": amount,
            "amount": amount["shopMoney"]["amount"],
        }
    ]
    return connection(info, views, args)


@field("Refund", "orderAdjustments")
def refund_adjustments(refund, info, **args):
    views = []
    if refund["adjustment_id"]:
        views.append(
            {
                "__typename": "OrderAdjustment",
                "id": refund["adjustment_id"],
                "reason": "REFUND_DISCREPANCY",
                # In the merchant's favour when positive: worth more than returned.
                "amountSet": _bag(refund, refund["calculated"] - refund["amount"], info),
                "taxAmountSet": _bag(refund, 0, info),
            }
        )
    return connection(info, views, args)
