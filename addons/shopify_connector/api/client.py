"""The Shopify Admin GraphQL client: plain values in, plain values out, typed errors.

Built on gql with a synchronous transport that goes through integration_base's ``send``
(timeouts, typed HTTP errors, API log). ``gql.Client`` holds the pinned schema, so every
document is validated locally before it leaves. The documents are the files of
``graphql/`` as ``documents.DOCUMENTS`` assembles them.

Errors (``odoo.addons.integration_base.exceptions``):

- ``THROTTLED`` -> ``RateLimitedError`` with the wait the bucket needs;
- ``ACCESS_DENIED`` -> ``AuthenticationError`` (a missing scope: a person must act);
- ``INTERNAL_SERVER_ERROR`` -> ``RetryableError``;
- ``MAX_COST_EXCEEDED``, validation errors and anything else -> ``PermanentError``;
- ``userErrors`` in a mutation payload -> ``ShopifyUserError`` (a ``PermanentError``).

Query cost: Shopify refuses a query whose *requested* cost (computed from the ``first``
of every connection) exceeds 1000 points. The page sizes below keep every document
under it (``tests/test_documents.py`` checks them against the sandbox's cost model).
"""

import json
import logging
import threading

from gql import Client, gql
from gql.transport import Transport
from gql.transport.exceptions import TransportQueryError
from graphql import ExecutionResult, GraphQLError, print_ast

from odoo.addons.integration_base.exceptions import (
    AuthenticationError,
    PermanentError,
    RateLimitedError,
    RetryableError,
)

from .documents import DOCUMENTS, OPERATION_KINDS
from .generated_types import (
    BulkOperationFields,
    FulfillmentCreateDataFulfillment,
    FulfillmentOrderFields,
    FulfillmentTrackingInfoUpdateDataFulfillment,
    InventoryQuantityInput,
    MetafieldDefinitionFields,
    MetafieldDefinitionInput,
    OrderFields,
    OrderFulfillmentsOrderFulfillments,
    ProductArchiveProductUpdateProduct,
    ProductMediaProductMediaNodes,
    ProductSetDataProduct,
    ProductSetIdentifiers,
    ProductSetInput,
    RefundFields,
    ShopInfoResult,
    StagedUploadInput,
    VariantsBySkuProductVariantsNodes,
    WebhookSubscriptionFields,
)
from .schema import API_VERSION, load_schema
from .shop_url import normalize_shop_url

_logger = logging.getLogger(__name__)

DEFAULT_QUERY_COST = 50
DEFAULT_MUTATION_COST = 10
DEFAULT_RESTORE_RATE = 50.0  # points per second when Shopify does not say
MIN_RETRY_AFTER = 0.5

MAX_INPUT_ITEMS = 250  # Shopify's limit on input arrays (inventory quantities, ids)
SKUS_PER_QUERY = 50  # search terms per productVariants query
VARIANTS_PAGE = 100  # productVariants(first:): 2 + 100 * 3 = 302 points
INVENTORY_ITEMS_PER_QUERY = 100  # nodes(ids:) of InventoryLevels
ORDER_LINE_ITEMS = 50  # Order: 93 + 50 * 10 = 593 points
ORDER_LIST_LINE_ITEMS = 10  # OrdersUpdatedSince: 193 points an order...
MAX_ORDERS_PER_PAGE = 5  # ...2 + 5 * 193 = 967 points a page
LINE_ITEMS_PAGE = 50  # OrderLineItems: 3 + 50 * 10 = 503 points
REFUND_LINE_ITEMS_PAGE = 100  # RefundLineItems: 3 + 100 * 6 = 603 points (Refund: 137)
FULFILLMENT_ORDERS_PAGE = 10  # FulfillmentOrders: 2 + 10 * (5 + 2 * 40) = 853 points
FULFILLMENT_ORDER_LINE_ITEMS = 40
FULFILLMENT_ORDER_LINE_ITEMS_PAGE = 250  # FulfillmentOrderLineItems: 503 points
ORDER_FULFILLMENTS = 10  # OrderFulfillments: 1 + 10 * (3 + 40 * 2) = 831 points
ORDER_FULFILLMENT_LINE_ITEMS = 40
WEBHOOKS_PAGE = 100
# ProductMedia: 2 + 250 * 2 = 502 points. Shopify keeps at most 250 media a product,
# so one page holds them all (ProductSet's answer asks for as many).
MEDIA_PAGE = 250
METAFIELD_DEFINITIONS_PAGE = 100

RETRYABLE_CODES = {"INTERNAL_SERVER_ERROR", "TIMEOUT", "SERVICE_UNAVAILABLE"}


class ShopifyUserError(PermanentError):
    """Shopify refused a mutation's input (``userErrors`` in the payload).

    ``user_errors`` is the list of ``{"field": [...], "message": ..., "code": ...}``.
    """

    def __init__(self, operation, user_errors):
        self.operation = operation
        self.user_errors = [
            {
                "field": list(error.get("field") or []),
                "message": error.get("message") or "",
                "code": error.get("code"),
            }
            for error in user_errors
        ]
        parts = []
        for error in self.user_errors:
            path = field_path(error["field"])
            parts.append("%s: %s" % (path, error["message"]) if path else error["message"])
        super().__init__(
            "Shopify refused %s: %s" % (operation, "; ".join(parts)), details=self.user_errors
        )


def field_path(field):
    """``["input", "quantities", "3", "quantity"]`` -> ``input.quantities[3].quantity``."""
    text = ""
    for part in field or ():
        part = str(part)
        if part.isdigit():
            text += "[%s]" % part
        else:
            text += ("." if text else "") + part
    return text


def actual_query_cost(response):
    """The ``cost_of`` given to ``send``: what Shopify charged for the call."""
    try:
        return float(response.json()["extensions"]["cost"]["actualQueryCost"])
    except (ValueError, KeyError, TypeError):
        return None


def _chunks(items, size):
    items = list(items)
    return [items[start : start + size] for start in range(0, len(items), size)]


def _tracking_input(number, company, url):
    """FulfillmentTrackingInput of what is known (Shopify refuses empty strings)."""
    return {
        key: value
        for key, value in (("number", number), ("company", company), ("url", url))
        if value
    }


def _search_value(value):
    """A value of Shopify's search syntax, quoted."""
    return '"%s"' % str(value).replace("\\", "\\\\").replace('"', '\\"')


class SendTransport(Transport):
    """A synchronous gql transport posting through integration_base's ``send``."""

    def __init__(self, url, access_token, send):
        self.url = url
        self.access_token = access_token
        self.send = send

    def execute(self, document, variable_values=None, operation_name=None, **kwargs):
        """``items``/``max_items`` in ``kwargs`` (a batch's size) go to ``send``."""
        # The text as written in graphql/ (gql keeps the source), not a reprint.
        text = document.loc.source.body if document.loc else print_ast(document)
        body = {"query": text, "variables": variable_values or {}}
        if operation_name:
            body["operationName"] = operation_name
        response = self.send(
            "POST",
            self.url,
            headers={
                "X-Shopify-Access-Token": self.access_token,
                "Accept": "application/json",
            },
            json=body,
            cost_of=actual_query_cost,
            **{key: kwargs[key] for key in ("items", "max_items") if key in kwargs},
        )
        try:
            payload = response.json()
        except ValueError:
            raise RetryableError(
                "Shopify answered %s with something that is not JSON." % operation_name
            ) from None
        if not isinstance(payload, dict):
            raise RetryableError("Shopify answered %s with an unexpected body." % operation_name)
        errors = payload.get("errors")
        if errors is not None and not isinstance(errors, list):
            errors = [{"message": str(errors)}]
        return ExecutionResult(
            data=payload.get("data"), errors=errors, extensions=payload.get("extensions")
        )


class ShopifyClient:
    """One shop, one token. Every method is one or a few GraphQL calls.

    :param send: integration_base's HTTP callable (``backend._http`` in Odoo)
    :param on_throttle: called after every answer as
        ``on_throttle(throttle_status, requested_cost, actual_cost)``
        (``throttle_status``: ``maximumAvailable``, ``currentlyAvailable``,
        ``restoreRate``); the Odoo side feeds its shared leaky bucket with it
    """

    # operation name -> last requestedQueryCost seen (shared by every client)
    _requested_costs = {}
    _costs_lock = threading.Lock()
    _documents = {}

    def __init__(self, shop_url, access_token, send, api_version=API_VERSION, on_throttle=None):
        if not access_token:
            raise AuthenticationError("No Shopify access token: connect the backend first.")
        self.shop_url = normalize_shop_url(shop_url)
        self.api_version = api_version
        self.send = send
        self.on_throttle = on_throttle
        self.graphql_url = "%s/admin/api/%s/graphql.json" % (self.shop_url, api_version)
        self._gql = Client(
            schema=load_schema(), transport=SendTransport(self.graphql_url, access_token, send)
        )
        self._session = self._gql.connect_sync()

    # ------------------------------------------------------------------ core
    @classmethod
    def expected_cost(cls, operation_name):
        """Points to reserve before sending ``operation_name``: the requested cost Shopify
        reported last time, else a default (10 for a mutation, 50 for a query)."""
        with cls._costs_lock:
            cost = cls._requested_costs.get(operation_name)
        if cost is not None:
            return cost
        if OPERATION_KINDS.get(operation_name) == "mutation":
            return DEFAULT_MUTATION_COST
        return DEFAULT_QUERY_COST

    @classmethod
    def _document(cls, operation_name):
        document = cls._documents.get(operation_name)
        if document is None:
            if operation_name not in DOCUMENTS:
                raise PermanentError("No Shopify document named %s." % operation_name)
            document = cls._documents[operation_name] = gql(DOCUMENTS[operation_name])
        return document

    def execute(self, operation_name, variables=None, **batch):
        """Send one operation of ``DOCUMENTS``; return its ``data``. ``batch``:
        ``items`` (and ``max_items``) when the call carries a batch, for the API log."""
        document = self._document(operation_name)
        try:
            result = self._session.execute(
                document,
                variable_values=variables or {},
                operation_name=operation_name,
                get_execution_result=True,
                **batch,
            )
        except TransportQueryError as exc:
            cost = self._account(operation_name, exc.extensions)
            raise self._error_for(operation_name, exc.errors or [], cost) from None
        except GraphQLError as exc:  # local validation against the pinned schema
            raise PermanentError(
                "The %s document does not match the Shopify %s schema: %s"
                % (operation_name, API_VERSION, exc.message)
            ) from None
        self._account(operation_name, result.extensions)
        return result.data or {}

    def _account(self, operation_name, extensions):
        cost = (extensions or {}).get("cost") if isinstance(extensions, dict) else None
        if not isinstance(cost, dict):
            return {}
        requested = cost.get("requestedQueryCost")
        actual = cost.get("actualQueryCost")
        if requested is not None:
            with self._costs_lock:
                ShopifyClient._requested_costs[operation_name] = requested
        status = cost.get("throttleStatus")
        _logger.debug(
            "Shopify %s: requested %s, actual %s, throttle %s",
            operation_name,
            requested,
            actual,
            status,
        )
        if self.on_throttle and status:
            try:
                self.on_throttle(status, requested, actual)
            except Exception:
                # The call went through (maybe a mutation): never fail it for this.
                _logger.exception("The on_throttle callback failed after %s", operation_name)
        return cost

    def _error_for(self, operation_name, errors, cost):
        errors = [e if isinstance(e, dict) else {"message": str(e)} for e in errors]
        codes = {(e.get("extensions") or {}).get("code") for e in errors}
        text = "; ".join(e.get("message") or "?" for e in errors)[:500]
        if "THROTTLED" in codes:
            status = cost.get("throttleStatus") or {}
            requested = cost.get("requestedQueryCost") or self.expected_cost(operation_name)
            available = status.get("currentlyAvailable") or 0
            rate = status.get("restoreRate") or DEFAULT_RESTORE_RATE
            wait = max(MIN_RETRY_AFTER, (float(requested) - float(available)) / float(rate))
            return RateLimitedError(
                "Shopify throttled %s: it costs %s points and %s are available "
                "(restoring %s a second)." % (operation_name, requested, available, rate),
                retry_after=round(wait, 3),
                details=errors,
            )
        if "ACCESS_DENIED" in codes:
            return AuthenticationError(
                "Shopify denied %s: %s. Check the access scopes of the app."
                % (operation_name, text),
                details=errors,
            )
        if codes & RETRYABLE_CODES:
            return RetryableError(
                "Shopify failed on %s: %s" % (operation_name, text), details=errors
            )
        if "MAX_COST_EXCEEDED" in codes:
            return PermanentError(
                "%s asks too much of Shopify at once: %s" % (operation_name, text), details=errors
            )
        return PermanentError("Shopify rejected %s: %s" % (operation_name, text), details=errors)

    def mutate(self, operation_name, variables, root_field, **batch):
        """Send a mutation; return its payload, or raise ``ShopifyUserError``."""
        data = self.execute(operation_name, variables, **batch)
        payload = data.get(root_field) or {}
        user_errors = payload.get("userErrors") or []
        if user_errors:
            raise ShopifyUserError(operation_name, user_errors)
        return payload

    # ------------------------------------------------------------------ shop
    def shop_info(self) -> ShopInfoResult:
        """``{"shop": {id, name, myshopifyDomain, currencyCode},
        "locations": {"nodes": [{id, name, isActive}]}}`` (inactive locations too)."""
        return self.execute("ShopInfo")

    # -------------------------------------------------------------- products
    def product_set(
        self, input: ProductSetInput, identifier: ProductSetIdentifiers | None = None
    ) -> ProductSetDataProduct:
        """Create or update a product with its options, variants and media (synchronous
        ``productSet``); return ``{id, handle, status, variants: {nodes: [...]},
        media: {nodes: [{id, alt, status, mediaErrors}]}}``, the media in their order on
        the product. Variants and, when ``input`` has ``files``, media missing from
        ``input`` are deleted by Shopify."""
        variables = {"input": input}
        if identifier:
            variables["identifier"] = identifier
        return self.mutate("ProductSet", variables, "productSet")["product"]

    def product_media(self, product_id) -> list[ProductMediaProductMediaNodes] | None:
        """The product's media in their order (``[{id, alt, status, mediaErrors:
        [{code, message, details}]}]``; ``status`` UPLOADED, PROCESSING, READY or
        FAILED), or None when Shopify has no such product."""
        data = self.execute("ProductMedia", {"id": product_id, "first": MEDIA_PAGE})
        product = data.get("product")
        return product["media"]["nodes"] if product else None

    def variants_by_sku(self, skus) -> list[VariantsBySkuProductVariantsNodes]:
        """The variants whose SKU is one of ``skus`` (exact matches only), in batches
        of ``sku:"A" OR sku:"B"`` queries."""
        wanted = list(dict.fromkeys(s for s in skus if s))
        found = []
        for chunk in _chunks(wanted, SKUS_PER_QUERY):
            query = " OR ".join("sku:%s" % _search_value(sku) for sku in chunk)
            keep = set(chunk)
            after = None
            while True:
                data = self.execute(
                    "VariantsBySku", {"first": VARIANTS_PAGE, "query": query, "after": after}
                )
                connection = data["productVariants"]
                found += [v for v in connection["nodes"] if v.get("sku") in keep]
                if not connection["pageInfo"]["hasNextPage"]:
                    break
                after = connection["pageInfo"]["endCursor"]
        return found

    def archive_product(self, product_id) -> ProductArchiveProductUpdateProduct:
        """Set the product's status to ARCHIVED; return ``{id, status}``."""
        return self.mutate("ProductArchive", {"id": product_id}, "productUpdate")["product"]

    # ------------------------------------------------------------ metafields
    def metafield_definitions(self, owner_type, namespace=None) -> list[MetafieldDefinitionFields]:
        """Every metafield definition of ``owner_type`` (``PRODUCT``, ``PRODUCTVARIANT``...),
        of one namespace when given."""
        definitions, after = [], None
        while True:
            data = self.execute(
                "MetafieldDefinitions",
                {
                    "ownerType": owner_type,
                    "namespace": namespace,
                    "first": METAFIELD_DEFINITIONS_PAGE,
                    "after": after,
                },
            )
            connection = data["metafieldDefinitions"]
            definitions += connection["nodes"]
            if not connection["pageInfo"]["hasNextPage"]:
                return definitions
            after = connection["pageInfo"]["endCursor"]

    def metafield_definition_create(
        self, definition: MetafieldDefinitionInput
    ) -> MetafieldDefinitionFields:
        """Create a metafield definition (``{namespace, key, name, type, ownerType}``)."""
        payload = self.mutate(
            "MetafieldDefinitionCreate", {"definition": definition}, "metafieldDefinitionCreate"
        )
        return payload["createdDefinition"]

    # ----------------------------------------------------------- collections
    def collections_by_title(self, title):
        """The collections titled exactly ``title`` (``[{id, title, handle}]``)."""
        data = self.execute(
            "CollectionsByTitle", {"query": "title:%s" % _search_value(title), "first": 10}
        )
        return [c for c in data["collections"]["nodes"] if c["title"] == title]

    def collection_create(self, title, **fields):
        """Create a (manual) collection; ``fields`` are more CollectionCreateInput keys
        (``handle``, ``descriptionHtml``...). Return ``{id, title, handle}``."""
        payload = self.mutate(
            "CollectionCreate", {"collection": dict(fields, title=title)}, "collectionCreate"
        )
        return payload["collection"]

    def collection_add_products(self, collection_id, product_ids):
        """Add products to a manual collection (batches of 250); return the calls made."""
        calls = 0
        for chunk in _chunks(product_ids, MAX_INPUT_ITEMS):
            self.mutate(
                "CollectionAddProducts",
                {"id": collection_id, "productIds": chunk},
                "collectionAddProducts",
            )
            calls += 1
        return calls

    # ------------------------------------------------------------- inventory
    def set_inventory(
        self, quantities: list[InventoryQuantityInput], reason, reference_uri, name="available"
    ):
        """Set quantity ``name`` (``available`` or ``on_hand``), 250 per call; return the
        number of calls. Calls are not atomic across batches: when one is refused
        (``ShopifyUserError``) the earlier ones stand."""
        chunks = _chunks(quantities, MAX_INPUT_ITEMS)
        for chunk in chunks:
            self.set_quantities(chunk, reason, reference_uri, name)
        return len(chunks)

    def set_quantities(
        self, quantities: list[InventoryQuantityInput], reason, reference_uri, name="available"
    ):
        """One inventorySetQuantities call (at most 250 quantities), all or nothing.

        ``quantities``: ``{"inventoryItemId", "locationId", "quantity"}`` dicts, with
        ``changeFromQuantity`` (2026-10: the compare-and-swap value) when the caller
        knows it; it is sent as null (no check) otherwise. Shopify refuses the whole
        call (``ShopifyUserError``, ``CHANGE_FROM_QUANTITY_STALE`` for a quantity that
        moved since) when one quantity is wrong. Returns ``{(inventory item id,
        location id): {"available": n, "on_hand": n}}`` as they are after the update.
        """
        if len(quantities) > MAX_INPUT_ITEMS:
            raise ValueError("At most %s quantities per call." % MAX_INPUT_ITEMS)
        batch = [
            {
                "inventoryItemId": q["inventoryItemId"],
                "locationId": q["locationId"],
                "quantity": int(q["quantity"]),
                "changeFromQuantity": q.get("changeFromQuantity"),
            }
            for q in quantities
        ]
        payload = self.mutate(
            "InventorySetQuantities",
            {
                "name": name,
                "reason": reason,
                "referenceDocumentUri": reference_uri,
                "quantities": batch,
            },
            "inventorySetQuantities",
            items=len(batch),
            max_items=MAX_INPUT_ITEMS,
        )
        after = {}
        for change in (payload.get("inventoryAdjustmentGroup") or {}).get("changes") or []:
            key = (change["item"]["id"], change["location"]["id"])
            after.setdefault(key, {})[change["name"]] = change["quantityAfterChange"]
        return after

    def inventory_levels(self, inventory_item_ids, location_id):
        """``{inventory item id: {"available": n, "on_hand": n, "committed": n}}`` at one
        location; ``None`` for an item not stocked there (or unknown)."""
        levels = {}
        for chunk in _chunks(dict.fromkeys(inventory_item_ids), INVENTORY_ITEMS_PER_QUERY):
            data = self.execute(
                "InventoryLevels", {"inventoryItemIds": chunk, "locationId": location_id}
            )
            for item_id, node in zip(chunk, data["nodes"], strict=True):
                level = (node or {}).get("inventoryLevel")
                levels[item_id] = (
                    {q["name"]: q["quantity"] for q in level["quantities"]} if level else None
                )
        return levels

    # ---------------------------------------------------------------- orders
    def orders_updated_since(self, since_iso, after=None, first=50):
        """One page of the orders updated at or after ``since_iso``, oldest first.

        Returns ``(orders, next_cursor)``; ``next_cursor`` is None on the last page.
        A page holds at most ``min(first, MAX_ORDERS_PER_PAGE)`` orders (the query cost
        limit), each complete: the line items past the first ten are fetched with
        OrderLineItems.
        """
        page = max(1, min(int(first), MAX_ORDERS_PER_PAGE))
        data = self.execute(
            "OrdersUpdatedSince",
            {
                "first": page,
                "after": after,
                "query": "updated_at:>='%s'" % since_iso,
                "lineItemsFirst": ORDER_LIST_LINE_ITEMS,
            },
        )
        connection = data["orders"]
        orders = [self._complete_order(order) for order in connection["nodes"]]
        page_info = connection["pageInfo"]
        return orders, page_info["endCursor"] if page_info["hasNextPage"] else None

    def order(self, order_id) -> OrderFields | None:
        """One order with all its line items and refunds, or None when Shopify has no
        such order."""
        data = self.execute("Order", {"id": order_id, "lineItemsFirst": ORDER_LINE_ITEMS})
        order = data.get("order")
        return self._complete_order(order) if order else None

    def _complete_order(self, order):
        """The order with all its line items, and its refunds read in full (``refunds``
        becomes a list of RefundFields, oldest first)."""
        self._complete_connection(order, "lineItems", "OrderLineItems", LINE_ITEMS_PAGE)
        order["refunds"] = [self.refund(refund["id"]) for refund in order.get("refunds") or ()]
        return order

    def refund(self, refund_id) -> RefundFields:
        """One refund with all its line items."""
        refund = self.execute("Refund", {"id": refund_id}).get("node")
        if not refund:
            raise PermanentError("Shopify has no refund %s." % refund_id)
        return self._complete_connection(
            refund, "refundLineItems", "RefundLineItems", REFUND_LINE_ITEMS_PAGE
        )

    def _complete_connection(self, node, field, document, page_size):
        """Fetch the pages of ``node[field]`` beyond the first one (``document`` asks
        for one page of that connection of the node by its id) and append them."""
        connection = node[field]
        while connection["pageInfo"]["hasNextPage"]:
            data = self.execute(
                document,
                {
                    "id": node["id"],
                    "first": page_size,
                    "after": connection["pageInfo"]["endCursor"],
                },
            )
            more = next(iter(data.values()))[field]
            connection["nodes"] += more["nodes"]
            connection["pageInfo"] = more["pageInfo"]
        return node

    # ---------------------------------------------------------- fulfillments
    def fulfillment_orders(self, order_id) -> list[FulfillmentOrderFields]:
        """The order's fulfillment orders (``{id, status, assignedLocation, lineItems:
        {nodes: [{id, remainingQuantity, totalQuantity, lineItem: {id, sku}}]}}``),
        every line item included."""
        result, after = [], None
        while True:
            data = self.execute(
                "FulfillmentOrders",
                {
                    "orderId": order_id,
                    "first": FULFILLMENT_ORDERS_PAGE,
                    "after": after,
                    "lineItemsFirst": FULFILLMENT_ORDER_LINE_ITEMS,
                },
            )
            if not data.get("order"):
                raise PermanentError("Shopify has no order %s." % order_id)
            connection = data["order"]["fulfillmentOrders"]
            for fulfillment_order in connection["nodes"]:
                result.append(
                    self._complete_connection(
                        fulfillment_order,
                        "lineItems",
                        "FulfillmentOrderLineItems",
                        FULFILLMENT_ORDER_LINE_ITEMS_PAGE,
                    )
                )
            if not connection["pageInfo"]["hasNextPage"]:
                return result
            after = connection["pageInfo"]["endCursor"]

    def fulfillment_create(
        self,
        lines_by_fulfillment_order,
        tracking_number=None,
        tracking_company=None,
        tracking_url=None,
        notify=False,
    ) -> FulfillmentCreateDataFulfillment:
        """Fulfil (part of) fulfillment orders; return ``{id, status, trackingInfo}``.

        ``lines_by_fulfillment_order``: ``{fulfillment order id: {fulfillment order line
        item id: quantity}}`` (``None`` instead of the inner dict fulfils all that
        remains), or the ``lineItemsByFulfillmentOrder`` list as Shopify takes it.
        """
        if isinstance(lines_by_fulfillment_order, dict):
            by_order = []
            for fo_id, lines in lines_by_fulfillment_order.items():
                entry = {"fulfillmentOrderId": fo_id}
                if lines is not None:
                    entry["fulfillmentOrderLineItems"] = [
                        {"id": line_id, "quantity": int(qty)} for line_id, qty in lines.items()
                    ]
                by_order.append(entry)
        else:
            by_order = list(lines_by_fulfillment_order)
        fulfillment = {"lineItemsByFulfillmentOrder": by_order, "notifyCustomer": bool(notify)}
        tracking = _tracking_input(tracking_number, tracking_company, tracking_url)
        if tracking:
            fulfillment["trackingInfo"] = tracking
        payload = self.mutate(
            "FulfillmentCreate", {"fulfillment": fulfillment}, "fulfillmentCreate"
        )
        return payload["fulfillment"]

    def order_fulfillments(self, order_id) -> list[OrderFulfillmentsOrderFulfillments]:
        """The order's latest fulfilments (``[{id, status, createdAt,
        fulfillmentLineItems: {nodes: [{quantity, lineItem: {id}}]}}]``), newest
        first, at most ``ORDER_FULFILLMENTS`` of them."""
        data = self.execute(
            "OrderFulfillments",
            {
                "orderId": order_id,
                "first": ORDER_FULFILLMENTS,
                "lineItemsFirst": ORDER_FULFILLMENT_LINE_ITEMS,
            },
        )
        if not data.get("order"):
            raise PermanentError("Shopify has no order %s." % order_id)
        return sorted(
            data["order"]["fulfillments"], key=lambda f: f["createdAt"] or "", reverse=True
        )

    def fulfillment_tracking_update(
        self, fulfillment_id, tracking_number, tracking_company=None, tracking_url=None
    ) -> FulfillmentTrackingInfoUpdateDataFulfillment:
        """Replace a fulfilment's tracking; return ``{id, trackingInfo}``."""
        tracking = _tracking_input(tracking_number, tracking_company, tracking_url)
        payload = self.mutate(
            "FulfillmentTrackingInfoUpdate",
            {
                "fulfillmentId": fulfillment_id,
                "trackingInfoInput": tracking,
                "notifyCustomer": False,
            },
            "fulfillmentTrackingInfoUpdate",
        )
        return payload["fulfillment"]

    # -------------------------------------------------------------- webhooks
    def webhook_subscriptions(self) -> list[WebhookSubscriptionFields]:
        """Every webhook subscription of the app (``[{id, topic, uri, format}]``)."""
        subscriptions, after = [], None
        while True:
            data = self.execute("WebhookSubscriptions", {"first": WEBHOOKS_PAGE, "after": after})
            connection = data["webhookSubscriptions"]
            subscriptions += connection["nodes"]
            if not connection["pageInfo"]["hasNextPage"]:
                return subscriptions
            after = connection["pageInfo"]["endCursor"]

    def webhook_subscription_create(self, topic, uri) -> WebhookSubscriptionFields:
        """Subscribe ``uri`` to ``topic`` (the enum: ``ORDERS_CREATE``...), JSON format."""
        payload = self.mutate(
            "WebhookSubscriptionCreate",
            {"topic": topic, "webhookSubscription": {"uri": uri, "format": "JSON"}},
            "webhookSubscriptionCreate",
        )
        return payload["webhookSubscription"]

    def webhook_subscription_delete(self, subscription_id):
        """Delete a subscription; return its id."""
        payload = self.mutate(
            "WebhookSubscriptionDelete", {"id": subscription_id}, "webhookSubscriptionDelete"
        )
        return payload["deletedWebhookSubscriptionId"]

    # ------------------------------------------------------------------ bulk
    def bulk_run_query(self, query) -> BulkOperationFields:
        """Start a bulk query (one at a time per shop); return the operation."""
        payload = self.mutate("BulkOperationRunQuery", {"query": query}, "bulkOperationRunQuery")
        return payload["bulkOperation"]

    def bulk_run_mutation(self, mutation, staged_upload_path, items=None) -> BulkOperationFields:
        """Run ``mutation`` once per line of the uploaded JSONL variables file (``items``
        lines, for the API log; Shopify caps the file's size, not its lines)."""
        payload = self.mutate(
            "BulkOperationRunMutation",
            {"mutation": mutation, "stagedUploadPath": staged_upload_path},
            "bulkOperationRunMutation",
            items=items,
        )
        return payload["bulkOperation"]

    def staged_uploads(self, inputs: list[StagedUploadInput]):
        """Places to upload files to, one per input (``{resource, filename, mimeType,
        httpMethod}``, at most 250), in order: ``[{"url", "resourceUrl", "parameters":
        {name: value}}]``. ``parameters`` are the signed form's fields, posted before
        the file (``upload_staged``); ``resourceUrl`` is what a mutation takes as the
        file's ``originalSource``."""
        payload = self.mutate("StagedUploadsCreate", {"input": inputs}, "stagedUploadsCreate")
        targets = payload.get("stagedTargets") or []
        if len(targets) != len(inputs):
            raise RetryableError(
                "Shopify gave %s staged upload targets for %s files." % (len(targets), len(inputs))
            )
        return [
            {
                "url": target["url"],
                "resourceUrl": target.get("resourceUrl"),
                "parameters": {p["name"]: p["value"] for p in target["parameters"]},
            }
            for target in targets
        ]

    def staged_upload_create(self, filename, mime_type="text/jsonl"):
        """A place to upload a bulk mutation's variables: ``(url, params, staged path)``.

        ``params`` are the form fields to post before the file (in this order); the
        staged path is what ``bulk_run_mutation`` takes.
        """
        [target] = self.staged_uploads(
            [
                {
                    "resource": "BULK_MUTATION_VARIABLES",
                    "filename": filename,
                    "mimeType": mime_type,
                    "httpMethod": "POST",
                }
            ]
        )
        params = target["parameters"]
        return target["url"], params, params.get("key") or target["resourceUrl"]

    def upload_staged(self, url, params, filename, content, mime_type):
        """Post ``content`` (bytes) to a staged upload target: a multipart form of the
        target's ``params``, then the file. No Shopify token: the target is a signed
        form of a storage host (one of ``const.FILE_HOSTS``)."""
        self.send(
            "POST",
            url,
            data=dict(params),
            files={"file": (filename, content, params.get("Content-Type") or mime_type)},
        )

    def upload_jsonl(self, url, params, content, filename="variables.jsonl"):
        """Post a bulk mutation's variables (bytes) to its staged upload target."""
        self.upload_staged(url, params, filename, content, "text/jsonl")

    def current_bulk_operation(self, type="QUERY") -> BulkOperationFields | None:
        """The shop's latest bulk operation of ``type`` (``QUERY`` or ``MUTATION``)."""
        return self.execute("CurrentBulkOperation", {"type": type}).get("currentBulkOperation")

    def bulk_operation(self, operation_id) -> BulkOperationFields | None:
        """One bulk operation by id (None when unknown)."""
        return self.execute("BulkOperation", {"id": operation_id}).get("bulkOperation")

    def download_jsonl(self, url):
        """The lines of a bulk operation's result file, parsed (no Shopify token: the
        URL is signed)."""
        response = self.send("GET", url)
        lines = []
        for number, raw in enumerate(response.content.decode("utf-8").splitlines(), 1):
            if not raw.strip():
                continue
            try:
                lines.append(json.loads(raw))
            except ValueError:
                raise PermanentError(
                    "Line %d of the Shopify bulk result is not JSON." % number
                ) from None
        return lines
