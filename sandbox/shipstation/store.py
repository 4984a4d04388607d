"""In-memory ShipStation account: stores, ship-from locations, carriers, orders,
shipments and webhook subscriptions, behind one lock.

Records are plain dicts shaped as ShipStation answers them; keys starting with ``_`` are
the sandbox's own bookkeeping and never leave it. Ids come from counters, so a run is
the same every time."""

from __future__ import annotations

import copy
import itertools
import math
import threading
import uuid
from collections.abc import Callable
from decimal import Decimal

from .formats import Clock, dec, money2, money4, stamp
from .seed import DEFAULT_SEED

ADDRESS_FIELDS = (
    "name",
    "company",
    "street1",
    "street2",
    "street3",
    "city",
    "state",
    "postalCode",
    "country",
    "phone",
    "residential",
    "addressVerified",
)
OUNCES = {"ounces": Decimal(1), "pounds": Decimal(16), "grams": Decimal("0.035274")}
WEIGHT_UNITS = {"ounces": 1, "pounds": 2, "grams": 3}


class StoreError(Exception):
    """A request ShipStation would refuse: the sentence goes to ``ExceptionMessage``."""


def guid(kind: int, number: int) -> str:
    return str(uuid.UUID(int=(0x5A4D_B0C5 << 96) + (kind << 64) + number))


def address(data: dict | None) -> dict | None:
    """An Address with every field ShipStation answers (absent ones null)."""
    if data is None:
        return None
    return {key: data.get(key) for key in ADDRESS_FIELDS}


def messy_address(data: dict | None) -> dict | None:
    """The address as it comes back from a real account once people have handled it:
    trailing spaces, a lower-case postcode, empty strings where nothing was typed."""
    out = address(data)
    if out is None:
        return None
    for key in ("name", "street1", "city"):
        if isinstance(out[key], str) and out[key]:
            out[key] = out[key] + " "
    if isinstance(out["postalCode"], str):
        out["postalCode"] = out["postalCode"].lower()
    for key in ("street2", "phone"):
        if out[key] is None:
            out[key] = ""
    out["addressVerified"] = out["addressVerified"] or "Address validation warning"
    return out


def weight_in_ounces(weight: dict | None) -> Decimal:
    if not weight:
        return Decimal(0)
    return dec(weight.get("value")) * OUNCES.get(weight.get("units") or "ounces", Decimal(1))


def weight_view(weight: dict | None) -> dict:
    weight = weight or {"value": 0, "units": "ounces"}
    units = weight.get("units") or "ounces"
    return {
        "value": dec(weight.get("value")),
        "units": units,
        "WeightUnits": WEIGHT_UNITS.get(units, 1),
    }


def public(record):
    """A record without the sandbox's ``_`` keys (recursively), deep-copied."""
    if isinstance(record, dict):
        return {k: public(v) for k, v in record.items() if not k.startswith("_")}
    if isinstance(record, list):
        return [public(v) for v in record]
    return copy.copy(record)


class Store:
    def __init__(self, config, clock: Clock | None = None):
        self.config = config
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        self.on_event: Callable[[str, str, int | None], None] = lambda *_args: None
        self.reset()

    # ------------------------------------------------------------------ setup
    def reset(self) -> None:
        with self.lock:
            self._ids = {
                name: itertools.count(start)
                for name, start in (
                    ("store", 310001),
                    ("warehouse", 498001),
                    ("provider", 82001),
                    ("order", 700000001),
                    ("item", 960000001),
                    ("customer", 41000001),
                    ("shipment", 271000001),
                    ("batch", 144000001),
                    ("import", 1),
                    ("order_key", 1),
                    ("webhook", 5301),
                    ("product", 17000001),
                    ("customs", 3001),
                    ("tracking", 1),
                )
            }
            self.stores: dict[int, dict] = {}
            self.warehouses: dict[int, dict] = {}
            self.carriers: dict[str, dict] = {}
            self.orders: dict[int, dict] = {}
            self.shipments: dict[int, dict] = {}
            self.webhooks: dict[int, dict] = {}
            self.customers: dict[str, int] = {}
            self.products: dict[str, int] = {}

    def next_id(self, name: str) -> int:
        return next(self._ids[name])

    def now_stamp(self) -> str:
        return stamp(self.clock.now())

    def seed(self, data: dict | None = None) -> dict:
        """Add stores, ship-from locations and carriers (the default account when
        ``data`` is None or empty). Returns the ids made."""
        data = data or DEFAULT_SEED
        created: dict[str, list] = {"stores": [], "warehouses": [], "carriers": []}
        with self.lock:
            for entry in data.get("stores", []):
                created["stores"].append(self.add_store(entry)["storeId"])
            for entry in data.get("warehouses", []):
                created["warehouses"].append(self.add_warehouse(entry)["warehouseId"])
            for entry in data.get("carriers", []):
                created["carriers"].append(self.add_carrier(entry)["code"])
        return created

    def add_store(self, entry: dict) -> dict:
        if not entry.get("storeName"):
            raise StoreError("a store needs a storeName")
        now = self.now_stamp()
        store_id = self.next_id("store")
        record = {
            "storeId": store_id,
            "storeName": entry["storeName"],
            "marketplaceId": int(entry.get("marketplaceId", 0)),
            "marketplaceName": entry.get("marketplaceName", "ShipStation"),
            "accountName": entry.get("accountName"),
            "email": entry.get("email"),
            "integrationUrl": entry.get("integrationUrl"),
            "active": bool(entry.get("active", True)),
            "companyName": entry.get("companyName", ""),
            "phone": entry.get("phone", ""),
            "publicEmail": entry.get("publicEmail", ""),
            "website": entry.get("website", ""),
            "refreshDate": now,
            "lastRefreshAttempt": None,
            "createDate": now,
            "modifyDate": now,
            "autoRefresh": bool(entry.get("autoRefresh", False)),
            "statusMappings": None,
        }
        self.stores[store_id] = record
        return record

    def add_warehouse(self, entry: dict) -> dict:
        origin = entry.get("originAddress")
        if not entry.get("warehouseName") or not isinstance(origin, dict):
            raise StoreError("a ship-from location needs a warehouseName and an originAddress")
        warehouse_id = self.next_id("warehouse")
        if entry.get("isDefault"):
            for other in self.warehouses.values():
                other["isDefault"] = False
        record = {
            "warehouseId": warehouse_id,
            "warehouseName": entry["warehouseName"],
            "originAddress": address(origin),
            "returnAddress": address(entry.get("returnAddress") or origin),
            "createDate": self.now_stamp(),
            "isDefault": bool(entry.get("isDefault")) or not self.warehouses,
            "extInventoryIdentity": None,
        }
        self.warehouses[warehouse_id] = record
        return record

    def add_carrier(self, entry: dict) -> dict:
        code = entry.get("code")
        if not code or not entry.get("name"):
            raise StoreError("a carrier needs a code and a name")
        rates = entry.get("rates") or {}
        record = {
            "name": entry["name"],
            "code": code,
            "accountNumber": entry.get("accountNumber", ""),
            "requiresFundedAccount": bool(entry.get("requiresFundedAccount", False)),
            "balance": money4(entry.get("balance", 0)),
            "nickname": entry.get("nickname"),
            "shippingProviderId": self.next_id("provider"),
            "primary": bool(entry.get("primary", False)),
            "_services": [self._listed(code, s) for s in entry.get("services", [])],
            "_packages": [self._listed(code, p) for p in entry.get("packages", [])],
            "_base": dec(rates.get("base", "5.00")),
            "_per_lb": dec(rates.get("per_lb", "1.00")),
        }
        self.carriers[code] = record
        return record

    @staticmethod
    def _listed(carrier_code: str, entry: dict) -> dict:
        if not entry.get("code"):
            raise StoreError("a service or package needs a code")
        return {
            "carrierCode": carrier_code,
            "code": entry["code"],
            "name": entry.get("name", entry["code"]),
            "domestic": bool(entry.get("domestic", True)),
            "international": bool(entry.get("international", False)),
        }

    # ----------------------------------------------------------------- lookups
    def default_store_id(self) -> int | None:
        manual = [s for s in self.stores.values() if s["marketplaceId"] == 0 and s["active"]]
        chosen = manual or [s for s in self.stores.values() if s["active"]]
        return chosen[0]["storeId"] if chosen else None

    def default_warehouse(self) -> dict | None:
        found = [w for w in self.warehouses.values() if w["isDefault"]]
        return found[0] if found else next(iter(self.warehouses.values()), None)

    def carrier(self, code) -> dict:
        carrier = self.carriers.get(code) if isinstance(code, str) else None
        if carrier is None:
            raise StoreError(f"Invalid carrierCode '{code}': no such carrier on this account.")
        return carrier

    def service(self, carrier: dict, code) -> dict:
        for service in carrier["_services"]:
            if service["code"] == code:
                return service
        raise StoreError(f"Invalid serviceCode '{code}' for carrier '{carrier['code']}'.")

    def customer_id(self, username: str | None) -> int | None:
        if not username:
            return None
        if username not in self.customers:
            self.customers[username] = self.next_id("customer")
        return self.customers[username]

    def product_id(self, sku: str | None) -> int | None:
        if not sku:
            return None
        if sku not in self.products:
            self.products[sku] = self.next_id("product")
        return self.products[sku]

    # ------------------------------------------------------------------- rates
    def rate(self, carrier: dict, weight_oz: Decimal, international: bool, index: int) -> dict:
        """The cost of one service: the carrier's base plus a price per started pound,
        a step per service, and half again abroad."""
        pounds = max(math.ceil(weight_oz / 16), 1)
        cost = carrier["_base"] + carrier["_per_lb"] * pounds + Decimal("1.25") * index
        if international:
            cost = cost * Decimal("1.5") + Decimal("6.00")
        return {"shipmentCost": money2(cost), "otherCost": money2(Decimal("0.35") * index)}

    def services_for(self, carrier: dict, international: bool) -> list[tuple[int, dict]]:
        flag = "international" if international else "domestic"
        return [(i, s) for i, s in enumerate(carrier["_services"]) if s[flag]]

    def insurance_cost(self, options: dict | None) -> Decimal:
        if not options or not options.get("insureShipment"):
            return money2(0)
        value = dec(options.get("insuredValue"))
        return money2(max(math.ceil(value / 100), 1) * Decimal("0.99"))

    # ---------------------------------------------------------------- webhooks
    def subscribe(self, body: dict) -> dict:
        store_id = body.get("store_id")
        if store_id is not None and store_id not in self.stores:
            raise StoreError(f"Invalid store_id {store_id}.")
        hook_id = self.next_id("webhook")
        self.webhooks[hook_id] = {
            "IsLabelAPIHook": False,
            "WebHookID": hook_id,
            "SellerID": self.config.seller_id,
            "StoreID": store_id,
            "HookType": body["event"],
            "MessageFormat": "Json",
            "Url": body["target_url"],
            "Name": body.get("friendly_name") or f"{body['event']} webhook",
            "BulkCopyBatchID": None,
            "BulkCopyRecordID": None,
            "Active": True,
            "WebhookLogs": [],
            "Seller": None,
            "Store": None,
        }
        return self.webhooks[hook_id]

    def emit(self, event: str, resource_path: str, store_id: int | None) -> None:
        """Tell the dispatcher (under the lock) that ``event`` happened."""
        self.on_event(event, resource_path, store_id)
