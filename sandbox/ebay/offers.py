"""Sell Inventory API offers: create, update, get, publish, withdraw, by group, bulk.

Publishing checks what eBay checks before a listing goes live, and answers every
problem at once (eBay's publish answers carry several errors): business policies
present and the seller's own, a leaf category, a condition the category allows, the
category's required aspects, at least one picture, a title, a description, a price,
a quantity, an enabled inventory location, and compatibility the category accepts.
"""

from __future__ import annotations

import copy

from . import taxonomy
from .errors import EbayError
from .inventory import BULK_LIMIT, MAX_TITLE, multi_status
from .routes import Response, rest
from .seed_data import CONDITION_IDS
from .util import dec

API = "sell.inventory"
MARKETPLACES = ("EBAY_MOTORS_US", "EBAY_US")
OFFER_FIELDS = (
    "availableQuantity",
    "categoryId",
    "charity",
    "extendedProducerResponsibility",
    "hideBuyerDetails",
    "includeCatalogProductDetails",
    "listingDescription",
    "listingDuration",
    "listingPolicies",
    "listingStartDate",
    "lotSize",
    "merchantLocationKey",
    "pricingSummary",
    "quantityLimitPerBuyer",
    "regulatory",
    "secondaryCategoryId",
    "storeCategoryNames",
    "tax",
)
POLICY_ERRORS = {"fulfillment": 25007, "payment": 25008, "return": 25009}


def offer_payload(app, offer: dict) -> dict:
    out = {k: copy.deepcopy(offer[k]) for k in OFFER_FIELDS if offer.get(k) is not None}
    out.update(
        offerId=offer["offerId"],
        sku=offer["sku"],
        marketplaceId=offer["marketplaceId"],
        format=offer["format"],
        status=offer["status"],
    )
    listing = offer.get("listing")
    if listing:
        out["listing"] = {
            "listingId": listing["listingId"],
            "listingStatus": listing["listingStatus"],
            "listingOnHold": False,
            "soldQuantity": int(listing.get("soldQuantity", 0)),
        }
    return out


def offer_or_404(app, req, offer_id: str) -> dict:
    offer = app.store.offers.get(offer_id)
    if offer is None:
        raise app.fail(req, 25713, status=404, additionalInfo=offer_id)
    return offer


def _new_offer_errors(app, req, body: dict) -> EbayError | None:
    store = app.store
    sku = body.get("sku")
    for name in ("sku", "marketplaceId", "format"):
        if not body.get(name):
            return app.fail(
                req, 25709, fieldName=name, additionalInfo=f"{name} is required", parameters=[]
            )
    if sku not in store.items:
        return app.fail(req, 25702, skuValue=sku, additionalInfo=sku, parameters=[("sku", sku)])
    if body["marketplaceId"] not in MARKETPLACES:
        return app.fail(req, 25709, fieldName="marketplaceId", additionalInfo=body["marketplaceId"])
    if body["format"] == "AUCTION":
        if store.items[sku]["groupKeys"]:
            return app.fail(req, 25756)
        if not body.get("listingDuration"):
            return app.fail(req, 25755)
        if not (body.get("pricingSummary") or {}).get("auctionStartPrice"):
            return app.fail(req, 25757)
    elif (body.get("pricingSummary") or {}).get("auctionStartPrice"):
        return app.fail(req, 25758)
    for offer in store.offers.values():
        if (offer["sku"], offer["marketplaceId"], offer["format"]) == (
            sku,
            body["marketplaceId"],
            body["format"],
        ):
            return app.fail(
                req,
                25002,
                message="A user error has occurred. Offer entity already exists.",
                parameters=[("offerId", offer["offerId"])],
            )
    return None


def _make_offer(app, body: dict) -> dict:
    offer_id = str(app.store.next_id("offer"))
    offer = {k: copy.deepcopy(body[k]) for k in OFFER_FIELDS if k in body}
    offer.update(
        offerId=offer_id,
        sku=body["sku"],
        marketplaceId=body["marketplaceId"],
        format=body["format"],
        status="UNPUBLISHED",
        listing=None,
        groupKey=None,
    )
    app.store.offers[offer_id] = offer
    return offer


@rest(API, "createOffer")
def create_offer(app, req):
    problem = _new_offer_errors(app, req, req.json)
    if problem:
        raise problem
    offer = _make_offer(app, req.json)
    return Response(201, {"offerId": offer["offerId"]})


@rest(API, "bulkCreateOffer")
def bulk_create_offer(app, req):
    requests = req.json.get("requests") or []
    if not requests or len(requests) > BULK_LIMIT:
        raise app.fail(req, 25730, additionalInfo=str(BULK_LIMIT))
    keys = [(r.get("sku"), r.get("marketplaceId"), r.get("format")) for r in requests]
    if len(set(keys)) != len(keys):
        raise app.fail(req, 25729)
    responses = []
    for body in requests:
        base = {k: body.get(k) for k in ("sku", "marketplaceId", "format") if body.get(k)}
        problem = _new_offer_errors(app, req, body)
        if problem:
            responses.append({"statusCode": problem.status, **base, "errors": problem.errors})
            continue
        offer = _make_offer(app, body)
        responses.append({"statusCode": 200, **base, "offerId": offer["offerId"]})
    return Response(multi_status(responses), {"responses": responses})


@rest(API, "getOffer")
def get_offer(app, req):
    return Response(200, offer_payload(app, offer_or_404(app, req, req.path_params["offerId"])))


@rest(API, "getOffers")
def get_offers(app, req):
    from .inventory import _page_params, paged

    sku = req.query.get("sku")
    if not sku:
        raise app.fail(req, 25709, fieldName="sku", additionalInfo="sku is required")
    if sku not in app.store.items:
        raise app.fail(req, 25709, fieldName="sku", additionalInfo=f"SKU {sku} is not found")
    limit, offset = _page_params(app, req, default_limit=25)
    rows = [
        offer_payload(app, o)
        for o in app.store.offers.values()
        if o["sku"] == sku
        and (
            not req.query.get("marketplace_id") or o["marketplaceId"] == req.query["marketplace_id"]
        )
        and (not req.query.get("format") or o["format"] == req.query["format"])
    ]
    return Response(200, paged(app, req.path, "offers", rows, limit, offset))


@rest(API, "updateOffer")
def update_offer(app, req):
    offer = offer_or_404(app, req, req.path_params["offerId"])
    candidate = {k: offer[k] for k in ("offerId", "sku", "marketplaceId", "format", "status")}
    candidate.update({k: copy.deepcopy(req.json[k]) for k in OFFER_FIELDS if k in req.json})
    candidate.update(listing=offer.get("listing"), groupKey=offer.get("groupKey"))
    if offer["status"] == "PUBLISHED":
        # Updating a published offer revises the live listing: eBay checks it again.
        item = app.store.items.get(offer["sku"], {})
        group = app.store.groups.get(offer.get("groupKey") or "")
        problems = publish_problems(app, req, candidate, item, group)
        if problems:
            raise combine(problems)
        candidate["listing"]["revised"] = app.store.now()
    app.store.offers[offer["offerId"]] = candidate
    app.store.record_quantity(offer["sku"])
    return Response(204)


@rest(API, "deleteOffer")
def delete_offer(app, req):
    offer = offer_or_404(app, req, req.path_params["offerId"])
    end_offer(app, offer, delete=True)
    return Response(204)


# ------------------------------------------------------------------- publishing


def combine(problems: list[EbayError]) -> EbayError:
    out = problems[0]
    for extra in problems[1:]:
        out = out + extra
    return out


def _policy_problems(app, req, offer: dict) -> list[EbayError]:
    out = []
    policies = offer.get("listingPolicies") or {}
    for kind, error_id in POLICY_ERRORS.items():
        policy_id = policies.get(f"{kind}PolicyId")
        if not policy_id:
            out.append(
                app.fail(
                    req,
                    error_id,
                    additionalInfo=f"The {kind} policy is missing (listingPolicies."
                    f"{kind}PolicyId).",
                )
            )
            continue
        policy = app.store.policies[kind].get(policy_id)
        if policy is None or policy["marketplaceId"] != offer["marketplaceId"]:
            out.append(
                app.fail(
                    req,
                    25035,
                    message=f"The specified policy is not found for the market place: "
                    f"{kind} policy {policy_id} on {offer['marketplaceId']}.",
                    parameters=[("policyId", policy_id)],
                )
            )
    return out


def _aspect_problems(app, req, category: dict, aspects: dict) -> list[EbayError]:
    given = {k.lower(): v for k, v in (aspects or {}).items()}
    out = []
    for aspect in category["aspects"]:
        values = given.get(aspect["name"].lower())
        values = [values] if isinstance(values, str) else list(values or [])
        values = [v for v in values if str(v).strip()]
        if aspect.get("required") and not values:
            out.append(
                app.fail(
                    req,
                    25002,
                    message=f"A user error has occurred. The item specific {aspect['name']} "
                    f"is missing. Add {aspect['name']} to this listing, enter a valid value, "
                    "and then try again.",
                    parameters=[("0", aspect["name"])],
                )
            )
        elif aspect.get("mode") == "SELECTION_ONLY" and aspect.get("values"):
            bad = [v for v in values if v not in aspect["values"]]
            if bad:
                out.append(
                    app.fail(
                        req,
                        25002,
                        message=f"A user error has occurred. The item specific "
                        f"{aspect['name']} has an invalid value: {bad[0]}.",
                        parameters=[("0", aspect["name"]), ("1", bad[0])],
                    )
                )
    return out


def _category_problems(app, req, offer: dict, item: dict) -> tuple[dict | None, list]:
    store = app.store
    category_id = offer.get("categoryId")
    category = store.categories.get(category_id or "")
    if not category_id or category is None or not taxonomy.is_leaf(store, category_id):
        reason = (
            "The category ID is missing."
            if not category_id
            else f"{category_id} is not a leaf category of the eBay Motors category tree."
        )
        return None, [app.fail(req, 25005, additionalInfo=reason)]
    out = []
    condition = item.get("condition")
    if category["conditions"]:
        allowed = category["conditions"]
        if not condition or CONDITION_IDS.get(condition) not in allowed:
            out.append(
                app.fail(
                    req,
                    25021,
                    additionalInfo=f"Condition {condition or '(none)'} is not allowed in "
                    f"category {category_id}; allowed condition ids: {', '.join(allowed)}.",
                )
            )
    return category, out


def publish_problems(app, req, offer: dict, item: dict, group: dict | None = None) -> list:
    """Every reason eBay would refuse to list ``offer`` (an empty list: it can go live)."""
    store = app.store
    out = _policy_problems(app, req, offer)
    category, problems = _category_problems(app, req, offer, item)
    out += problems
    product = item.get("product") or {}
    source = group or product
    title = source.get("title") or ""
    if not title.strip() or len(title) > MAX_TITLE:
        out.append(
            app.fail(
                req,
                25016,
                message=f"The title value is invalid. A title of 1 to {MAX_TITLE} characters "
                "is required.",
                parameters=[("fieldName", "title")],
            )
        )
    if not (offer.get("listingDescription") or source.get("description") or "").strip():
        out.append(
            app.fail(
                req,
                25016,
                message="The description value is invalid. A listing description is required.",
                parameters=[("fieldName", "description")],
            )
        )
    if not (source.get("imageUrls") or product.get("imageUrls")):
        # eBay answers a listing without pictures with 25002 "Add at least 1 photo."
        out.append(app.fail(req, 25002, message="A user error has occurred. Add at least 1 photo."))
    if category:
        aspects = dict((group or {}).get("aspects") or {})
        aspects.update(product.get("aspects") or {})
        out += _aspect_problems(app, req, category, aspects)
        compat = taxonomy.compatibility_problems(
            store,
            category["categoryId"],
            store.compatibility.get(offer["sku"], []),
            int(app.config.max_compatible_vehicles),
        )
        out += [app.fail(req, 25023, additionalInfo=p) for p in compat[:5]]
    price = ((offer.get("pricingSummary") or {}).get("price")) or {}
    try:
        amount = dec(price.get("value"))
    except ValueError:
        amount = dec(0)
    if amount <= 0 or price.get("currency", "USD") != "USD":
        out.append(app.fail(req, 25003, additionalInfo="A price in USD above 0 is required."))
    if store.offer_quantity(offer) < 1:
        out.append(
            app.fail(
                req, 25004, additionalInfo="The quantity available must be 1 or more to publish."
            )
        )
    location = store.locations.get(offer.get("merchantLocationKey") or "")
    if location is None or location.get("merchantLocationStatus") == "DISABLED":
        out.append(
            app.fail(
                req,
                25012,
                additionalInfo="An enabled merchantLocationKey is required to publish "
                f"({offer.get('merchantLocationKey') or 'none given'}).",
            )
        )
    return out


def go_live(app, offers: list[dict], group_key: str | None = None) -> dict:
    """Publish offers as one listing (a new listing id unless it is already live)."""
    store = app.store
    live = [o["listing"] for o in offers if o.get("listing") and o["status"] == "PUBLISHED"]
    if live:
        listing = store.listings[live[0]["listingId"]]
    else:
        listing_id = str(store.next_id("listing"))
        listing = {
            "listingId": listing_id,
            "source": "inventory",
            "offerIds": [],
            "groupKey": group_key,
            "status": "ACTIVE",
            "marketplaceId": offers[0]["marketplaceId"],
            "categoryId": offers[0].get("categoryId"),
            "startTime": store.now(),
            "endTime": None,
            "sold": {},
        }
        store.listings[listing_id] = listing
    for offer in offers:
        if offer["offerId"] not in listing["offerIds"]:
            listing["offerIds"].append(offer["offerId"])
        offer["status"] = "PUBLISHED"
        offer["groupKey"] = group_key
        offer["listing"] = {
            "listingId": listing["listingId"],
            "listingStatus": "ACTIVE",
            "soldQuantity": int(listing["sold"].get(offer["sku"], 0)),
            "revised": store.now(),
        }
    store.record_skus(o["sku"] for o in offers)
    return listing


def end_offer(app, offer: dict, delete: bool = False) -> None:
    """Withdraw (end the listing of) an offer; with ``delete``, forget the offer."""
    store = app.store
    listing_ref = offer.get("listing")
    if listing_ref and offer["status"] == "PUBLISHED":
        listing = store.listings.get(listing_ref["listingId"])
        if listing:
            others = [
                o
                for o in listing["offerIds"]
                if o != offer["offerId"] and store.offers.get(o, {}).get("status") == "PUBLISHED"
            ]
            if not others:
                listing["status"] = "ENDED"
                listing["endTime"] = store.now()
        listing_ref["listingStatus"] = "ENDED"
    offer["status"] = "UNPUBLISHED"
    if delete:
        store.offers.pop(offer["offerId"], None)
    store.record_quantity(offer["sku"])


@rest(API, "publishOffer")
def publish_offer(app, req):
    offer = offer_or_404(app, req, req.path_params["offerId"])
    if offer.get("groupKey") or app.store.items.get(offer["sku"], {}).get("groupKeys"):
        raise app.fail(
            req,
            25002,
            message="A user error has occurred. This offer belongs to an inventory item group: "
            "publish it with publishOfferByInventoryItemGroup.",
        )
    problems = publish_problems(app, req, offer, app.store.items.get(offer["sku"], {}))
    if problems:
        raise combine(problems)
    listing = go_live(app, [offer])
    return Response(200, {"listingId": listing["listingId"]})


@rest(API, "withdrawOffer")
def withdraw_offer(app, req):
    offer = offer_or_404(app, req, req.path_params["offerId"])
    if offer["status"] != "PUBLISHED":
        raise app.fail(req, 25002, message="A user error has occurred. The offer is not published.")
    listing_id = offer["listing"]["listingId"]
    end_offer(app, offer)
    return Response(200, {"listingId": listing_id})


def _group_offers(app, req, body: dict, error_missing: int) -> tuple[dict, list[dict]]:
    key = body.get("inventoryItemGroupKey")
    group = app.store.groups.get(key or "")
    if group is None:
        raise app.fail(req, error_missing, inventoryItemGroupKey=key, additionalInfo=key)
    marketplace = body.get("marketplaceId")
    offers = []
    for sku in group["variantSKUs"]:
        found = [
            o
            for o in app.store.offers.values()
            if o["sku"] == sku and o["marketplaceId"] == marketplace
        ]
        offers.extend(found[:1])
    return group, offers


@rest(API, "publishOfferByInventoryItemGroup")
def publish_by_group(app, req):
    group, offers = _group_offers(app, req, req.json, 25705)
    missing = sorted(set(group["variantSKUs"]) - {o["sku"] for o in offers})
    problems = []
    if missing or not offers:
        problems.append(
            app.fail(
                req,
                25002,
                message="A user error has occurred. No offer exists on "
                f"{req.json.get('marketplaceId')} for {', '.join(missing) or 'the group'}.",
            )
        )
    for offer in offers:
        item = app.store.items.get(offer["sku"], {})
        problems += publish_problems(app, req, offer, item, group)
        problems += _variation_problems(app, req, group, item)
    if problems:
        raise combine(_unique(problems))
    listing = go_live(app, offers, group["inventoryItemGroupKey"])
    return Response(200, {"listingId": listing["listingId"]})


def _unique(problems: list[EbayError]) -> list[EbayError]:
    seen, out = set(), []
    for p in problems:
        key = (p.errors[0]["errorId"], p.errors[0]["message"])
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _variation_problems(app, req, group: dict, item: dict) -> list[EbayError]:
    aspects = {k.lower(): v for k, v in ((item.get("product") or {}).get("aspects") or {}).items()}
    out = []
    for spec in (group.get("variesBy") or {}).get("specifications") or []:
        values = aspects.get(spec["name"].lower()) or []
        if not values or values[0] not in spec.get("values", []):
            out.append(
                app.fail(
                    req,
                    25013,
                    message=f"Invalid data in the Inventory Item Group: SKU {item.get('sku')} "
                    f"needs a {spec['name']} aspect with one of {spec.get('values', [])}.",
                )
            )
    return out


@rest(API, "withdrawOfferByInventoryItemGroup")
def withdraw_by_group(app, req):
    _group, offers = _group_offers(app, req, req.json, 25725)
    published = [o for o in offers if o["status"] == "PUBLISHED"]
    if not published:
        raise app.fail(req, 25725)
    for offer in published:
        end_offer(app, offer)
    return Response(204)


@rest(API, "bulkPublishOffer")
def bulk_publish(app, req):
    requests = req.json.get("requests") or []
    if not requests or len(requests) > BULK_LIMIT:
        raise app.fail(req, 25730, additionalInfo=str(BULK_LIMIT))
    ids = [r.get("offerId") for r in requests]
    if len(set(ids)) != len(ids):
        raise app.fail(req, 25731)
    responses = []
    for offer_id in ids:
        offer = app.store.offers.get(offer_id or "")
        if offer is None:
            err = app.fail(req, 25713, additionalInfo=offer_id)
            responses.append({"statusCode": 404, "offerId": offer_id, "errors": err.errors})
            continue
        item = app.store.items.get(offer["sku"], {})
        if item.get("groupKeys"):
            err = app.fail(req, 25732)
            responses.append({"statusCode": 400, "offerId": offer_id, "errors": err.errors})
            continue
        problems = publish_problems(app, req, offer, item)
        if problems:
            err = combine(problems)
            responses.append({"statusCode": 400, "offerId": offer_id, "errors": err.errors})
            continue
        listing = go_live(app, [offer])
        responses.append(
            {"statusCode": 200, "offerId": offer_id, "listingId": listing["listingId"]}
        )
    return Response(multi_status(responses), {"responses": responses})
