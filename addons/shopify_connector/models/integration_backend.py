import logging
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.integration_base.exceptions import (
    AuthenticationError,
    PermanentError,
    RetryableError,
)
from odoo.addons.integration_base.tools.signature import verify_hmac_sha256_base64

from ..api.auth import request_access_token
from ..api.client import MAX_INPUT_ITEMS, ShopifyClient, ShopifyUserError
from ..const import (
    API_HOSTS,
    API_VERSION,
    DEFAULT_STOCK_BATCH_SECONDS,
    FILE_HOSTS,
    FULFILLMENT_CLOCK_MARGIN_MINUTES,
    INVENTORY_REASON,
    MAX_STOCK_BATCH_SECONDS,
    METAFIELD_NAMESPACE,
    ORDER_POLL_OVERLAP_MINUTES,
    PLAN_LIMITS,
    STOCK_STALE_ATTEMPTS,
    WEBHOOK_HEADERS,
    WEBHOOK_SHOP_DOMAIN_HEADER,
    WEBHOOK_TOPICS,
)
from ..mapping.product import metafield_definitions

_logger = logging.getLogger(__name__)


class IntegrationBackend(models.Model):
    _inherit = "integration.backend"

    shopify_api_version = fields.Char("API version", default=API_VERSION, readonly=True)
    shopify_auth_mode = fields.Selection(
        [
            ("token", "Admin API access token"),
            ("client_credentials", "Client id and secret (tokens renewed automatically)"),
        ],
        string="Authentication",
        default="token",
    )
    shopify_plan = fields.Selection(
        [("standard", "Standard"), ("advanced", "Advanced"), ("plus", "Shopify Plus")],
        string="Plan",
        default="standard",
        help="Sets the query-cost bucket the connector paces itself to.",
    )
    shopify_location_ids = fields.One2many("shopify.location", "backend_id", "Locations")
    shopify_last_order_poll = fields.Datetime("Orders polled up to", readonly=True)
    # The poll in progress, committed page by page: where it resumes after a rate-limit
    # pause or a crash (the page cursor is only valid for the query it came from).
    shopify_order_poll_since = fields.Datetime(readonly=True, copy=False)
    shopify_order_poll_started = fields.Datetime(readonly=True, copy=False)
    shopify_order_poll_cursor = fields.Char(readonly=True, copy=False)
    shopify_webhook_base_url = fields.Char(
        "Webhook base URL",
        help="Public address of this Odoo that Shopify posts webhooks to; "
        "web.base.url when empty.",
    )
    shopify_webhook_status = fields.Text("Webhooks", readonly=True)
    shopify_shop_domain = fields.Char(
        "Shop domain",
        readonly=True,
        copy=False,
        help="The shop's myshopify.com domain, as Shopify gives it (Test connection): "
        "webhooks from another shop are refused.",
    )
    shopify_metafields_ready = fields.Boolean(readonly=True, copy=False)
    shopify_stock_batch_seconds = fields.Float(
        "Stock batching window (s)",
        default=DEFAULT_STOCK_BATCH_SECONDS,
        help="Stock changes are collected for up to this many seconds, or until a "
        "full call's worth (250 quantities) is waiting, then sent in one call. "
        "0 sends every change at once, at the cost of many more calls.",
    )
    shopify_product_count = fields.Integer(compute="_compute_shopify_counts")
    shopify_order_count = fields.Integer(compute="_compute_shopify_counts")

    @api.constrains("shopify_stock_batch_seconds")
    def _check_shopify_stock_batch_seconds(self):
        for backend in self:
            if not 0 <= backend.shopify_stock_batch_seconds <= MAX_STOCK_BATCH_SECONDS:
                raise ValidationError(
                    _(
                        "The stock batching window must be between 0 and %(max)s seconds: "
                        "stock would otherwise reach Shopify too late.",
                        max=MAX_STOCK_BATCH_SECONDS,
                    )
                )

    def _compute_shopify_counts(self):
        for backend in self:
            backend.shopify_product_count = self.env["shopify.product.binding"].search_count(
                [("backend_id", "=", backend.id)]
            )
            backend.shopify_order_count = self.env["shopify.order.binding"].search_count(
                [("backend_id", "=", backend.id)]
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("platform") == "shopify":
                for key, value in self._shopify_plan_values(vals.get("shopify_plan")).items():
                    vals.setdefault(key, value)
        return super().create(vals_list)

    def write(self, vals):
        if "shopify_plan" in vals and set(self.mapped("platform")) == {"shopify"}:
            vals = dict(vals, **self._shopify_plan_values(vals["shopify_plan"]))
        return super().write(vals)

    @api.model
    def _shopify_plan_values(self, plan):
        """The shared query-cost bucket of a Shopify plan."""
        capacity, restore = PLAN_LIMITS[plan or "standard"]
        return {
            "rate_limit_kind": "leaky_bucket",
            "rate_limit_capacity": capacity,
            "rate_limit_restore_rate": restore,
        }

    # ------------------------------------------------------------- hosts
    def _allowed_api_hosts(self):
        if self.platform == "shopify":
            return API_HOSTS
        return super()._allowed_api_hosts()

    def _allowed_file_hosts(self):
        if self.platform == "shopify":
            return FILE_HOSTS
        return super()._allowed_file_hosts()

    # ------------------------------------------------------------- webhooks
    def _webhook_spec(self):
        if self.platform == "shopify":
            return dict(WEBHOOK_HEADERS)
        return super()._webhook_spec()

    def _webhook_target_fields(self):
        return super()._webhook_target_fields() | {"shopify_shop_domain"}

    def _webhook_verifier(self):
        """Shopify's scheme: base64 HMAC-SHA256 of the raw body with the app's client
        secret (or ``webhook_secret`` when it differs), and the shop's own domain in
        X-Shopify-Shop-Domain (a shop knows no other's secret, but one app serves many
        shops). Refuses all until Test connection has learnt the domain."""
        if self.platform != "shopify":
            return super()._webhook_verifier()
        secret = self._webhook_secret() or self._get_credential(
            "client_secret", raise_if_missing=False
        )
        domain = (self.shopify_shop_domain or "").lower()
        if not secret or not domain:
            return None
        signature_header = WEBHOOK_HEADERS["signature"]

        def verify(body, headers):
            return (headers.get(WEBHOOK_SHOP_DOMAIN_HEADER) or "").strip().lower() == domain and (
                verify_hmac_sha256_base64(secret, body, headers.get(signature_header))
            )

        return verify

    def _webhook_handlers(self):
        handlers = super()._webhook_handlers()
        if self.platform == "shopify":
            handlers.update(
                {
                    "orders/create": "_shopify_on_order",
                    "orders/updated": "_shopify_on_order",
                    "orders/cancelled": "_shopify_on_order",
                    "orders/edited": "_shopify_on_order_edit",
                    "refunds/create": "_shopify_on_refund",
                    "products/update": "_shopify_on_product_update",
                    "inventory_levels/update": "_shopify_on_inventory_level",
                    "app/uninstalled": "_shopify_on_app_uninstalled",
                }
            )
        return handlers

    def _shopify_webhook_uri(self):
        base = (
            self.shopify_webhook_base_url
            or self.env["ir.config_parameter"].sudo().get_param("web.base.url")
            or ""
        ).rstrip("/")
        return "%s/shopify/webhook/%s" % (base, self.id)

    def action_shopify_register_webhooks(self):
        """Subscribe this Odoo to every topic the connector handles (idempotent)."""
        self.ensure_one()
        client = self._shopify_client()
        uri = self._shopify_webhook_uri()
        existing = {(s["topic"], s["uri"]) for s in client.webhook_subscriptions()}
        for topic in WEBHOOK_TOPICS.values():
            if (topic, uri) not in existing:
                client.webhook_subscription_create(topic, uri)
        return self.action_shopify_check_webhooks()

    def action_shopify_check_webhooks(self):
        """Compare Shopify's subscriptions with what the connector needs."""
        self.ensure_one()
        uri = self._shopify_webhook_uri()
        subscribed = {
            s["topic"] for s in self._shopify_client().webhook_subscriptions() if s["uri"] == uri
        }
        lines = [
            "%s %s" % ("\u2713" if enum in subscribed else "\u2717 missing:", topic)
            for topic, enum in WEBHOOK_TOPICS.items()
        ]
        self.shopify_webhook_status = "%s\n%s" % (uri, "\n".join(lines))
        return True

    # ------------------------------------------------------------- platform hooks
    def _shopify_test_connection(self):
        info = self._shopify_client().shop_info()
        if self.shopify_shop_domain != info["shop"]["myshopifyDomain"]:
            self.shopify_shop_domain = info["shop"]["myshopifyDomain"]
        self._shopify_sync_locations(info["locations"]["nodes"])
        message = _(
            "Connected to %(shop)s (%(count)s locations).",
            shop=info["shop"]["name"],
            count=len(info["locations"]["nodes"]),
        )
        if not self.shopify_location_ids.filtered("warehouse_id"):
            message += " " + _(
                "No Shopify location is mapped to a warehouse yet: map one on the Shopify "
                "tab, or stock will not be sent."
            )
        return message

    def _shopify_sync_now(self):
        """Queue the export of the whole catalogue and its stock, and an order poll."""
        self.ensure_one()
        self.env["shopify.product.binding"]._bind_and_export(
            self, self.env["product.template"].search(self._shopify_exportable_domain())
        )
        self._channel_mark_stock_changed(
            self.env["shopify.variant.binding"].search([("backend_id", "=", self.id)]).odoo_id
        )
        self.env["sync.job"].enqueue(self, "shopify_poll_orders", self, priority=20)

    @api.model
    def _shopify_exportable_domain(self):
        return [("sale_ok", "=", True), ("product_variant_ids.default_code", "!=", False)]

    def _shopify_sync_locations(self, nodes):
        Location = self.env["shopify.location"]
        for node in nodes:
            location = Location.search(
                [("backend_id", "=", self.id), ("external_id", "=", node["id"])], limit=1
            )
            values = {"name": node["name"], "active": node.get("isActive", True)}
            if location:
                location.write(values)
            else:
                Location.create({"backend_id": self.id, "external_id": node["id"], **values})
        unmapped = self.shopify_location_ids.filtered(lambda loc: not loc.warehouse_id)
        warehouses = self.env["stock.warehouse"].search([("company_id", "=", self.company_id.id)])
        if len(self.shopify_location_ids) == 1 and len(warehouses) == 1 and unmapped:
            unmapped.warehouse_id = warehouses

    # ------------------------------------------------------------- client
    def _shopify_client(self):
        """A client for this shop, its token renewed when needed."""
        self.ensure_one()
        if not self.api_url:
            raise UserError(_("%(name)s has no shop URL.", name=self.name))
        return ShopifyClient(
            self.api_url,
            self._shopify_access_token(),
            self._shopify_send,
            api_version=self.shopify_api_version or API_VERSION,
            on_throttle=self._shopify_on_throttle,
        )

    def _shopify_send(self, method, url, **kwargs):
        """integration_base's HTTP call, paced by the shared query-cost bucket. A
        refused client-credentials token is dropped and the job retried with a new one.
        """
        operation = (kwargs.get("json") or {}).get("operationName")
        if operation:
            cost = ShopifyClient.expected_cost(operation)
            self.env["integration.rate.limit"].sudo()._acquire(self, cost)
        try:
            return self._http(method, url, **kwargs)
        except AuthenticationError as exc:
            if self.shopify_auth_mode != "client_credentials" or exc.status != 401:
                raise
            self._reject_token()
            raise RetryableError(
                _("Shopify refused the access token (expired?): a new one is requested.")
            ) from exc

    def _shopify_on_throttle(self, status, requested, actual):
        self.env["integration.rate.limit"].sudo()._report(
            self, available=status.get("currentlyAvailable")
        )

    def _shopify_access_token(self):
        if self.shopify_auth_mode != "client_credentials":
            return self._get_credential("access_token")
        return self._access_token()

    def _shopify_request_token(self):
        """integration_base's token hook: the client-credentials grant."""
        return request_access_token(
            self.api_url,
            self._get_credential("client_id"),
            self._get_credential("client_secret"),
            self._http,
        )

    # ------------------------------------------------------------- orders
    @api.model
    def _cron_shopify_poll_orders(self):
        """Reconciliation behind the webhooks, which can be lost."""
        for backend in self.search([("platform", "=", "shopify"), ("state", "=", "connected")]):
            self.env["sync.job"].enqueue(backend, "shopify_poll_orders", backend, priority=20)

    def _shopify_job_poll_orders(self, job):
        """Queue the import of every order updated since the last poll.

        Each page's imports are committed together with the page cursor (in a
        transaction of their own), so that a rate-limit pause (the job comes back
        later) or a crash resumes after the last page done, never from page one."""
        self.ensure_one()
        if self.shopify_order_poll_cursor:
            since, started = self.shopify_order_poll_since, self.shopify_order_poll_started
            after = self.shopify_order_poll_cursor
        else:
            started = fields.Datetime.now()
            since = (self.shopify_last_order_poll or started - timedelta(days=30)) - timedelta(
                minutes=ORDER_POLL_OVERLAP_MINUTES
            )
            after = None
        client = self._shopify_client()
        seen = 0
        while True:
            orders, after = client.orders_updated_since(
                since.strftime("%Y-%m-%dT%H:%M:%SZ"), after=after
            )
            self._shopify_commit_order_page(orders, since, started, after)
            seen += len(orders)
            if not after:
                return seen

    def _shopify_commit_order_page(self, orders, since, started, after):
        """Queue the imports of one page and record the poll's progress, committed
        together: a page is never lost (checkpoint without its imports) and at worst
        queued twice (folded into the same jobs). ``after`` None ends the poll."""
        with self._separate_cursor() as cr:
            backend = self.with_env(self.env(cr=cr))
            backend.env["shopify.order.binding"]._shopify_enqueue_imports(
                backend, orders, "graphql"
            )
            # SQL, not the ORM: this transaction must not wait on, nor make the job's
            # own (repeatable read) transaction fail on, a write to the backend's row.
            if after:
                cr.execute(
                    """UPDATE integration_backend SET shopify_order_poll_since = %s,
                              shopify_order_poll_started = %s, shopify_order_poll_cursor = %s
                        WHERE id = %s""",
                    [since, started, after, self.id],
                )
            else:
                cr.execute(
                    """UPDATE integration_backend SET shopify_last_order_poll = %s,
                              shopify_order_poll_since = NULL,
                              shopify_order_poll_started = NULL,
                              shopify_order_poll_cursor = NULL
                        WHERE id = %s""",
                    [started, self.id],
                )
        self.invalidate_recordset(
            [
                "shopify_last_order_poll",
                "shopify_order_poll_since",
                "shopify_order_poll_started",
                "shopify_order_poll_cursor",
            ]
        )

    # ------------------------------------------------------------- catalogue
    def _shopify_ensure_metafield_definitions(self):
        """Create the fitment and part metafield definitions once per shop, by one
        worker at a time (two workers exporting their first products would both
        create them, and Shopify refuses the second definition)."""
        if self.shopify_metafields_ready:
            return
        with self._exclusive("shopify-metafield-definitions") as backend:
            if backend.shopify_metafields_ready:
                return
            client = backend._shopify_client()
            definitions = client.metafield_definitions("PRODUCT", METAFIELD_NAMESPACE)
            existing = {d["key"] for d in definitions}
            for definition in metafield_definitions(METAFIELD_NAMESPACE):
                if definition["key"] not in existing:
                    client.metafield_definition_create(definition)
            backend.shopify_metafields_ready = True
        self.invalidate_recordset(["shopify_metafields_ready"])

    # ------------------------------------------------------------- stock
    def _channel_sale_order_domain(self):
        if self.platform == "shopify":
            return [("shopify_binding_ids.backend_id", "=", self.id)]
        return super()._channel_sale_order_domain()

    def _channel_stock_warehouses(self):
        if self.platform == "shopify":
            return self.shopify_location_ids.warehouse_id
        return super()._channel_stock_warehouses()

    def _channel_stock_binding_model(self):
        if self.platform == "shopify":
            return "shopify.variant.binding"
        return super()._channel_stock_binding_model()

    def _channel_stock_batch_seconds(self):
        if self.platform == "shopify":
            return self.shopify_stock_batch_seconds
        return super()._channel_stock_batch_seconds()

    def _channel_stock_capacity(self):
        """How many variants fill one inventorySetQuantities call (one quantity per
        variant and mapped location)."""
        if self.platform != "shopify":
            return super()._channel_stock_capacity()
        locations = len(self.shopify_location_ids.filtered("warehouse_id"))
        return max(1, MAX_INPUT_ITEMS // max(1, locations))

    def _channel_send_stock(self, products, job):
        if self.platform != "shopify":
            return super()._channel_send_stock(products, job)
        bindings = self.env["shopify.variant.binding"].search(
            [
                ("backend_id", "=", self.id),
                ("odoo_id", "in", products.ids),
                ("inventory_item_id", "!=", False),
            ]
        )
        return self._shopify_send_stock(bindings, "odoo://stock/%s" % job.id)

    def _shopify_send_stock(self, bindings, reference):
        """Set the on-hand quantity of ``bindings`` at every mapped location, in one
        call, each compared and swapped with the quantity Odoo last saw there. A
        quantity that moved on Shopify since (an edit, a fulfilment) is read again and
        the call made again; Shopify's sales need no such care, as they change its
        committed quantity, not on-hand (see ``_channel_stock_on_hand``). A quantity
        Shopify refuses for itself is flagged on its variant and the others are sent
        without it (Shopify refuses the whole call). Returns the number of calls."""
        locations = self.shopify_location_ids.filtered("warehouse_id")
        if not bindings or not locations:
            return 0
        client = self._shopify_client()
        levels = self.env["integration.stock.level"]._levels_of(self, bindings.odoo_id)
        calls, stale_rounds, refused, moved = 0, 0, {}, set()
        while True:
            entries = []
            for location in locations:
                on_hand = self._channel_stock_on_hand(bindings.odoo_id, location.warehouse_id)
                for binding in bindings:
                    if (binding.inventory_item_id, location.external_id) in refused:
                        continue
                    level = levels.get((binding.odoo_id.id, location.external_id))
                    entries.append(
                        {
                            "inventoryItemId": binding.inventory_item_id,
                            "locationId": location.external_id,
                            "quantity": on_hand[binding.odoo_id.id],
                            "changeFromQuantity": level.quantity_seen
                            if level and level.synced_at
                            else None,
                        }
                    )
            if entries:
                calls += 1
                try:
                    after = client.set_quantities(entries, INVENTORY_REASON, reference, "on_hand")
                except ShopifyUserError as exc:
                    stale = []
                    for entry, user_error in self._shopify_quantity_errors(exc, entries):
                        if user_error["code"] == "CHANGE_FROM_QUANTITY_STALE":
                            stale.append(entry)
                        else:
                            refused[(entry["inventoryItemId"], entry["locationId"])] = (
                                entry,
                                user_error["message"],
                            )
                    if stale:
                        stale_rounds += 1
                        if stale_rounds >= STOCK_STALE_ATTEMPTS:
                            raise RetryableError(
                                _(
                                    "Shopify's stock kept changing while Odoo sent its own "
                                    "(%(attempts)s attempts): tried again later.",
                                    attempts=STOCK_STALE_ATTEMPTS,
                                )
                            ) from exc
                        self._shopify_read_stock_again(client, stale, bindings, levels)
                        moved.update((e["inventoryItemId"], e["locationId"]) for e in stale)
                    continue
                self._shopify_stock_sent(entries, after, bindings, levels, moved)
            self._shopify_stock_refused(refused.values(), bindings, levels)
            return calls

    @api.model
    def _shopify_quantity_errors(self, error, entries):
        """[(entry, user error)] of a refused inventorySetQuantities call; the error
        itself when one of them names no quantity (the whole call was wrong)."""
        refused = []
        for user_error in error.user_errors:
            field = user_error["field"]
            if len(field) < 3 or field[:2] != ["input", "quantities"]:
                raise error
            refused.append((entries[int(field[2])], user_error))
        return refused

    def _shopify_stock_refused(self, refused, bindings, levels):
        """Flag what Shopify refused on the variant (and its level), readable."""
        by_item = {binding.inventory_item_id: binding for binding in bindings}
        names = {loc.external_id: loc.name for loc in self.shopify_location_ids}
        errors = defaultdict(list)
        for entry, message in refused:
            binding = by_item[entry["inventoryItemId"]]
            error = _(
                "Shopify refused %(quantity)s on hand for %(sku)s at %(location)s: " "%(message)s",
                quantity=entry["quantity"],
                sku=binding.sku,
                location=names.get(entry["locationId"], entry["locationId"]),
                message=message,
            )
            self._shopify_stock_level(levels, binding, entry["locationId"]).error = error
            errors[binding].append(error)
        for binding in bindings:
            binding.stock_error = "\n".join(errors.get(binding, [])) or False

    def _shopify_stock_level(self, levels, binding, location_id):
        key = (binding.odoo_id.id, location_id)
        if not levels.get(key):
            levels[key] = self.env["integration.stock.level"]._level(
                self, binding.odoo_id, location_id
            )
        return levels[key]

    def _shopify_read_stock_again(self, client, stale, bindings, levels):
        """Note what Shopify has now where it moved since Odoo last saw it."""
        by_item = {binding.inventory_item_id: binding for binding in bindings}
        by_location = defaultdict(list)
        for entry in stale:
            by_location[entry["locationId"]].append(entry["inventoryItemId"])
        for location_id, item_ids in by_location.items():
            for item_id, quantities in client.inventory_levels(item_ids, location_id).items():
                level = self._shopify_stock_level(levels, by_item[item_id], location_id)
                level.write(
                    {
                        "quantity_seen": (quantities or {}).get("on_hand") or 0,
                        "synced_at": fields.Datetime.now(),
                    }
                )

    def _shopify_stock_sent(self, entries, after, bindings, levels, moved):
        """Record what was sent and what Shopify has now; ``moved``: the (item,
        location) pairs whose on-hand had changed on Shopify, outside Odoo."""
        now = fields.Datetime.now()
        by_item = {binding.inventory_item_id: binding for binding in bindings}
        sent, mismatch = defaultdict(int), defaultdict(bool)
        for entry in entries:
            key = (entry["inventoryItemId"], entry["locationId"])
            binding = by_item[entry["inventoryItemId"]]
            level = self._shopify_stock_level(levels, binding, entry["locationId"])
            quantities = after.get(key) or {}
            level.write(
                {
                    "quantity_sent": entry["quantity"],
                    "quantity_seen": quantities.get("on_hand", entry["quantity"]),
                    "available_expected": quantities.get("available", level.available_expected),
                    "synced_at": now,
                    "mismatch": key in moved,
                    "error": False,
                }
            )
            sent[binding] += entry["quantity"]
            mismatch[binding] |= key in moved
        for binding, quantity in sent.items():
            binding.write(
                {
                    "stock_sent": quantity,
                    "stock_sent_date": now,
                    "stock_mismatch": mismatch[binding],
                }
            )

    def _shopify_on_inventory_level(self, payload):
        """Shopify says what a location has available. The echo of Odoo's own update
        is only recorded. Anything else (a sale, a fulfilment, an edit on Shopify)
        has Odoo check its on-hand figure there, compared and swapped: a sale changed
        Shopify's committed quantity, not on-hand, so its units stay sold; an edit of
        on-hand is put back to Odoo's figure (Odoo is the source of truth)."""
        item_id = "gid://shopify/InventoryItem/%s" % payload.get("inventory_item_id")
        location_id = "gid://shopify/Location/%s" % payload.get("location_id")
        binding = self.env["shopify.variant.binding"].search(
            [("backend_id", "=", self.id), ("inventory_item_id", "=", item_id)], limit=1
        )
        if not binding:
            return _("No variant bound to inventory item %(item)s.", item=item_id)
        location = self.shopify_location_ids.filtered(
            lambda loc: loc.external_id == location_id and loc.warehouse_id
        )
        if not location:
            return _(
                "Location %(location)s is not mapped to a warehouse: its stock is Shopify's.",
                location=location_id,
            )
        available = int(payload.get("available") or 0)
        level = self.env["integration.stock.level"]._level(self, binding.odoo_id, location_id)
        echo = bool(level.synced_at) and available == level.available_expected
        level.available_reported = available
        binding.shopify_available = available
        if echo:
            return False
        self._channel_mark_stock_changed(binding.odoo_id)
        return _(
            "Shopify shows %(available)s available for %(sku)s at %(location)s: Odoo "
            "checks its on-hand figure there (a sale on Shopify stays sold).",
            available=available,
            sku=binding.sku,
            location=location.name,
        )

    # ------------------------------------------------------------- fulfilment
    def _shopify_order_gid(self, picking):
        binding = self.env["shopify.order.binding"].search(
            [("backend_id", "=", self.id), ("odoo_id", "=", picking.sale_id.id)], limit=1
        )
        return binding.external_id, binding.platform_order_name

    def _channel_fulfillment_plan(self, picking):
        if self.platform != "shopify":
            return super()._channel_fulfillment_plan(picking)
        order_id, order_name = self._shopify_order_gid(picking)
        shipped = defaultdict(float)
        for product, quantity in picking._channel_shipped().items():
            shipped[product.default_code] += quantity
        fulfillment_orders = self._shopify_client().fulfillment_orders(order_id)
        plan = self._shopify_fulfillment_lines(fulfillment_orders, shipped)
        if not plan["by_fulfillment_order"]:
            raise PermanentError(
                _(
                    "Nothing of %(picking)s is left to fulfil on Shopify order %(order)s "
                    "(already fulfilled, or SKUs that are not on the order).",
                    picking=picking.name,
                    order=order_name,
                )
            )
        return plan

    def _channel_fulfillment_create(self, picking, plan):
        if self.platform != "shopify":
            return super()._channel_fulfillment_create(picking, plan)
        fulfillment = self._shopify_client().fulfillment_create(
            plan["by_fulfillment_order"], *self._shopify_tracking(picking)
        )
        return fulfillment["id"]

    def _channel_find_fulfillment(self, picking, fulfillment):
        """The order's fulfilment made for this intent: created since it, of the
        planned line items and quantities, and not recorded for another delivery."""
        if self.platform != "shopify":
            return super()._channel_find_fulfillment(picking, fulfillment)
        order_id, _order_name = self._shopify_order_gid(picking)
        claimed = set(
            self.env["integration.fulfillment"]
            .search([("backend_id", "=", self.id), ("id", "!=", fulfillment.id)])
            .mapped("external_id")
        )
        since = fulfillment.requested_at - timedelta(minutes=FULFILLMENT_CLOCK_MARGIN_MINUTES)
        for candidate in self._shopify_client().order_fulfillments(order_id):
            created = fields.Datetime.to_datetime(candidate["createdAt"][:19].replace("T", " "))
            lines = defaultdict(int)
            for node in candidate["fulfillmentLineItems"]["nodes"]:
                lines[node["lineItem"]["id"]] += node["quantity"]
            if (
                candidate["status"] == "SUCCESS"
                and created >= since
                and candidate["id"] not in claimed
                and dict(lines) == fulfillment.plan["line_items"]
            ):
                return candidate["id"]
        return False

    def _channel_fulfillment_tracking(self, picking, fulfillment):
        if self.platform != "shopify":
            return super()._channel_fulfillment_tracking(picking, fulfillment)
        self._shopify_client().fulfillment_tracking_update(
            fulfillment.external_id, *self._shopify_tracking(picking)
        )

    @staticmethod
    def _shopify_tracking(picking):
        """(number, company, url) of the delivery's tracking, None where unknown."""
        number = picking.carrier_tracking_ref or None
        return (
            number,
            picking.carrier_id.name or None,
            (picking.carrier_tracking_url if number else None) or None,
        )

    @staticmethod
    def _shopify_fulfillment_lines(fulfillment_orders, shipped):
        """The shipped quantities by SKU, taken from the open fulfillment orders'
        remaining quantities: ``{"by_fulfillment_order": {fulfillment order id: {line
        id: quantity}}, "line_items": {order line item id: quantity}}``."""
        by_fulfillment_order, line_items = defaultdict(dict), defaultdict(int)
        left = dict(shipped)
        for fulfillment_order in fulfillment_orders:
            if fulfillment_order.get("status") not in ("OPEN", "IN_PROGRESS"):
                continue
            for item in fulfillment_order["lineItems"]["nodes"]:
                line_item = item.get("lineItem") or {}
                sku = line_item.get("sku")
                quantity = min(int(left.get(sku, 0)), int(item.get("remainingQuantity") or 0))
                if quantity > 0:
                    by_fulfillment_order[fulfillment_order["id"]][item["id"]] = quantity
                    line_items[line_item["id"]] += quantity
                    left[sku] -= quantity
        return {"by_fulfillment_order": dict(by_fulfillment_order), "line_items": dict(line_items)}
