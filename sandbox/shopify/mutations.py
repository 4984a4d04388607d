"""Mutation resolvers (registered into ``resolvers.RESOLVERS`` on import)."""

from __future__ import annotations

import re

from . import media
from .resolvers import RESOLVERS, bag, field, node_by_id, user_error
from .store import dec, handleize, money, parse_gid

SET_NAMES = ("available", "on_hand")
ADJUST_NAMES = ("available", "incoming", "damaged", "quality_control", "reserved", "safety_stock")
REASONS = {
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_created",
    "movement_updated",
    "movement_received",
    "movement_canceled",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
}
METAFIELD_TYPES = {
    "single_line_text_field",
    "multi_line_text_field",
    "rich_text_field",
    "number_integer",
    "number_decimal",
    "boolean",
    "date",
    "date_time",
    "json",
    "url",
    "color",
    "weight",
    "volume",
    "dimension",
    "rating",
    "money",
    "id",
    "link",
    "product_reference",
    "variant_reference",
    "collection_reference",
    "file_reference",
    "page_reference",
    "metaobject_reference",
    "customer_reference",
    "company_reference",
}
MAX_QUANTITY = 1_000_000_000


def _store(info):
    return info.context.store


def _emit_product(store, product, created=False):
    if store.payload_builder:
        payload = store.payload_builder.product(product)
        store.emit("products/create" if created else "products/update", payload)


# ------------------------------------------------------------------ products
def _variant_fields(v: dict) -> dict:
    """Map a variant input (ProductVariantSetInput / ProductVariantsBulkInput) to
    store fields; only keys present in the input are returned."""
    out = {}
    for key in ("barcode", "inventoryPolicy", "taxable", "taxCode", "position"):
        if key in v:
            out[key] = v[key]
    if "price" in v:
        out["price"] = money(v["price"]) if v["price"] is not None else "0.00"
    if "compareAtPrice" in v:
        out["compareAtPrice"] = (
            money(v["compareAtPrice"]) if v["compareAtPrice"] not in (None, "") else None
        )
    item = v.get("inventoryItem") or {}
    if "sku" in v:
        out["sku"] = v["sku"]
    if "sku" in item:
        out["sku"] = item["sku"]
    for key in (
        "tracked",
        "requiresShipping",
        "harmonizedSystemCode",
        "countryCodeOfOrigin",
        "cost",
    ):
        if key in item:
            out[key] = item[key]
    weight = (item.get("measurement") or {}).get("weight")
    if weight:
        out["weight"] = weight.get("value")
        out["weightUnit"] = weight.get("unit") or "KILOGRAMS"
    return out


def _apply_variant(store, variant: dict, fields: dict) -> None:
    item = store.items[variant["inventory_item_id"]]
    for key in ("barcode", "price", "compareAtPrice", "inventoryPolicy", "taxable", "taxCode"):
        if key in fields:
            variant[key] = fields[key]
    if "sku" in fields:
        item["sku"] = fields["sku"] or None
    for key in ("tracked", "requiresShipping", "harmonizedSystemCode", "countryCodeOfOrigin"):
        if key in fields:
            item[key] = fields[key]
    if "cost" in fields:
        item["unit_cost"] = fields["cost"]
    if "weight" in fields:
        item["weight"] = {
            "value": float(fields["weight"] or 0),
            "unit": fields.get("weightUnit", "KILOGRAMS"),
        }
    now = store.now()
    variant["updatedAt"] = now
    item["updatedAt"] = now


def _apply_product_fields(store, product: dict, data: dict) -> None:
    for key in ("title", "descriptionHtml", "vendor", "productType", "status", "templateSuffix"):
        if key in data and data[key] is not None:
            product[key] = data[key]
    if "tags" in data and data["tags"] is not None:
        tags = data["tags"]
        if isinstance(tags, str):
            tags = [t.strip() for t in tags.split(",")]
        product["tags"] = sorted({t.strip() for t in tags if t and t.strip()})
    if data.get("handle"):
        product["handle"] = store.unique_handle(handleize(data["handle"]), exclude=product["id"])


def _set_quantity(store, item_id, loc_id, name, quantity):
    current = store.quantity(item_id, loc_id, name)
    store.change_quantity(item_id, loc_id, name, int(quantity) - current)


def _selected_from_option_values(option_values, option_names):
    """[{optionName|optionId, name}] -> {option name: value name}."""
    chosen = {}
    for ov in option_values or []:
        chosen[ov.get("optionName") or option_names.get(ov.get("optionId"), ov.get("optionId"))] = (
            ov.get("name")
        )
    return chosen


@field("Mutation", "productSet")
def m_product_set(obj, info, input, synchronous=True, identifier=None):
    store = _store(info)
    config = info.context.app.config
    errors = []
    identifier = identifier or {}
    product = None
    target_id = identifier.get("id") or input.get("id")
    handle = identifier.get("handle")
    if target_id:
        product = store.products.get(target_id)
        if product is None:
            path = ["identifier", "id"] if identifier.get("id") else ["input", "id"]
            errors.append(user_error(path, "Product does not exist", "PRODUCT_DOES_NOT_EXIST"))
    elif handle:
        product = next((p for p in store.products.values() if p["handle"] == handle), None)

    options_in = input.get("productOptions")
    variants_in = input.get("variants")
    if variants_in is not None and options_in is None:
        errors.append(
            user_error(
                ["input", "productOptions"],
                "Product options input is required when updating variants.",
                "PRODUCT_OPTIONS_INPUT_MISSING",
            )
        )
    if options_in is not None and variants_in is None:
        errors.append(
            user_error(
                ["input", "variants"],
                "Variants input is required when updating product options.",
                "VARIANTS_INPUT_MISSING",
            )
        )
    option_values: dict[str, list[str]] = {}
    if options_in:
        if len(options_in) > 3:
            errors.append(
                user_error(
                    ["input", "productOptions"],
                    "Can only specify a maximum of 3 options.",
                    "OPTIONS_OVER_LIMIT",
                )
            )
        for i, opt in enumerate(options_in):
            name = opt.get("name")
            if not name and opt.get("id") and product:
                name = next((o["name"] for o in product["options"] if o["id"] == opt["id"]), None)
            if not name:
                errors.append(
                    user_error(
                        ["input", "productOptions", i, "name"],
                        "Option name can't be blank.",
                        "INVALID_INPUT",
                    )
                )
                continue
            if name in option_values:
                errors.append(
                    user_error(
                        ["input", "productOptions", i, "name"],
                        f"Duplicated option name '{name}'.",
                        "DUPLICATED_OPTION_NAME",
                    )
                )
                continue
            values = [v.get("name") for v in opt.get("values") or []]
            if not values:
                errors.append(
                    user_error(
                        ["input", "productOptions", i, "values"],
                        f"Option '{name}' must specify at least one option value.",
                        "OPTION_VALUES_MISSING",
                    )
                )
            if len(set(values)) != len(values):
                errors.append(
                    user_error(
                        ["input", "productOptions", i, "values"],
                        f"Duplicated option value for option '{name}'.",
                        "DUPLICATED_OPTION_VALUE",
                    )
                )
            option_values[name] = values
    option_ids = {o["id"]: o["name"] for o in (product or {}).get("options", [])}
    resolved_variants = []
    if variants_in is not None and not errors:
        seen_combos, seen_skus = {}, {}
        for i, v in enumerate(variants_in):
            path = ["input", "variants", i]
            chosen = _selected_from_option_values(v.get("optionValues"), option_ids)
            bad = False
            for j, (opt_name, value) in enumerate(chosen.items()):
                if opt_name not in option_values:
                    errors.append(
                        user_error(
                            [*path, "optionValues", j, "optionName"],
                            f"Option '{opt_name}' does not exist.",
                            "OPTION_DOES_NOT_EXIST",
                        )
                    )
                    bad = True
                elif value not in option_values[opt_name]:
                    errors.append(
                        user_error(
                            [*path, "optionValues", j, "name"],
                            f"Option value '{value}' does not exist for option '{opt_name}'.",
                            "OPTION_VALUE_DOES_NOT_EXIST",
                        )
                    )
                    bad = True
            missing = [n for n in option_values if n not in chosen]
            if missing and not bad:
                errors.append(
                    user_error(
                        [*path, "optionValues"],
                        f"Variant is missing a value for option(s): {', '.join(missing)}.",
                        "INVALID_VARIANT",
                    )
                )
                bad = True
            selected = [{"name": n, "value": chosen.get(n)} for n in option_values]
            combo = tuple(s["value"] for s in selected)
            if not bad and combo in seen_combos:
                errors.append(
                    user_error(
                        [*path, "optionValues"],
                        f"The variant '{' / '.join(combo)}' already exists.",
                        "INVALID_VARIANT",
                    )
                )
            seen_combos.setdefault(combo, i)
            fields = _variant_fields(v)
            sku = fields.get("sku")
            if sku and config.reject_duplicate_skus:
                if sku in seen_skus:
                    errors.append(
                        user_error(
                            [*path, "inventoryItem", "sku"],
                            f"SKU '{sku}' is used by more than one variant in the input.",
                            "DUPLICATED_VALUE",
                        )
                    )
                seen_skus.setdefault(sku, i)
            if "price" in fields and dec(fields["price"]) < 0:
                errors.append(
                    user_error(
                        [*path, "price"],
                        "Price must be greater than or equal to 0",
                        "INVALID_INPUT",
                    )
                )
            if v.get("id") and (product is None or v["id"] not in product["variant_ids"]):
                errors.append(
                    user_error(
                        [*path, "id"],
                        "Product variant does not exist",
                        "PRODUCT_VARIANT_DOES_NOT_EXIST",
                    )
                )
            for k, iq in enumerate(v.get("inventoryQuantities") or []):
                if iq.get("locationId") not in store.locations:
                    errors.append(
                        user_error(
                            [*path, "inventoryQuantities", k, "locationId"],
                            "Location does not exist",
                            "INVALID_INPUT",
                        )
                    )
                if iq.get("name") not in SET_NAMES:
                    errors.append(
                        user_error(
                            [*path, "inventoryQuantities", k, "name"],
                            "Quantity name must be available or on_hand",
                            "INVALID_INPUT",
                        )
                    )
            resolved_variants.append((v, selected, fields))
    errors += media.check_files(store, input.get("files"), variants_in)
    if errors:
        return {"product": None, "productSetOperation": None, "userErrors": errors}

    created = product is None
    if created:
        data = dict(input)
        if handle and not data.get("handle"):
            data["handle"] = handle
        product = store.new_product({k: v for k, v in data.items() if k != "handle"})
        if data.get("handle"):
            product["handle"] = store.unique_handle(
                handleize(data["handle"]), exclude=product["id"]
            )
    else:
        _apply_product_fields(store, product, input)
    if input.get("metafields"):
        store.set_metafields(product, "PRODUCT", input["metafields"])
    if input.get("collections") is not None:
        for col in store.collections.values():
            if col["id"] in input["collections"]:
                if product["id"] not in col["product_ids"]:
                    col["product_ids"].append(product["id"])
            elif product["id"] in col["product_ids"]:
                col["product_ids"].remove(product["id"])
    if options_in is not None:
        store.set_options(
            product, [{"name": n, "values": vals} for n, vals in option_values.items()]
        )
    variant_files = []
    if variants_in is not None:
        existing = [store.variants[vid] for vid in product["variant_ids"]]
        keep = []
        for v, selected, fields in resolved_variants:
            match = store.variants.get(v["id"]) if v.get("id") else None
            if match is None:
                match = next(
                    (
                        e
                        for e in existing
                        if e["selectedOptions"] == selected and e["id"] not in keep
                    ),
                    None,
                )
            if match is None:
                match = store.new_variant(product, dict(fields, selectedOptions=selected))
            else:
                match["selectedOptions"] = selected
                _apply_variant(store, match, fields)
            keep.append(match["id"])
            variant_files.append((match, v.get("file")))
            for iq in v.get("inventoryQuantities") or []:
                _set_quantity(
                    store, match["inventory_item_id"], iq["locationId"], iq["name"], iq["quantity"]
                )
            if v.get("metafields"):
                store.set_metafields(match, "PRODUCTVARIANT", v["metafields"])
        for vid in list(product["variant_ids"]):
            if vid not in keep:
                store.delete_variant(vid)
        product["variant_ids"] = keep
        for pos, vid in enumerate(keep, start=1):
            store.variants[vid]["position"] = pos
    elif created:
        store.new_variant(product, {})
    media.apply_files(store, product, input.get("files"), variant_files, info)
    store.touch_product(product)
    _emit_product(store, product, created=created)
    if synchronous is False:
        op_id = store.next_id("ProductSetOperation")[0]
        op = {
            "__typename": "ProductSetOperation",
            "id": op_id,
            "status": "COMPLETE",
            "product": product,
            "userErrors": [],
        }
        store.product_operations[op_id] = op
        return {"product": None, "productSetOperation": op, "userErrors": []}
    return {"product": product, "productSetOperation": None, "userErrors": []}


@field("Mutation", "productCreate")
def m_product_create(obj, info, product=None, input=None, media=None):
    store = _store(info)
    data = product or input or {}
    if not data.get("title"):
        return {"product": None, "userErrors": [user_error(["title"], "Title can't be blank")]}
    record = store.new_product(data)
    options = data.get("productOptions") or []
    if options:
        store.set_options(
            record,
            [
                {"name": o["name"], "values": [v["name"] for v in o.get("values") or []]}
                for o in options
            ],
        )
        selected = [
            {"name": o["name"], "value": o["optionValues"][0]["name"]}
            for o in record["options"]
            if o["optionValues"]
        ]
        store.new_variant(record, {"selectedOptions": selected})
    else:
        store.new_variant(record, {})
    if data.get("metafields"):
        store.set_metafields(record, "PRODUCT", data["metafields"])
    for col_id in data.get("collectionsToJoin") or []:
        col = store.collections.get(col_id)
        if col and record["id"] not in col["product_ids"]:
            col["product_ids"].append(record["id"])
    _emit_product(store, record, created=True)
    return {"product": record, "userErrors": []}


@field("Mutation", "productUpdate")
def m_product_update(obj, info, product=None, input=None, identifier=None, media=None):
    store = _store(info)
    data = product or input or {}
    target = (identifier or {}).get("id") or data.get("id")
    record = store.products.get(target) if target else None
    if record is None:
        return {"product": None, "userErrors": [user_error(["id"], "Product does not exist")]}
    _apply_product_fields(store, record, data)
    if data.get("metafields"):
        store.set_metafields(record, "PRODUCT", data["metafields"])
    for col_id in data.get("collectionsToJoin") or []:
        col = store.collections.get(col_id)
        if col and record["id"] not in col["product_ids"]:
            col["product_ids"].append(record["id"])
    for col_id in data.get("collectionsToLeave") or []:
        col = store.collections.get(col_id)
        if col and record["id"] in col["product_ids"]:
            col["product_ids"].remove(record["id"])
    store.touch_product(record)
    _emit_product(store, record)
    return {"product": record, "userErrors": []}


@field("Mutation", "productDelete")
def m_product_delete(obj, info, input, synchronous=True):
    store = _store(info)
    record = store.products.get(input.get("id"))
    if record is None:
        return {
            "deletedProductId": None,
            "userErrors": [user_error(["id"], "Product does not exist")],
        }
    for vid in list(record["variant_ids"]):
        store.delete_variant(vid)
    for col in store.collections.values():
        if record["id"] in col["product_ids"]:
            col["product_ids"].remove(record["id"])
    del store.products[record["id"]]
    if store.payload_builder:
        store.emit("products/delete", {"id": int(parse_gid(record["id"])[1])})
    return {"deletedProductId": record["id"], "userErrors": []}


def _bulk_variant_common(store, info, productId, variants, creating):
    product = store.products.get(productId)
    if product is None:
        return None, [user_error(["productId"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")]
    return product, []


@field("Mutation", "productVariantsBulkCreate")
def m_variants_bulk_create(obj, info, productId, variants, strategy=None, media=None):
    store = _store(info)
    product, errors = _bulk_variant_common(store, info, productId, variants, True)
    if errors:
        return {"product": None, "productVariants": None, "userErrors": errors}
    option_ids = {o["id"]: o["name"] for o in product["options"]}
    existing = {
        tuple((s["name"], s["value"]) for s in store.variants[v]["selectedOptions"])
        for v in product["variant_ids"]
    }
    standalone = (
        len(product["variant_ids"]) == 1
        and store.variant_title(store.variants[product["variant_ids"][0]]) == "Default Title"
    )
    planned = []
    for i, v in enumerate(variants):
        chosen = _selected_from_option_values(v.get("optionValues"), option_ids)
        if not chosen:
            errors.append(
                user_error(
                    ["variants", i, "optionValues"],
                    "Option values are required.",
                    "NEED_TO_ADD_OPTION_VALUES",
                )
            )
            continue
        selected = [{"name": n, "value": val} for n, val in chosen.items()]
        combo = tuple((s["name"], s["value"]) for s in selected)
        if combo in existing:
            errors.append(
                user_error(
                    ["variants", i],
                    f"The variant '{' / '.join(s['value'] for s in selected)}' already exists.",
                    "VARIANT_ALREADY_EXISTS",
                )
            )
            continue
        existing.add(combo)
        for k, iq in enumerate(v.get("inventoryQuantities") or []):
            if iq.get("locationId") not in store.locations:
                errors.append(
                    user_error(
                        ["variants", i, "inventoryQuantities", k, "locationId"],
                        "Location does not exist",
                        "TRACKED_VARIANT_LOCATION_NOT_FOUND",
                    )
                )
        planned.append((v, selected))
    if errors:
        return {"product": None, "productVariants": None, "userErrors": errors}
    if standalone and strategy != "PRESERVE_STANDALONE_VARIANT":
        store.delete_variant(product["variant_ids"][0])
        product["options"] = [o for o in product["options"] if o["name"] != "Title"]
    created = []
    for v, selected in planned:
        variant = store.new_variant(product, dict(_variant_fields(v), selectedOptions=selected))
        for iq in v.get("inventoryQuantities") or []:
            _set_quantity(
                store,
                variant["inventory_item_id"],
                iq["locationId"],
                "available",
                iq["availableQuantity"],
            )
        if v.get("metafields"):
            store.set_metafields(variant, "PRODUCTVARIANT", v["metafields"])
        created.append(variant)
    store.touch_product(product)
    _emit_product(store, product)
    return {"product": product, "productVariants": created, "userErrors": []}


@field("Mutation", "productVariantsBulkUpdate")
def m_variants_bulk_update(obj, info, productId, variants, allowPartialUpdates=False, media=None):
    store = _store(info)
    product, errors = _bulk_variant_common(store, info, productId, variants, False)
    if errors:
        return {"product": None, "productVariants": None, "userErrors": errors}
    planned = []
    for i, v in enumerate(variants):
        if not v.get("id"):
            errors.append(
                user_error(
                    ["variants", i, "id"],
                    "Product variant is missing ID attribute",
                    "PRODUCT_VARIANT_ID_MISSING",
                )
            )
            continue
        if v["id"] not in product["variant_ids"]:
            errors.append(
                user_error(
                    ["variants", i, "id"],
                    "Product variant does not exist",
                    "PRODUCT_VARIANT_DOES_NOT_EXIST",
                )
            )
            continue
        if v.get("inventoryQuantities"):
            errors.append(
                user_error(
                    ["variants", i, "inventoryQuantities"],
                    "Inventory quantities can only be provided during create. To update inventory "
                    "for existing variants, use inventoryAdjustQuantities.",
                    "NO_INVENTORY_QUANTITIES_ON_VARIANTS_UPDATE",
                )
            )
            continue
        if "price" in v and v["price"] is not None and dec(v["price"]) < 0:
            errors.append(
                user_error(
                    ["variants", i, "price"],
                    "Price must be greater than or equal to 0",
                    "NEGATIVE_PRICE_VALUE",
                )
            )
            continue
        planned.append((i, v))
    if errors and not allowPartialUpdates:
        return {"product": product, "productVariants": None, "userErrors": errors}
    updated = []
    option_ids = {o["id"]: o["name"] for o in product["options"]}
    for _i, v in planned:
        variant = store.variants[v["id"]]
        _apply_variant(store, variant, _variant_fields(v))
        if v.get("optionValues"):
            chosen = _selected_from_option_values(v["optionValues"], option_ids)
            variant["selectedOptions"] = [
                {"name": s["name"], "value": chosen.get(s["name"], s["value"])}
                for s in variant["selectedOptions"]
            ]
            store.ensure_option_values(product, variant["selectedOptions"])
        if v.get("metafields"):
            store.set_metafields(variant, "PRODUCTVARIANT", v["metafields"])
        updated.append(variant)
    store.touch_product(product)
    _emit_product(store, product)
    return {"product": product, "productVariants": updated, "userErrors": errors}


@field("Mutation", "productVariantsBulkDelete")
def m_variants_bulk_delete(obj, info, productId, variantsIds):
    store = _store(info)
    product = store.products.get(productId)
    if product is None:
        return {
            "product": None,
            "userErrors": [
                user_error(["productId"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")
            ],
        }
    bad = [i for i, vid in enumerate(variantsIds) if vid not in product["variant_ids"]]
    if bad:
        return {
            "product": None,
            "userErrors": [
                user_error(
                    ["variantsIds", i],
                    "At least one variant does not belong to the product",
                    "AT_LEAST_ONE_VARIANT_DOES_NOT_BELONG_TO_THE_PRODUCT",
                )
                for i in bad
            ],
        }
    for vid in variantsIds:
        store.delete_variant(vid)
    store.touch_product(product)
    _emit_product(store, product)
    return {"product": product, "userErrors": []}


@field("Mutation", "tagsAdd")
def m_tags_add(obj, info, id, tags):
    store = _store(info)
    node = node_by_id(store, id)
    if node is None or "tags" not in node:
        return {"node": None, "userErrors": [user_error(["id"], "Resource does not exist")]}
    node["tags"] = sorted(set(node["tags"]) | {t.strip() for t in tags if t.strip()})
    node["updatedAt"] = store.now()
    return {"node": node, "userErrors": []}


# ------------------------------------------------------------------ metafields
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")


@field("Mutation", "metafieldDefinitionCreate")
def m_metafield_definition_create(obj, info, definition):
    store = _store(info)
    namespace = definition.get("namespace") or "custom"
    key = definition.get("key") or ""
    errors = []
    if len(key) < 2:
        errors.append(
            user_error(
                ["definition", "key"], "Key is too short (minimum is 2 characters)", "TOO_SHORT"
            )
        )
    elif not _KEY_RE.match(key):
        errors.append(
            user_error(
                ["definition", "key"],
                "Key contains one or more invalid characters.",
                "INVALID_CHARACTER",
            )
        )
    if definition.get("type") not in METAFIELD_TYPES and not str(
        definition.get("type", "")
    ).startswith("list."):
        errors.append(
            user_error(["definition", "type"], "Type name is not included in the list", "INCLUSION")
        )
    for d in store.metafield_definitions.values():
        if (
            d["namespace"] == namespace
            and d["key"] == key
            and d["ownerType"] == definition["ownerType"]
        ):
            errors.append(
                user_error(
                    ["definition", "key"],
                    f"Key is in use for {definition['ownerType'].title()} metafields on the "
                    f"'{namespace}' namespace.",
                    "TAKEN",
                )
            )
    if errors:
        return {"createdDefinition": None, "userErrors": errors}
    def_id = store.next_id("MetafieldDefinition")[0]
    record = {
        "__typename": "MetafieldDefinition",
        "id": def_id,
        "name": definition["name"],
        "namespace": namespace,
        "key": key,
        "ownerType": definition["ownerType"],
        "type": definition["type"],
        "description": definition.get("description"),
        "pinnedPosition": 1 if definition.get("pin") else None,
        "validations": [
            {"name": v.get("name"), "value": v.get("value"), "type": "single_line_text_field"}
            for v in definition.get("validations") or []
        ],
        "useAsCollectionCondition": bool(definition.get("useAsCollectionCondition")),
        "validationStatus": "ALL_VALID",
        "access": {"admin": "PUBLIC_READ_WRITE", "storefront": "NONE", "customerAccount": "NONE"},
    }
    store.metafield_definitions[def_id] = record
    return {"createdDefinition": record, "userErrors": []}


@field("Mutation", "metafieldsSet")
def m_metafields_set(obj, info, metafields):
    store = _store(info)
    errors, result = [], []
    owner_types = {
        "Product": "PRODUCT",
        "ProductVariant": "PRODUCTVARIANT",
        "Collection": "COLLECTION",
        "Customer": "CUSTOMER",
        "Order": "ORDER",
    }
    for i, mf in enumerate(metafields):
        owner = node_by_id(store, mf["ownerId"])
        if owner is None or "metafields" not in owner:
            errors.append(
                {
                    **user_error(
                        ["metafields", i, "ownerId"], "Owner does not exist.", "INVALID_VALUE"
                    ),
                    "elementIndex": i,
                }
            )
    if errors:
        return {"metafields": None, "userErrors": errors}
    for mf in metafields:
        owner = node_by_id(store, mf["ownerId"])
        otype = owner_types[parse_gid(owner["id"])[0]]
        store.set_metafields(owner, otype, [mf])
        ns = mf.get("namespace") or "custom"
        result.append(
            next(m for m in owner["metafields"] if m["namespace"] == ns and m["key"] == mf["key"])
        )
    return {"metafields": result, "userErrors": []}


# ------------------------------------------------------------------- inventory
def _adjustment_group(store, reason, uri, changes):
    group_id = store.next_id("InventoryAdjustmentGroup")[0]
    group = {
        "__typename": "InventoryAdjustmentGroup",
        "id": group_id,
        "createdAt": store.now(),
        "reason": reason,
        "referenceDocumentUri": uri,
        "changes": changes,
    }
    store.adjustment_groups[group_id] = group
    return group


def _valid_uri(uri):
    return uri is None or bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", uri))


@field("Mutation", "inventorySetQuantities")
def m_inventory_set_quantities(obj, info, input):
    store = _store(info)
    errors = []
    name = input.get("name")
    if name not in SET_NAMES:
        errors.append(
            user_error(
                ["input", "name"],
                "The quantity name must be either 'available' or 'on_hand'.",
                "INVALID_NAME",
            )
        )
    if input.get("reason") not in REASONS:
        errors.append(
            user_error(["input", "reason"], "The specified reason is invalid.", "INVALID_REASON")
        )
    if not _valid_uri(input.get("referenceDocumentUri")):
        errors.append(
            user_error(
                ["input", "referenceDocumentUri"],
                "The specified reference document is invalid.",
                "INVALID_REFERENCE_DOCUMENT",
            )
        )
    seen = set()
    for i, q in enumerate(input.get("quantities") or []):
        path = ["input", "quantities", i]
        item_id, loc_id = q["inventoryItemId"], q["locationId"]
        if item_id not in store.items:
            errors.append(
                user_error(
                    [*path, "inventoryItemId"],
                    "The specified inventory item could not be found.",
                    "INVALID_INVENTORY_ITEM",
                )
            )
            continue
        if loc_id not in store.locations:
            errors.append(
                user_error(
                    [*path, "locationId"],
                    "The specified location could not be found.",
                    "INVALID_LOCATION",
                )
            )
            continue
        if (item_id, loc_id) in seen:
            errors.append(
                user_error(
                    path,
                    "The combination of inventoryItemId and locationId must be unique.",
                    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                )
            )
        seen.add((item_id, loc_id))
        if q["quantity"] > MAX_QUANTITY:
            errors.append(
                user_error(
                    [*path, "quantity"],
                    f"The quantity can't be higher than {MAX_QUANTITY:,}.",
                    "INVALID_QUANTITY_TOO_HIGH",
                )
            )
        if q["quantity"] < -MAX_QUANTITY:
            errors.append(
                user_error(
                    [*path, "quantity"],
                    f"The quantity can't be lower than -{MAX_QUANTITY:,}.",
                    "INVALID_QUANTITY_TOO_LOW",
                )
            )
        if name == "on_hand" and q["quantity"] < 0:
            errors.append(
                user_error(
                    [*path, "quantity"],
                    "The quantity can't be negative.",
                    "INVALID_QUANTITY_NEGATIVE",
                )
            )
        if "changeFromQuantity" not in q:
            errors.append(
                user_error(
                    [*path, "changeFromQuantity"],
                    "changeFromQuantity is required. Pass the quantity you expect to change "
                    "from, or null to skip the compare check.",
                    "COMPARE_QUANTITY_REQUIRED",
                )
            )
        elif q["changeFromQuantity"] is not None and name in SET_NAMES:
            current = store.quantity(item_id, loc_id, name)
            if current != q["changeFromQuantity"]:
                errors.append(
                    user_error(
                        [*path, "changeFromQuantity"],
                        f"The changeFromQuantity ({q['changeFromQuantity']}) does not match the "
                        f"current {name} quantity ({current}).",
                        "CHANGE_FROM_QUANTITY_STALE",
                    )
                )
    if errors:
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}
    changes = []
    touched = []
    for q in input.get("quantities") or []:
        item_id, loc_id = q["inventoryItemId"], q["locationId"]
        before = {n: store.quantity(item_id, loc_id, n) for n in ("available", "on_hand")}
        _set_quantity(store, item_id, loc_id, name, q["quantity"])
        for n in ("available", "on_hand"):
            after = store.quantity(item_id, loc_id, n)
            changes.append(
                {
                    "name": n,
                    "delta": after - before[n],
                    "quantityAfterChange": after,
                    "ledgerDocumentUri": None,
                    "_item": item_id,
                    "_loc": loc_id,
                }
            )
        touched.append((item_id, loc_id))
    group = _adjustment_group(store, input["reason"], input.get("referenceDocumentUri"), changes)
    for item_id, loc_id in touched:
        store.inventory_changed(item_id, loc_id)
    return {"inventoryAdjustmentGroup": group, "userErrors": []}


@field("Mutation", "inventoryAdjustQuantities")
def m_inventory_adjust_quantities(obj, info, input):
    store = _store(info)
    errors = []
    name = input.get("name")
    if name not in ADJUST_NAMES:
        errors.append(
            user_error(
                ["input", "name"],
                f"The quantity name '{name}' is not valid for this mutation.",
                "INVALID_QUANTITY_NAME",
            )
        )
    if input.get("reason") not in REASONS:
        errors.append(
            user_error(["input", "reason"], "The specified reason is invalid.", "INVALID_REASON")
        )
    if not _valid_uri(input.get("referenceDocumentUri")):
        errors.append(
            user_error(
                ["input", "referenceDocumentUri"],
                "The specified reference document is invalid.",
                "INVALID_REFERENCE_DOCUMENT",
            )
        )
    for i, c in enumerate(input.get("changes") or []):
        path = ["input", "changes", i]
        if c["inventoryItemId"] not in store.items:
            errors.append(
                user_error(
                    [*path, "inventoryItemId"],
                    "The specified inventory item could not be found.",
                    "INVALID_INVENTORY_ITEM",
                )
            )
            continue
        if c["locationId"] not in store.locations:
            errors.append(
                user_error(
                    [*path, "locationId"],
                    "The specified location could not be found.",
                    "INVALID_LOCATION",
                )
            )
            continue
        if name != "available" and name in ADJUST_NAMES and not c.get("ledgerDocumentUri"):
            errors.append(
                user_error(
                    [*path, "ledgerDocumentUri"],
                    "A ledger document URI is required for this quantity name.",
                    "INVALID_LEDGER_DOCUMENT",
                )
            )
        if name == "available" and c.get("ledgerDocumentUri"):
            errors.append(
                user_error(
                    [*path, "ledgerDocumentUri"],
                    "A ledger document URI is not allowed when adjusting available.",
                    "INTERNAL_LEDGER_DOCUMENT",
                )
            )
        if c.get("changeFromQuantity") is not None and name in ADJUST_NAMES:
            current = store.quantity(c["inventoryItemId"], c["locationId"], name)
            if current != c["changeFromQuantity"]:
                errors.append(
                    user_error(
                        [*path, "changeFromQuantity"],
                        f"The changeFromQuantity ({c['changeFromQuantity']}) does not match the "
                        f"current {name} quantity ({current}).",
                        "CHANGE_FROM_QUANTITY_STALE",
                    )
                )
    if errors:
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}
    changes, touched = [], []
    for c in input.get("changes") or []:
        item_id, loc_id = c["inventoryItemId"], c["locationId"]
        before_on_hand = store.quantity(item_id, loc_id, "on_hand")
        after = store.change_quantity(item_id, loc_id, name, c["delta"])
        changes.append(
            {
                "name": name,
                "delta": c["delta"],
                "quantityAfterChange": after,
                "ledgerDocumentUri": c.get("ledgerDocumentUri"),
                "_item": item_id,
                "_loc": loc_id,
            }
        )
        on_hand = store.quantity(item_id, loc_id, "on_hand")
        if on_hand != before_on_hand:
            changes.append(
                {
                    "name": "on_hand",
                    "delta": on_hand - before_on_hand,
                    "quantityAfterChange": on_hand,
                    "ledgerDocumentUri": None,
                    "_item": item_id,
                    "_loc": loc_id,
                }
            )
        touched.append((item_id, loc_id))
    group = _adjustment_group(store, input["reason"], input.get("referenceDocumentUri"), changes)
    for item_id, loc_id in touched:
        store.inventory_changed(item_id, loc_id)
    return {"inventoryAdjustmentGroup": group, "userErrors": []}


@field("Mutation", "inventoryItemUpdate")
def m_inventory_item_update(obj, info, id, input):
    store = _store(info)
    item = store.items.get(id)
    if item is None:
        return {
            "inventoryItem": None,
            "userErrors": [user_error(["id"], "Inventory item does not exist")],
        }
    variant = store.variants[item["variant_id"]]
    _apply_variant(store, variant, _variant_fields({"inventoryItem": input}))
    return {"inventoryItem": item, "userErrors": []}


# ----------------------------------------------------------------- collections
@field("Mutation", "collectionCreate")
def m_collection_create(obj, info, input=None, collection=None):
    store = _store(info)
    data = collection or input or {}
    path = "collection" if collection is not None else "input"
    if not data.get("title"):
        return {
            "collection": None,
            "userErrors": [user_error([path, "title"], "Title can't be blank")],
        }
    missing = [i for i, p in enumerate(data.get("products") or []) if p not in store.products]
    if missing:
        return {
            "collection": None,
            "userErrors": [
                user_error([path, "products", i], "Product does not exist") for i in missing
            ],
        }
    col_id, number = store.next_id("Collection")
    now = store.now()
    handle = handleize(data.get("handle") or data["title"])
    taken = {c["handle"] for c in store.collections.values()}
    base, n = handle, 1
    while handle in taken:
        handle = f"{base}-{n}"
        n += 1
    record = {
        "__typename": "Collection",
        "id": col_id,
        "legacyResourceId": str(number),
        "title": data["title"],
        "handle": handle,
        "descriptionHtml": data.get("descriptionHtml") or "",
        "sortOrder": data.get("sortOrder") or "BEST_SELLING",
        "templateSuffix": data.get("templateSuffix"),
        "product_ids": list(dict.fromkeys(data.get("products") or [])),
        "metafields": [],
        "updatedAt": now,
        "createdAt": now,
    }
    if data.get("metafields"):
        store.set_metafields(record, "COLLECTION", data["metafields"])
    store.collections[col_id] = record
    if store.payload_builder:
        store.emit(
            "collections/create",
            {
                "id": number,
                "admin_graphql_api_id": col_id,
                "title": record["title"],
                "handle": handle,
                "updated_at": now,
            },
        )
    return {"collection": record, "userErrors": []}


@field("Mutation", "collectionAddProducts")
def m_collection_add_products(obj, info, id, productIds):
    store = _store(info)
    col = store.collections.get(id)
    if col is None:
        return {"collection": None, "userErrors": [user_error(["id"], "Collection does not exist")]}
    missing = [i for i, p in enumerate(productIds) if p not in store.products]
    if missing:
        return {
            "collection": None,
            "userErrors": [
                user_error(["productIds", i], "Product does not exist") for i in missing
            ],
        }
    for pid in productIds:
        if pid not in col["product_ids"]:
            col["product_ids"].append(pid)
    col["updatedAt"] = store.now()
    return {"collection": col, "userErrors": []}


# ---------------------------------------------------------------------- orders
def _tracking_info(tracking):
    """FulfillmentTrackingInput -> the fulfilment's trackingInfo list."""
    numbers = tracking.get("numbers") or ([tracking["number"]] if tracking.get("number") else [])
    urls = tracking.get("urls") or ([tracking["url"]] if tracking.get("url") else [])
    tracking_info = [
        {
            "company": tracking.get("company"),
            "number": num,
            "url": urls[k] if k < len(urls) else None,
        }
        for k, num in enumerate(numbers)
    ]
    if not tracking_info and (tracking.get("company") or urls):
        tracking_info = [
            {"company": tracking.get("company"), "number": None, "url": urls[0] if urls else None}
        ]
    return tracking_info


@field("Mutation", "fulfillmentCreate")
def m_fulfillment_create(obj, info, fulfillment, message=None):
    store = _store(info)
    groups = fulfillment.get("lineItemsByFulfillmentOrder") or []
    if not groups:
        return {
            "fulfillment": None,
            "userErrors": [
                user_error(
                    ["fulfillment", "lineItemsByFulfillmentOrder"],
                    "Line items by fulfillment order can't be blank.",
                )
            ],
        }
    plan, errors = [], []
    order_ids = set()
    for i, group in enumerate(groups):
        path = ["fulfillment", "lineItemsByFulfillmentOrder", i]
        fo = store.fulfillment_orders.get(group["fulfillmentOrderId"])
        if fo is None:
            errors.append(
                user_error([*path, "fulfillmentOrderId"], "Fulfillment order does not exist.")
            )
            continue
        order_ids.add(fo["order_id"])
        if fo["status"] not in ("OPEN", "IN_PROGRESS"):
            errors.append(
                user_error(
                    [*path, "fulfillmentOrderId"],
                    f"Fulfillment order {fo['id']} has an unfulfillable status= "
                    f"{fo['status'].lower()}.",
                )
            )
            continue
        wanted = group.get("fulfillmentOrderLineItems")
        if wanted is None:
            wanted = [
                {"id": foli["id"], "quantity": foli["remainingQuantity"]}
                for foli in fo["line_items"]
                if foli["remainingQuantity"] > 0
            ]
        for j, w in enumerate(wanted):
            foli = next((x for x in fo["line_items"] if x["id"] == w["id"]), None)
            if foli is None:
                errors.append(
                    user_error(
                        [*path, "fulfillmentOrderLineItems", j, "id"],
                        "Fulfillment order line item does not exist.",
                    )
                )
                continue
            if w["quantity"] <= 0 or w["quantity"] > foli["remainingQuantity"]:
                errors.append(
                    user_error(
                        [*path, "fulfillmentOrderLineItems", j, "quantity"],
                        "Invalid fulfillment order line item quantity requested.",
                    )
                )
                continue
            plan.append((fo, foli, w["quantity"]))
    if len(order_ids) > 1:
        errors.append(
            user_error(["fulfillment"], "All fulfillment orders must belong to the same order.")
        )
    if not errors and not plan:
        errors.append(user_error(["fulfillment"], "There are no line items to fulfill."))
    if errors:
        return {"fulfillment": None, "userErrors": errors}
    order = store.orders[next(iter(order_ids))]
    now = store.now()
    ful_id, _number = store.next_id("Fulfillment")
    tracking_info = _tracking_info(fulfillment.get("trackingInfo") or {})
    line_items, touched, fo_ids = [], [], []
    for fo, foli, qty in plan:
        foli["remainingQuantity"] -= qty
        li = next(x for x in order["line_items"] if x["id"] == foli["line_item_id"])
        variant = store.variants.get(li["variant_id"])
        if variant:
            store.change_quantity(
                variant["inventory_item_id"], fo["location_id"], "committed", -qty
            )
            touched.append((variant["inventory_item_id"], fo["location_id"]))
        existing = next((x for x in line_items if x["line_item_id"] == li["id"]), None)
        if existing:
            existing["quantity"] += qty
        else:
            line_items.append(
                {
                    "__typename": "FulfillmentLineItem",
                    "id": store.next_id("FulfillmentLineItem")[0],
                    "line_item_id": li["id"],
                    "fulfillment_id": ful_id,
                    "quantity": qty,
                }
            )
        if fo["id"] not in fo_ids:
            fo_ids.append(fo["id"])
    for fo_id in fo_ids:
        fo = store.fulfillment_orders[fo_id]
        fo["status"] = (
            "CLOSED"
            if all(x["remainingQuantity"] == 0 for x in fo["line_items"])
            else "IN_PROGRESS"
        )
        fo["updatedAt"] = now
    record = {
        "__typename": "Fulfillment",
        "id": ful_id,
        "legacyResourceId": str(_number),
        "name": f"{order['name']}-F{len(order['fulfillment_ids']) + 1}",
        "order_id": order["id"],
        "location_id": plan[0][0]["location_id"],
        "status": "SUCCESS",
        "createdAt": now,
        "updatedAt": now,
        "trackingInfo": tracking_info,
        "line_items": line_items,
        "fulfillment_order_ids": fo_ids,
        "notifyCustomer": bool(fulfillment.get("notifyCustomer")),
    }
    store.fulfillments[ful_id] = record
    order["fulfillment_ids"].append(ful_id)
    order["updatedAt"] = now
    if store.payload_builder:
        store.emit("fulfillments/create", store.payload_builder.fulfillment(record))
        order_payload = store.payload_builder.order(order)
        store.emit("orders/updated", order_payload)
        status = store.fulfillment_status(order)
        store.emit(
            "orders/fulfilled" if status == "FULFILLED" else "orders/partially_fulfilled",
            order_payload,
        )
        for item_id, loc_id in touched:
            store.inventory_changed(item_id, loc_id)
    return {"fulfillment": record, "userErrors": []}


@field("Mutation", "fulfillmentTrackingInfoUpdate")
def m_fulfillment_tracking_info_update(obj, info, fulfillmentId, trackingInfoInput, **kwargs):
    """Replace a fulfilment's tracking (Shopify: the numbers given replace the old
    ones; fulfillments/update is sent)."""
    store = _store(info)
    record = store.fulfillments.get(fulfillmentId)
    if record is None:
        return {
            "fulfillment": None,
            "userErrors": [user_error(["fulfillmentId"], "Fulfillment does not exist.")],
        }
    if record["status"] != "SUCCESS":
        return {
            "fulfillment": None,
            "userErrors": [
                user_error(["fulfillmentId"], "Cannot update tracking of a cancelled fulfillment.")
            ],
        }
    record["trackingInfo"] = _tracking_info(trackingInfoInput or {})
    record["updatedAt"] = store.now()
    if store.payload_builder:
        store.emit("fulfillments/update", store.payload_builder.fulfillment(record))
    return {"fulfillment": record, "userErrors": []}


@field("Mutation", "orderCancel")
def m_order_cancel(obj, info, orderId, reason, restock, **kwargs):
    store = _store(info)
    order = store.orders.get(orderId)
    if order is None:
        err = user_error(["orderId"], "Order does not exist", "NOT_FOUND")
        return {
            "job": None,
            "orderCancelUserErrors": [err],
            "userErrors": [{k: v for k, v in err.items() if k != "code"}],
        }
    if order["cancelledAt"]:
        err = user_error(
            ["orderId"], "Cannot cancel an order that has already been cancelled", "INVALID"
        )
        return {
            "job": None,
            "orderCancelUserErrors": [err],
            "userErrors": [{k: v for k, v in err.items() if k != "code"}],
        }
    store.cancel_order(order, reason=reason, restock=restock)
    job_id = store.next_id("Job")[0]
    return {"job": {"id": job_id, "done": True}, "orderCancelUserErrors": [], "userErrors": []}


# -------------------------------------------------------------------- webhooks
def _sub_uri(ws: dict):
    return ws.get("uri") or ws.get("callbackUrl")


def _valid_webhook_uri(uri: str) -> bool:
    return bool(re.match(r"^(https?://[^\s/]+|pubsub://[^\s:]+:\S+|arn:aws:events:\S+)", uri or ""))


@field("Mutation", "webhookSubscriptionCreate")
def m_webhook_create(obj, info, topic, webhookSubscription):
    store = _store(info)
    uri = _sub_uri(webhookSubscription)
    key = "uri" if webhookSubscription.get("uri") else "callbackUrl"
    if not uri:
        return {
            "webhookSubscription": None,
            "userErrors": [user_error(["webhookSubscription", "uri"], "Address can't be blank")],
        }
    if not _valid_webhook_uri(uri):
        return {
            "webhookSubscription": None,
            "userErrors": [user_error(["webhookSubscription", key], "Address is invalid")],
        }
    for sub in store.webhook_subscriptions.values():
        if sub["topic"] == topic and sub["uri"] == uri:
            return {
                "webhookSubscription": None,
                "userErrors": [
                    user_error(
                        ["webhookSubscription", key],
                        "Address for this topic has already been taken",
                    )
                ],
            }
    sub_id, number = store.next_id("WebhookSubscription")
    now = store.now()
    record = {
        "__typename": "WebhookSubscription",
        "id": sub_id,
        "legacyResourceId": str(number),
        "topic": topic,
        "uri": uri,
        "format": webhookSubscription.get("format") or "JSON",
        "includeFields": webhookSubscription.get("includeFields") or [],
        "metafieldNamespaces": webhookSubscription.get("metafieldNamespaces") or [],
        "filter": webhookSubscription.get("filter"),
        "name": webhookSubscription.get("name"),
        "createdAt": now,
        "updatedAt": now,
    }
    store.webhook_subscriptions[sub_id] = record
    return {"webhookSubscription": record, "userErrors": []}


@field("Mutation", "webhookSubscriptionUpdate")
def m_webhook_update(obj, info, id, webhookSubscription):
    store = _store(info)
    sub = store.webhook_subscriptions.get(id)
    if sub is None:
        return {
            "webhookSubscription": None,
            "userErrors": [user_error(["id"], "Webhook subscription does not exist")],
        }
    uri = _sub_uri(webhookSubscription)
    if uri:
        if not _valid_webhook_uri(uri):
            return {
                "webhookSubscription": None,
                "userErrors": [user_error(["webhookSubscription", "uri"], "Address is invalid")],
            }
        sub["uri"] = uri
    for key in ("format", "includeFields", "metafieldNamespaces", "filter", "name"):
        if key in webhookSubscription:
            sub[key] = webhookSubscription[key]
    sub["updatedAt"] = store.now()
    return {"webhookSubscription": sub, "userErrors": []}


@field("Mutation", "webhookSubscriptionDelete")
def m_webhook_delete(obj, info, id):
    store = _store(info)
    if store.webhook_subscriptions.pop(id, None) is None:
        return {
            "deletedWebhookSubscriptionId": None,
            "userErrors": [user_error(["id"], "Webhook subscription does not exist")],
        }
    return {"deletedWebhookSubscriptionId": id, "userErrors": []}


# ------------------------------------------------------------------------ bulk
@field("Mutation", "bulkOperationRunQuery")
def m_bulk_query(obj, info, query, groupObjects=False):
    return info.context.app.bulk.run_query(query)


@field("Mutation", "bulkOperationRunMutation")
def m_bulk_mutation(
    obj, info, mutation, stagedUploadPath, clientIdentifier=None, groupObjects=False
):
    return info.context.app.bulk.run_mutation(mutation, stagedUploadPath, clientIdentifier)


@field("Mutation", "bulkOperationCancel")
def m_bulk_cancel(obj, info, id):
    return info.context.app.bulk.cancel(id)


@field("Mutation", "stagedUploadsCreate")
def m_staged_uploads(obj, info, input):
    return info.context.app.bulk.staged_uploads(input)


__all__ = ["RESOLVERS", "bag"]
