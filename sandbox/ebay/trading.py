"""The Trading API's XML endpoint (``POST /ws/api.dll``) for the calls the connector
makes through ebaysdk: ReviseFixedPriceItem, GetItem, GetMyeBaySelling.

What ebaysdk 2.1.5 sends (``ebaysdk/trading/__init__.py``): headers
``X-EBAY-API-CALL-NAME``, ``-SITEID``, ``-COMPATIBILITY-LEVEL``, ``-APP-NAME``,
``-DEV-NAME``, ``-CERT-NAME``, and ``X-EBAY-API-IAF-TOKEN`` (an OAuth user token) or,
without it, ``<RequesterCredentials><eBayAuthToken>`` in the body; the body
``<{Call}Request xmlns="urn:ebay:apis:eBLBaseComponents">``. Trading answers HTTP 200
with ``Ack`` Success, Warning or Failure and ``Errors`` (ShortMessage, LongMessage,
ErrorCode, SeverityCode, ErrorClassification).

ErrorCodes and their wording (sources):

- 2 Unsupported API call (eBay's Trading error list, ErrorMessages.html)
- 5 XML Parse error (the same list)
- 17 Item can't be accessed (a public Trading client's GetItem fixture)
- 37 Input data is invalid (the same client's fixtures)
- 291 You are not allowed to revise ended listings (ReviseItem docs: "You cannot
  revise listings that have ended")
- 518 call usage limit (eBay's answer past the daily Trading quota, quoted by several
  public clients: "Your application has exceeded usage limit on this call")
- 930 token not available (hendt/ebay-api's EBayTokenRequired code 930)
- 931 Auth token is invalid (eBay knowledge base KBid 630)
- 21916984 Invalid IAF token, 21917053 Expired IAF token (answers logged by public
  clients; hendt/ebay-api's EBayIAFTokenInvalid / EBayIAFTokenExpired codes)
- 21919474 Inventory-based listing management is not currently supported by this tool
  (ReviseFixedPriceItem docs: a listing made with the Inventory API "cannot be
  revised using the ReviseFixedPriceItem ... calls"; the code as public clients log
  it)
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections import deque
from decimal import Decimal

from . import taxonomy
from .seed_data import CONDITION_IDS, CONDITION_NAMES
from .util import dec, ebay_amount, iso, parse_iso

NS = "urn:ebay:apis:eBLBaseComponents"
CALLS = ("ReviseFixedPriceItem", "GetItem", "GetMyeBaySelling")
MAX_TITLE = 80


class TradingError(Exception):
    def __init__(self, code: int, short: str, long: str | None = None, params=()):
        super().__init__(short)
        self.code = code
        self.short = short
        self.long = long or short
        self.params = list(params)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _strip(element: ET.Element) -> ET.Element:
    for node in element.iter():
        node.tag = _local(node.tag)
    return element


def _text(node: ET.Element | None, path: str, default=None):
    found = node.find(path) if node is not None else None
    return found.text.strip() if found is not None and found.text else default


def _add(parent: ET.Element, tag: str, value=None, **attrs) -> ET.Element:
    child = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if value is not None:
        child.text = str(value).lower() if isinstance(value, bool) else str(value)
    return child


def _invalid(tag: str, detail: str = "") -> TradingError:
    return TradingError(
        37,
        "Input data is invalid.",
        f"Input data for tag <{tag}> is invalid or missing. {detail}".strip(),
        [tag],
    )


class Trading:
    def __init__(self, app):
        self.app = app
        self.log: deque = deque(maxlen=200)  # the headers and outcome of recent calls

    def clear(self) -> None:
        self.log.clear()

    # -------------------------------------------------------------- envelope
    def handle(self, headers: dict, body: bytes) -> tuple[int, bytes]:
        call = headers.get("x-ebay-api-call-name", "")
        self.app.count_call(f"trading:{call or '?'}")
        content = ET.Element("content")
        failure = None
        try:
            self._dispatch(call, headers, body, content)
        except TradingError as exc:
            failure = exc
        level = self.app.config.trading_compatibility_level
        root = ET.Element(f"{call or 'Unknown'}Response", {"xmlns": NS})
        _add(root, "Timestamp", self.app.store.now())
        _add(root, "Ack", "Failure" if failure else "Success")
        if failure:
            self._error(root, failure)
        _add(root, "Version", level)
        _add(root, "Build", f"E{level}_CORE_APISIGNATURE_SANDBOX_R1")
        if not failure:
            root.extend(list(content))
        self.log.append(
            {
                "call": call,
                "siteId": headers.get("x-ebay-api-siteid"),
                "compatibilityLevel": headers.get("x-ebay-api-compatibility-level"),
                "appName": headers.get("x-ebay-api-app-name"),
                "auth": "iaf" if headers.get("x-ebay-api-iaf-token") else "auth-n-auth",
                "ack": "Failure" if failure else "Success",
                "errorCode": failure.code if failure else None,
            }
        )
        return 200, b'<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root, "utf-8")

    def _error(self, root: ET.Element, exc: TradingError) -> None:
        errors = _add(root, "Errors")
        _add(errors, "ShortMessage", exc.short)
        _add(errors, "LongMessage", exc.long)
        _add(errors, "ErrorCode", exc.code)
        _add(errors, "SeverityCode", "Error")
        for index, value in enumerate(exc.params):
            param = _add(errors, "ErrorParameters", ParamID=index)
            _add(param, "Value", value)
        _add(errors, "ErrorClassification", "RequestError")

    def _dispatch(self, call: str, headers: dict, body: bytes, root: ET.Element) -> None:
        if call not in CALLS:
            raise TradingError(
                2,
                "Unsupported API call.",
                f'The API call "{call}" is invalid or not supported in this release.',
                [call],
            )
        try:
            request = _strip(ET.fromstring(body))
        except ET.ParseError as exc:
            raise TradingError(5, "XML Parse error.", f"XML Error Text: {exc}") from exc
        if request.tag != f"{call}Request":
            raise TradingError(5, "XML Parse error.", f"The root element must be <{call}Request>.")
        self._authenticate(headers, request)
        if not self.app.quotas.take("tradingapi"):
            raise TradingError(
                518,
                "Your application has exceeded usage limit on this call.",
                "Your application has exceeded usage limit on this call, please make call "
                "to Developer Analytics API to check your call usage.",
            )
        with self.app.store.lock:
            getattr(self, "_" + call)(request, root)

    def _authenticate(self, headers: dict, request: ET.Element) -> None:
        iaf = headers.get("x-ebay-api-iaf-token")
        if iaf:
            token = self.app.oauth.lookup(iaf)
            if token is not None and token.kind == "user":
                return
            if self.app.oauth.known(iaf):
                raise TradingError(21917053, "Expired IAF token.", "IAF token supplied is expired.")
            raise TradingError(21916984, "Invalid IAF token.", "IAF token supplied is invalid.")
        auth = _text(request, "RequesterCredentials/eBayAuthToken")
        if not auth:
            raise TradingError(
                930,
                "Token not available in request.",
                "Token not available in request. Please specify a valid token as HTTP header.",
            )
        if auth != self.app.config.trading_auth_token:
            raise TradingError(
                931,
                "Auth token is invalid.",
                "Validation of the authentication token in API request failed.",
            )

    # --------------------------------------------------------------- helpers
    def _listing(self, item: ET.Element | None, allow_ended=True) -> dict:
        store = self.app.store
        item_id = _text(item, "ItemID") if item is not None else None
        sku = _text(item, "SKU") if item is not None else None
        listing = None
        if item_id:
            listing = store.listings.get(item_id)
        elif sku:
            listing = next(
                (x for x in store.listings.values() if sku in store.listing_skus(x)), None
            )
        if listing is None:
            raise TradingError(
                17,
                "Item can't be accessed.",
                "This item cannot be accessed because the listing has been deleted or you "
                "are not the seller.",
                [item_id or sku or ""],
            )
        if not allow_ended and listing["status"] != "ACTIVE":
            raise TradingError(
                291,
                "Auction ended.",
                "You are not allowed to revise ended listings.",
                [listing["listingId"]],
            )
        return listing

    def _view(self, listing: dict) -> dict:
        """One listing's Trading fields, whichever API made it."""
        store = self.app.store
        if listing["source"] == "trading":
            return {
                "sku": listing["sku"],
                "title": listing["title"],
                "price": listing["price"],
                "categoryId": listing["categoryId"],
                "conditionId": listing["conditionId"],
                "pictures": listing["pictures"],
                "specifics": listing["specifics"],
                "compatibility": listing["compatibility"],
                "variations": [
                    {**v, "sold": listing["sold"].get(v.get("sku"), 0)}
                    for v in listing["variations"]
                ],
            }
        offers = [store.offers[o] for o in listing["offerIds"] if o in store.offers]
        first = offers[0]
        item = store.items.get(first["sku"], {})
        product = item.get("product") or {}
        group = store.groups.get(listing.get("groupKey") or "")
        view = {
            "sku": "" if group else first["sku"],
            "title": (group or product).get("title", ""),
            "price": first.get("pricingSummary", {}).get("price", {}).get("value", "0"),
            "categoryId": first.get("categoryId", ""),
            "conditionId": CONDITION_IDS.get(item.get("condition", ""), ""),
            "pictures": (group or product).get("imageUrls", []),
            "specifics": {**(group or {}).get("aspects", {}), **product.get("aspects", {})},
            "compatibility": [
                taxonomy.product_properties(p) for p in store.compatibility.get(first["sku"], [])
            ],
            "variations": [],
        }
        if group:
            for offer in offers:
                aspects = (store.items.get(offer["sku"], {}).get("product") or {}).get(
                    "aspects", {}
                )
                view["variations"].append(
                    {
                        "sku": offer["sku"],
                        "price": offer["pricingSummary"]["price"]["value"],
                        "quantity": store.offer_quantity(offer),
                        "sold": listing["sold"].get(offer["sku"], 0),
                        "specifics": aspects,
                    }
                )
        return view

    def _item_element(self, parent, listing: dict, with_compat: bool) -> ET.Element:
        store = self.app.store
        view = self._view(listing)
        available = store.listing_quantity(listing)
        sold = sum(listing["sold"].values())
        item = _add(parent, "Item")
        _add(item, "ItemID", listing["listingId"])
        details = _add(item, "ListingDetails")
        _add(details, "StartTime", listing["startTime"])
        _add(details, "EndTime", _end_time(listing))
        if listing.get("endingReason"):
            _add(details, "EndingReason", listing["endingReason"])
        _add(details, "ViewItemURL", f"https://www.ebay.com/itm/{listing['listingId']}")
        _add(item, "ListingDuration", "GTC")
        _add(item, "ListingType", "FixedPriceItem")
        _add(item, "Location", "San Jose, CA")
        category = store.categories.get(view["categoryId"], {})
        primary = _add(item, "PrimaryCategory")
        _add(primary, "CategoryID", view["categoryId"])
        _add(primary, "CategoryName", category.get("categoryName", ""))
        _add(item, "Quantity", available + sold)
        seller = _add(item, "Seller")
        _add(seller, "UserID", self.app.config.seller_username)
        status = _add(item, "SellingStatus")
        _add(status, "CurrentPrice", ebay_amount(view["price"]), currencyID="USD")
        _add(status, "QuantitySold", sold)
        _add(status, "ListingStatus", "Active" if listing["status"] == "ACTIVE" else "Completed")
        _add(item, "Site", "eBayMotors")
        _add(item, "StartPrice", ebay_amount(view["price"]), currencyID="USD")
        _add(item, "Title", view["title"])
        _add(item, "Currency", "USD")
        _add(item, "Country", "US")
        if view["sku"]:
            _add(item, "SKU", view["sku"])
        if view["conditionId"]:
            _add(item, "ConditionID", view["conditionId"])
            _add(item, "ConditionDisplayName", CONDITION_NAMES.get(view["conditionId"], ""))
        if view["pictures"]:
            pictures = _add(item, "PictureDetails")
            for url in view["pictures"]:
                _add(pictures, "PictureURL", url)
        if view["specifics"]:
            _specifics(_add(item, "ItemSpecifics"), view["specifics"])
        _add(item, "ItemCompatibilityCount", len(view["compatibility"]))
        if with_compat and view["compatibility"]:
            compat_list = _add(item, "ItemCompatibilityList")
            for props in view["compatibility"]:
                compat = _add(compat_list, "Compatibility")
                for name, value in props.items():
                    pair = _add(compat, "NameValueList")
                    _add(pair, "Name", name)
                    _add(pair, "Value", value)
                _add(compat, "CompatibilityNotes", "")
        if view["variations"]:
            variations = _add(item, "Variations")
            for var in view["variations"]:
                node = _add(variations, "Variation")
                _add(node, "SKU", var.get("sku", ""))
                _add(
                    node,
                    "StartPrice",
                    ebay_amount(var.get("price", view["price"])),
                    currencyID="USD",
                )
                _add(node, "Quantity", int(var.get("quantity", 0)) + int(var.get("sold", 0)))
                var_status = _add(node, "SellingStatus")
                _add(var_status, "QuantitySold", var.get("sold", 0))
                if var.get("specifics"):
                    _specifics(_add(node, "VariationSpecifics"), var["specifics"])
        return item

    # ------------------------------------------------------------------ calls
    def _GetItem(self, request: ET.Element, root: ET.Element) -> None:
        listing = self._listing(request)
        with_compat = (_text(request, "IncludeItemCompatibilityList") or "").lower() == "true"
        self._item_element(root, listing, with_compat)

    def _GetMyeBaySelling(self, request: ET.Element, root: ET.Element) -> None:
        store = self.app.store
        active = request.find("ActiveList")
        per_page = int(_text(active, "Pagination/EntriesPerPage", "25"))
        page = int(_text(active, "Pagination/PageNumber", "1"))
        if not 1 <= per_page <= 200 or page < 1:
            raise _invalid("ActiveList.Pagination", "EntriesPerPage is 1 to 200.")
        listings = sorted(
            (x for x in store.listings.values() if x["status"] == "ACTIVE"),
            key=lambda x: x["listingId"],
        )
        chunk = listings[(page - 1) * per_page : page * per_page]
        node = _add(root, "ActiveList")
        items = _add(node, "ItemArray")
        for listing in chunk:
            view = self._view(listing)
            item = _add(items, "Item")
            _add(item, "ItemID", listing["listingId"])
            details = _add(item, "ListingDetails")
            _add(details, "StartTime", listing["startTime"])
            _add(item, "ListingType", "FixedPriceItem")
            available = store.listing_quantity(listing)
            sold = sum(listing["sold"].values())
            _add(item, "Quantity", available + sold)
            _add(item, "QuantityAvailable", available)
            status = _add(item, "SellingStatus")
            _add(status, "CurrentPrice", ebay_amount(view["price"]), currencyID="USD")
            _add(status, "QuantitySold", sold)
            if view["sku"]:
                _add(item, "SKU", view["sku"])
            _add(item, "Title", view["title"])
            _add(item, "TimeLeft", "P30D")
        pages = max((len(listings) + per_page - 1) // per_page, 1 if listings else 0)
        result = _add(node, "PaginationResult")
        _add(result, "TotalNumberOfPages", pages)
        _add(result, "TotalNumberOfEntries", len(listings))

    def _ReviseFixedPriceItem(self, request: ET.Element, root: ET.Element) -> None:
        store = self.app.store
        item = request.find("Item")
        if item is None:
            raise _invalid("Item")
        listing = self._listing(item, allow_ended=False)
        if listing["source"] != "trading":
            raise TradingError(
                21919474,
                "Inventory-based listing management is not currently supported by this tool.",
                "Inventory-based listing management is not currently supported by this tool. "
                "Please refer to the tool used to create this listing.",
                [listing["listingId"]],
            )
        changes = self._revisions(item, listing)
        listing.update(changes)
        listing["revisions"] += 1
        for sku in store.listing_skus(listing):
            store.record_quantity(sku)
        _add(root, "ItemID", listing["listingId"])
        if listing["sku"]:
            _add(root, "SKU", listing["sku"])
        _add(root, "StartTime", listing["startTime"])
        _add(root, "EndTime", _end_time(listing))
        fees = _add(root, "Fees")
        for name in ("InsertionFee", "ListingFee"):
            fee = _add(fees, "Fee")
            _add(fee, "Name", name)
            _add(fee, "Fee", "0.0", currencyID="USD")

    def _revisions(self, item: ET.Element, listing: dict) -> dict:
        """The fields ReviseFixedPriceItem changes, checked before anything is applied."""
        changes: dict = {}
        price = _text(item, "StartPrice")
        if price is not None:
            try:
                amount = dec(price)
            except ValueError:
                amount = Decimal("0")
            if amount <= 0:
                raise _invalid("Item.StartPrice", "The price must be above 0.")
            changes["price"] = str(amount)
        quantity = _text(item, "Quantity")
        if quantity is not None:
            if not quantity.isdigit():
                raise _invalid("Item.Quantity", "The quantity must be 0 or more.")
            # Revise calls send the quantity available; eBay adds what was sold to
            # Item.Quantity (knowledge base 1526).
            changes["quantity"] = int(quantity)
        title = _text(item, "Title")
        if title is not None:
            if not title or len(title) > MAX_TITLE:
                raise _invalid("Item.Title", f"A title has 1 to {MAX_TITLE} characters.")
            changes["title"] = title
        pictures = [p.text for p in item.findall("PictureDetails/PictureURL") if p.text]
        if pictures:
            changes["pictures"] = pictures
        specifics = item.find("ItemSpecifics")
        if specifics is not None:
            changes["specifics"] = _read_specifics(specifics)
        condition = _text(item, "ConditionID")
        if condition is not None:
            allowed = self.app.store.categories.get(listing["categoryId"], {}).get("conditions")
            if allowed and condition not in allowed:
                raise _invalid("Item.ConditionID", f"Allowed: {', '.join(allowed)}.")
            changes["conditionId"] = condition
        compat = item.find("ItemCompatibilityList")
        if compat is not None:
            changes["compatibility"] = self._compatibility(compat, listing)
        variations = item.findall("Variations/Variation")
        if variations:
            changes["variations"] = self._variations(variations, listing)
        return changes

    def _compatibility(self, node: ET.Element, listing: dict) -> list[dict]:
        rows = []
        for compat in node.findall("Compatibility"):
            props = {}
            for pair in compat.findall("NameValueList"):
                name = taxonomy.canonical_property(_text(pair, "Name", "")) or _text(pair, "Name")
                props[name] = _text(pair, "Value", "")
            rows.append(props)
        replace = (_text(node, "ReplaceAll") or "").lower() == "true"
        merged = rows if replace else listing["compatibility"] + rows
        products = [
            {"compatibilityProperties": [{"name": k, "value": v} for k, v in p.items()]}
            for p in merged
        ]
        problems = taxonomy.compatibility_problems(
            self.app.store,
            listing["categoryId"],
            products,
            int(self.app.config.max_compatible_vehicles),
        )
        if problems:
            raise _invalid("Item.ItemCompatibilityList", problems[0])
        return merged

    def _variations(self, nodes: list, listing: dict) -> list[dict]:
        current = {v.get("sku"): dict(v) for v in listing["variations"]}
        for node in nodes:
            sku = _text(node, "SKU")
            if sku not in current:
                raise _invalid("Item.Variations.Variation.SKU", f"Unknown variation {sku}.")
            quantity = _text(node, "Quantity")
            if quantity is not None:
                if not quantity.isdigit():
                    raise _invalid("Item.Variations.Variation.Quantity")
                current[sku]["quantity"] = int(quantity)
            price = _text(node, "StartPrice")
            if price is not None:
                current[sku]["price"] = price
        return list(current.values())


def _end_time(listing: dict) -> str:
    """An ended listing's end; a live GTC listing's next 30-day renewal."""
    if listing.get("endTime"):
        return listing["endTime"]
    start = parse_iso(listing["startTime"])
    return iso(start + dt.timedelta(days=30))


def _specifics(parent: ET.Element, specifics: dict) -> None:
    for name, values in specifics.items():
        pair = _add(parent, "NameValueList")
        _add(pair, "Name", name)
        for value in [values] if isinstance(values, str) else values:
            _add(pair, "Value", value)


def _read_specifics(node: ET.Element) -> dict:
    out = {}
    for pair in node.findall("NameValueList"):
        name = _text(pair, "Name")
        if name:
            out[name] = [v.text for v in pair.findall("Value") if v.text]
    return out
