import hmac
import json
import logging
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.integration_base.exceptions import (
    ConfigurationError,
    JobDeferred,
    RateLimitedError,
    RetryableError,
)

from ..api.client import ShipStationClient
from ..const import (
    API_HOSTS,
    INTERACTIVE_MAX_WAIT_SECONDS,
    MAX_PAGE_SIZE,
    RATE_LIMIT_REQUESTS,
    RATE_LIMIT_WINDOW_SECONDS,
    SHIPMENT_POLL_OVERLAP_MINUTES,
    SHIPMENT_POLL_PAGE_SIZE,
    WEBHOOK_EVENTS,
)
from ..mapping.shipment import delivery_identity, pacific, parse_timestamp, resource_url_problem

_logger = logging.getLogger(__name__)

WEBHOOK_SPEC = {
    # ShipStation's deliveries carry no signature, id or topic header: the token in
    # the URL authenticates them, the body says what they are about.
    "signature": "X-ShipStation-Token",
    "delivery_id": "X-ShipStation-Delivery",
    "topic": "X-ShipStation-Resource-Type",
    "kept_headers": ("User-Agent",),
    "identify": delivery_identity,
}


class IntegrationBackend(models.Model):
    _inherit = "integration.backend"

    shipstation_store_ids = fields.One2many("shipstation.store", "backend_id", "Stores")
    shipstation_warehouse_ids = fields.One2many(
        "shipstation.warehouse", "backend_id", "Ship-from locations"
    )
    shipstation_carrier_ids = fields.One2many("shipstation.carrier", "backend_id", "Carriers")
    shipstation_store_id = fields.Many2one(
        "shipstation.store",
        "Store for Odoo's orders",
        domain="[('backend_id', '=', id)]",
        help="The ShipStation store the deliveries sent from Odoo are filed under "
        "(ShipStation's manual store when empty).",
    )
    shipstation_webhook_base_url = fields.Char(
        "ShipStation webhook base URL",
        help="Public address of this Odoo that ShipStation posts to; web.base.url when " "empty.",
    )
    shipstation_webhook_status = fields.Text("ShipStation webhooks", readonly=True)
    shipstation_batch_seconds = fields.Integer(
        "Batching window (s)",
        default=15,
        help="A delivery that becomes ready waits at most this long for others, so "
        "that they go to ShipStation 100 a call (a full call goes at once): "
        "ShipStation allows 40 calls a minute for everything. 0 sends each at once.",
    )
    shipstation_fetch_cursor = fields.Datetime(
        "Shipments fetched from",
        readonly=True,
        copy=False,
        help="Creation time of the newest shipment a SHIP_NOTIFY fetch has read: "
        "the next one reads from there.",
    )
    shipstation_shipments_polled_to = fields.Datetime(
        "Shipments polled up to",
        readonly=True,
        copy=False,
        help="The poll of shipments behind the webhooks has read everything created "
        "before this moment.",
    )
    # The poll in progress, committed page by page (see _shipstation_job_poll_shipments).
    shipstation_poll_since = fields.Datetime(readonly=True, copy=False)
    shipstation_poll_started = fields.Datetime(readonly=True, copy=False)
    shipstation_poll_page = fields.Integer(readonly=True, copy=False)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("platform") == "shipstation":
                vals.setdefault("api_url", "https://%s" % API_HOSTS[0])
                for key, value in self._shipstation_limit_values().items():
                    vals.setdefault(key, value)
        return super().create(vals_list)

    @api.model
    def _shipstation_limit_values(self):
        """40 requests a minute per API key, shared by every caller of the key."""
        return {
            "rate_limit_kind": "window",
            "rate_limit_capacity": RATE_LIMIT_REQUESTS,
            "rate_limit_window_seconds": RATE_LIMIT_WINDOW_SECONDS,
        }

    # ------------------------------------------------------------------ hosts
    def _allowed_api_hosts(self):
        if self.platform == "shipstation":
            return API_HOSTS
        return super()._allowed_api_hosts()

    def _check_outbound_url(self, url):
        """A webhook's resource_url may name a numbered host of ShipStation's
        (ssapi6.shipstation.com): it is checked by the handler, then allowed here."""
        if (
            self.platform == "shipstation"
            and self.environment == "production"
            and not resource_url_problem(url)
            and not self._api_url_problem()
        ):
            return
        return super()._check_outbound_url(url)

    # ------------------------------------------------------------------ client
    def _shipstation_client(self):
        self.ensure_one()
        if self.platform != "shipstation":
            raise UserError(_("%(name)s is not a ShipStation backend.", name=self.name))
        return ShipStationClient(
            self.api_url,
            self._get_credential("api_key"),
            self._get_credential("api_secret"),
            self._shipstation_send,
            on_rate_headers=self._shipstation_on_rate_headers,
        )

    def _shipstation_send(self, method, url, **kwargs):
        """integration_base's call, paced by the key's shared window. A call a person
        waits for waits a few seconds at most, then says when to try again."""
        interactive = self.env.context.get("shipstation_interactive")
        limiter = self.env["integration.rate.limit"].sudo()
        try:
            if interactive:
                limiter._acquire(self, 1, max_wait=INTERACTIVE_MAX_WAIT_SECONDS)
            else:
                limiter._acquire(self, 1)
            return self._http(method, url, secrets=(self._get_credential("api_secret"),), **kwargs)
        except RateLimitedError as exc:
            if not interactive:
                raise
            raise UserError(
                _(
                    "ShipStation's limit of %(limit)s calls a minute for %(name)s is used "
                    "up by the synchronisation in progress: try again in %(wait)s seconds.",
                    limit=int(self.rate_limit_capacity),
                    name=self.name,
                    wait=int((exc.retry_after or RATE_LIMIT_WINDOW_SECONDS) + 0.999),
                )
            ) from exc

    def _shipstation_on_rate_headers(self, limit, remaining, reset):
        self.env["integration.rate.limit"].sudo()._report(self, remaining=remaining, reset=reset)

    # ------------------------------------------------------------------ hooks
    def _shipstation_test_connection(self):
        client = self._shipstation_client()
        stores = client.list_stores()
        warehouses = client.list_warehouses()
        return _(
            "ShipStation answered: %(stores)s stores, %(warehouses)s ship-from locations.",
            stores=len(stores),
            warehouses=len(warehouses),
        )

    def _shipstation_sync_now(self):
        Job = self.env["sync.job"]
        Job.enqueue(self, "shipstation_refresh_account", self, priority=5)
        Job.enqueue(self, "shipstation_poll_shipments", self, priority=8)
        self._shipstation_queue_order_push()

    def action_shipstation_refresh_account(self):
        """Import stores, ship-from locations, carriers, services and packages now."""
        self.ensure_one()
        self.with_context(shipstation_interactive=True)._shipstation_refresh_account()
        return True

    def _shipstation_job_refresh_account(self, job):
        self._shipstation_refresh_account()

    def _shipstation_refresh_account(self):
        """Stores, warehouses and carriers (with their services and packages) as the
        account has them now: new ones added, known ones updated, gone ones archived.
        The mappings people made (warehouse -> Odoo warehouse) stay."""
        self.ensure_one()
        client = self._shipstation_client()
        self.env["shipstation.store"]._sync_from(self, client.list_stores())
        self.env["shipstation.warehouse"]._sync_from(self, client.list_warehouses())
        carriers = client.list_carriers()
        details = {
            carrier["code"]: (
                client.list_services(carrier["code"]),
                client.list_packages(carrier["code"]),
            )
            for carrier in carriers
        }
        self.env["shipstation.carrier"]._sync_from(self, carriers, details)
        self._mark_connected()

    # ------------------------------------------------------------------ orders
    def _shipstation_queue_order_push(self):
        for backend in self:
            self.env["sync.job"].enqueue(
                backend,
                "shipstation_push_orders",
                backend,
                priority=5,
                eta=self.env["shipstation.order"]._batch_due(backend),
            )

    def _shipstation_job_push_orders(self, job):
        self.env["shipstation.order"]._push_batch(self)

    # ------------------------------------------------------------------ webhooks
    def _webhook_spec(self):
        if self.platform == "shipstation":
            return dict(WEBHOOK_SPEC)
        return super()._webhook_spec()

    def _webhook_verifier(self):
        """ShipStation signs nothing: a delivery is this account's when its URL holds
        the backend's unguessable token (compared in constant time)."""
        if self.platform != "shipstation":
            return super()._webhook_verifier()
        token = self._webhook_secret()
        if not token:
            return None

        def verify(_body, _headers, token_in_url=None):
            return bool(token_in_url) and hmac.compare_digest(token_in_url.encode(), token.encode())

        return verify

    def _webhook_handlers(self):
        handlers = super()._webhook_handlers()
        if self.platform == "shipstation":
            handlers.update(
                {
                    "SHIP_NOTIFY": "_shipstation_on_ship_notify",
                    "ITEM_SHIP_NOTIFY": "_shipstation_on_ship_notify",
                }
            )
        return handlers

    def _shipstation_webhook_uri(self):
        self.ensure_one()
        token = self._webhook_secret()
        if not token:
            token = secrets.token_urlsafe(32)
            self._set_credential("webhook_secret", token)
            self.env.registry.clear_cache()  # the route's cached verifier
        base = (
            self.shipstation_webhook_base_url
            or self.env["ir.config_parameter"].sudo().get_param("web.base.url")
            or ""
        ).rstrip("/")
        return "%s/shipstation/webhook/%s/%s" % (base, self.id, token)

    def action_shipstation_register_webhooks(self):
        """Subscribe this Odoo to SHIP_NOTIFY (idempotent: an existing subscription
        to the same URL is kept)."""
        self.ensure_one()
        client = self.with_context(shipstation_interactive=True)._shipstation_client()
        uri = self._shipstation_webhook_uri()
        existing = {(hook.get("Url"), hook.get("HookType")) for hook in client.list_webhooks()}
        for event in WEBHOOK_EVENTS:
            if (uri, event) not in existing:
                client.subscribe_webhook(uri, event, "Odoo %s" % self.name)
        return self.action_shipstation_check_webhooks()

    def action_shipstation_check_webhooks(self):
        self.ensure_one()
        client = self.with_context(shipstation_interactive=True)._shipstation_client()
        uri = self._shipstation_webhook_uri()
        hooks = client.list_webhooks()
        lines = []
        for event in WEBHOOK_EVENTS:
            found = any(h.get("Url") == uri and h.get("HookType") == event for h in hooks)
            lines.append("%s: %s" % (event, _("subscribed") if found else _("missing")))
        # The token is a secret: the status shows the address without it.
        shown = uri.rsplit("/", 1)[0] + "/…"
        self.shipstation_webhook_status = "%s\n%s" % (shown, "\n".join(lines))
        return True

    # ------------------------------------------------------------------ crons
    @api.model
    def _cron_shipstation_poll_shipments(self):
        for backend in self.search([("platform", "=", "shipstation"), ("state", "=", "connected")]):
            self.env["sync.job"].enqueue(backend, "shipstation_poll_shipments", backend)

    def _shipstation_job_poll_shipments(self, job):
        """Read the shipments created since the last poll (less an overlap), page by
        page, committing each page's work with the poll's progress: a rate-limit
        pause or a crash resumes at the next page, never at the first. Voided labels
        of the same period follow."""
        self.ensure_one()
        self._lock("shipstation-poll", wait=False)
        now = fields.Datetime.now()
        started = self.shipstation_poll_started or now
        since = self.shipstation_poll_since or (
            (self.shipstation_shipments_polled_to or now - timedelta(days=1))
            - timedelta(minutes=SHIPMENT_POLL_OVERLAP_MINUTES)
        )
        client = self._shipstation_client()
        pages = client.pages(
            "/shipments",
            "shipments",
            page_size=SHIPMENT_POLL_PAGE_SIZE,
            start_page=(self.shipstation_poll_page or 0) + 1,
            createDateStart=pacific(since),
            includeShipmentItems="true",
            sortBy="CreateDate",
            sortDir="ASC",
        )
        seen = 0
        for number, last, records in pages:
            seen += len(records)
            self._shipstation_commit_shipment_page(records, since, started, number, number >= last)
        voided = []
        for _number, _last, records in client.pages(
            "/shipments", "shipments", voidDateStart=pacific(since)
        ):
            voided.extend(records)
        if voided:
            self._shipstation_queue_shipments(voided)
        marked = []
        for _number, _last, records in client.pages(
            "/orders", "orders", orderStatus="shipped", modifyDateStart=pacific(since)
        ):
            marked.extend(r for r in records if r.get("orderKey"))
        if marked:
            self._shipstation_queue_shipments([], marked_shipped=marked)
        return seen

    def _shipstation_queue_fetch(self):
        """A SHIP_NOTIFY says new shipments exist: one pending fetch takes them all
        (the deliveries of a busy warehouse fold into it)."""
        self.ensure_one()
        self.env["sync.job"].enqueue(self, "shipstation_fetch_shipments", self, priority=3)

    def _shipstation_job_fetch_shipments(self, job):
        """Read and apply every shipment created since the newest one the last fetch
        read, in pages of 500. At five labels a second, one fetch per webhook would
        need 300 calls a minute where ShipStation allows 40; folded, a fetch every
        few seconds covers them all. A shipment listed later than its creation time
        would have it read is the poll's (it goes back further)."""
        self.ensure_one()
        try:
            self._lock("shipstation-fetch", wait=False)
        except RetryableError:
            # The running fetch may have read before the newest shipments: this one
            # runs again as soon as it ends, without counting a failure.
            raise JobDeferred(
                fields.Datetime.now() + timedelta(seconds=1), "another fetch is running"
            ) from None
        cursor = self.shipstation_fetch_cursor or (
            fields.Datetime.now() - timedelta(minutes=SHIPMENT_POLL_OVERLAP_MINUTES)
        )
        client = self._shipstation_client()
        newest, seen = cursor, 0
        for _number, _last, records in client.pages(
            "/shipments",
            "shipments",
            page_size=MAX_PAGE_SIZE,
            createDateStart=pacific(cursor),
            includeShipmentItems="true",
            sortBy="CreateDate",
            sortDir="ASC",
        ):
            seen += len(records)
            self.env["shipstation.shipment"]._process(self, records, client)
            created = [parse_timestamp(r.get("createDate")) for r in records]
            newest = max([newest, *filter(None, created)])
        if newest != cursor:
            self.shipstation_fetch_cursor = newest
        return seen

    def _shipstation_queue_shipments(self, records, env=None, marked_shipped=()):
        # JSON with plain numbers: the job's payload is a json column.
        payload = json.loads(
            json.dumps(
                {"shipments": records, "marked_shipped": list(marked_shipped)}, default=float
            )
        )
        (env or self.env)["sync.job"].enqueue(
            self.with_env(env or self.env),
            "shipstation_apply_shipments",
            self.with_env(env or self.env),
            payload=payload,
            dedupe_key=None,
        )

    def _shipstation_commit_shipment_page(self, records, since, started, page, last):
        """Queue one page's shipments and record the poll's progress, committed
        together: a page is never lost, at worst applied twice (a no-op)."""
        with self._separate_cursor() as cr:
            env = self.env(cr=cr)
            if records:
                self._shipstation_queue_shipments(records, env)
            # SQL: this transaction must not wait on the job's own row lock.
            if last:
                cr.execute(
                    """UPDATE integration_backend SET shipstation_shipments_polled_to = %s,
                              shipstation_poll_since = NULL, shipstation_poll_started = NULL,
                              shipstation_poll_page = 0
                        WHERE id = %s""",
                    [started, self.id],
                )
            else:
                cr.execute(
                    """UPDATE integration_backend SET shipstation_poll_since = %s,
                              shipstation_poll_started = %s, shipstation_poll_page = %s
                        WHERE id = %s""",
                    [since, started, page, self.id],
                )
        self.invalidate_recordset(
            [
                "shipstation_shipments_polled_to",
                "shipstation_poll_since",
                "shipstation_poll_started",
                "shipstation_poll_page",
            ]
        )

    def _shipstation_job_apply_shipments(self, job):
        payload = job.payload or {}
        Shipment = self.env["shipstation.shipment"]
        return Shipment._process(self, payload.get("shipments") or []) + (
            Shipment._process_marked_shipped(self, payload.get("marked_shipped") or [])
        )

    def _shipstation_resource_allowed(self, url):
        """Raise when a webhook's resource_url may not be fetched (logged: the URL came
        in an unauthenticated request)."""
        problem = resource_url_problem(url, self.api_url if self.environment == "sandbox" else None)
        if problem:
            _logger.warning(
                "ShipStation backend %s: resource_url refused (%s): %s", self.id, problem, url
            )
            raise ConfigurationError(
                _(
                    "A ShipStation webhook named a resource_url that is not fetched, "
                    "because %(problem)s: %(url)s. Nothing was fetched; the poll of "
                    "shipments catches what it announced, if anything.",
                    problem=problem,
                    url=url[:200],
                )
            )
