"""Sell Inventory API: inventory items, bulk calls, price and quantity, product
compatibility, inventory item groups and inventory locations."""

from __future__ import annotations

import copy
import re

from .errors import EbayError
from .routes import Response, rest
from .util import dec

API = "sell.inventory"
# eBay: "Only alphanumeric characters can be used for SKUs, and their length must
# not exceed 50 characters" (25707). Hyphens, underscores and dots are accepted in
# practice (SKUs such as "BP-100-F" are common); the sandbox accepts them too.
SKU_RE = re.compile(r"^[A-Za-z0-9._\-]{1,50}$")
LOCATION_KEY_RE = re.compile(r"^[A-Za-z0-9_\-]{1,36}$")
BULK_LIMIT = 25
MAX_TITLE = 80
MAX_COMPAT_NAME = 40
MAX_COMPAT_VALUE = 100


def check_sku(app, req, sku: str) -> None:
    if not SKU_RE.match(sku or ""):
        raise app.fail(req, 25707, parameters=[("sku", sku)])


def item_or_404(app, req, sku: str) -> dict:
    item = app.store.items.get(sku)
    if item is None:
        # eBay answers a missing SKU with 404 and errorId 25710 (the contract lists
        # 25710 under 400; eBay's knowledge base: "getInventoryItem API returning
        # error code 25710").
        raise app.fail(req, 25710, status=404, parameters=[("sku", sku)])
    return item


def _locale(req, body: dict | None = None) -> str:
    return (body or {}).get("locale") or req.header("content-language") or "en_US"


def _store_item(app, sku: str, body: dict, locale: str) -> bool:
    """Create or replace an inventory item; True when it is new."""
    store = app.store
    existing = store.items.get(sku)
    item = {
        k: copy.deepcopy(body[k])
        for k in ("product", "condition", "conditionDescription", "conditionDescriptors")
        if k in body
    }
    if "availability" in body:
        item["availability"] = copy.deepcopy(body["availability"])
    elif existing and "availability" in existing:
        item["availability"] = existing["availability"]
    if "packageWeightAndSize" in body:
        item["packageWeightAndSize"] = copy.deepcopy(body["packageWeightAndSize"])
    item["sku"] = sku
    item["locale"] = locale.replace("-", "_")
    item["groupKeys"] = existing["groupKeys"] if existing else []
    item["updated"] = store.now()
    store.items[sku] = item
    store.record_quantity(sku)
    return existing is None


def item_errors(app, req, body: dict) -> EbayError | None:
    """What eBay refuses on an inventory item itself (the rest waits for publish)."""
    product = body.get("product") or {}
    title = product.get("title")
    if title is not None and len(title) > MAX_TITLE:
        return app.fail(
            req,
            25016,
            message=f"The title value is invalid. A title can have {MAX_TITLE} characters at most.",
            parameters=[("fieldName", "product.title")],
        )
    for url in product.get("imageUrls") or []:
        if not str(url).startswith("https://"):
            return app.fail(
                req,
                25015,
                message="The eBay listing associated with the inventory item has an invalid "
                f"picture URL: {url}. Picture URLs must use HTTPS.",
                parameters=[("imageUrl", url)],
            )
    ship = (body.get("availability") or {}).get("shipToLocationAvailability") or {}
    quantities = [ship.get("quantity")] + [
        d.get("quantity") for d in ship.get("availabilityDistributions", [])
    ]
    if any(q is not None and q < 0 for q in quantities):
        return app.fail(req, 25004, message="The quantity must be 0 or more.")
    for dist in ship.get("availabilityDistributions", []):
        if dist.get("merchantLocationKey") not in app.store.locations:
            return app.fail(
                req,
                25012,
                message=f"Invalid inventory location {dist.get('merchantLocationKey')!r}.",
            )
    return None


def item_payload(app, item: dict) -> dict:
    out = {k: copy.deepcopy(v) for k, v in item.items() if k not in ("groupKeys", "updated")}
    ship = (out.get("availability") or {}).get("shipToLocationAvailability")
    if ship is not None:
        ship["quantity"] = app.store.item_quantity(item["sku"])
    if item["groupKeys"]:
        out["inventoryItemGroupKeys"] = list(item["groupKeys"])
        out["groupIds"] = list(item["groupKeys"])
    return out


# ----------------------------------------------------------------- inventory items


@rest(API, "createOrReplaceInventoryItem")
def create_or_replace_item(app, req):
    sku = req.path_params["sku"]
    check_sku(app, req, sku)
    problem = item_errors(app, req, req.json)
    if problem:
        raise problem
    _store_item(app, sku, req.json, _locale(req))
    for offer in app.store.offers.values():
        if offer["sku"] == sku and offer.get("listing"):
            offer["listing"]["revised"] = app.store.now()
    return Response(204)


@rest(API, "getInventoryItem")
def get_item(app, req):
    sku = req.path_params["sku"]
    return Response(200, item_payload(app, item_or_404(app, req, sku)))


@rest(API, "deleteInventoryItem")
def delete_item(app, req):
    store = app.store
    sku = req.path_params["sku"]
    item = item_or_404(app, req, sku)
    for offer_id in [o for o, offer in store.offers.items() if offer["sku"] == sku]:
        from .offers import end_offer

        end_offer(app, store.offers[offer_id], delete=True)
    for key in item["groupKeys"]:
        group = store.groups.get(key)
        if group and sku in group["variantSKUs"]:
            group["variantSKUs"].remove(sku)
    store.items.pop(sku)
    store.compatibility.pop(sku, None)
    store.record_quantity(sku)
    return Response(204)


def _page_params(app, req, default_limit=25, max_limit=200, error_id=25706):
    try:
        limit = int(req.query.get("limit", default_limit))
        offset = int(req.query.get("offset", 0))
    except ValueError:
        raise app.fail(req, error_id, additionalInfo="limit and offset must be integers") from None
    if not 1 <= limit <= max_limit or offset < 0:
        raise app.fail(
            req, error_id, additionalInfo=f"limit must be 1 to {max_limit}, offset 0 or more"
        )
    return limit, offset


def paged(app, path, key, rows, limit, offset, style="size"):
    """A page as eBay's collections carry it: href, limit, size or offset, total,
    next and prev hrefs."""
    page = rows[offset : offset + limit]
    base = app.href(path)
    out = {"href": f"{base}?limit={limit}&offset={offset}", "limit": limit, "total": len(rows)}
    if style == "size":
        out["size"] = len(page)
    else:
        out["offset"] = offset
    out[key] = page
    if offset + limit < len(rows):
        out["next"] = f"{base}?limit={limit}&offset={offset + limit}"
    if offset > 0:
        out["prev"] = f"{base}?limit={limit}&offset={max(offset - limit, 0)}"
    return out


@rest(API, "getInventoryItems")
def get_items(app, req):
    limit, offset = _page_params(app, req)
    rows = [item_payload(app, app.store.items[s]) for s in sorted(app.store.items)]
    body = paged(app, req.path, "inventoryItems", rows, limit, offset)
    return Response(200, body)


@rest(API, "bulkCreateOrReplaceInventoryItem")
def bulk_create_or_replace(app, req):
    requests = req.json.get("requests") or []
    if not requests or len(requests) > BULK_LIMIT:
        raise app.fail(req, 25727, additionalInfo=str(BULK_LIMIT))
    skus = [r.get("sku") for r in requests]
    if any(not r.get("sku") or not r.get("locale") for r in requests):
        raise app.fail(req, 25733)
    if len(set(skus)) != len(skus):
        raise app.fail(req, 25728)
    responses = []
    for body in requests:
        sku = body["sku"]
        try:
            check_sku(app, req, sku)
            problem = item_errors(app, req, body)
            if problem:
                raise problem
        except EbayError as exc:
            responses.append(
                {
                    "statusCode": exc.status,
                    "sku": sku,
                    "locale": body["locale"],
                    "errors": exc.errors,
                }
            )
            continue
        _store_item(app, sku, body, body["locale"])
        responses.append({"statusCode": 200, "sku": sku, "locale": body["locale"]})
    return Response(multi_status(responses), {"responses": responses})


def multi_status(responses: list[dict]) -> int:
    return 200 if all(r["statusCode"] < 300 for r in responses) else 207


@rest(API, "bulkGetInventoryItem")
def bulk_get(app, req):
    requests = req.json.get("requests") or []
    if not requests or len(requests) > BULK_LIMIT:
        raise app.fail(req, 25727, additionalInfo=str(BULK_LIMIT))
    skus = [r.get("sku") for r in requests]
    if len(set(skus)) != len(skus):
        raise app.fail(req, 25734)
    responses = []
    for sku in skus:
        item = app.store.items.get(sku)
        if item is None:
            err = app.fail(req, 25702, additionalInfo=sku, parameters=[("sku", sku)])
            responses.append({"statusCode": 404, "sku": sku, "errors": err.errors})
        else:
            responses.append(
                {"statusCode": 200, "sku": sku, "inventoryItem": item_payload(app, item)}
            )
    return Response(multi_status(responses), {"responses": responses})


# ------------------------------------------------------------ price and quantity


@rest(API, "bulkUpdatePriceQuantity")
def bulk_update_price_quantity(app, req):
    requests = req.json.get("requests") or []
    if not requests or len(requests) > BULK_LIMIT:
        raise app.fail(
            req,
            25002,
            message=f"A user error has occurred. The request must hold 1 to {BULK_LIMIT} "
            f"requests; it holds {len(requests)}.",
        )
    responses: list[dict] = []
    touched: set[str] = set()
    for entry in requests:
        responses.extend(_price_quantity_entry(app, req, entry, touched))
    app.store.record_skus(touched)
    return Response(multi_status(responses), {"responses": responses})


def _pq_error(app, req, error_id, sku=None, offer_id=None, **kwargs) -> dict:
    err = app.fail(req, error_id, **kwargs)
    out = {"statusCode": 400, "errors": err.errors}
    if sku:
        out["sku"] = sku
    if offer_id:
        out["offerId"] = offer_id
    return out


def _price_quantity_entry(app, req, entry: dict, touched: set) -> list[dict]:
    store = app.store
    sku = entry.get("sku")
    out: list[dict] = []
    ship = entry.get("shipToLocationAvailability")
    if ship is not None:
        if not sku:
            return [_pq_error(app, req, 25709, fieldName="sku", additionalInfo="sku is required")]
        if sku not in store.items:
            return [
                _pq_error(
                    app,
                    req,
                    25002,
                    sku=sku,
                    message=f"A user error has occurred. SKU {sku} is not available in the system.",
                )
            ]
        bad = _check_availability(app, ship)
        if bad:
            out.append(_pq_error(app, req, 25709, sku=sku, **bad))
        else:
            item = store.items[sku]
            current = (item.setdefault("availability", {})).setdefault(
                "shipToLocationAvailability", {}
            )
            if "quantity" in ship:
                current["quantity"] = ship["quantity"]
            if "availabilityDistributions" in ship:
                current["availabilityDistributions"] = copy.deepcopy(
                    ship["availabilityDistributions"]
                )
                if "quantity" not in ship:
                    current.pop("quantity", None)
            item["updated"] = store.now()
            touched.add(sku)
            out.append({"statusCode": 200, "sku": sku})
    for offer_entry in entry.get("offers") or []:
        out.append(_offer_price_quantity(app, req, sku, offer_entry, touched))
    if not out:
        out.append(
            _pq_error(
                app,
                req,
                25002,
                sku=sku,
                message="A user error has occurred. Give shipToLocationAvailability or offers.",
            )
        )
    return out


def _check_availability(app, ship: dict) -> dict | None:
    if ship.get("quantity") is not None and ship["quantity"] < 0:
        return {"fieldName": "quantity", "additionalInfo": "The quantity must be 0 or more."}
    for dist in ship.get("availabilityDistributions") or []:
        if dist.get("merchantLocationKey") not in app.store.locations:
            return {
                "fieldName": "merchantLocationKey",
                "additionalInfo": f"Unknown location {dist.get('merchantLocationKey')!r}.",
            }
        if dist.get("quantity") is not None and dist["quantity"] < 0:
            return {"fieldName": "quantity", "additionalInfo": "The quantity must be 0 or more."}
    return None


def _offer_price_quantity(app, req, sku, entry: dict, touched: set) -> dict:
    offer_id = entry.get("offerId")
    offer = app.store.offers.get(offer_id or "")
    if offer is None or (sku and offer["sku"] != sku):
        return _pq_error(
            app,
            req,
            25709,
            sku=sku,
            offer_id=offer_id,
            fieldName="offerId",
            additionalInfo=f"Offer {offer_id} does not exist for SKU {sku}.",
        )
    if not offer.get("listing") or offer["status"] != "PUBLISHED":
        return _pq_error(
            app,
            req,
            25709,
            sku=offer["sku"],
            offer_id=offer_id,
            fieldName="offerId",
            additionalInfo="bulkUpdatePriceQuantity changes published offers only; "
            "use updateOffer for an unpublished offer.",
        )
    if entry.get("availableQuantity") is not None and entry["availableQuantity"] < 0:
        return _pq_error(
            app,
            req,
            25709,
            sku=offer["sku"],
            offer_id=offer_id,
            fieldName="availableQuantity",
            additionalInfo="The quantity must be 0 or more.",
        )
    price = entry.get("price")
    if price is not None:
        try:
            amount = dec(price.get("value"))
        except ValueError:
            amount = dec(0)
        if amount <= 0 or price.get("currency", "USD") != "USD":
            return _pq_error(
                app,
                req,
                25709,
                sku=offer["sku"],
                offer_id=offer_id,
                fieldName="price",
                additionalInfo="The price must be a positive amount in USD.",
            )
        offer.setdefault("pricingSummary", {})["price"] = {
            "value": price["value"],
            "currency": price.get("currency", "USD"),
        }
    if entry.get("availableQuantity") is not None:
        offer["availableQuantity"] = entry["availableQuantity"]
    offer["listing"]["revised"] = app.store.now()
    touched.add(offer["sku"])
    return {"statusCode": 200, "sku": offer["sku"], "offerId": offer_id}


# ------------------------------------------------------------ product compatibility


@rest(API, "createOrReplaceProductCompatibility")
def put_compatibility(app, req):
    sku = req.path_params["sku"]
    if sku not in app.store.items:
        raise app.fail(req, 25702, skuValue=sku, parameters=[("sku", sku)])
    products = req.json.get("compatibleProducts") or []
    limit = int(app.config.max_compatible_vehicles)
    if len(products) > limit:
        raise app.fail(req, 25739, additionalInfo=str(limit))
    for product in products:
        if product.get("compatibilityProperties") and product.get("productFamilyProperties"):
            raise app.fail(req, 25742)
        for prop in product.get("compatibilityProperties") or []:
            name, value = prop.get("name") or "", prop.get("value") or ""
            if not 1 <= len(name) <= MAX_COMPAT_NAME:
                raise app.fail(req, 25740, additionalInfo=str(MAX_COMPAT_NAME))
            if not 1 <= len(value) <= MAX_COMPAT_VALUE:
                raise app.fail(req, 25741, additionalInfo=str(MAX_COMPAT_VALUE))
    existed = sku in app.store.compatibility
    app.store.compatibility[sku] = copy.deepcopy(products)
    return Response(204 if existed else 201)


@rest(API, "getProductCompatibility")
def get_compatibility(app, req):
    sku = req.path_params["sku"]
    if sku not in app.store.compatibility:
        raise app.fail(req, 25710, status=404, parameters=[("sku", sku)])
    return Response(
        200, {"sku": sku, "compatibleProducts": copy.deepcopy(app.store.compatibility[sku])}
    )


@rest(API, "deleteProductCompatibility")
def delete_compatibility(app, req):
    sku = req.path_params["sku"]
    if app.store.compatibility.pop(sku, None) is None:
        raise app.fail(req, 25710, status=404, parameters=[("sku", sku)])
    return Response(204)


# ------------------------------------------------------------ inventory item groups


@rest(API, "createOrReplaceInventoryItemGroup")
def put_group(app, req):
    store = app.store
    key = req.path_params["inventoryItemGroupKey"]
    body = req.json
    skus = body.get("variantSKUs") or []
    if not (body.get("variesBy") or {}).get("specifications"):
        raise app.fail(
            req,
            25013,
            message="Invalid data in the Inventory Item Group: variesBy.specifications is "
            "required.",
        )
    for sku in skus:
        item = store.items.get(sku)
        if item is None:
            raise app.fail(req, 25702, skuValue=sku, parameters=[("sku", sku)])
        other = [g for g in item["groupKeys"] if g != key]
        if other:
            raise app.fail(
                req, 25703, skuValue=sku, inventoryItemGroupKey=other[0], additionalInfo=other[0]
            )
        single = [
            o
            for o in store.offers.values()
            if o["sku"] == sku and o.get("listing") and not o.get("groupKey")
        ]
        if single:
            raise app.fail(
                req, 25704, skuValue=sku, additionalInfo=single[0]["listing"]["listingId"]
            )
    existed = key in store.groups
    previous = store.groups.get(key, {}).get("variantSKUs", [])
    for sku in previous:
        if sku not in skus and sku in store.items and key in store.items[sku]["groupKeys"]:
            store.items[sku]["groupKeys"].remove(key)
    group = copy.deepcopy(body)
    group["inventoryItemGroupKey"] = key
    group["variantSKUs"] = list(skus)
    store.groups[key] = group
    for sku in skus:
        if key not in store.items[sku]["groupKeys"]:
            store.items[sku]["groupKeys"].append(key)
    return Response(204 if existed else 201)


def group_or_404(app, req, key: str) -> dict:
    group = app.store.groups.get(key)
    if group is None:
        raise app.fail(req, 25705, status=404, inventoryItemGroupKey=key)
    return group


@rest(API, "getInventoryItemGroup")
def get_group(app, req):
    group = group_or_404(app, req, req.path_params["inventoryItemGroupKey"])
    return Response(200, copy.deepcopy(group))


@rest(API, "deleteInventoryItemGroup")
def delete_group(app, req):
    key = req.path_params["inventoryItemGroupKey"]
    group = group_or_404(app, req, key)
    for sku in group["variantSKUs"]:
        item = app.store.items.get(sku)
        if item and key in item["groupKeys"]:
            item["groupKeys"].remove(key)
    app.store.groups.pop(key)
    return Response(204)


# ---------------------------------------------------------------------- locations


def location_payload(key: str, loc: dict) -> dict:
    out = copy.deepcopy(loc)
    out["merchantLocationKey"] = key
    out.setdefault("merchantLocationStatus", "ENABLED")
    out.setdefault("locationTypes", ["WAREHOUSE"])
    return out


@rest(API, "createInventoryLocation")
def create_location(app, req):
    key = req.path_params["merchantLocationKey"]
    if not LOCATION_KEY_RE.match(key):
        raise app.fail(req, 25800, fieldName="merchantLocationKey")
    if key in app.store.locations:
        raise app.fail(req, 25803, status=409, fieldName="merchantLocationKey")
    body = req.json
    address = (body.get("location") or {}).get("address") or {}
    types = body.get("locationTypes") or ["WAREHOUSE"]
    if "WAREHOUSE" in types and not address.get("country"):
        raise app.fail(req, 25801, fieldName="location.address.country")
    if not address.get("postalCode") and not (address.get("city") and address.get("country")):
        raise app.fail(req, 25801, fieldName="location.address.postalCode")
    loc = copy.deepcopy(body)
    loc["locationTypes"] = types
    loc.setdefault("merchantLocationStatus", "ENABLED")
    app.store.locations[key] = loc
    return Response(204)


@rest(API, "getInventoryLocation")
def get_location(app, req):
    key = req.path_params["merchantLocationKey"]
    loc = app.store.locations.get(key)
    if loc is None:
        raise app.fail(req, 25805, status=404, fieldName="merchantLocationKey")
    return Response(200, location_payload(key, loc))


@rest(API, "getInventoryLocations")
def get_locations(app, req):
    # getInventoryLocations documents no pagination error: out-of-range values are
    # brought into range.
    limit = _int_param(req, "limit", 100, 1, 100)
    offset = _int_param(req, "offset", 0, 0, None)
    rows = [location_payload(k, v) for k, v in sorted(app.store.locations.items())]
    return Response(200, paged(app, req.path, "locations", rows, limit, offset, "offset"))


def _int_param(req, name, default, low, high):
    try:
        value = int(req.query.get(name, default))
    except ValueError:
        value = default
    value = max(value, low)
    return min(value, high) if high is not None else value


@rest(API, "deleteInventoryLocation")
def delete_location(app, req):
    key = req.path_params["merchantLocationKey"]
    if app.store.locations.pop(key, None) is None:
        raise app.fail(req, 25805, status=404, fieldName="merchantLocationKey")
    return Response(204)
