import logging
from datetime import datetime, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.integration_base.exceptions import (
    AuthenticationError,
    JobDeferred,
    RetryableError,
)

from ..api.auth import request_access_token
from ..api.client import MAX_INPUT_ITEMS, ShopifyClient
from ..const import (
    API_VERSION,
    DEFAULT_STOCK_BATCH_SECONDS,
    INVENTORY_REASON,
    MAX_STOCK_BATCH_SECONDS,
    METAFIELD_NAMESPACE,
    ORDER_POLL_OVERLAP_MINUTES,
    PLAN_LIMITS,
    TOKEN_RENEW_MARGIN_SECONDS,
    WEBHOOK_HEADERS,
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

    # ------------------------------------------------------------- webhooks
    def _webhook_spec(self):
        if self.platform == "shopify":
            return dict(WEBHOOK_HEADERS)
        return super()._webhook_spec()

    def _webhook_secret(self):
        # Shopify signs webhooks with the app's client secret.
        if self.platform == "shopify":
            return self._get_credential(
                "webhook_secret", raise_if_missing=False
            ) or self._get_credential("client_secret", raise_if_missing=False)
        return super()._webhook_secret()

    def _webhook_handlers(self):
        handlers = super()._webhook_handlers()
        if self.platform == "shopify":
            handlers.update(
                {
                    "orders/create": "_shopify_on_order",
                    "orders/updated": "_shopify_on_order",
                    "orders/cancelled": "_shopify_on_order",
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
        self.env["shopify.product.binding"]._shopify_bind_and_export(
            self, self.env["product.template"].search(self._shopify_exportable_domain())
        )
        self.env["shopify.variant.binding"]._shopify_mark_stock_dirty(
            self.env["shopify.variant.binding"].search([("backend_id", "=", self.id)])
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
            self._shopify_reject_token()
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
        credential = self._shopify_token_credential()
        if credential and not self._shopify_token_expiring(credential.expires_at):
            return credential._get_plaintext_sudo()
        return self._shopify_renew_token()

    def _shopify_token_credential(self):
        return (
            self.env["integration.credential"]
            .sudo()
            .search([("backend_id", "=", self.id), ("key", "=", "access_token")], limit=1)
        )

    @api.model
    def _shopify_token_expiring(self, expires_at):
        margin = timedelta(seconds=TOKEN_RENEW_MARGIN_SECONDS)
        return bool(expires_at) and expires_at <= fields.Datetime.now() + margin

    def _shopify_renew_token(self):
        """Ask Shopify for a new token, one worker at a time: the others wait on the
        advisory lock, then find the token the first one stored."""
        with self._exclusive("shopify-token") as backend:
            credential = backend._shopify_token_credential()
            if credential and not self._shopify_token_expiring(credential.expires_at):
                token = credential._get_plaintext_sudo()
            else:
                token, expires_in = request_access_token(
                    backend.api_url,
                    backend._get_credential("client_id"),
                    backend._get_credential("client_secret"),
                    backend._http,
                )
                expires_at = (
                    fields.Datetime.now() + timedelta(seconds=expires_in) if expires_in else False
                )
                backend._set_credential("access_token", token, expires_at)
                _logger.info("shopify backend %s: access token renewed", self.id)
        self.env["integration.credential"].invalidate_model()
        return token

    def _shopify_reject_token(self):
        """Shopify refused the token: mark it expired, in a transaction of its own so
        that it stays so when the job rolls back, and the next call asks anew."""
        with self._separate_cursor() as cr:
            cr.execute(
                """UPDATE integration_credential SET expires_at = %s
                    WHERE backend_id = %s AND key = 'access_token'""",
                [datetime(2000, 1, 1), self.id],
            )
        self.env["integration.credential"].invalidate_model(["expires_at"])

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
    @api.model
    def _cron_shopify_flush_stock(self):
        """Safety net: a change committed while a stock job was starting can miss that
        job (its snapshot predates the change); queue a job for what is left."""
        self.env.cr.execute("SELECT DISTINCT backend_id FROM shopify_stock_change")
        for (backend_id,) in self.env.cr.fetchall():
            self.env["shopify.variant.binding"]._shopify_request_stock_export(
                self.browse(backend_id)
            )

    def _shopify_stock_batch_capacity(self):
        """How many variants fill one inventorySetQuantities call (one quantity per
        variant and mapped location)."""
        locations = len(self.shopify_location_ids.filtered("warehouse_id"))
        return max(1, MAX_INPUT_ITEMS // max(1, locations))

    def _shopify_stock_batch_due(self):
        """When the noted changes should go: now (None) when a full call's worth
        waits or the window of the oldest one has passed, else the end of that
        window. False when nothing is noted. Times are the database's, as the
        workers compare etas with it."""
        self.env.cr.execute(
            """SELECT count(DISTINCT product_id), min(noted_at) + %s * interval '1 second',
                      clock_timestamp() at time zone 'utc'
                 FROM shopify_stock_change WHERE backend_id = %s""",
            [self.shopify_stock_batch_seconds or 0, self.id],
        )
        count, due, now = self.env.cr.fetchone()
        if not count:
            return False
        if count >= self._shopify_stock_batch_capacity() or not due or due <= now:
            return None
        return due

    def _shopify_job_export_stock(self, job):
        """Send the sellable quantity of the variants noted as changed, one full call
        at most (the longest-waiting first; the others get a job of their own), once
        the batching window of the oldest change has passed (at once when run by a
        person). Runs in READ COMMITTED under a lock per shop, so that two stock jobs
        never take the same changes, nor send half a batch each."""
        self.ensure_one()
        cr = self.env.cr
        cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ["shopify-stock:%s" % self.id])
        if not self.env.context.get("integration_run_now"):
            due = self._shopify_stock_batch_due()
            if due is False:
                return 0
            if due:
                raise JobDeferred(due, "stock batching window")
        # More than a call's worth would end in a call for the few left over:
        # those wait for the next batch instead.
        cr.execute(
            """WITH chosen AS (
                   SELECT product_id FROM shopify_stock_change WHERE backend_id = %s
                    GROUP BY product_id ORDER BY min(noted_at) NULLS FIRST LIMIT %s)
               DELETE FROM shopify_stock_change change USING chosen
                WHERE change.backend_id = %s AND change.product_id = chosen.product_id
            RETURNING change.product_id""",
            [self.id, self._shopify_stock_batch_capacity(), self.id],
        )
        product_ids = {row[0] for row in cr.fetchall()}
        if not product_ids:
            return 0
        self.env["shopify.variant.binding"]._shopify_request_stock_export(self)
        bindings = self.env["shopify.variant.binding"].search(
            [
                ("backend_id", "=", self.id),
                ("odoo_id", "in", list(product_ids)),
                ("inventory_item_id", "!=", False),
            ]
        )
        quantities, sent = [], {}
        for location in self.shopify_location_ids.filtered("warehouse_id"):
            products = bindings.odoo_id.with_context(warehouse=location.warehouse_id.id)
            free = {p.id: p.free_qty for p in products}
            for binding in bindings:
                quantity = max(0, int(free.get(binding.odoo_id.id, 0)))
                quantities.append(
                    {
                        "inventoryItemId": binding.inventory_item_id,
                        "locationId": location.external_id,
                        "quantity": quantity,
                    }
                )
                sent[binding] = sent.get(binding, 0) + quantity
        if not quantities:
            return 0
        calls = self._shopify_client().set_inventory(
            quantities, INVENTORY_REASON, "odoo://stock/%s" % job.id
        )
        now = fields.Datetime.now()
        for binding, quantity in sent.items():
            binding.write({"stock_sent": quantity, "stock_sent_date": now})
        return calls

    def _shopify_on_inventory_level(self, payload):
        """Shopify says what a location has: record it, flag a difference with Odoo
        and send Odoo's figure again (Odoo is the source of truth)."""
        item_id = "gid://shopify/InventoryItem/%s" % payload.get("inventory_item_id")
        binding = self.env["shopify.variant.binding"].search(
            [("backend_id", "=", self.id), ("inventory_item_id", "=", item_id)], limit=1
        )
        if not binding:
            return _("No variant bound to inventory item %(item)s.", item=item_id)
        available = int(payload.get("available") or 0)
        mismatch = bool(binding.stock_sent_date) and available != binding.stock_sent
        binding.write({"shopify_available": available, "stock_mismatch": mismatch})
        if mismatch:
            self.env["shopify.variant.binding"]._shopify_mark_stock_dirty(binding)
            return _(
                "Shopify shows %(theirs)s available for %(sku)s, Odoo %(ours)s: Odoo's "
                "quantity is sent again.",
                theirs=available,
                sku=binding.sku,
                ours=binding.stock_sent,
            )
        return False
