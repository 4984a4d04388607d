"""eBay's OpenAPI contracts (``contracts/``): request-body validation with jsonschema
and the error catalogue (each operation's ``x-response-codes``).

Everything is loaded once per process and shared read-only by every sandbox instance.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import jsonschema

CONTRACTS_DIR = Path(__file__).resolve().parent / "contracts"

# API name (as eBay names it in its call-limit reports) -> contract file.
CONTRACT_FILES: dict[str, str] = {
    "sell.inventory": "sell_inventory_v1_oas3.json",
    "sell.fulfillment": "sell_fulfillment_v1_oas3.json",
    "sell.account": "sell_account_v1_oas3.json",
    "commerce.taxonomy": "commerce_taxonomy_v1_oas3.json",
    "sell.metadata": "sell_metadata_v1_oas3.json",
    "commerce.notification": "commerce_notification_v1_oas3.json",
    "commerce.message": "commerce_message_v1_oas3.json",
    "commerce.identity": "commerce_identity_v1_oas3.json",
}

# eBay's Inventory API documentation and examples send ``aspects`` as an object of
# string arrays ({"Brand": ["Bosch"]}); the contract types it ``string``. The file
# stays unchanged (contracts/ORIGIN.md); these two fields are retyped at load time.
_ASPECTS_SCHEMA = {"type": "object", "additionalProperties": {"type": "array", "items": {}}}
_ASPECT_OVERLAYS = (("sell.inventory", "Product"), ("sell.inventory", "InventoryItemGroup"))

# Enumerations eBay deserialises strictly: a value outside them is refused with
# errorId 2004 "Could not serialize field [condition]" (observed live, see
# errors.py). ConditionEnum:
# https://developer.ebay.com/api-docs/sell/inventory/types/slr:ConditionEnum
CONDITION_ENUM = (
    "NEW",
    "LIKE_NEW",
    "NEW_OTHER",
    "NEW_WITH_DEFECTS",
    "MANUFACTURER_REFURBISHED",
    "CERTIFIED_REFURBISHED",
    "EXCELLENT_REFURBISHED",
    "VERY_GOOD_REFURBISHED",
    "GOOD_REFURBISHED",
    "SELLER_REFURBISHED",
    "USED_EXCELLENT",
    "USED_VERY_GOOD",
    "USED_GOOD",
    "USED_ACCEPTABLE",
    "FOR_PARTS_OR_NOT_WORKING",
    "PRE_OWNED_EXCELLENT",
    "PRE_OWNED_FAIR",
)
# FormatTypeEnum: https://developer.ebay.com/api-docs/sell/inventory/types/slr:FormatTypeEnum
FORMAT_ENUM = ("AUCTION", "FIXED_PRICE")
_ENUM_OVERLAYS = (
    ("sell.inventory", "InventoryItem", "condition", CONDITION_ENUM),
    ("sell.inventory", "InventoryItemWithSkuLocale", "condition", CONDITION_ENUM),
    ("sell.inventory", "EbayOfferDetailsWithKeys", "format", FORMAT_ENUM),
)

_TAG_RE = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class CatalogEntry:
    """One documented error of one operation."""

    error_id: int
    status: int
    domain: str
    category: str
    description: str


@dataclass(frozen=True)
class Operation:
    api: str
    operation_id: str
    method: str
    path: str  # full path, e.g. /sell/inventory/v1/inventory_item/{sku}
    body_schema: str | None  # components/schemas name of the JSON request body
    errors: dict  # errorId -> CatalogEntry
    required_headers: tuple = ()  # lower-case names the contract marks required


class Contract:
    def __init__(self, api: str, document: dict):
        self.api = api
        self.document = document
        self.base_path = document["servers"][0]["variables"]["basePath"]["default"]
        self.components = copy.deepcopy(document.get("components", {}))
        self._apply_overlays()
        self.operations: dict[str, Operation] = {}
        for path, methods in document["paths"].items():
            for method, op in methods.items():
                if not isinstance(op, dict) or "operationId" not in op:
                    continue
                self.operations[op["operationId"]] = Operation(
                    api=api,
                    operation_id=op["operationId"],
                    method=method.upper(),
                    path=self.base_path + path,
                    body_schema=_body_schema(op),
                    errors=_catalog(op),
                    required_headers=tuple(
                        p["name"].lower()
                        for p in op.get("parameters", [])
                        if p.get("in") == "header" and p.get("required")
                    ),
                )

    def _apply_overlays(self) -> None:
        schemas = self.components.get("schemas", {})
        for api, name in _ASPECT_OVERLAYS:
            if api == self.api and name in schemas:
                schemas[name]["properties"]["aspects"] = dict(_ASPECTS_SCHEMA)
        for api, name, field, values in _ENUM_OVERLAYS:
            if api == self.api and name in schemas:
                schemas[name]["properties"][field] = {"type": "string", "enum": list(values)}

    @functools.cache  # noqa: B019 - contracts live for the process
    def validator(self, schema_name: str) -> jsonschema.Draft7Validator:
        root = {"$ref": f"#/components/schemas/{schema_name}", "components": self.components}
        return jsonschema.Draft7Validator(root)


def _body_schema(op: dict) -> str | None:
    content = op.get("requestBody", {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def _catalog(op: dict) -> dict:
    out = {}
    for status, response in op.get("responses", {}).items():
        codes = (response.get("x-response-codes") or {}).get("errors") or {}
        for error_id, entry in codes.items():
            if not status.isdigit() or int(status) < 400:
                continue  # 2xx entries are warnings
            out.setdefault(
                int(error_id),
                CatalogEntry(
                    error_id=int(error_id),
                    status=int(status),
                    domain=entry["domain"],
                    category=entry["category"],
                    description=entry["description"],
                ),
            )
    return out


@functools.cache
def contract(api: str) -> Contract:
    with (CONTRACTS_DIR / CONTRACT_FILES[api]).open(encoding="utf-8") as fh:
        return Contract(api, json.load(fh))


def operation(operation_id: str, api: str) -> Operation:
    return contract(api).operations[operation_id]


def catalog_entry(api: str, operation_id: str, error_id: int) -> CatalogEntry:
    """The documented error ``error_id`` of an operation (KeyError when eBay does not
    document it for that operation: the sandbox never answers an undocumented one)."""
    return contract(api).operations[operation_id].errors[error_id]


def describe(description: str, **values) -> str:
    """Fill ``{placeholders}`` of a catalogue description and drop its HTML."""
    text = _TAG_RE.sub("", description)

    def fill(match: re.Match) -> str:
        key = match.group(1)
        return str(values.get(key, values.get("additionalInfo", "")))

    text = re.sub(r"\{(\w+)\}", fill, text)
    return re.sub(r"\s+", " ", text).strip()


def field_path(path) -> str:
    """jsonschema's absolute_path -> eBay's field notation (``requests[0].sku``)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def first_violation(api: str, schema_name: str, body) -> str | None:
    """The field path of the first contract violation of ``body``, or None.

    eBay stops at the first field it cannot deserialise; the sandbox reports the
    violation with the shortest path first (then in document order)."""
    errors = list(contract(api).validator(schema_name).iter_errors(body))
    if not errors:
        return None
    errors.sort(key=lambda e: (len(e.absolute_path), [str(p) for p in e.absolute_path]))
    return field_path(errors[0].absolute_path) or "body"


def validate_response(api: str, schema_name: str, body) -> list[str]:
    """Contract violations of a response body (used by the tests)."""
    return [
        f"{field_path(e.absolute_path)}: {e.message}"
        for e in contract(api).validator(schema_name).iter_errors(body)
    ]
