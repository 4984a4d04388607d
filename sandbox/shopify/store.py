"""In-memory Shopify store: the data behind the resolvers and the control API.

Records are plain dicts whose keys are, where possible, the GraphQL field names of
the type in ``__typename``; links to other records are kept as ``*_id`` gids and
resolved in ``resolvers.py``.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import threading
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
QUANTITY_NAMES = (
    "available",
    "on_hand",
    "committed",
    "reserved",
    "incoming",
    "damaged",
    "safety_stock",
    "quality_control",
)
# on_hand = available + every "unavailable" state below
UNAVAILABLE_NAMES = ("committed", "reserved", "damaged", "safety_stock", "quality_control")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> dt.datetime | None:
    text = text.strip().strip("'\"")
    if not text:
        return None
    try:
        if len(text) == 10:
            return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value


def gid(type_name: str, number: int) -> str:
    return f"gid://shopify/{type_name}/{number}"


_GID_RE = re.compile(r"^gid://shopify/([A-Za-z]+)/(\d+)(?:\?.*)?$")


def parse_gid(value: str | None) -> tuple[str, int] | None:
    if not isinstance(value, str):
        return None
    match = _GID_RE.match(value)
    if not match:
        return None
    return match.group(1), int(match.group(2))


def gid_number(value: str) -> int:
    parsed = parse_gid(value)
    return parsed[1] if parsed else 0


def dec(value) -> Decimal:
    if value is None or value == "":
        return Decimal("0")
    return Decimal(str(value))


def money(value) -> str:
    """Shopify ``Money``: a decimal string with two places, e.g. ``"12.50"``."""
    return str(dec(value).quantize(CENT, rounding=ROUND_HALF_UP))


def handleize(text: str) -> str:
    handle = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
    return handle or "product"


DEFAULT_SEED: dict = {
    "locations": [
        {"name": "Main Warehouse", "city": "Leeds", "countryCode": "GB", "zip": "LS1 1AA"},
        {"name": "Trade Counter", "city": "York", "countryCode": "GB", "zip": "YO1 7HH"},
    ],
    "products": [
        {
            "title": "Brake Pad Set",
            "vendor": "StopTech",
            "productType": "Brakes",
            "tags": ["brakes", "front"],
            "options": [{"name": "Axle", "values": ["Front", "Rear"]}],
            "variants": [
                {
                    "sku": "BP-100-F",
                    "price": "45.00",
                    "barcode": "5012345000011",
                    "options": ["Front"],
                    "weight": 1.2,
                    "inventory": {"Main Warehouse": 20, "Trade Counter": 5},
                },
                {
                    "sku": "BP-100-R",
                    "price": "39.00",
                    "barcode": "5012345000028",
                    "options": ["Rear"],
                    "weight": 1.0,
                    "inventory": {"Main Warehouse": 15},
                },
            ],
        },
        {
            "title": "Oil Filter",
            "vendor": "Mann",
            "productType": "Filters",
            "tags": ["service"],
            "variants": [
                {
                    "sku": "OF-200",
                    "price": "8.50",
                    "compareAtPrice": "10.00",
                    "barcode": "5012345000035",
                    "weight": 0.3,
                    "inventory": {"Main Warehouse": 100, "Trade Counter": 12},
                }
            ],
        },
        {
            "title": "Spark Plug",
            "vendor": "NGK",
            "productType": "Ignition",
            "tags": ["ignition", "service"],
            "options": [{"name": "Gap", "values": ["0.8mm", "1.0mm"]}],
            "variants": [
                {
                    "sku": "SP-300-08",
                    "price": "6.00",
                    "options": ["0.8mm"],
                    "weight": 0.05,
                    "inventory": {"Main Warehouse": 200},
                },
                {
                    "sku": "SP-300-10",
                    "price": "6.25",
                    "options": ["1.0mm"],
                    "weight": 0.05,
                    "inventory": {"Main Warehouse": 150},
                },
            ],
        },
    ],
    "customers": [
        {"email": "alice@example.com", "firstName": "Alice", "lastName": "Driver"},
        {"email": "bob@example.com", "firstName": "Bob", "lastName": "Mechanic"},
    ],
}


class StoreError(Exception):
    """A control-API level error (bad seed/order input)."""


class Store:
    """All shop data, guarded by one re-entrant lock."""

    def __init__(self, shop_name: str = "Sandbox Motor Parts", domain: str | None = None):
        self.lock = threading.RLock()
        self.shop_name = shop_name
        self.domain = domain or "sandbox-motor-parts.myshopify.com"
        self.currency = "GBP"
        # on_event(topic, payload) is set by the app to queue outbound webhooks
        self.on_event: Callable[[str, dict], None] = lambda topic, payload: None
        self.payload_builder = None  # set by the app (webhooks.PayloadBuilder)
        self.reset()

    # ------------------------------------------------------------------ basics
    def reset(self) -> None:
        with self.lock:
            self._counters: dict[str, int] = {}
            self.products: dict[str, dict] = {}
            self.variants: dict[str, dict] = {}
            self.items: dict[str, dict] = {}
            self.levels: dict[tuple[str, str], dict] = {}
            self.locations: dict[str, dict] = {}
            self.customers: dict[str, dict] = {}
            self.orders: dict[str, dict] = {}
            self.refunds: dict[str, dict] = {}
            self.order_edits: dict[str, dict] = {}
            self.fulfillment_orders: dict[str, dict] = {}
            self.fulfillments: dict[str, dict] = {}
            self.collections: dict[str, dict] = {}
            self.metafield_definitions: dict[str, dict] = {}
            self.webhook_subscriptions: dict[str, dict] = {}
            self.bulk_operations: dict[str, dict] = {}
            self.bulk_results: dict[str, bytes] = {}
            self.staged_files: dict[str, bytes] = {}
            self.staged_targets: dict[str, dict[str, str]] = {}  # key -> form parameters
            self.media: dict[str, dict] = {}  # MediaImage id -> media (see media.py)
            self.adjustment_groups: dict[str, dict] = {}
            self.product_operations: dict[str, dict] = {}
            self.shop_id = gid("Shop", 1)
            self._counters["Shop"] = 1
            self._last_ts = None

    def next_id(self, type_name: str) -> tuple[str, int]:
        base = {"Order": 5000, "Product": 7000, "ProductVariant": 4000, "InventoryItem": 9000}
        number = self._counters.get(type_name, base.get(type_name, 0)) + 1
        self._counters[type_name] = number
        return gid(type_name, number), number

    def now(self) -> str:
        """A timestamp that never goes backwards between two writes."""
        stamp = utcnow()
        if self._last_ts and stamp < self._last_ts:
            stamp = self._last_ts
        self._last_ts = stamp
        return iso(stamp)

    def emit(self, topic: str, payload: dict) -> None:
        self.on_event(topic, payload)

    # --------------------------------------------------------------- locations
    def add_location(self, data: dict) -> dict:
        with self.lock:
            loc_id, number = self.next_id("Location")
            now = self.now()
            record = {
                "__typename": "Location",
                "id": loc_id,
                "legacyResourceId": str(number),
                "name": data.get("name") or f"Location {number}",
                "isActive": data.get("isActive", True),
                "isPrimary": not self.locations,
                "fulfillsOnlineOrders": data.get("fulfillsOnlineOrders", True),
                "shipsInventory": True,
                "hasActiveInventory": True,
                "createdAt": now,
                "updatedAt": now,
                "address": {
                    "address1": data.get("address1", "1 High Street"),
                    "address2": data.get("address2"),
                    "city": data.get("city", "London"),
                    "zip": data.get("zip", "EC1A 1AA"),
                    "province": data.get("province"),
                    "provinceCode": data.get("provinceCode"),
                    "country": data.get("country", "United Kingdom"),
                    "countryCode": data.get("countryCode", "GB"),
                    "phone": data.get("phone"),
                },
            }
            self.locations[loc_id] = record
            return record

    def location_by_name(self, name: str) -> dict | None:
        for loc in self.locations.values():
            if loc["name"] == name or loc["id"] == name:
                return loc
        return None

    def primary_location(self) -> dict:
        if not self.locations:
            return self.add_location({"name": "Shop location"})
        for loc in self.locations.values():
            if loc.get("isPrimary"):
                return loc
        return next(iter(self.locations.values()))

    # ---------------------------------------------------------------- products
    def new_product(self, fields: dict) -> dict:
        prod_id, number = self.next_id("Product")
        now = self.now()
        title = fields.get("title") or "Untitled product"
        handle = fields.get("handle") or self.unique_handle(handleize(title))
        record = {
            "__typename": "Product",
            "id": prod_id,
            "legacyResourceId": str(number),
            "title": title,
            "handle": handle,
            "descriptionHtml": fields.get("descriptionHtml") or "",
            "vendor": fields.get("vendor") or "",
            "productType": fields.get("productType") or "",
            "tags": sorted(set(fields.get("tags") or [])),
            "status": fields.get("status") or "ACTIVE",
            "createdAt": now,
            "updatedAt": now,
            "publishedAt": now,
            "options": [],
            "variant_ids": [],
            "metafields": [],
            "templateSuffix": fields.get("templateSuffix"),
        }
        self.products[prod_id] = record
        return record

    def unique_handle(self, handle: str, exclude: str | None = None) -> str:
        taken = {p["handle"] for p in self.products.values() if p["id"] != exclude}
        if handle not in taken:
            return handle
        n = 1
        while f"{handle}-{n}" in taken:
            n += 1
        return f"{handle}-{n}"

    def set_options(self, product: dict, options: list[dict]) -> None:
        """options: [{"name": str, "values": [str]}] (order = position)."""
        existing = {o["name"]: o for o in product["options"]}
        result = []
        for position, spec in enumerate(options, start=1):
            old = existing.get(spec["name"])
            opt_id = old["id"] if old else self.next_id("ProductOption")[0]
            old_values = {v["name"]: v for v in (old["optionValues"] if old else [])}
            values = []
            for name in spec.get("values") or []:
                if name in old_values:
                    values.append(old_values[name])
                else:
                    values.append(
                        {
                            "__typename": "ProductOptionValue",
                            "id": self.next_id("ProductOptionValue")[0],
                            "name": name,
                        }
                    )
            result.append(
                {
                    "__typename": "ProductOption",
                    "id": opt_id,
                    "name": spec["name"],
                    "position": position,
                    "optionValues": values,
                }
            )
        product["options"] = result

    def ensure_option_values(self, product: dict, selected: list[dict]) -> None:
        """Add option/value entries that variants reference but options lack."""
        for sel in selected:
            opt = next((o for o in product["options"] if o["name"] == sel["name"]), None)
            if opt is None:
                opt = {
                    "__typename": "ProductOption",
                    "id": self.next_id("ProductOption")[0],
                    "name": sel["name"],
                    "position": len(product["options"]) + 1,
                    "optionValues": [],
                }
                product["options"].append(opt)
            if not any(v["name"] == sel["value"] for v in opt["optionValues"]):
                opt["optionValues"].append(
                    {
                        "__typename": "ProductOptionValue",
                        "id": self.next_id("ProductOptionValue")[0],
                        "name": sel["value"],
                    }
                )

    def new_variant(self, product: dict, fields: dict) -> dict:
        var_id, number = self.next_id("ProductVariant")
        item_id, item_number = self.next_id("InventoryItem")
        now = self.now()
        selected = fields.get("selectedOptions") or [{"name": "Title", "value": "Default Title"}]
        variant = {
            "__typename": "ProductVariant",
            "id": var_id,
            "legacyResourceId": str(number),
            "product_id": product["id"],
            "barcode": fields.get("barcode"),
            "price": money(fields.get("price") or "0"),
            "compareAtPrice": money(fields["compareAtPrice"])
            if fields.get("compareAtPrice") not in (None, "")
            else None,
            "position": len(product["variant_ids"]) + 1,
            "inventory_item_id": item_id,
            "selectedOptions": selected,
            "inventoryPolicy": fields.get("inventoryPolicy") or "DENY",
            "taxable": fields.get("taxable", True),
            "taxCode": fields.get("taxCode"),
            "createdAt": now,
            "updatedAt": now,
            "metafields": [],
        }
        weight = fields.get("weight")
        item = {
            "__typename": "InventoryItem",
            "id": item_id,
            "legacyResourceId": str(item_number),
            "variant_id": var_id,
            "sku": fields.get("sku") or None,
            "tracked": fields.get("tracked", True),
            "requiresShipping": fields.get("requiresShipping", True),
            "harmonizedSystemCode": fields.get("harmonizedSystemCode"),
            "countryCodeOfOrigin": fields.get("countryCodeOfOrigin"),
            "unit_cost": fields.get("cost"),
            "weight": {
                "value": float(weight if weight is not None else 0),
                "unit": fields.get("weightUnit") or "KILOGRAMS",
            },
            "createdAt": now,
            "updatedAt": now,
        }
        self.variants[var_id] = variant
        self.items[item_id] = item
        product["variant_ids"].append(var_id)
        self.ensure_option_values(product, selected)
        return variant

    def delete_variant(self, var_id: str) -> None:
        variant = self.variants.pop(var_id, None)
        if not variant:
            return
        item_id = variant["inventory_item_id"]
        self.items.pop(item_id, None)
        for key in [k for k in self.levels if k[0] == item_id]:
            del self.levels[key]
        product = self.products.get(variant["product_id"])
        if product and var_id in product["variant_ids"]:
            product["variant_ids"].remove(var_id)
            for pos, vid in enumerate(product["variant_ids"], start=1):
                self.variants[vid]["position"] = pos

    def variant_title(self, variant: dict) -> str:
        values = [s["value"] for s in variant["selectedOptions"]]
        if values == ["Default Title"]:
            return "Default Title"
        return " / ".join(values)

    def variant_sku(self, variant: dict) -> str | None:
        item = self.items.get(variant["inventory_item_id"])
        return item.get("sku") if item else None

    def variants_by_sku(self, sku: str) -> list[dict]:
        return [v for v in self.variants.values() if self.variant_sku(v) == sku]

    def touch_product(self, product: dict) -> None:
        product["updatedAt"] = self.now()

    def set_metafields(self, owner: dict, owner_type: str, metafields: list[dict]) -> None:
        for spec in metafields or []:
            namespace = spec.get("namespace") or "custom"
            key = spec.get("key")
            existing = next(
                (m for m in owner["metafields"] if m["namespace"] == namespace and m["key"] == key),
                None,
            )
            now = self.now()
            if existing:
                existing["value"] = spec.get("value", existing["value"])
                existing["type"] = spec.get("type") or existing["type"]
                existing["updatedAt"] = now
            else:
                mf_id, number = self.next_id("Metafield")
                owner["metafields"].append(
                    {
                        "__typename": "Metafield",
                        "id": mf_id,
                        "legacyResourceId": str(number),
                        "namespace": namespace,
                        "key": key,
                        "value": spec.get("value") or "",
                        "type": spec.get("type") or "single_line_text_field",
                        "ownerType": owner_type,
                        "owner_id": owner["id"],
                        "createdAt": now,
                        "updatedAt": now,
                    }
                )

    # --------------------------------------------------------------- inventory
    def level(self, item_id: str, loc_id: str, create: bool = True) -> dict | None:
        key = (item_id, loc_id)
        lvl = self.levels.get(key)
        if lvl is None and create:
            lvl = {name: 0 for name in QUANTITY_NAMES}
            lvl["updatedAt"] = self.now()
            lvl["createdAt"] = lvl["updatedAt"]
            self.levels[key] = lvl
        return lvl

    def quantity(self, item_id: str, loc_id: str, name: str) -> int:
        lvl = self.levels.get((item_id, loc_id))
        return int(lvl.get(name, 0)) if lvl else 0

    def change_quantity(self, item_id: str, loc_id: str, name: str, delta: int) -> int:
        """Apply ``delta`` to quantity ``name`` keeping on_hand consistent.

        Returns the new value of ``name``."""
        lvl = self.level(item_id, loc_id)
        lvl[name] = lvl.get(name, 0) + delta
        if name == "on_hand":
            lvl["available"] += delta
        elif name in ("available", *UNAVAILABLE_NAMES):
            lvl["on_hand"] += delta
        lvl["updatedAt"] = self.now()
        return lvl[name]

    def inventory_changed(self, item_id: str, loc_id: str) -> None:
        if self.payload_builder:
            self.emit(
                "inventory_levels/update",
                self.payload_builder.inventory_level(item_id, loc_id),
            )

    def total_available(self, variant: dict) -> int:
        item_id = variant["inventory_item_id"]
        return sum(lvl["available"] for (i, _l), lvl in self.levels.items() if i == item_id)

    # ---------------------------------------------------------------- customers
    def add_customer(self, data: dict) -> dict:
        cust_id, number = self.next_id("Customer")
        now = self.now()
        record = {
            "__typename": "Customer",
            "id": cust_id,
            "legacyResourceId": str(number),
            "email": data.get("email"),
            "firstName": data.get("firstName") or data.get("first_name"),
            "lastName": data.get("lastName") or data.get("last_name"),
            "phone": data.get("phone"),
            "tags": data.get("tags") or [],
            "createdAt": now,
            "updatedAt": now,
            "defaultAddress": self.address(data.get("address")) if data.get("address") else None,
        }
        self.customers[cust_id] = record
        return record

    def customer_by_email(self, email: str) -> dict | None:
        for cust in self.customers.values():
            if cust.get("email") and cust["email"].lower() == (email or "").lower():
                return cust
        return None

    def address(self, data: dict | None) -> dict | None:
        if not data:
            return None
        addr_id = self.next_id("MailingAddress")[0]
        first = data.get("firstName") or data.get("first_name")
        last = data.get("lastName") or data.get("last_name")
        name = data.get("name") or " ".join(p for p in (first, last) if p) or None
        return {
            "__typename": "MailingAddress",
            "id": addr_id,
            "firstName": first,
            "lastName": last,
            "name": name,
            "company": data.get("company"),
            "address1": data.get("address1"),
            "address2": data.get("address2"),
            "city": data.get("city"),
            "province": data.get("province"),
            "provinceCode": data.get("provinceCode") or data.get("province_code"),
            "zip": data.get("zip"),
            "country": data.get("country"),
            "countryCodeV2": data.get("countryCode") or data.get("country_code"),
            "phone": data.get("phone"),
        }

    # -------------------------------------------------------------------- seed
    def seed(self, data: dict | None = None) -> dict:
        data = copy.deepcopy(data if data is not None else DEFAULT_SEED)
        with self.lock:
            created = {"locations": [], "products": [], "customers": []}
            for loc in data.get("locations") or []:
                created["locations"].append(self.add_location(loc)["id"])
            for cust in data.get("customers") or []:
                created["customers"].append(self.add_customer(cust)["id"])
            for spec in data.get("products") or []:
                created["products"].append(self.seed_product(spec)["id"])
            return created

    def seed_product(self, spec: dict) -> dict:
        product = self.new_product(spec)
        options = spec.get("options") or []
        if options:
            self.set_options(product, options)
        variants = spec.get("variants") or [{}]
        for vspec in variants:
            values = vspec.get("options") or []
            if options and values:
                vspec["selectedOptions"] = [
                    {"name": opt["name"], "value": value}
                    for opt, value in zip(options, values, strict=False)
                ]
            elif not options:
                product["options"] = []
            variant = self.new_variant(product, vspec)
            for loc_name, qty in (vspec.get("inventory") or {}).items():
                loc = self.location_by_name(loc_name)
                if loc is None:
                    raise StoreError(f"unknown location {loc_name!r} in seed")
                lvl = self.level(variant["inventory_item_id"], loc["id"])
                lvl["available"] = int(qty)
                lvl["on_hand"] = int(qty)
        if not product["options"]:
            self.ensure_option_values(product, [{"name": "Title", "value": "Default Title"}])
        for key in ("metafields",):
            if spec.get(key):
                self.set_metafields(product, "PRODUCT", spec[key])
        return product

    # ------------------------------------------------------------------ orders
    def place_order(self, data: dict) -> dict:
        """Create an order the way checkout would (control API)."""
        with self.lock:
            lines_in = data.get("line_items") or data.get("lineItems") or []
            if not lines_in:
                raise StoreError("line_items is required")
            email = data.get("email") or (data.get("customer") or {}).get("email")
            customer = None
            if email:
                customer = self.customer_by_email(email)
                if customer is None:
                    cust = dict(data.get("customer") or {})
                    cust.setdefault("email", email)
                    customer = self.add_customer(cust)
            resolved = []
            for line in lines_in:
                # A line names its variant by SKU, or by id ("variant_id": a gid); with
                # an id, "sku" is what the line item carries (live shops send many
                # items with an empty SKU: the variant has none, or a sales channel
                # left it out).
                variant = self.resolve_variant(line)
                qty = int(line.get("quantity") or 1)
                if qty <= 0:
                    raise StoreError("quantity must be positive")
                resolved.append((variant, qty, line))
            location = None
            if data.get("location"):
                location = self.location_by_name(data["location"])
            if location is None:
                location = self.primary_location()
            for variant, qty, _line in resolved:
                if variant["inventoryPolicy"] == "DENY" and not data.get("allow_oversell"):
                    have = self.quantity(variant["inventory_item_id"], location["id"], "available")
                    if have < qty:
                        raise StoreError(
                            f"insufficient stock for {self.variant_sku(variant)}: "
                            f"{have} available at {location['name']}, {qty} requested"
                        )
            order_id, number = self.next_id("Order")
            order_number = 1000 + len(self.orders) + 1
            now = self.now()
            tax_rate = dec(data.get("tax_rate", "0"))
            line_records = [
                self.line_record(variant, qty, line, tax_rate, order_id)
                for variant, qty, line in resolved
            ]
            self._allocate_discount(line_records, data.get("discount"))
            for rec in line_records:
                base = dec(rec["price"]) * rec["quantity"] - dec(rec["discount"])
                rec["tax"] = money(base * tax_rate) if rec["taxable"] else "0.00"
            shipping_lines = []
            for ship in data.get("shipping_lines") or (
                [data["shipping"]] if data.get("shipping") else []
            ):
                shipping_lines.append(
                    {
                        "__typename": "ShippingLine",
                        "id": self.next_id("ShippingLine")[0],
                        "title": ship.get("title") or "Standard",
                        "code": ship.get("code") or ship.get("title") or "Standard",
                        "source": ship.get("source") or "shopify",
                        "price": money(ship.get("price") or "0"),
                        "tax": money(dec(ship.get("price") or "0") * tax_rate),
                        "tax_rate": tax_rate,
                        "refunded": "0.00",
                        "refunded_tax": "0.00",
                        "order_id": order_id,
                    }
                )
            order = {
                "__typename": "Order",
                "id": order_id,
                "legacyResourceId": str(number),
                "name": f"#{order_number}",
                "number": order_number - 1000,
                "order_number": order_number,
                "email": email,
                "phone": data.get("phone"),
                "note": data.get("note"),
                "tags": data.get("tags") or [],
                "createdAt": now,
                "updatedAt": now,
                "processedAt": now,
                "cancelledAt": None,
                "cancelReason": None,
                "closedAt": None,
                "currencyCode": self.currency,
                # A customer paying in another currency than the shop's (Shopify
                # Markets): every amount also exists in it, at this rate.
                "presentmentCurrencyCode": data.get("presentment_currency") or self.currency,
                "presentment_rate": dec(data.get("presentment_rate") or "1"),
                "refund_ids": [],
                "customer_id": customer["id"] if customer else None,
                "shippingAddress": self.address(data.get("shipping_address")),
                "billingAddress": self.address(
                    data.get("billing_address") or data.get("shipping_address")
                ),
                "line_items": line_records,
                "shipping_lines": shipping_lines,
                "tax_rate": tax_rate,
                "taxesIncluded": False,
                "displayFinancialStatus": data.get("financial_status", "PAID").upper(),
                "discountCodes": [data["discount"]["code"]]
                if (data.get("discount") or {}).get("code")
                else [],
                "location_id": location["id"],
                "fulfillment_order_ids": [],
                "fulfillment_ids": [],
                "test": bool(data.get("test", False)),
                "sourceName": data.get("source_name", "web"),
            }
            self.orders[order_id] = order
            for variant, qty, _line in resolved:
                item_id = variant["inventory_item_id"]
                self.change_quantity(item_id, location["id"], "available", -qty)
                self.change_quantity(item_id, location["id"], "committed", qty)
            fo_id = self.next_id("FulfillmentOrder")[0]
            self.fulfillment_orders[fo_id] = {
                "__typename": "FulfillmentOrder",
                "id": fo_id,
                "order_id": order_id,
                "location_id": location["id"],
                "status": "OPEN",
                "requestStatus": "UNSUBMITTED",
                "createdAt": now,
                "updatedAt": now,
                "line_items": [
                    {
                        "__typename": "FulfillmentOrderLineItem",
                        "id": self.next_id("FulfillmentOrderLineItem")[0],
                        "line_item_id": rec["id"],
                        "fulfillment_order_id": fo_id,
                        "totalQuantity": rec["quantity"],
                        "remainingQuantity": rec["quantity"],
                    }
                    for rec in line_records
                ],
            }
            order["fulfillment_order_ids"].append(fo_id)
            if customer:
                customer["updatedAt"] = now
            if self.payload_builder:
                self.emit("orders/create", self.payload_builder.order(order))
                for variant, _qty, _line in resolved:
                    self.inventory_changed(variant["inventory_item_id"], location["id"])
            return order

    def line_record(self, variant, qty, line, tax_rate, order_id) -> dict:
        """A new line item of ``qty`` x ``variant`` (``line``: the control API's line,
        its ``price`` and ``sku`` when given; with a variant id, ``sku`` is what the
        line item carries, maybe nothing)."""
        product = self.products[variant["product_id"]]
        title = self.variant_title(variant)
        return {
            "__typename": "LineItem",
            "id": self.next_id("LineItem")[0],
            "order_id": order_id,
            "sku": (line.get("sku") or None)
            if line.get("variant_id")
            else self.variant_sku(variant),
            "title": product["title"],
            "variantTitle": None if title == "Default Title" else title,
            "name": product["title"]
            if title == "Default Title"
            else f"{product['title']} - {title}",
            "vendor": product["vendor"],
            "quantity": qty,  # ordered, including the units refunded or removed since
            "removed": 0,  # units an order edit took off
            "refunded": 0,  # units refunded
            "refunded_fulfilled": 0,  # of those, units that had been fulfilled
            "variant_id": variant["id"],
            "product_id": product["id"],
            "price": money(line.get("price") or variant["price"]),
            "discount": "0.00",
            "discount_code": None,
            "tax": "0.00",
            "tax_rate": tax_rate,
            "requiresShipping": True,
            "taxable": variant["taxable"],
            "grams": int(self.items[variant["inventory_item_id"]]["weight"]["value"]),
        }

    def resolve_variant(self, line: dict) -> dict:
        """The variant a control-API line names, by ``variant_id`` or by ``sku``."""
        if line.get("variant_id"):
            wanted = str(line["variant_id"])
            if not wanted.startswith("gid://"):
                wanted = gid("ProductVariant", wanted)
            variant = self.variants.get(wanted)
            if variant is None:
                raise StoreError(f"no variant {line['variant_id']!r}")
            return variant
        sku = line.get("sku")
        matches = self.variants_by_sku(sku) if sku else []
        if not matches:
            raise StoreError(f"no variant with sku {sku!r}")
        return matches[0]

    def _allocate_discount(self, lines: list[dict], discount: dict | None) -> None:
        if not discount:
            return
        gross = [dec(rec["price"]) * rec["quantity"] for rec in lines]
        total = sum(gross, Decimal("0"))
        if total <= 0:
            return
        if discount.get("percentage") is not None:
            amount = (total * dec(discount["percentage"]) / 100).quantize(CENT)
        else:
            amount = min(dec(discount.get("amount")), total).quantize(CENT)
        remaining = amount
        for index, rec in enumerate(lines):
            if index == len(lines) - 1:
                share = remaining
            else:
                share = (amount * gross[index] / total).quantize(CENT, rounding=ROUND_HALF_UP)
                remaining -= share
            rec["discount"] = money(share)
            rec["discount_code"] = discount.get("code") or discount.get("title") or "DISCOUNT"
            rec["discount_percentage"] = discount.get("percentage")

    @staticmethod
    def current_quantity(li: dict) -> int:
        """Units still on the order: ordered, less those refunded or edited away."""
        return li["quantity"] - li.get("removed", 0) - li.get("refunded", 0)

    @staticmethod
    def line_share(li: dict, units: int) -> dict:
        """``units`` of the line's amounts: ``{"gross", "discount", "subtotal", "tax"}``
        (the line's discount and tax spread evenly over its units, to the cent)."""
        if not li["quantity"]:
            return {k: Decimal("0") for k in ("gross", "discount", "subtotal", "tax")}
        ratio = Decimal(units) / li["quantity"]
        gross = (dec(li["price"]) * units).quantize(CENT)
        discount = (dec(li["discount"]) * ratio).quantize(CENT, rounding=ROUND_HALF_UP)
        tax = (dec(li["tax"]) * ratio).quantize(CENT, rounding=ROUND_HALF_UP)
        return {"gross": gross, "discount": discount, "subtotal": gross - discount, "tax": tax}

    def line_current(self, li: dict) -> dict:
        """The line's amounts for its current units (what is left after refunds and
        edits: the whole line less the share of the units gone)."""
        gone = self.line_share(li, li["quantity"] - self.current_quantity(li))
        whole = self.line_share(li, li["quantity"])
        return {k: whole[k] - gone[k] for k in whole}

    def order_totals(self, order: dict, current: bool = False) -> dict:
        """The order's amounts as placed (edits that added items included), or, with
        ``current``, after edits and refunds (Shopify's ``current*`` fields)."""
        zero = Decimal("0")
        shares = [
            self.line_current(li) if current else self.line_share(li, li["quantity"])
            for li in order["line_items"]
        ]
        subtotal_gross = sum((share["gross"] for share in shares), zero)
        discounts = sum((share["discount"] for share in shares), zero)
        line_tax = sum((share["tax"] for share in shares), zero)
        shipping = shipping_tax = zero
        for line in order["shipping_lines"]:
            shipping += dec(line["price"]) - (dec(line["refunded"]) if current else zero)
            shipping_tax += dec(line["tax"]) - (dec(line["refunded_tax"]) if current else zero)
        tax = line_tax + shipping_tax
        subtotal = subtotal_gross - discounts
        total = subtotal + shipping + (zero if order["taxesIncluded"] else tax)
        return {
            "subtotal": money(subtotal),
            "line_items_gross": money(subtotal_gross),
            "discounts": money(discounts),
            "shipping": money(shipping),
            "tax": money(tax),
            "total": money(total),
        }

    def refunded_total(self, order: dict) -> Decimal:
        return sum((self.refunds[r]["amount"] for r in order.get("refund_ids", ())), Decimal("0"))

    def fulfilled_quantity(self, line_item_id: str, order: dict) -> int:
        total = 0
        for f_id in order["fulfillment_ids"]:
            ful = self.fulfillments[f_id]
            if ful["status"] != "SUCCESS":
                continue
            for fli in ful["line_items"]:
                if fli["line_item_id"] == line_item_id:
                    total += fli["quantity"]
        return total

    def fulfillment_status(self, order: dict) -> str:
        ordered = sum(
            self.current_quantity(li) + li.get("refunded_fulfilled", 0)
            for li in order["line_items"]
        )
        done = sum(self.fulfilled_quantity(li["id"], order) for li in order["line_items"])
        if done == 0:
            return "UNFULFILLED"
        if done >= ordered:
            return "FULFILLED"
        return "PARTIALLY_FULFILLED"

    def cancel_order(self, order: dict, reason: str = "CUSTOMER", restock: bool = True) -> None:
        with self.lock:
            if order["cancelledAt"]:
                raise StoreError("Order has already been cancelled")
            now = self.now()
            order["cancelledAt"] = now
            order["cancelReason"] = reason.upper()
            order["closedAt"] = now
            order["updatedAt"] = now
            if order["displayFinancialStatus"] == "PAID":
                order["displayFinancialStatus"] = "REFUNDED"
            elif order["displayFinancialStatus"] in ("PENDING", "AUTHORIZED"):
                order["displayFinancialStatus"] = "VOIDED"
            touched = []
            for fo_id in order["fulfillment_order_ids"]:
                fo = self.fulfillment_orders[fo_id]
                for foli in fo["line_items"]:
                    qty = foli["remainingQuantity"]
                    if qty <= 0:
                        continue
                    li = next(x for x in order["line_items"] if x["id"] == foli["line_item_id"])
                    variant = self.variants.get(li["variant_id"])
                    if variant and restock:
                        item_id = variant["inventory_item_id"]
                        self.change_quantity(item_id, fo["location_id"], "committed", -qty)
                        self.change_quantity(item_id, fo["location_id"], "available", qty)
                        touched.append((item_id, fo["location_id"]))
                    foli["remainingQuantity"] = 0
                fo["status"] = "CLOSED" if fo["status"] == "CLOSED" else "CANCELLED"
                fo["updatedAt"] = now
            if self.payload_builder:
                payload = self.payload_builder.order(order)
                self.emit("orders/cancelled", payload)
                self.emit("orders/updated", payload)
                for item_id, loc_id in touched:
                    self.inventory_changed(item_id, loc_id)
