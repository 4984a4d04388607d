"""The in-memory marketplace: reference data (category tree, vehicles) and one
seller's account (policies, locations, inventory, offers, listings, orders, messages,
images). Every read and write happens under ``store.lock`` (re-entrant)."""

from __future__ import annotations

import copy
import itertools
import threading
from collections import deque

from . import seed_data
from .util import Clock, iso

HISTORY_LENGTH = 2000  # quantity changes kept per SKU


class StoreError(Exception):
    """A control-API request the store cannot honour (answered 422)."""


class Store:
    def __init__(self, clock: Clock):
        self.clock = clock
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.categories: dict[str, dict] = {}
            self.vehicles: list[dict] = []
            self.policies: dict[str, dict[str, dict]] = {
                "fulfillment": {},
                "payment": {},
                "return": {},
            }
            self.locations: dict[str, dict] = {}
            self.items: dict[str, dict] = {}
            self.compatibility: dict[str, list] = {}
            self.groups: dict[str, dict] = {}
            self.offers: dict[str, dict] = {}
            self.listings: dict[str, dict] = {}
            self.buyers: dict[str, dict] = {}  # userId -> buyer
            self.orders: dict[str, dict] = {}
            self.fulfillments_by_id: dict[str, dict] = {}
            self.images: dict[str, dict] = {}
            self.media_posts: deque = deque()  # POST times, for the 50-per-5-s limit
            self.conversations: dict[str, dict] = {}
            self.history: dict[str, deque] = {}
            self.counters = {
                "offer": itertools.count(5005317001),
                "listing": itertools.count(110550000001),
                "order": itertools.count(1),
                "line": itertools.count(10061930001),
                "fulfillment": itertools.count(1),
                "image": itertools.count(1),
                "conversation": itertools.count(3200001),
                "message": itertools.count(8800001),
                "record": itertools.count(1001),
                "refund": itertools.count(1),
                "policy": itertools.count(6200019000),
            }
            self.seed(seed_data.REFERENCE_SEED)

    def next_id(self, kind: str) -> int:
        return next(self.counters[kind])

    def now(self) -> str:
        return iso(self.clock.now())

    # --------------------------------------------------------------- seeding
    def seed(self, data: dict | None = None) -> dict:
        """Load a seed (the default one when ``data`` is None); returns what it made."""
        data = copy.deepcopy(seed_data.DEFAULT_SEED if data is None else data)
        made: dict[str, list] = {}
        with self.lock:
            for cat in data.get("categories", []):
                self.add_category(cat)
                made.setdefault("categories", []).append(cat["categoryId"])
            if data.get("vehicles"):
                self.vehicles = [dict(v) for v in data["vehicles"]]
                made["vehicles"] = [len(self.vehicles)]
            for kind, policies in data.get("policies", {}).items():
                for policy in policies:
                    made.setdefault(f"{kind}_policies", []).append(self.add_policy(kind, policy))
            for loc in data.get("locations", []):
                loc = dict(loc)
                key = loc.pop("merchantLocationKey")
                self.locations[key] = loc
                made.setdefault("locations", []).append(key)
            for buyer in data.get("buyers", []):
                made.setdefault("buyers", []).append(self.add_buyer(buyer)["userId"])
            for listing in data.get("trading_listings", []):
                made.setdefault("trading_listings", []).append(
                    self.add_trading_listing(listing)["listingId"]
                )
        return made

    def add_category(self, cat: dict) -> None:
        cat = dict(cat)
        cat.setdefault("keywords", [])
        cat.setdefault("aspects", [])
        cat.setdefault("conditions", [])
        cat.setdefault("compatibility", False)
        self.categories[cat["categoryId"]] = cat

    def add_policy(self, kind: str, policy: dict) -> str:
        if kind not in self.policies:
            raise StoreError(f"unknown policy kind {kind!r}: fulfillment, payment or return")
        policy = dict(policy)
        id_field = f"{kind}PolicyId"
        policy.setdefault(id_field, str(self.next_id("policy")))
        policy.setdefault("marketplaceId", "EBAY_MOTORS_US")
        policy.setdefault("name", f"{kind} policy {policy[id_field]}")
        self.policies[kind][policy[id_field]] = policy
        return policy[id_field]

    def add_buyer(self, buyer: dict) -> dict:
        if not buyer.get("username"):
            raise StoreError("a buyer needs a username")
        buyer = dict(buyer)
        buyer.setdefault("userId", "u" + str(self.next_id("record")).zfill(10))
        buyer.setdefault(
            "eiasToken", "nY+sHZ2PrBmdj6wVnY+sEZ2PrA2dj6wJnY+sandbox" + buyer["userId"]
        )
        buyer.setdefault("email", "")
        buyer.setdefault("fullName", buyer["username"])
        buyer.setdefault("address", {"city": "San Jose", "countryCode": "US"})
        buyer.setdefault("previous_usernames", [])
        self.buyers[buyer["userId"]] = buyer
        return buyer

    def buyer(self, ref: str) -> dict:
        """A buyer by userId or (current or former) username."""
        if ref in self.buyers:
            return self.buyers[ref]
        for buyer in self.buyers.values():
            if ref == buyer["username"] or ref in buyer.get("previous_usernames", []):
                return buyer
        raise StoreError(f"no buyer {ref!r}")

    def add_trading_listing(self, data: dict) -> dict:
        """A listing made outside the Inventory API (Trading API, Seller Hub)."""
        listing_id = str(data.get("itemId") or self.next_id("listing"))
        if listing_id in self.listings:
            raise StoreError(f"listing {listing_id} exists")
        now = self.now()
        listing = {
            "listingId": listing_id,
            "source": "trading",
            "status": "ACTIVE",
            "marketplaceId": data.get("marketplaceId", "EBAY_MOTORS_US"),
            "sku": data.get("sku") or "",
            "title": data.get("title", "Sandbox listing"),
            "price": str(data.get("price", "10.00")),
            "quantity": int(data.get("quantity", 1)),
            "categoryId": str(data.get("categoryId", "9886")),
            "conditionId": str(data.get("conditionId", "1000")),
            "pictures": list(data.get("pictures", [])),
            "specifics": dict(data.get("specifics", {})),
            "compatibility": list(data.get("compatibility", [])),
            "variations": [dict(v) for v in data.get("variations", [])],
            "sold": {},
            "startTime": now,
            "endTime": None,
            "revisions": 0,
        }
        self.listings[listing_id] = listing
        for sku in self.listing_skus(listing):
            self.record_quantity(sku)
        return listing

    # -------------------------------------------------------------- listings
    def listing_skus(self, listing: dict) -> list[str]:
        if listing["source"] == "trading":
            if listing["variations"]:
                return [v.get("sku", "") for v in listing["variations"] if v.get("sku")]
            return [listing["sku"]] if listing["sku"] else []
        return [self.offers[o]["sku"] for o in listing["offerIds"] if o in self.offers]

    def item_quantity(self, sku: str) -> int:
        item = self.items.get(sku)
        if not item:
            return 0
        ship = (item.get("availability") or {}).get("shipToLocationAvailability") or {}
        if "quantity" in ship:
            return int(ship["quantity"])
        return sum(int(d.get("quantity", 0)) for d in ship.get("availabilityDistributions", []))

    def offer_quantity(self, offer: dict) -> int:
        """What a published offer offers buyers: its availableQuantity when set, else the
        inventory item's ship-to-home quantity."""
        if offer.get("availableQuantity") is not None:
            return int(offer["availableQuantity"])
        return self.item_quantity(offer["sku"])

    def listing_quantity(self, listing: dict, sku: str | None = None) -> int:
        if listing["status"] != "ACTIVE":
            return 0
        if listing["source"] == "trading":
            if listing["variations"]:
                return sum(
                    int(v.get("quantity", 0))
                    for v in listing["variations"]
                    if sku is None or v.get("sku") == sku
                )
            return int(listing["quantity"])
        total = 0
        for offer_id in listing["offerIds"]:
            offer = self.offers.get(offer_id)
            if offer and (sku is None or offer["sku"] == sku):
                total += self.offer_quantity(offer)
        return total

    def listing_for_sku(self, sku: str) -> dict | None:
        for listing in self.listings.values():
            if listing["status"] == "ACTIVE" and sku in self.listing_skus(listing):
                return listing
        return None

    def record_quantity(self, sku: str) -> None:
        """Note the quantity buyers see for ``sku`` now (the stock benchmarks read it)."""
        if not sku:
            return
        listing = self.listing_for_sku(sku)
        quantity = self.listing_quantity(listing, sku) if listing else 0
        history = self.history.setdefault(sku, deque(maxlen=HISTORY_LENGTH))
        if not history or history[-1][1] != quantity:
            history.append((self.clock.time(), quantity))

    def record_skus(self, skus) -> None:
        for sku in set(skus):
            self.record_quantity(sku)
