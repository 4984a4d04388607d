"""Resolvers for the client schema: a dispatch on (parent type, field name).

The client schema built from introspection carries no resolvers. ``resolve_field``
is passed to graphql-core as the default field resolver: it looks up
``RESOLVERS[(parent_type, field)]`` and otherwise reads the key of the same name
from the parent dict. A non-null field with nothing behind it gets a neutral value
of its type (``""``, ``0``, ``false``, ``[]``, an empty object) so that selecting a
field the sandbox does not model never breaks a response.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
)

from . import search
from .store import CENT, dec, gid_number, money, parse_gid, parse_iso

RESOLVERS: dict[tuple[str, str], Callable] = {}
MAX_PAGE = 250
MAX_INPUT_ARRAY = 250
INPUT_ARRAY_LIMITS = {("productSet", "input", "variants"): 2048}


def field(type_name: str, *names: str):
    def deco(fn):
        for name in names:
            RESOLVERS[(type_name, name)] = fn
        return fn

    return deco


class Context:
    """Per-execution context: the app plus the bulk flag (no page limits)."""

    def __init__(self, app, bulk: bool = False):
        self.app = app
        self.store = app.store
        self.bulk = bulk


# --------------------------------------------------------------------- defaults
_SCALAR_DEFAULTS = {
    "String": "",
    "ID": "",
    "URL": "",
    "HTML": "",
    "FormattedString": "",
    "Int": 0,
    "UnsignedInt64": "0",
    "Float": 0.0,
    "Boolean": False,
    "DateTime": "1970-01-01T00:00:00Z",
    "Date": "1970-01-01",
    "Money": "0.00",
    "Decimal": "0.0",
    "JSON": {},
}


def default_for(type_, schema):
    if isinstance(type_, GraphQLNonNull):
        return default_for(type_.of_type, schema)
    if isinstance(type_, GraphQLList):
        return []
    if isinstance(type_, GraphQLScalarType):
        return _SCALAR_DEFAULTS.get(type_.name, "")
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values.values())).value
    if isinstance(type_, GraphQLObjectType):
        return {"__typename": type_.name}
    if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
        possible = schema.get_possible_types(type_)
        return {"__typename": possible[0].name} if possible else None
    return None


def check_input_sizes(field_name: str, args: dict) -> None:
    """Shopify rejects any input array over 250 items before running the field."""

    def walk(value, path):
        if isinstance(value, list):
            limit = INPUT_ARRAY_LIMITS.get(
                tuple(p for p in path if not isinstance(p, int)), MAX_INPUT_ARRAY
            )
            if len(value) > limit:
                raise GraphQLError(
                    f"The input array size of {len(value)} is greater than the maximum "
                    f"allowed of {limit}.",
                    extensions={"code": "MAX_INPUT_SIZE_EXCEEDED", "argumentPath": path[1:]},
                )
            for index, item in enumerate(value):
                walk(item, [*path, index])
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, [*path, key])

    for name, value in args.items():
        walk(value, [field_name, name])


_ROOT_TYPES = ("QueryRoot", "Mutation")


def resolve_field(obj, info, **args):
    if args and info.parent_type.name in _ROOT_TYPES:
        check_input_sizes(info.field_name, args)
    fn = RESOLVERS.get((info.parent_type.name, info.field_name))
    if fn is not None:
        value = fn(obj, info, **args)
    elif isinstance(obj, dict):
        value = obj.get(info.field_name)
    else:
        value = getattr(obj, info.field_name, None)
    if value is None and isinstance(info.return_type, GraphQLNonNull):
        value = default_for(info.return_type, info.schema)
    return value


def resolve_type(value, info, abstract_type):
    if isinstance(value, dict) and value.get("__typename"):
        return value["__typename"]
    return None


# ------------------------------------------------------------------ utilities
def user_error(field_path, message, code=None) -> dict:
    err = {"field": [str(p) for p in field_path] if field_path else None, "message": message}
    if code is not None:
        err["code"] = code
    return err


def decimal_string(amount) -> str:
    """Shopify ``Decimal``: shortest form with at least one decimal, e.g. ``"10.0"``."""
    text = format(dec(amount).normalize(), "f")
    return text if "." in text else text + ".0"


def bag(amount, currency) -> dict:
    money_v2 = {"amount": decimal_string(amount), "currencyCode": currency}
    return {"shopMoney": money_v2, "presentmentMoney": dict(money_v2)}


def money_v2(amount, currency) -> dict:
    return bag(amount, currency)["shopMoney"]


def order_bag(order, amount, info) -> dict:
    """A money bag of ``order``: shop money, and the amount in the currency its
    customer paid in (``presentmentMoney``, at the order's rate)."""
    result = bag(amount, _cur(info))
    currency = (order or {}).get("presentmentCurrencyCode")
    if currency and currency != result["shopMoney"]["currencyCode"]:
        presentment = (dec(amount) * order["presentment_rate"]).quantize(CENT)
        result["presentmentMoney"] = {
            "amount": decimal_string(presentment),
            "currencyCode": currency,
        }
    return result


def order_of(record, info):
    """The order a line item or a shipping line belongs to."""
    store = _store(info)
    order = store.orders.get(record.get("order_id"))
    if order is None:
        order = next(
            (
                o
                for o in store.orders.values()
                if any(x is record for x in o["line_items"] + o["shipping_lines"])
            ),
            None,
        )
    return order


def _encode_cursor(record_id: str, key) -> str:
    raw = json.dumps({"id": record_id, "k": key}, default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> dict:
    try:
        pad = "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(cursor + pad))
    except Exception as exc:
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}") from exc


def connection(info, items: list, args: dict, key: Callable | None = None) -> dict:
    """Relay connection over ``items`` (already filtered), Shopify style."""
    key = key or (lambda r: gid_number(r["id"]) if isinstance(r, dict) and "id" in r else 0)
    first, last = args.get("first"), args.get("last")
    bulk = getattr(info.context, "bulk", False)
    if first is None and last is None and not bulk:
        raise GraphQLError(
            "you must provide one of first or last", extensions={"code": "BAD_REQUEST"}
        )
    ordered = sorted(
        items, key=lambda r: (key(r), gid_number(r.get("id", "")) if isinstance(r, dict) else 0)
    )
    if args.get("reverse"):
        ordered.reverse()
    ids = [r.get("id") if isinstance(r, dict) else None for r in ordered]
    start, end = 0, len(ordered)
    if args.get("after"):
        cur = _decode_cursor(args["after"])
        start = ids.index(cur["id"]) + 1 if cur.get("id") in ids else end
    if args.get("before"):
        cur = _decode_cursor(args["before"])
        end = ids.index(cur["id"]) if cur.get("id") in ids else end
    window = ordered[start:end]
    has_next = has_prev = False
    if not bulk:
        if first is not None:
            first = max(0, min(int(first), MAX_PAGE))
            has_next = len(window) > first or end < len(ordered)
            window = window[:first]
            has_prev = start > 0
        if last is not None:
            last = max(0, min(int(last), MAX_PAGE))
            has_prev = len(window) > last or start > 0
            window = window[-last:] if last else []
            has_next = has_next or end < len(ordered)
    edges = [{"cursor": _encode_cursor(r.get("id"), key(r)), "node": r} for r in window]
    return {
        "edges": edges,
        "nodes": window,
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_prev,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _ctx(info):
    return info.context


def _store(info):
    return info.context.store


def _cur(info):
    return info.context.store.currency


def _dt(value):
    return parse_iso(value) if value else None


def _num_id(value) -> int:
    return gid_number(value) if value else 0


# ------------------------------------------------------------------------ shop
def shop_view(store) -> dict:
    return {
        "__typename": "Shop",
        "id": store.shop_id,
        "name": store.shop_name,
        "myshopifyDomain": store.domain,
        "email": f"owner@{store.domain}",
        "contactEmail": f"owner@{store.domain}",
        "currencyCode": store.currency,
        "enabledPresentmentCurrencies": [store.currency],
        "ianaTimezone": "Europe/London",
        "timezoneAbbreviation": "GMT",
        "timezoneOffset": "+0000",
        "weightUnit": "KILOGRAMS",
        "unitSystem": "METRIC_SYSTEM",
        "taxesIncluded": False,
        "taxShipping": False,
        "url": f"https://{store.domain}",
        "primaryDomain": {
            "__typename": "Domain",
            "id": "gid://shopify/Domain/1",
            "host": store.domain,
            "url": f"https://{store.domain}",
            "sslEnabled": True,
        },
    }


@field("QueryRoot", "shop")
def q_shop(obj, info):
    return shop_view(_store(info))


@field("Shop", "plan")
def shop_plan(obj, info):
    plan = info.context.app.config.plan
    names = {"standard": "Shopify", "advanced": "Advanced", "plus": "Shopify Plus"}
    return {
        "displayName": names.get(plan, plan),
        "publicDisplayName": names.get(plan, plan),
        "partnerDevelopment": False,
        "shopifyPlus": plan == "plus",
    }


# ------------------------------------------------------------------ locations
def _location_getter(loc):
    def get(name):
        if name in ("name", "default"):
            return [loc["name"]]
        if name == "id":
            return [_num_id(loc["id"])]
        if name == "active":
            return [loc["isActive"]]
        return None

    return get


@field("QueryRoot", "locations")
@field("Shop", "locations")
def q_locations(obj, info, **args):
    locs = list(_store(info).locations.values())
    if not args.get("includeInactive"):
        locs = [loc for loc in locs if loc["isActive"]]
    locs = search.filter_records(locs, args.get("query"), _location_getter)
    return connection(info, locs, args)


@field("QueryRoot", "location")
def q_location(obj, info, id=None):
    store = _store(info)
    if id is None:
        return store.primary_location() if store.locations else None
    return store.locations.get(id)


@field("Location", "address")
def location_address(loc, info):
    addr = dict(loc.get("address") or {})
    addr["formatted"] = [
        p
        for p in (
            addr.get("address1"),
            addr.get("address2"),
            " ".join(x for x in (addr.get("city"), addr.get("zip")) if x),
            addr.get("country"),
        )
        if p
    ]
    return addr


@field("Location", "inventoryLevels")
def location_levels(loc, info, **args):
    store = _store(info)
    levels = [level_view(i, loc["id"]) for (i, l_id) in store.levels if l_id == loc["id"]]
    return connection(info, levels, args, key=lambda r: _num_id(r["_item"]))


@field("Location", "inventoryLevel")
def location_level(loc, info, inventoryItemId, **_):
    store = _store(info)
    if (inventoryItemId, loc["id"]) in store.levels:
        return level_view(inventoryItemId, loc["id"])
    return None


# ------------------------------------------------------------------- products
def _product_getter(store):
    def for_record(product):
        def get(name):
            variants = [store.variants[v] for v in product["variant_ids"]]
            if name == "default":
                return [
                    product["title"],
                    product["vendor"],
                    product["productType"],
                    *product["tags"],
                ]
            if name == "title":
                return [product["title"]]
            if name == "sku":
                return [store.variant_sku(v) for v in variants]
            if name == "barcode":
                return [v["barcode"] for v in variants]
            if name in ("updated_at", "created_at", "published_at"):
                key = {"updated_at": "updatedAt", "created_at": "createdAt"}.get(
                    name, "publishedAt"
                )
                return [_dt(product[key])]
            if name == "status":
                return [product["status"]]
            if name == "vendor":
                return [product["vendor"]]
            if name == "product_type":
                return [product["productType"]]
            if name in ("tag", "tags"):
                return product["tags"]
            if name == "tag_not":
                return None
            if name == "handle":
                return [product["handle"]]
            if name == "id":
                return [_num_id(product["id"])]
            return None

        return get

    return for_record


PRODUCT_SORT = {
    "ID": lambda p: _num_id(p["id"]),
    "TITLE": lambda p: p["title"].lower(),
    "UPDATED_AT": lambda p: p["updatedAt"],
    "CREATED_AT": lambda p: p["createdAt"],
    "PUBLISHED_AT": lambda p: p["publishedAt"] or "",
    "VENDOR": lambda p: p["vendor"].lower(),
    "PRODUCT_TYPE": lambda p: p["productType"].lower(),
    "RELEVANCE": lambda p: _num_id(p["id"]),
}


@field("QueryRoot", "products")
@field("Shop", "products")
def q_products(obj, info, **args):
    store = _store(info)
    products = search.filter_records(
        store.products.values(), args.get("query"), _product_getter(store)
    )
    sort = PRODUCT_SORT.get(args.get("sortKey") or "ID", PRODUCT_SORT["ID"])
    return connection(info, products, args, key=sort)


@field("QueryRoot", "product")
def q_product(obj, info, id):
    return _store(info).products.get(id)


@field("QueryRoot", "productByIdentifier")
def q_product_by_identifier(obj, info, identifier):
    store = _store(info)
    if identifier.get("id"):
        return store.products.get(identifier["id"])
    if identifier.get("handle"):
        return next(
            (p for p in store.products.values() if p["handle"] == identifier["handle"]), None
        )
    return None


@field("Product", "bodyHtml")
def product_body(product, info):
    return product["descriptionHtml"]


@field("Product", "description")
def product_description(product, info, truncateAt=None):
    text = html.unescape(re.sub(r"<[^>]+>", "", product["descriptionHtml"] or "")).strip()
    return text[:truncateAt] if truncateAt else text


@field("Product", "variants")
def product_variants(product, info, **args):
    store = _store(info)
    variants = [store.variants[v] for v in product["variant_ids"]]
    sort = args.get("sortKey") or "POSITION"
    key = {
        "POSITION": lambda v: v["position"],
        "SKU": lambda v: store.variant_sku(v) or "",
        "ID": lambda v: _num_id(v["id"]),
        "TITLE": lambda v: store.variant_title(v),
    }.get(sort, lambda v: v["position"])
    return connection(info, variants, args, key=key)


@field("Product", "variantsCount")
def product_variants_count(product, info, **_):
    return {"count": len(product["variant_ids"]), "precision": "EXACT"}


@field("Product", "totalVariants")
def product_total_variants(product, info):
    return len(product["variant_ids"])


@field("Product", "totalInventory")
def product_total_inventory(product, info):
    store = _store(info)
    return sum(store.total_available(store.variants[v]) for v in product["variant_ids"])


@field("Product", "hasOnlyDefaultVariant")
def product_only_default(product, info):
    store = _store(info)
    return len(product["variant_ids"]) == 1 and (
        store.variant_title(store.variants[product["variant_ids"][0]]) == "Default Title"
    )


@field("Product", "tracksInventory")
def product_tracks(product, info):
    store = _store(info)
    return any(
        store.items[store.variants[v]["inventory_item_id"]]["tracked"]
        for v in product["variant_ids"]
    )


@field("Product", "hasOutOfStockVariants")
def product_oos(product, info):
    store = _store(info)
    return any(store.total_available(store.variants[v]) <= 0 for v in product["variant_ids"])


@field("Product", "options")
def product_options(product, info, first=None):
    opts = product["options"]
    return opts[:first] if first else opts


@field("Product", "priceRangeV2", "priceRange")
def product_price_range(product, info):
    store = _store(info)
    prices = [dec(store.variants[v]["price"]) for v in product["variant_ids"]] or [Decimal(0)]
    lo, hi = min(prices), max(prices)
    if info.field_name == "priceRange":
        return {
            "minVariantPrice": {"amount": str(lo), "currencyCode": _cur(info)},
            "maxVariantPrice": {"amount": str(hi), "currencyCode": _cur(info)},
        }
    return {
        "minVariantPrice": money_v2(lo, _cur(info)),
        "maxVariantPrice": money_v2(hi, _cur(info)),
    }


@field("Product", "collections")
def product_collections(product, info, **args):
    store = _store(info)
    cols = [c for c in store.collections.values() if product["id"] in c["product_ids"]]
    return connection(info, cols, args)


@field("Product", "inCollection")
def product_in_collection(product, info, id):
    col = _store(info).collections.get(id)
    return bool(col and product["id"] in col["product_ids"])


@field("Product", "onlineStoreUrl")
def product_url(product, info):
    if product["status"] != "ACTIVE":
        return None
    return f"https://{_store(info).domain}/products/{product['handle']}"


@field("ProductOption", "values")
def option_values(option, info):
    return [v["name"] for v in option["optionValues"]]


@field("ProductOption", "optionValues")
def option_value_list(option, info):
    store = _store(info)
    result = []
    for value in option["optionValues"]:
        used = any(
            any(
                s["name"] == option["name"] and s["value"] == value["name"]
                for s in v["selectedOptions"]
            )
            for v in store.variants.values()
        )
        result.append(dict(value, hasVariants=used))
    return result


# ------------------------------------------------------------------- variants
def _variant_getter(store):
    def for_record(variant):
        def get(name):
            product = store.products.get(variant["product_id"]) or {}
            if name == "sku":
                return [store.variant_sku(variant)]
            if name == "barcode":
                return [variant["barcode"]]
            if name == "default":
                return [store.variant_sku(variant), variant["barcode"], product.get("title")]
            if name == "product_id":
                return [_num_id(variant["product_id"])]
            if name == "id":
                return [_num_id(variant["id"])]
            if name in ("updated_at", "created_at"):
                return [_dt(variant["updatedAt" if name == "updated_at" else "createdAt"])]
            if name == "title":
                return [store.variant_title(variant)]
            if name == "product_status":
                return [product.get("status")]
            return None

        return get

    return for_record


@field("QueryRoot", "productVariants")
@field("Shop", "productVariants")
def q_product_variants(obj, info, **args):
    store = _store(info)
    variants = search.filter_records(
        store.variants.values(), args.get("query"), _variant_getter(store)
    )
    key = {
        "SKU": lambda v: store.variant_sku(v) or "",
        "TITLE": lambda v: store.variant_title(v),
        "POSITION": lambda v: v["position"],
    }.get(args.get("sortKey") or "ID", lambda v: _num_id(v["id"]))
    return connection(info, variants, args, key=key)


@field("QueryRoot", "productVariant")
def q_product_variant(obj, info, id):
    return _store(info).variants.get(id)


@field("QueryRoot", "productVariantByIdentifier")
def q_variant_by_identifier(obj, info, identifier):
    return _store(info).variants.get(identifier.get("id"))


@field("ProductVariant", "sku")
def variant_sku(variant, info):
    return _store(info).variant_sku(variant)


@field("ProductVariant", "product")
def variant_product(variant, info):
    return _store(info).products.get(variant["product_id"])


@field("ProductVariant", "inventoryItem")
def variant_item(variant, info):
    return _store(info).items.get(variant["inventory_item_id"])


@field("ProductVariant", "inventoryQuantity", "sellableOnlineQuantity")
def variant_quantity(variant, info):
    return _store(info).total_available(variant)


@field("ProductVariant", "availableForSale")
def variant_for_sale(variant, info):
    store = _store(info)
    product = store.products.get(variant["product_id"]) or {}
    return product.get("status") == "ACTIVE" and (
        variant["inventoryPolicy"] == "CONTINUE" or store.total_available(variant) > 0
    )


@field("ProductVariant", "title")
def variant_title(variant, info):
    return _store(info).variant_title(variant)


@field("ProductVariant", "displayName")
def variant_display_name(variant, info):
    store = _store(info)
    product = store.products.get(variant["product_id"]) or {}
    return f"{product.get('title', '')} - {store.variant_title(variant)}"


@field("ProductVariant", "selectedOptions")
def variant_selected(variant, info):
    store = _store(info)
    product = store.products.get(variant["product_id"]) or {"options": []}
    result = []
    for sel in variant["selectedOptions"]:
        opt = next((o for o in product["options"] if o["name"] == sel["name"]), None)
        value = None
        if opt:
            value = next((v for v in opt["optionValues"] if v["name"] == sel["value"]), None)
        result.append(
            {
                "name": sel["name"],
                "value": sel["value"],
                "optionValue": dict(
                    value or {"__typename": "ProductOptionValue", "name": sel["value"]},
                    hasVariants=True,
                ),
            }
        )
    return result


# -------------------------------------------------------------------- metafields
@field("Product", "metafields")
@field("ProductVariant", "metafields")
@field("Collection", "metafields")
@field("Order", "metafields")
@field("Customer", "metafields")
def owner_metafields(owner, info, **args):
    mfs = owner.get("metafields") or []
    if args.get("namespace"):
        mfs = [m for m in mfs if m["namespace"] == args["namespace"]]
    if args.get("keys"):
        wanted = set(args["keys"])
        mfs = [m for m in mfs if f"{m['namespace']}.{m['key']}" in wanted]
    return connection(info, mfs, args)


@field("Product", "metafield")
@field("ProductVariant", "metafield")
@field("Collection", "metafield")
@field("Order", "metafield")
@field("Customer", "metafield")
def owner_metafield(owner, info, key, namespace=None):
    if namespace is None and "." in key:
        namespace, key = key.split(".", 1)
    for mf in owner.get("metafields") or []:
        if mf["key"] == key and (namespace is None or mf["namespace"] == namespace):
            return mf
    return None


@field("Metafield", "jsonValue")
def metafield_json(mf, info):
    try:
        return json.loads(mf["value"])
    except (TypeError, ValueError):
        return mf["value"]


@field("Metafield", "owner")
def metafield_owner(mf, info):
    return node_by_id(_store(info), mf.get("owner_id"))


@field("Metafield", "compareDigest")
def metafield_digest(mf, info):
    import hashlib

    return hashlib.sha256(f"{mf['id']}:{mf['value']}".encode()).hexdigest()


@field("Metafield", "definition")
def metafield_definition(mf, info):
    for d in _store(info).metafield_definitions.values():
        if (
            d["namespace"] == mf["namespace"]
            and d["key"] == mf["key"]
            and d["ownerType"] == mf["ownerType"]
        ):
            return d
    return None


@field("QueryRoot", "metafieldDefinitions")
def q_metafield_definitions(obj, info, ownerType, **args):
    defs = [d for d in _store(info).metafield_definitions.values() if d["ownerType"] == ownerType]
    if args.get("namespace"):
        defs = [d for d in defs if d["namespace"] == args["namespace"]]
    if args.get("key"):
        defs = [d for d in defs if d["key"] == args["key"]]
    return connection(info, defs, args)


@field("MetafieldDefinition", "type")
def mf_def_type(d, info):
    return {
        "name": d["type"],
        "category": "TEXT",
        "supportedValidations": [],
        "supportsDefinitionMigrations": False,
        "valueType": "STRING",
    }


@field("MetafieldDefinition", "metafieldsCount")
def mf_def_count(d, info, **_):
    store = _store(info)
    owners = list(store.products.values()) + list(store.variants.values())
    return sum(
        1
        for o in owners
        for m in o.get("metafields") or []
        if m["namespace"] == d["namespace"]
        and m["key"] == d["key"]
        and m["ownerType"] == d["ownerType"]
    )


# ------------------------------------------------------------------ inventory
def level_view(item_id: str, loc_id: str) -> dict:
    return {
        "__typename": "InventoryLevel",
        "id": f"gid://shopify/InventoryLevel/{_num_id(loc_id)}?inventory_item_id={_num_id(item_id)}",
        "_item": item_id,
        "_loc": loc_id,
    }


@field("QueryRoot", "inventoryItem")
def q_inventory_item(obj, info, id):
    return _store(info).items.get(id)


@field("QueryRoot", "inventoryItems")
@field("Shop", "inventoryItems")
def q_inventory_items(obj, info, **args):
    store = _store(info)

    def getter(item):
        def get(name):
            if name == "sku":
                return [item["sku"]]
            if name == "id":
                return [_num_id(item["id"])]
            if name in ("updated_at", "created_at"):
                return [_dt(item["updatedAt" if name == "updated_at" else "createdAt"])]
            if name == "default":
                return [item["sku"]]
            return None

        return get

    items = search.filter_records(store.items.values(), args.get("query"), getter)
    return connection(info, items, args)


@field("QueryRoot", "inventoryLevel")
def q_inventory_level(obj, info, id):
    return _level_from_gid(_store(info), id)


def _level_from_gid(store, value):
    parsed = parse_gid(value)
    if not parsed or parsed[0] != "InventoryLevel":
        return None
    query = parse_qs(urlsplit(value).query)
    item_num = (query.get("inventory_item_id") or [None])[0]
    if not item_num:
        return None
    item_id = f"gid://shopify/InventoryItem/{item_num}"
    loc_id = f"gid://shopify/Location/{parsed[1]}"
    if (item_id, loc_id) not in store.levels:
        return None
    return level_view(item_id, loc_id)


@field("InventoryItem", "variant")
def item_variant(item, info):
    return _store(info).variants.get(item["variant_id"])


@field("InventoryItem", "measurement")
def item_measurement(item, info):
    return {
        "__typename": "InventoryItemMeasurement",
        "id": f"gid://shopify/InventoryItemMeasurement/{_num_id(item['id'])}",
        "weight": dict(item["weight"]),
    }


@field("InventoryItem", "unitCost")
def item_cost(item, info):
    if item.get("unit_cost") in (None, ""):
        return None
    return money_v2(item["unit_cost"], _cur(info))


@field("InventoryItem", "inventoryLevels")
def item_levels(item, info, **args):
    store = _store(info)
    levels = [level_view(item["id"], loc) for (i, loc) in store.levels if i == item["id"]]
    return connection(info, levels, args, key=lambda r: _num_id(r["_loc"]))


@field("InventoryItem", "inventoryLevel")
def item_level(item, info, locationId, **_):
    if (item["id"], locationId) in _store(info).levels:
        return level_view(item["id"], locationId)
    return None


@field("InventoryItem", "locationsCount")
def item_locations_count(item, info):
    return {
        "count": sum(1 for (i, _l) in _store(info).levels if i == item["id"]),
        "precision": "EXACT",
    }


@field("InventoryLevel", "item")
def level_item(level, info):
    return _store(info).items.get(level["_item"])


@field("InventoryLevel", "location")
def level_location(level, info):
    return _store(info).locations.get(level["_loc"])


@field("InventoryLevel", "quantities")
def level_quantities(level, info, names):
    store = _store(info)
    lvl = store.levels.get((level["_item"], level["_loc"])) or {}
    return [
        {
            "__typename": "InventoryQuantity",
            "id": f"gid://shopify/InventoryQuantity/{_num_id(level['_loc'])}?inventory_item_id="
            f"{_num_id(level['_item'])}&name={name}",
            "name": name,
            "quantity": int(lvl.get(name, 0)),
            "updatedAt": lvl.get("updatedAt"),
        }
        for name in names
    ]


@field("InventoryLevel", "isActive", "canDeactivate")
def level_active(level, info):
    return True


@field("InventoryLevel", "updatedAt", "createdAt")
def level_updated(level, info):
    lvl = _store(info).levels.get((level["_item"], level["_loc"])) or {}
    return lvl.get(info.field_name)


@field("InventoryAdjustmentGroup", "changes")
def adjustment_changes(group, info, inventoryItemIds=None, locationIds=None, quantityNames=None):
    changes = group["changes"]
    if inventoryItemIds:
        changes = [c for c in changes if c["_item"] in inventoryItemIds]
    if locationIds:
        changes = [c for c in changes if c["_loc"] in locationIds]
    if quantityNames:
        changes = [c for c in changes if c["name"] in quantityNames]
    return changes


@field("InventoryChange", "item")
def change_item(change, info):
    return _store(info).items.get(change["_item"])


@field("InventoryChange", "location")
def change_location(change, info):
    return _store(info).locations.get(change["_loc"])


# ----------------------------------------------------------------- collections
@field("QueryRoot", "collections")
@field("Shop", "collections")
def q_collections(obj, info, **args):
    def getter(col):
        def get(name):
            if name in ("title", "default"):
                return [col["title"]]
            if name == "handle":
                return [col["handle"]]
            if name == "id":
                return [_num_id(col["id"])]
            if name == "updated_at":
                return [_dt(col["updatedAt"])]
            if name == "collection_type":
                return ["custom"]
            return None

        return get

    cols = search.filter_records(_store(info).collections.values(), args.get("query"), getter)
    key = {"TITLE": lambda c: c["title"].lower(), "UPDATED_AT": lambda c: c["updatedAt"]}.get(
        args.get("sortKey") or "ID", lambda c: _num_id(c["id"])
    )
    return connection(info, cols, args, key=key)


@field("QueryRoot", "collection")
def q_collection(obj, info, id):
    return _store(info).collections.get(id)


@field("Collection", "products")
def collection_products(col, info, **args):
    store = _store(info)
    products = [store.products[p] for p in col["product_ids"] if p in store.products]
    return connection(info, products, args, key=lambda p: col["product_ids"].index(p["id"]))


@field("Collection", "productsCount")
def collection_count(col, info):
    return {"count": len(col["product_ids"]), "precision": "EXACT"}


@field("Collection", "hasProduct")
def collection_has(col, info, id):
    return id in col["product_ids"]


@field("Collection", "description")
def collection_description(col, info, truncateAt=None):
    text = html.unescape(re.sub(r"<[^>]+>", "", col.get("descriptionHtml") or "")).strip()
    return text[:truncateAt] if truncateAt else text


# ---------------------------------------------------------------------- orders
def _order_getter(store):
    def for_record(order):
        def get(name):
            if name in ("updated_at", "created_at", "processed_at"):
                key = {"updated_at": "updatedAt", "created_at": "createdAt"}.get(
                    name, "processedAt"
                )
                return [_dt(order[key])]
            if name == "email":
                return [order["email"]]
            if name == "name":
                return [order["name"], order["name"].lstrip("#")]
            if name == "default":
                return [order["name"], order["email"]]
            if name == "id":
                return [_num_id(order["id"])]
            if name == "financial_status":
                return [order["displayFinancialStatus"].lower()]
            if name == "fulfillment_status":
                status = store.fulfillment_status(order)
                return [
                    {
                        "UNFULFILLED": "unshipped",
                        "PARTIALLY_FULFILLED": "partial",
                        "FULFILLED": "shipped",
                    }[status],
                    status.lower(),
                ]
            if name == "status":
                if order["cancelledAt"]:
                    return ["cancelled", "closed"]
                return ["closed"] if order["closedAt"] else ["open"]
            if name == "sku":
                return [li["sku"] for li in order["line_items"]]
            if name in ("tag", "tags"):
                return order["tags"]
            if name == "test":
                return [order["test"]]
            if name == "customer_id":
                return [_num_id(order["customer_id"])]
            return None

        return get

    return for_record


ORDER_SORT = {
    "ID": lambda o: _num_id(o["id"]),
    "UPDATED_AT": lambda o: o["updatedAt"],
    "CREATED_AT": lambda o: o["createdAt"],
    "PROCESSED_AT": lambda o: o["processedAt"],
    "ORDER_NUMBER": lambda o: o["order_number"],
}


@field("QueryRoot", "orders")
@field("Shop", "orders")
def q_orders(obj, info, **args):
    store = _store(info)
    orders = search.filter_records(store.orders.values(), args.get("query"), _order_getter(store))
    key = ORDER_SORT.get(args.get("sortKey") or "ID", ORDER_SORT["ID"])
    return connection(info, orders, args, key=key)


@field("Customer", "orders")
def customer_orders(customer, info, **args):
    store = _store(info)
    orders = [o for o in store.orders.values() if o["customer_id"] == customer["id"]]
    orders = search.filter_records(orders, args.get("query"), _order_getter(store))
    key = ORDER_SORT.get(args.get("sortKey") or "ID", ORDER_SORT["ID"])
    return connection(info, orders, args, key=key)


@field("QueryRoot", "order")
def q_order(obj, info, id):
    return _store(info).orders.get(id)


def _totals(order, info, current=False):
    return _store(info).order_totals(order, current=current)


_ORDER_MONEY = {
    "totalPriceSet": "total",
    "originalTotalPriceSet": "total",
    "subtotalPriceSet": "subtotal",
    "totalTaxSet": "tax",
    "totalDiscountsSet": "discounts",
    "cartDiscountAmountSet": "discounts",
    "totalShippingPriceSet": "shipping",
    "totalReceivedSet": "total",
}
# After edits and refunds (LineItem.currentQuantity, refunded shipping).
_ORDER_CURRENT_MONEY = {
    "currentTotalPriceSet": "total",
    "currentSubtotalPriceSet": "subtotal",
    "currentTotalTaxSet": "tax",
    "currentTotalDiscountsSet": "discounts",
    "currentCartDiscountAmountSet": "discounts",
    "currentShippingPriceSet": "shipping",
}
_ORDER_SCALAR_MONEY = {
    "totalPrice": "total",
    "subtotalPrice": "subtotal",
    "totalTax": "tax",
    "totalDiscounts": "discounts",
    "totalShippingPrice": "shipping",
    "totalReceived": "total",
    "cartDiscountAmount": "discounts",
}
_PAID_STATUSES = ("PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED", "REFUNDED")


def _order_money(order, info):
    name = info.field_name
    if name == "totalReceivedSet" and order["displayFinancialStatus"] not in _PAID_STATUSES:
        return order_bag(order, "0", info)
    return order_bag(order, _totals(order, info)[_ORDER_MONEY[name]], info)


def _order_current_money(order, info):
    totals = _totals(order, info, current=True)
    return order_bag(order, totals[_ORDER_CURRENT_MONEY[info.field_name]], info)


def _order_scalar_money(order, info):
    return _totals(order, info)[_ORDER_SCALAR_MONEY[info.field_name]]


for _name in _ORDER_MONEY:
    RESOLVERS[("Order", _name)] = _order_money
for _name in _ORDER_CURRENT_MONEY:
    RESOLVERS[("Order", _name)] = _order_current_money
for _name in _ORDER_SCALAR_MONEY:
    RESOLVERS[("Order", _name)] = _order_scalar_money


def _received(order, info):
    if order["displayFinancialStatus"] not in _PAID_STATUSES:
        return dec("0")
    return dec(_totals(order, info)["total"])


@field("Order", "totalRefundedSet", "totalRefundedShippingSet", "netPaymentSet")
def order_refunded_money(order, info):
    store = _store(info)
    refunds = [store.refunds[r] for r in order["refund_ids"]]
    if info.field_name == "totalRefundedShippingSet":
        amount = sum((r["shipping"]["subtotal"] for r in refunds if r["shipping"]), dec("0"))
    else:
        amount = sum((r["amount"] for r in refunds), dec("0"))
    if info.field_name == "netPaymentSet":
        amount = _received(order, info) - amount
    return order_bag(order, money(amount), info)


@field("Order", "totalOutstandingSet", "totalCapturableSet")
def order_zero_money(order, info):
    if info.field_name == "totalOutstandingSet" and order["displayFinancialStatus"] in (
        "PENDING",
        "AUTHORIZED",
    ):
        return order_bag(order, _totals(order, info)["total"], info)
    return order_bag(order, "0", info)


@field("Order", "refunds")
def order_refunds(order, info, first=None):
    refunds = [_store(info).refunds[r] for r in order["refund_ids"]]
    return refunds[:first] if first else refunds


@field("Order", "customer")
def order_customer(order, info):
    return _store(info).customers.get(order["customer_id"])


@field("Order", "lineItems")
def order_line_items(order, info, **args):
    return connection(info, order["line_items"], args, key=lambda li: order["line_items"].index(li))


@field("Order", "shippingLines")
def order_shipping_lines(order, info, **args):
    return connection(
        info, order["shipping_lines"], args, key=lambda s: order["shipping_lines"].index(s)
    )


@field("Order", "shippingLine")
def order_shipping_line(order, info):
    return order["shipping_lines"][0] if order["shipping_lines"] else None


def _tax_line(title, rate, amount, info, order=None):
    return {
        "title": title,
        "rate": float(rate),
        "ratePercentage": float(rate) * 100,
        "price": money(amount),
        "priceSet": order_bag(order, amount, info),
        "source": "Shopify",
        "channelLiable": False,
    }


@field("Order", "taxLines", "currentTaxLines")
def order_tax_lines(order, info):
    tax = _totals(order, info, current=info.field_name == "currentTaxLines")["tax"]
    if dec(tax) == 0:
        return []
    return [_tax_line("VAT", order["tax_rate"], tax, info, order)]


@field("Order", "displayFulfillmentStatus")
def order_fulfillment_status(order, info):
    return _store(info).fulfillment_status(order)


@field("Order", "fulfillmentOrders")
def order_fulfillment_orders(order, info, **args):
    store = _store(info)
    fos = [store.fulfillment_orders[f] for f in order["fulfillment_order_ids"]]
    return connection(info, fos, args)


@field("Order", "fulfillments")
def order_fulfillments(order, info, first=None, **_):
    store = _store(info)
    fuls = [store.fulfillments[f] for f in order["fulfillment_ids"]]
    return fuls[:first] if first else fuls


@field("Order", "fulfillmentsCount")
def order_fulfillments_count(order, info):
    return {"count": len(order["fulfillment_ids"]), "precision": "EXACT"}


@field("Order", "closed")
def order_closed(order, info):
    return bool(order["closedAt"])


@field("Order", "confirmed")
def order_confirmed(order, info):
    return True


@field("Order", "fullyPaid")
def order_paid(order, info):
    return order["displayFinancialStatus"] == "PAID"


@field("Order", "unpaid")
def order_unpaid(order, info):
    return order["displayFinancialStatus"] in ("PENDING", "AUTHORIZED")


@field("Order", "fulfillable")
def order_fulfillable(order, info):
    store = _store(info)
    return not order["cancelledAt"] and any(
        foli["remainingQuantity"] > 0
        for f in order["fulfillment_order_ids"]
        for foli in store.fulfillment_orders[f]["line_items"]
    )


@field("Order", "subtotalLineItemsQuantity", "currentSubtotalLineItemsQuantity")
def order_qty(order, info):
    if info.field_name == "currentSubtotalLineItemsQuantity":
        return sum(_store(info).current_quantity(li) for li in order["line_items"])
    return sum(li["quantity"] for li in order["line_items"])


@field("Order", "discountCode")
def order_discount_code(order, info):
    return order["discountCodes"][0] if order["discountCodes"] else None


@field("Order", "requiresShipping")
def order_requires_shipping(order, info):
    return any(li["requiresShipping"] for li in order["line_items"])


@field("Order", "presentmentCurrencyCode")
def order_presentment(order, info):
    return order.get("presentmentCurrencyCode") or order["currencyCode"]


@field("Order", "paymentGatewayNames")
def order_gateways(order, info):
    return ["manual"]


@field("Order", "totalWeight", "currentTotalWeight")
def order_weight(order, info):
    return str(sum(li.get("grams", 0) * li["quantity"] for li in order["line_items"]))


@field("Order", "displayAddress")
def order_display_address(order, info):
    return order["shippingAddress"] or order["billingAddress"]


@field("Order", "billingAddressMatchesShippingAddress")
def order_addr_match(order, info):
    s, b = order["shippingAddress"] or {}, order["billingAddress"] or {}
    keys = ("address1", "city", "zip", "countryCodeV2")
    return all(s.get(k) == b.get(k) for k in keys)


@field("Order", "customerLocale")
def order_locale(order, info):
    return "en"


# line items
def _li_order(li, info):
    return order_of(li, info)


def _li_bag(li, amount, info):
    return order_bag(_li_order(li, info), amount, info)


def _unit_after_discount(li):
    return money(dec(li["price"]) - dec(li["discount"]) / li["quantity"])


@field("LineItem", "originalUnitPriceSet", "discountedUnitPriceSet")
def li_unit_price_set(li, info):
    if info.field_name == "discountedUnitPriceSet":
        return _li_bag(li, _unit_after_discount(li), info)
    return _li_bag(li, li["price"], info)


@field("LineItem", "discountedUnitPriceAfterAllDiscountsSet")
def li_unit_after(li, info):
    return _li_bag(li, _unit_after_discount(li), info)


@field("LineItem", "originalUnitPrice")
def li_unit_price(li, info):
    return li["price"]


@field("LineItem", "discountedUnitPrice")
def li_discounted_unit(li, info):
    return _unit_after_discount(li)


@field("LineItem", "originalTotalSet", "unfulfilledOriginalTotalSet")
def li_original_total_set(li, info):
    return _li_bag(li, money(dec(li["price"]) * li["quantity"]), info)


@field("LineItem", "originalTotal", "unfulfilledOriginalTotal")
def li_original_total(li, info):
    return money(dec(li["price"]) * li["quantity"])


@field(
    "LineItem",
    "discountedTotalSet",
    "unfulfilledDiscountedTotalSet",
    "priceAfterAllDiscountsBeforeTaxesSet",
)
def li_discounted_total_set(li, info, **_):
    return _li_bag(li, money(dec(li["price"]) * li["quantity"] - dec(li["discount"])), info)


@field("LineItem", "discountedTotal", "unfulfilledDiscountedTotal")
def li_discounted_total(li, info):
    return money(dec(li["price"]) * li["quantity"] - dec(li["discount"]))


@field("LineItem", "totalDiscountSet")
def li_total_discount_set(li, info):
    return _li_bag(li, li["discount"], info)


@field("LineItem", "totalDiscount")
def li_total_discount(li, info):
    return li["discount"]


@field("LineItem", "discountAllocations")
def li_discount_allocations(li, info):
    if dec(li["discount"]) == 0:
        return []
    pct = li.get("discount_percentage")
    value = (
        {"__typename": "PricingPercentageValue", "percentage": float(pct)}
        if pct is not None
        else {"__typename": "MoneyV2", **money_v2(li["discount"], _cur(info))}
    )
    return [
        {
            "allocatedAmount": money_v2(li["discount"], _cur(info)),
            "allocatedAmountSet": _li_bag(li, li["discount"], info),
            "discountApplication": {
                "__typename": "DiscountCodeApplication",
                "code": li["discount_code"],
                "index": 0,
                "allocationMethod": "ACROSS",
                "targetSelection": "ALL",
                "targetType": "LINE_ITEM",
                "value": value,
            },
        }
    ]


@field("LineItem", "taxLines")
def li_tax_lines(li, info, first=None):
    if dec(li["tax"]) == 0:
        return []
    return [_tax_line("VAT", li["tax_rate"], li["tax"], info, _li_order(li, info))]


@field("LineItem", "variant")
def li_variant(li, info):
    return _store(info).variants.get(li["variant_id"])


@field("LineItem", "product")
def li_product(li, info):
    return _store(info).products.get(li["product_id"])


@field("LineItem", "currentQuantity", "refundableQuantity")
def li_current_qty(li, info):
    """Ordered, less what was refunded or edited away (Shopify: "excluding refunded
    and removed units")."""
    return _store(info).current_quantity(li)


def _li_remaining(li, info):
    """Units still to fulfil: what the line's fulfillment order items have left."""
    store = _store(info)
    order = _li_order(li, info)
    if order is None:
        return 0
    return sum(
        foli["remainingQuantity"]
        for fo_id in order["fulfillment_order_ids"]
        for foli in store.fulfillment_orders[fo_id]["line_items"]
        if foli["line_item_id"] == li["id"]
    )


@field("LineItem", "fulfillableQuantity", "unfulfilledQuantity")
def li_fulfillable(li, info):
    order = _li_order(li, info)
    if order is None or order["cancelledAt"]:
        return 0
    return _li_remaining(li, info)


@field("LineItem", "nonFulfillableQuantity")
def li_non_fulfillable(li, info):
    order = _li_order(li, info)
    if order is None or not order["cancelledAt"]:
        return 0
    return li["quantity"] - _store(info).fulfilled_quantity(li["id"], order)


@field("LineItem", "fulfillmentStatus")
def li_fulfillment_status(li, info):
    order = _li_order(li, info)
    done = _store(info).fulfilled_quantity(li["id"], order) if order else 0
    if done and not _li_remaining(li, info):
        return "fulfilled"
    return "partial" if done else "unfulfilled"


@field("LineItem", "restockable", "canRestock")
def li_restockable(li, info):
    return True


@field("ShippingLine", "originalPriceSet", "discountedPriceSet")
def sl_price_set(sl, info):
    return order_bag(order_of(sl, info), sl["price"], info)


@field("ShippingLine", "currentDiscountedPriceSet")
def sl_current_price_set(sl, info):
    """After refunds (no shipping discounts are modelled)."""
    return order_bag(order_of(sl, info), money(dec(sl["price"]) - dec(sl["refunded"])), info)


@field("ShippingLine", "originalPrice", "discountedPrice")
def sl_price_v2(sl, info):
    return money_v2(sl["price"], _cur(info))


@field("ShippingLine", "taxLines")
def sl_tax_lines(sl, info):
    if dec(sl["tax"]) == 0:
        return []
    return [_tax_line("VAT", sl["tax_rate"], sl["tax"], info, order_of(sl, info))]


@field("ShippingLine", "carrierIdentifier")
def sl_carrier(sl, info):
    return None


@field("MailingAddress", "countryCode")
def addr_country_code(addr, info):
    return addr.get("countryCodeV2")


@field("MailingAddress", "formatted")
def addr_formatted(addr, info, withName=False, withCompany=True):
    parts = []
    if withName and addr.get("name"):
        parts.append(addr["name"])
    if withCompany and addr.get("company"):
        parts.append(addr["company"])
    parts += [addr.get("address1"), addr.get("address2")]
    parts.append(" ".join(p for p in (addr.get("city"), addr.get("zip")) if p))
    parts.append(addr.get("country"))
    return [p for p in parts if p]


# customers
@field("QueryRoot", "customers")
@field("Shop", "customers")
def q_customers(obj, info, **args):
    def getter(c):
        def get(name):
            if name in ("email", "default"):
                return (
                    [c["email"], c.get("firstName"), c.get("lastName")]
                    if name == "default"
                    else [c["email"]]
                )
            if name == "id":
                return [_num_id(c["id"])]
            if name == "updated_at":
                return [_dt(c["updatedAt"])]
            return None

        return get

    customers = search.filter_records(_store(info).customers.values(), args.get("query"), getter)
    return connection(info, customers, args)


@field("QueryRoot", "customer")
def q_customer(obj, info, id):
    return _store(info).customers.get(id)


@field("Customer", "displayName")
def customer_display(c, info):
    name = " ".join(p for p in (c.get("firstName"), c.get("lastName")) if p)
    return name or c.get("email") or ""


@field("Customer", "defaultEmailAddress")
def customer_email(c, info):
    if not c.get("email"):
        return None
    return {"emailAddress": c["email"], "marketingState": "NOT_SUBSCRIBED"}


@field("Customer", "numberOfOrders")
def customer_order_count(c, info):
    return str(sum(1 for o in _store(info).orders.values() if o["customer_id"] == c["id"]))


@field("Customer", "addresses")
def customer_addresses(c, info, first=None):
    return [c["defaultAddress"]] if c.get("defaultAddress") else []


@field("Customer", "state")
def customer_state(c, info):
    return "ENABLED"


# fulfillment orders / fulfillments
@field("QueryRoot", "fulfillmentOrder")
def q_fulfillment_order(obj, info, id):
    return _store(info).fulfillment_orders.get(id)


@field("FulfillmentOrder", "order")
def fo_order(fo, info):
    return _store(info).orders.get(fo["order_id"])


@field("FulfillmentOrder", "orderId")
def fo_order_id(fo, info):
    return fo["order_id"]


@field("FulfillmentOrder", "orderName")
def fo_order_name(fo, info):
    return _store(info).orders[fo["order_id"]]["name"]


@field("FulfillmentOrder", "orderProcessedAt")
def fo_processed(fo, info):
    return _store(info).orders[fo["order_id"]]["processedAt"]


@field("FulfillmentOrder", "lineItems")
def fo_line_items(fo, info, **args):
    return connection(info, fo["line_items"], args)


@field("FulfillmentOrder", "assignedLocation")
def fo_assigned_location(fo, info):
    loc = _store(info).locations.get(fo["location_id"]) or {"address": {}, "name": ""}
    addr = loc["address"]
    return {
        "name": loc["name"],
        "location": loc if loc.get("id") else None,
        "address1": addr.get("address1"),
        "address2": addr.get("address2"),
        "city": addr.get("city"),
        "zip": addr.get("zip"),
        "province": addr.get("province"),
        "countryCode": addr.get("countryCode") or "GB",
        "phone": addr.get("phone"),
    }


@field("FulfillmentOrder", "destination")
def fo_destination(fo, info):
    order = _store(info).orders[fo["order_id"]]
    addr = order["shippingAddress"]
    if not addr:
        return None
    return {
        "id": addr["id"].replace("MailingAddress", "FulfillmentOrderDestination"),
        "firstName": addr.get("firstName"),
        "lastName": addr.get("lastName"),
        "address1": addr.get("address1"),
        "address2": addr.get("address2"),
        "city": addr.get("city"),
        "zip": addr.get("zip"),
        "province": addr.get("province"),
        "countryCode": addr.get("countryCodeV2"),
        "phone": addr.get("phone"),
        "email": order["email"],
        "company": addr.get("company"),
    }


@field("FulfillmentOrder", "supportedActions")
def fo_actions(fo, info):
    if fo["status"] in ("OPEN", "IN_PROGRESS"):
        return [{"action": "CREATE_FULFILLMENT"}, {"action": "HOLD"}, {"action": "MOVE"}]
    return []


@field("FulfillmentOrder", "fulfillments")
def fo_fulfillments(fo, info, **args):
    store = _store(info)
    fuls = [f for f in store.fulfillments.values() if fo["id"] in f["fulfillment_order_ids"]]
    return connection(info, fuls, args)


def _foli_line(foli, info):
    store = _store(info)
    fo = store.fulfillment_orders[foli["fulfillment_order_id"]]
    order = store.orders[fo["order_id"]]
    return next(li for li in order["line_items"] if li["id"] == foli["line_item_id"])


@field("FulfillmentOrderLineItem", "lineItem")
def foli_line_item(foli, info):
    return _foli_line(foli, info)


@field("FulfillmentOrderLineItem", "sku")
def foli_sku(foli, info):
    return _foli_line(foli, info)["sku"]


@field("FulfillmentOrderLineItem", "productTitle")
def foli_title(foli, info):
    return _foli_line(foli, info)["title"]


@field("FulfillmentOrderLineItem", "variantTitle")
def foli_variant_title(foli, info):
    return _foli_line(foli, info)["variantTitle"]


@field("FulfillmentOrderLineItem", "vendor")
def foli_vendor(foli, info):
    return _foli_line(foli, info)["vendor"]


@field("FulfillmentOrderLineItem", "variant")
def foli_variant(foli, info):
    return _store(info).variants.get(_foli_line(foli, info)["variant_id"])


@field("FulfillmentOrderLineItem", "inventoryItemId")
def foli_item(foli, info):
    variant = _store(info).variants.get(_foli_line(foli, info)["variant_id"])
    return variant["inventory_item_id"] if variant else None


@field("FulfillmentOrderLineItem", "originalUnitPriceSet")
def foli_price(foli, info):
    return bag(_foli_line(foli, info)["price"], _cur(info))


@field("FulfillmentOrderLineItem", "requiresShipping")
def foli_requires_shipping(foli, info):
    return True


@field("Fulfillment", "order")
def ful_order(ful, info):
    return _store(info).orders.get(ful["order_id"])


@field("Fulfillment", "location")
def ful_location(ful, info):
    return _store(info).locations.get(ful["location_id"])


@field("Fulfillment", "trackingInfo")
def ful_tracking(ful, info, first=None):
    return ful["trackingInfo"][:first] if first else ful["trackingInfo"]


@field("Fulfillment", "totalQuantity")
def ful_total(ful, info):
    return sum(fli["quantity"] for fli in ful["line_items"])


@field("Fulfillment", "displayStatus")
def ful_display(ful, info):
    return "FULFILLED" if ful["status"] == "SUCCESS" else "CANCELED"


@field("Fulfillment", "requiresShipping")
def ful_requires_shipping(ful, info):
    return True


@field("Fulfillment", "fulfillmentLineItems")
def ful_line_items(ful, info, **args):
    return connection(info, ful["line_items"], args)


@field("Fulfillment", "fulfillmentOrders")
def ful_fulfillment_orders(ful, info, **args):
    store = _store(info)
    return connection(
        info, [store.fulfillment_orders[f] for f in ful["fulfillment_order_ids"]], args
    )


def _fli_line(fli, info):
    store = _store(info)
    ful = store.fulfillments[fli["fulfillment_id"]]
    order = store.orders[ful["order_id"]]
    return next(li for li in order["line_items"] if li["id"] == fli["line_item_id"])


@field("FulfillmentLineItem", "lineItem")
def fli_line_item(fli, info):
    return _fli_line(fli, info)


@field("FulfillmentLineItem", "originalTotalSet", "discountedTotalSet")
def fli_total(fli, info):
    li = _fli_line(fli, info)
    unit = dec(li["price"])
    if info.field_name == "discountedTotalSet":
        unit -= dec(li["discount"]) / li["quantity"]
    return bag(money(unit * fli["quantity"]), _cur(info))


# ------------------------------------------------------------------- webhooks
@field("QueryRoot", "webhookSubscriptions")
def q_webhook_subscriptions(obj, info, **args):
    subs = list(_store(info).webhook_subscriptions.values())
    if args.get("topics"):
        subs = [s for s in subs if s["topic"] in args["topics"]]
    uri = args.get("uri") or args.get("callbackUrl")
    if uri:
        subs = [s for s in subs if s["uri"] == uri]
    if args.get("format"):
        subs = [s for s in subs if s["format"] == args["format"]]
    return connection(info, subs, args)


@field("QueryRoot", "webhookSubscription")
def q_webhook_subscription(obj, info, id):
    return _store(info).webhook_subscriptions.get(id)


@field("WebhookSubscription", "endpoint")
def webhook_endpoint(sub, info):
    uri = sub["uri"]
    if uri.startswith("pubsub://"):
        project, _, topic = uri[len("pubsub://") :].partition(":")
        return {
            "__typename": "WebhookPubSubEndpoint",
            "pubSubProject": project,
            "pubSubTopic": topic,
        }
    if uri.startswith("arn:"):
        return {"__typename": "WebhookEventBridgeEndpoint", "arn": uri}
    return {"__typename": "WebhookHttpEndpoint", "callbackUrl": uri}


@field("WebhookSubscription", "callbackUrl")
def webhook_callback(sub, info):
    return sub["uri"]


@field("WebhookSubscription", "apiVersion")
def webhook_api_version(sub, info):
    from .schema import API_VERSION

    return {"handle": API_VERSION, "displayName": API_VERSION, "supported": True}


# ----------------------------------------------------------------------- bulk
@field("QueryRoot", "currentBulkOperation")
def q_current_bulk(obj, info, type="QUERY"):
    ops = [op for op in _store(info).bulk_operations.values() if op["type"] == (type or "QUERY")]
    return max(ops, key=lambda op: _num_id(op["id"])) if ops else None


@field("QueryRoot", "bulkOperation")
def q_bulk(obj, info, id):
    return _store(info).bulk_operations.get(id)


@field("QueryRoot", "bulkOperations")
def q_bulk_ops(obj, info, **args):
    return connection(info, list(_store(info).bulk_operations.values()), args)


# ----------------------------------------------------------------------- nodes
def node_by_id(store, value):
    parsed = parse_gid(value)
    if not parsed:
        return None
    type_name = parsed[0]
    if type_name == "InventoryLevel":
        return _level_from_gid(store, value)
    if type_name == "Shop":
        return shop_view(store) if value == store.shop_id else None
    table = {
        "Product": store.products,
        "ProductVariant": store.variants,
        "InventoryItem": store.items,
        "Location": store.locations,
        "Customer": store.customers,
        "Order": store.orders,
        "FulfillmentOrder": store.fulfillment_orders,
        "Fulfillment": store.fulfillments,
        "Collection": store.collections,
        "MetafieldDefinition": store.metafield_definitions,
        "WebhookSubscription": store.webhook_subscriptions,
        "BulkOperation": store.bulk_operations,
        "InventoryAdjustmentGroup": store.adjustment_groups,
        "Refund": store.refunds,
        "ProductSetOperation": store.product_operations,
        "MediaImage": store.media,
    }.get(type_name)
    if table is not None:
        return table.get(value)
    if type_name == "ProductOption":
        for product in store.products.values():
            for opt in product["options"]:
                if opt["id"] == value:
                    return opt
    if type_name == "Metafield":
        for owner in list(store.products.values()) + list(store.variants.values()):
            for mf in owner["metafields"]:
                if mf["id"] == value:
                    return mf
    return None


@field("QueryRoot", "node")
def q_node(obj, info, id):
    return node_by_id(_store(info), id)


@field("QueryRoot", "nodes")
def q_nodes(obj, info, ids):
    store = _store(info)
    return [node_by_id(store, i) for i in ids]
