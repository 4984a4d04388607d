"""Sell Account API: the seller's business policies (fulfillment, payment, return),
listed per marketplace and read one by one. They are seeded (``--seed`` or the
control API), as a seller sets them up in Seller Hub. And the Identity API's getUser:
the seller's own account."""

from __future__ import annotations

import copy

from .routes import Response, rest

API = "sell.account"
KNOWN_MARKETPLACES = (
    "EBAY_US",
    "EBAY_MOTORS_US",
    "EBAY_CA",
    "EBAY_GB",
    "EBAY_DE",
    "EBAY_AU",
    "EBAY_FR",
    "EBAY_IT",
    "EBAY_ES",
)
LIST_KEYS = {
    "fulfillment": "fulfillmentPolicies",
    "payment": "paymentPolicies",
    "return": "returnPolicies",
}


def _list(app, req, kind: str) -> Response:
    marketplace = req.query.get("marketplace_id")
    if not marketplace:
        raise app.fail(req, 20401, fieldName="marketplace_id", additionalInfo="")
    if marketplace not in KNOWN_MARKETPLACES:
        raise app.fail(req, 20403, fieldName="marketplace_id", additionalInfo=marketplace)
    rows = [
        copy.deepcopy(p)
        for p in app.store.policies[kind].values()
        if p["marketplaceId"] == marketplace
    ]
    return Response(
        200,
        {
            "href": app.href(f"{req.path}?marketplace_id={marketplace}"),
            "limit": 20,
            "offset": 0,
            "total": len(rows),
            LIST_KEYS[kind]: rows,
        },
    )


def _get(app, req, kind: str, policy_id: str) -> Response:
    policy = app.store.policies[kind].get(policy_id)
    if policy is None:
        raise app.fail(req, 20404, status=404, fieldName=f"{kind}PolicyId")
    return Response(200, copy.deepcopy(policy))


@rest(API, "getFulfillmentPolicies")
def fulfillment_policies(app, req):
    return _list(app, req, "fulfillment")


@rest(API, "getPaymentPolicies")
def payment_policies(app, req):
    return _list(app, req, "payment")


@rest(API, "getReturnPolicies")
def return_policies(app, req):
    return _list(app, req, "return")


@rest(API, "getFulfillmentPolicy")
def fulfillment_policy(app, req):
    return _get(app, req, "fulfillment", req.path_params["fulfillmentPolicyId"])


@rest(API, "getPaymentPolicy")
def payment_policy(app, req):
    return _get(app, req, "payment", req.path_params["payment_policy_id"])


@rest(API, "getReturnPolicy")
def return_policy(app, req):
    return _get(app, req, "return", req.path_params["return_policy_id"])


@rest("commerce.identity", "getUser")
def get_user(app, req):
    """The seller the token belongs to (Identity API, apiz.ebay.com)."""
    config = app.config
    return Response(
        200,
        {
            "userId": config.seller_user_id,
            "username": config.seller_username,
            "accountType": "BUSINESS",
            "registrationMarketplaceId": "EBAY_US",
            "status": "CONFIRMED",
            "businessAccount": {
                "name": "Sandbox Motor Parts LLC",
                "address": {
                    "addressLine1": "2145 Hamilton Avenue",
                    "city": "San Jose",
                    "stateOrProvince": "CA",
                    "postalCode": "95125",
                    "country": "US",
                },
            },
        },
    )
