"""eBay's REST error shape and the errors the sandbox answers with.

``{"errors": [{"errorId", "domain", "category", "message", "longMessage",
"parameters": [{"name", "value"}]}]}``

API errors come from the contract's error catalogue of the operation
(``contract.catalog_entry``: the errorIds eBay documents for it, with their domain,
category and HTTP status). The errors common to every REST API are eBay's "API
Response Status Errors" table (https://developer.ebay.com/develop/api/sell/error_codes).
"""

from __future__ import annotations

from . import contract

# Answers eBay is known to give for an operation whose contract does not list the
# errorId: (api, operation) -> {errorId: the operation whose catalogue entry supplies
# domain, category and status}.
UNLISTED = {
    # createOffer for a SKU, marketplace and format that already have an offer:
    # errorId 25002 "A user error has occurred. Offer entity already exists." with the
    # existing offerId in parameters (quoted by several public eBay integrations,
    # which recover the offerId from it).
    ("sell.inventory", "createOffer"): {25002: "createOrReplaceInventoryItem"},
    ("sell.inventory", "bulkCreateOffer"): {25002: "createOrReplaceInventoryItem"},
}


def documented(api: str, operation_id: str, error_id: int) -> bool:
    """True when the sandbox may answer ``error_id`` for the operation."""
    op = contract.operation(operation_id, api)
    return error_id in op.errors or error_id in UNLISTED.get((api, operation_id), {})


class EbayError(Exception):
    """An answer in eBay's error shape: ``status`` and a list of error objects."""

    def __init__(self, status: int, errors: list[dict], headers: dict | None = None):
        super().__init__(errors[0].get("message") if errors else "")
        self.status = status
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict:
        return {"errors": self.errors}

    def __add__(self, other: EbayError) -> EbayError:
        return EbayError(self.status, self.errors + other.errors, {**self.headers})


def error_object(
    error_id: int,
    domain: str,
    category: str,
    message: str,
    long_message: str | None = None,
    parameters: list | None = None,
) -> dict:
    out = {
        "errorId": error_id,
        "domain": domain,
        "category": category,
        "message": message,
        "longMessage": long_message or message,
    }
    if parameters:
        out["parameters"] = [{"name": str(n), "value": str(v)} for n, v in parameters]
    return out


def api_error(
    api: str,
    operation_id: str,
    error_id: int,
    message: str | None = None,
    parameters: list | None = None,
    status: int | None = None,
    **fill,
) -> EbayError:
    """An error eBay documents for ``operation_id`` (its ``x-response-codes``).

    ``message`` replaces the catalogue description when eBay's own wording for the
    case is known; otherwise the description's ``{placeholders}`` are filled from
    ``fill``. ``status`` overrides the catalogue's HTTP status where eBay answers
    another one: the catalogues list every errorId under 400, while the operations
    that read one resource also document "404 Not Found", which is what eBay answers
    for a SKU, offer, group, location or policy that does not exist (eBay's knowledge
    base: "getInventoryItem API returning error code 25710")."""
    donor = UNLISTED.get((api, operation_id), {}).get(error_id)
    entry = contract.catalog_entry(api, donor or operation_id, error_id)
    text = message or contract.describe(entry.description, **fill)
    obj = error_object(error_id, entry.domain, entry.category, text, text, parameters)
    return EbayError(status or entry.status, [obj])


# -- Common errors (https://developer.ebay.com/develop/api/sell/error_codes) -----------


def invalid_access_token() -> EbayError:
    # HTTP 401, errorId 1001, OAuth/REQUEST.
    return EbayError(
        401,
        [
            error_object(
                1001,
                "OAuth",
                "REQUEST",
                "Invalid access token",
                "Invalid access token. Check the value of the Authorization HTTP request header.",
            )
        ],
    )


def missing_access_token() -> EbayError:
    # HTTP 400, errorId 1002, OAuth/REQUEST.
    return EbayError(
        400,
        [
            error_object(
                1002,
                "OAuth",
                "REQUEST",
                "Missing access token",
                "Access token is missing in the Authorization HTTP request header.",
            )
        ],
    )


def invalid_token_type(scheme: str) -> EbayError:
    # HTTP 400, errorId 1003, OAuth/REQUEST.
    text = f"Token type in the Authorization header is invalid:{scheme}"
    return EbayError(400, [error_object(1003, "OAuth", "REQUEST", text, text)])


def access_denied() -> EbayError:
    # HTTP 403, errorId 1100, OAuth/REQUEST.
    return EbayError(
        403,
        [
            error_object(
                1100,
                "OAuth",
                "REQUEST",
                "Access denied",
                "Insufficient permissions to fulfill the request.",
            )
        ],
    )


def too_many_requests(retry_after: float | None = None) -> EbayError:
    # HTTP 429, errorId 2001, ACCESS/REQUEST (also eBay's daily-quota answer).
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
    return EbayError(
        429,
        [
            error_object(
                2001,
                "ACCESS",
                "REQUEST",
                "Too many requests",
                "The request limit has been reached for the resource.",
            )
        ],
        headers,
    )


def resource_not_resolved() -> EbayError:
    # HTTP 404, errorId 2002, ACCESS/REQUEST.
    return EbayError(
        404,
        [
            error_object(
                2002,
                "ACCESS",
                "REQUEST",
                "Resource not resolved",
                "A resource (URI) associated with the request could not be resolved.",
            )
        ],
    )


def internal_error(status: int = 500) -> EbayError:
    # HTTP 500, errorId 2003, ACCESS/APPLICATION. The table lists no 503/504 entry;
    # the sandbox answers those statuses with this body too.
    return EbayError(
        status,
        [
            error_object(
                2003,
                "ACCESS",
                "APPLICATION",
                "Internal error",
                "There was a problem with an eBay internal system or process. "
                "Contact eBay developer support for assistance.",
            )
        ],
    )


def bad_gateway() -> EbayError:
    # HTTP 502, errorId 3005, ROUTING/APPLICATION.
    return EbayError(502, [error_object(3005, "ROUTING", "APPLICATION", "Internal error")])


def invalid_request(reason: str) -> EbayError:
    """HTTP 400, errorId 2004, ACCESS/REQUEST: a body eBay cannot deserialise.

    eBay adds the field it choked on: sellers report "2004 ... Could not serialize
    field [condition]" for a condition sent as "3000" or "Used" (two public
    repositories quoting live answers, 2026)."""
    return EbayError(
        400,
        [
            error_object(
                2004,
                "ACCESS",
                "REQUEST",
                "Invalid request",
                "The request has errors. For help, see the documentation for this API.",
                [("reason", reason)],
            )
        ],
    )


def fault_error(status: int, retry_after: float | None = None) -> EbayError:
    if status == 429:
        return too_many_requests(retry_after)
    if status == 502:
        return bad_gateway()
    return internal_error(status)
