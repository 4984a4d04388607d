"""Taxonomy API (category tree, suggestions, item aspects, compatibility properties
and values) and Metadata API (item condition and automotive parts compatibility
policies), over the store's category tree (``seed_data.py`` has the ids' sources)."""

from __future__ import annotations

import re

from .errors import documented
from .routes import Response, rest

TAXONOMY = "commerce.taxonomy"
METADATA = "sell.metadata"
MOTORS_TREE = "100"
TREE_VERSION = "130"
# The Taxonomy contract's list of category_tree_id values per marketplace.
DEFAULT_TREES = {
    "EBAY_US": "0",
    "EBAY_MOTORS_US": MOTORS_TREE,
    "EBAY_CA": "2",
    "EBAY_GB": "3",
    "EBAY_DE": "77",
    "EBAY_AU": "15",
    "EBAY_FR": "71",
    "EBAY_IT": "101",
    "EBAY_ES": "186",
}
# Marketplaces the Metadata contract says support parts compatibility.
COMPAT_MARKETPLACES = (
    "EBAY_MOTORS_US",
    "EBAY_AU",
    "EBAY_CA",
    "EBAY_DE",
    "EBAY_ES",
    "EBAY_FR",
    "EBAY_GB",
    "EBAY_IT",
)
COMPAT_PROPERTIES = ("Year", "Make", "Model", "Trim", "Engine")
REQUIRED_COMPAT = ("Year", "Make", "Model")


# ------------------------------------------------------------------ tree helpers


def children(store, cid: str) -> list[dict]:
    return sorted(
        (c for c in store.categories.values() if c["parentId"] == cid),
        key=lambda c: c["categoryName"],
    )


def is_leaf(store, cid: str) -> bool:
    return cid in store.categories and not children(store, cid)


def ancestors(store, cid: str) -> list[dict]:
    """Parents from the immediate one up to (not including) the root."""
    out = []
    current = store.categories.get(cid)
    while current and current["parentId"] in store.categories:
        current = store.categories[current["parentId"]]
        out.append(current)
    return out


def level(store, cid: str) -> int:
    return len(ancestors(store, cid)) + 1


def leaves_under(store, cid: str) -> list[str]:
    if is_leaf(store, cid):
        return [cid]
    out = []
    for child in children(store, cid):
        out.extend(leaves_under(store, child["categoryId"]))
    return out


def _node(app, cid: str) -> dict:
    store = app.store
    cat = store.categories[cid]
    node = {
        "category": {"categoryId": cid, "categoryName": cat["categoryName"]},
        "categoryTreeNodeLevel": level(store, cid),
        "leafCategoryTreeNode": is_leaf(store, cid),
        "parentCategoryTreeNodeHref": _subtree_href(app, cat["parentId"]),
    }
    kids = [_node(app, c["categoryId"]) for c in children(store, cid)]
    if kids:
        node["childCategoryTreeNodes"] = kids
    return node


def _subtree_href(app, cid: str) -> str:
    base = f"/commerce/taxonomy/v1/category_tree/{MOTORS_TREE}"
    if cid == "0":
        return app.href(base)
    return app.href(f"{base}/get_category_subtree?category_id={cid}")


def _check_tree(app, req) -> None:
    if req.path_params["category_tree_id"] != MOTORS_TREE:
        # Only eBay Motors US (100) is modelled.
        raise app.fail(req, 62004)


def _category_param(app, req, leaf_only=False) -> dict:
    cid = req.query.get("category_id")
    if not cid:
        raise app.fail(req, 62006)
    if cid == "0":
        root = documented(req.route.api, req.route.operation_id, 62008)
        raise app.fail(req, 62008 if root else 62005)
    cat = app.store.categories.get(cid)
    if cat is None:
        raise app.fail(req, 62005)
    if leaf_only and not is_leaf(app.store, cid):
        raise app.fail(req, 62009)
    return cat


# -------------------------------------------------------------------- taxonomy


@rest(TAXONOMY, "getDefaultCategoryTreeId")
def default_tree(app, req):
    marketplace = req.query.get("marketplace_id")
    if not marketplace:
        raise app.fail(req, 62002)
    if marketplace not in DEFAULT_TREES:
        raise app.fail(req, 62003)
    return Response(
        200, {"categoryTreeId": DEFAULT_TREES[marketplace], "categoryTreeVersion": TREE_VERSION}
    )


@rest(TAXONOMY, "getCategoryTree")
def category_tree(app, req):
    _check_tree(app, req)
    root = {
        "category": {"categoryId": "0", "categoryName": "Root"},
        "categoryTreeNodeLevel": 0,
        "leafCategoryTreeNode": False,
        "childCategoryTreeNodes": [_node(app, c["categoryId"]) for c in children(app.store, "0")],
    }
    return Response(
        200,
        {
            "applicableMarketplaceIds": ["EBAY_MOTORS_US"],
            "categoryTreeId": MOTORS_TREE,
            "categoryTreeVersion": TREE_VERSION,
            "rootCategoryNode": root,
        },
    )


@rest(TAXONOMY, "getCategorySubtree")
def category_subtree(app, req):
    _check_tree(app, req)
    cat = _category_param(app, req)
    return Response(
        200,
        {
            "categorySubtreeNode": _node(app, cat["categoryId"]),
            "categoryTreeId": MOTORS_TREE,
            "categoryTreeVersion": TREE_VERSION,
        },
    )


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", text.lower()) if len(w) > 1}


@rest(TAXONOMY, "getCategorySuggestions")
def category_suggestions(app, req):
    _check_tree(app, req)
    query = (req.query.get("q") or "").strip()
    if not query:
        raise app.fail(req, 62007)
    words = _words(query)
    lowered = query.lower()
    scored = []
    for cid, cat in app.store.categories.items():
        if not is_leaf(app.store, cid):
            continue
        score = 0
        for phrase in cat["keywords"] + [cat["categoryName"]]:
            phrase = phrase.lower()
            if phrase in lowered:
                score += 3 * len(phrase.split())
            elif _words(phrase) & words:
                score += len(_words(phrase) & words)
        if score:
            scored.append((score, cid))
    if not scored:
        return Response(204)
    scored.sort(key=lambda s: (-s[0], s[1]))
    suggestions = []
    for score, cid in scored[:10]:
        cat = app.store.categories[cid]
        suggestions.append(
            {
                "category": {"categoryId": cid, "categoryName": cat["categoryName"]},
                "categoryTreeNodeAncestors": [
                    {
                        "categoryId": a["categoryId"],
                        "categoryName": a["categoryName"],
                        "categoryTreeNodeLevel": level(app.store, a["categoryId"]),
                        "categorySubtreeNodeHref": _subtree_href(app, a["categoryId"]),
                    }
                    for a in ancestors(app.store, cid)
                ],
                "categoryTreeNodeLevel": level(app.store, cid),
                "relevancy": "HIGH" if score >= 3 else "MEDIUM",
            }
        )
    return Response(
        200,
        {
            "categorySuggestions": suggestions,
            "categoryTreeId": MOTORS_TREE,
            "categoryTreeVersion": TREE_VERSION,
        },
    )


def aspect_payload(aspect: dict) -> dict:
    constraint = {
        "aspectDataType": aspect.get("dataType", "STRING"),
        "itemToAspectCardinality": aspect.get("cardinality", "SINGLE"),
        "aspectMode": aspect.get("mode", "FREE_TEXT"),
        "aspectRequired": bool(aspect.get("required")),
        "aspectUsage": aspect.get("usage", "OPTIONAL"),
        "aspectEnabledForVariations": aspect.get("variations", aspect["name"] != "Brand"),
        "aspectApplicableTo": ["PRODUCT"],
        "aspectMaxLength": aspect.get("maxLength", 65),
    }
    out = {"localizedAspectName": aspect["name"], "aspectConstraint": constraint}
    if aspect.get("values"):
        out["aspectValues"] = [{"localizedValue": v} for v in aspect["values"]]
    return out


@rest(TAXONOMY, "getItemAspectsForCategory")
def item_aspects(app, req):
    _check_tree(app, req)
    cat = _category_param(app, req, leaf_only=True)
    if not cat["aspects"]:
        return Response(204)
    return Response(200, {"aspects": [aspect_payload(a) for a in cat["aspects"]]})


def _compat_category(app, req) -> dict:
    cat = _category_param(app, req)
    if not cat["compatibility"]:
        raise app.fail(req, 62101)
    return cat


@rest(TAXONOMY, "getCompatibilityProperties")
def compatibility_properties(app, req):
    _check_tree(app, req)
    _compat_category(app, req)
    return Response(
        200,
        {"compatibilityProperties": [{"name": p, "localizedName": p} for p in COMPAT_PROPERTIES]},
    )


def parse_filter(text: str) -> dict | None:
    """``Year:2018,Make:Toyota`` -> {"Year": "2018", "Make": "Toyota"}; None if bad."""
    out = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition(":")
        if not sep or not name.strip() or not value.strip():
            return None
        out[name.strip()] = value.strip()
    return out


def canonical_property(name: str) -> str | None:
    for prop in COMPAT_PROPERTIES:
        if prop.lower() == (name or "").strip().lower():
            return prop
    return None


@rest(TAXONOMY, "getCompatibilityPropertyValues")
def compatibility_property_values(app, req):
    _check_tree(app, req)
    _compat_category(app, req)
    prop = req.query.get("compatibility_property")
    if not prop:
        raise app.fail(req, 62104)
    canonical = canonical_property(prop)
    if canonical is None:
        raise app.fail(req, 62102)
    filters = parse_filter(req.query.get("filter", ""))
    if filters is None:
        raise app.fail(req, 62100)
    wanted = {}
    for name, value in filters.items():
        key = canonical_property(name)
        if key is None:
            raise app.fail(req, 62102)
        wanted[key] = value
    values = sorted(
        {
            v[canonical]
            for v in app.store.vehicles
            if all(v.get(k) == val for k, val in wanted.items())
        }
    )
    if not values:
        return Response(204)
    return Response(200, {"compatibilityPropertyValues": [{"value": v} for v in values]})


# ------------------------------------------------------- compatibility validation


def product_properties(product: dict) -> dict:
    """A compatible product's name/value pairs with eBay's property names."""
    props = {}
    for pair in product.get("compatibilityProperties") or []:
        props[canonical_property(pair.get("name")) or pair.get("name")] = pair.get("value")
    for name, value in (product.get("productFamilyProperties") or {}).items():
        props[canonical_property(name) or name] = value
    return props


def compatibility_problems(store, category_id: str, products: list[dict], limit: int) -> list:
    """Sentences for what eBay would refuse in a listing's compatibility list."""
    if not products:
        return []
    cat = store.categories.get(category_id)
    if not cat or not cat["compatibility"]:
        return [f"Category {category_id} does not support parts compatibility."]
    if len(products) > limit:
        return [f"{len(products)} compatible vehicles exceed the maximum of {limit}."]
    problems = []
    for props in (product_properties(p) for p in products):
        unknown = [n for n in props if n not in COMPAT_PROPERTIES]
        if unknown:
            problems.append(f"Unknown compatibility property {unknown[0]!r}.")
            continue
        missing = [n for n in REQUIRED_COMPAT if not props.get(n)]
        if missing:
            problems.append(f"Compatible vehicle {props} lacks {', '.join(missing)}.")
            continue
        if not any(all(v.get(k) == val for k, val in props.items()) for v in store.vehicles):
            shown = ", ".join(f"{k} {v}" for k, v in props.items())
            problems.append(f"No vehicle matches {shown}.")
    return problems


# -------------------------------------------------------------------- metadata


def _categories_filter(app, req) -> list[str]:
    """``filter=categoryIds:{33564|33557}`` -> leaf ids under them (all leaves when
    absent)."""
    text = req.query.get("filter") or ""
    found = re.match(r"^\s*categoryIds\s*:\s*\{([^}]*)\}\s*$", text)
    roots = [c.strip() for c in found.group(1).split("|") if c.strip()][:50] if found else []
    store = app.store
    if not roots:
        roots = [c["categoryId"] for c in children(store, "0")]
    leaves: list[str] = []
    for cid in roots:
        if cid in store.categories:
            leaves.extend(c for c in leaves_under(store, cid) if c not in leaves)
    return leaves


def _marketplace(app, req, allowed) -> str:
    marketplace = req.path_params["marketplace_id"]
    if marketplace not in allowed:
        raise app.fail(req, 46001)
    return marketplace


@rest(METADATA, "getItemConditionPolicies")
def item_condition_policies(app, req):
    from .seed_data import CONDITION_NAMES

    marketplace = _marketplace(app, req, DEFAULT_TREES)
    policies = []
    if marketplace == "EBAY_MOTORS_US":
        for cid in _categories_filter(app, req):
            cat = app.store.categories[cid]
            if not cat["conditions"]:
                continue
            policies.append(
                {
                    "categoryId": cid,
                    "categoryTreeId": MOTORS_TREE,
                    "itemConditionRequired": True,
                    "itemConditions": [
                        {
                            "conditionId": c,
                            "conditionDescription": CONDITION_NAMES.get(c, c),
                            "usage": "EVERYONE",
                        }
                        for c in cat["conditions"]
                    ],
                }
            )
    return Response(200, {"itemConditionPolicies": policies})


@rest(METADATA, "getAutomotivePartsCompatibilityPolicies")
def compatibility_policies(app, req):
    marketplace = _marketplace(app, req, COMPAT_MARKETPLACES)
    policies = []
    if marketplace == "EBAY_MOTORS_US":
        for cid in _categories_filter(app, req):
            if app.store.categories[cid]["compatibility"]:
                policies.append(
                    {
                        "categoryId": cid,
                        "categoryTreeId": MOTORS_TREE,
                        "compatibilityBasedOn": "ASSEMBLY",
                        "compatibleVehicleTypes": ["CARS_AND_TRUCKS"],
                        "maxNumberOfCompatibleVehicles": int(app.config.max_compatible_vehicles),
                    }
                )
    return Response(200, {"automotivePartsCompatibilityPolicies": policies})
