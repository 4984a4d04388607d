import logging
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta

import requests

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError
from odoo.sql_db import TestCursor

from ..const import EXCLUSIVE_LOCK_TIMEOUT_SECONDS, PLATFORMS, TOKEN_RENEW_MARGIN_SECONDS
from ..exceptions import AuthenticationError
from ..tools import http

_logger = logging.getLogger(__name__)

# Fields whose change must reach the webhook route's cache at once.
WEBHOOK_TARGET_FIELDS = {"active", "state", "platform", "company_id"}

# Keep-alive connections per thread and backend: workers make many calls in a row.
_sessions = threading.local()


class IntegrationBackend(models.Model):
    """One connected account on a platform: a Shopify shop, an eBay seller, a
    ShipStation key.

    To connect a new platform, in its own addon:

    1. Add the platform to ``PLATFORMS`` in integration_base/const.py (the base
       groups queues, limits and screens by it) and ``_inherit`` this model with the
       platform's fields; set the ``rate_limit_*`` fields the platform enforces.
    2. Implement the hooks, each called on one backend of that platform, the
       ``_<platform>_...`` ones through ``_platform_hook`` (a clear error when the
       platform's addon is missing):

       ``_<platform>_test_connection()``
           Call the platform with the stored credentials; return a sentence for
           the person who pressed Test connection, raise when it fails.
       ``_<platform>_sync_now()``
           Queue the jobs of a full synchronisation (Sync now).
       ``_<platform>_request_token()``
           Only for platforms whose access tokens expire: obtain a new one from the
           platform (Shopify: client-credentials grant; eBay: its refresh token,
           storing the new refresh token with ``_set_credential`` when it changes)
           and return ``(token, lifetime in seconds or None)``. ``_access_token``
           calls it under ``_exclusive``, one worker at a time, when the stored
           token is missing or expires within TOKEN_RENEW_MARGIN_SECONDS; call
           ``_reject_token`` when the platform refuses a token (a 401).
       Allowed hosts hook
           The hosts the platform's API lives on, against which the backend's
           URLs are validated when saved: nothing else is ever called with its
           credentials.
       ``_webhook_spec()``, ``_webhook_secret()``, ``_webhook_handlers()``
           Extend them for ``self.platform``: the header names of the platform's
           webhook scheme, the secret deliveries are verified with, and topic ->
           method of integration.webhook.event that processes a delivery.

    3. Register the platform's jobs on ``sync.job``: ``selection_add`` the
       operations on ``operation`` and map each to its handler in
       ``_job_handlers`` (``method(job)``, on the target record); declare the ones
       that must run in READ COMMITTED in ``_read_committed_operations``.
    4. Add the platform's worker: an ``ir.cron`` on sync.job with code
       ``model._cron_run_jobs('<platform>')`` and ``integration_worker_platform``
       set (two crons make two parallel workers).

    Tools for the platform's code: ``_http`` (every call typed, timed, logged),
    ``_get_credential`` / ``_set_credential`` (encrypted secrets), ``_lock`` (one
    transaction at a time per backend and purpose, in the current transaction) and
    ``_exclusive`` (the same, in a short transaction of its own that commits),
    ``_mark_error`` / ``_mark_connected``.
    """

    _name = "integration.backend"
    _description = "Integration Backend"
    _inherit = ["mail.thread"]
    _order = "platform, name"

    name = fields.Char(required=True, tracking=True)
    platform = fields.Selection(PLATFORMS, required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    environment = fields.Selection(
        [("sandbox", "Sandbox"), ("production", "Production")],
        required=True,
        default="sandbox",
        tracking=True,
    )
    api_url = fields.Char(
        "API URL", help="Base URL of the platform's API for this account.", tracking=True
    )
    auth_url = fields.Char("Authentication URL", help="Where access tokens are obtained.")
    active = fields.Boolean(default=True)
    state = fields.Selection(
        [
            ("draft", "Not connected"),
            ("connected", "Connected"),
            ("error", "Error"),
            ("disabled", "Disabled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        readonly=True,
    )
    last_error = fields.Text(readonly=True)
    last_error_date = fields.Datetime(readonly=True)
    credential_ids = fields.One2many("integration.credential", "backend_id")
    rate_limit_kind = fields.Selection(
        [
            ("none", "None"),
            ("leaky_bucket", "Leaky bucket (points a second)"),
            ("window", "Requests per window"),
            ("daily", "Calls per day"),
        ],
        default="none",
        required=True,
    )
    rate_limit_capacity = fields.Float(
        help="Bucket size in points, requests per window, or calls per day."
    )
    rate_limit_restore_rate = fields.Float(help="Points restored per second (leaky bucket).")
    rate_limit_window_seconds = fields.Integer(default=60)
    job_pending_count = fields.Integer(compute="_compute_job_counts")
    job_failed_count = fields.Integer(compute="_compute_job_counts")

    def _compute_job_counts(self):
        counts = {
            (backend.id, state): count
            for backend, state, count in self.env["sync.job"]._read_group(
                [("backend_id", "in", self.ids), ("state", "in", ("pending", "failed"))],
                ["backend_id", "state"],
                ["__count"],
            )
        }
        for backend in self:
            backend.job_pending_count = counts.get((backend.id, "pending"), 0)
            backend.job_failed_count = counts.get((backend.id, "failed"), 0)

    @api.model_create_multi
    def create(self, vals_list):
        backends = super().create(vals_list)
        self.env.registry.clear_cache()  # cached webhook targets
        return backends

    def write(self, vals):
        result = super().write(vals)
        if WEBHOOK_TARGET_FIELDS.intersection(vals):
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    # ------------------------------------------------------------------ actions

    def action_test_connection(self):
        self.ensure_one()
        try:
            message = self._platform_hook("test_connection")()
        except Exception as exc:
            self._mark_error(getattr(exc, "message", None) or str(exc))
            raise UserError(
                _("Connection to %(name)s failed: %(error)s", name=self.name, error=exc)
            ) from exc
        self._mark_connected()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": _("Connection works"),
                "message": message or _("%(name)s answered.", name=self.name),
            },
        }

    def action_sync_now(self):
        self.ensure_one()
        if self.state == "disabled" or not self.active:
            raise UserError(_("%(name)s is disabled or archived: enable it first.", name=self.name))
        self._platform_hook("sync_now")()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": _("Synchronisation queued"),
                "message": _("Jobs were queued for %(name)s.", name=self.name),
            },
        }

    def action_disable(self):
        self.write({"state": "disabled"})

    def action_reset_to_draft(self):
        self.write({"state": "draft", "last_error": False})

    def action_view_jobs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("integration_base.action_sync_job")
        action["domain"] = [("backend_id", "=", self.id)]
        return action

    # ---------------------------------------------------------------- business

    def _platform_hook(self, name):
        """The platform addon's implementation of hook ``name``; a clear error when
        the platform's connector is not installed rather than a silent no-op."""
        method = getattr(self, "_%s_%s" % (self.platform, name), None)
        if method is None:
            raise UserError(
                _(
                    "The %(platform)s connector is not installed, so %(name)s cannot "
                    "do this yet. Install the connector addon for this platform.",
                    platform=dict(self._fields["platform"].selection).get(self.platform),
                    name=self.name,
                )
            )
        return method

    def _mark_connected(self):
        to_mark = self.filtered(lambda b: b.state != "connected" or b.last_error)
        to_mark.write({"state": "connected", "last_error": False, "last_error_date": False})

    def _mark_error(self, message):
        self.write(
            {"state": "error", "last_error": message, "last_error_date": fields.Datetime.now()}
        )

    def _get_credential(self, key, raise_if_missing=True):
        """Decrypted value of credential ``key`` (superuser read, for the api layer)."""
        self.ensure_one()
        credential = (
            self.env["integration.credential"]
            .sudo()
            .search([("backend_id", "=", self.id), ("key", "=", key)], limit=1)
        )
        if not credential and raise_if_missing:
            raise AuthenticationError(
                _(
                    "%(name)s has no credential '%(key)s': add it under Integrations > "
                    "Configuration > Credentials.",
                    name=self.name,
                    key=key,
                )
            )
        return credential._get_plaintext_sudo() if credential else None

    def _set_credential(self, key, value, expires_at=False):
        self.ensure_one()
        credentials = self.env["integration.credential"].sudo()
        existing = credentials.search([("backend_id", "=", self.id), ("key", "=", key)], limit=1)
        values = {"value": value, "expires_at": expires_at}
        if existing:
            existing.write(values)
        else:
            existing = credentials.create({"backend_id": self.id, "key": key, **values})
        # Other transactions (webhook requests, token renewal) read it from the table.
        existing.flush_recordset()

    def _webhook_spec(self):
        """Header names of this backend's webhook scheme: signature, delivery id,
        topic, and the other headers worth keeping. The scheme is Shopify's: base64
        HMAC-SHA256 of the raw body; platform addons override the names."""
        return {
            "signature": "X-Webhook-Hmac-Sha256",
            "delivery_id": "X-Webhook-Id",
            "topic": "X-Webhook-Topic",
            "kept_headers": (),
        }

    @api.model
    @tools.ormcache("backend_id")
    def _webhook_target(self, backend_id):
        """What the webhook route needs of a backend, cached per process so that a
        delivery reads nothing before it is verified: None for an unknown or disabled
        backend. Saving a backend or a credential clears the cache. Never mutate it.
        """
        backend = self.sudo().browse(backend_id).exists()
        if not backend or not backend.active or backend.state == "disabled":
            return None
        return {
            "id": backend.id,
            "platform": backend.platform,
            "company_id": backend.company_id.id,
            "secret": backend._webhook_secret(),
            "spec": backend._webhook_spec(),
        }

    def _webhook_secret(self):
        """The secret webhook deliveries are signed with (platforms may derive it)."""
        return self._get_credential("webhook_secret", raise_if_missing=False)

    def _webhook_handlers(self):
        """Topic -> method name on integration.webhook.event; platforms extend."""
        return {}

    @api.model
    def _separate_cursor(self):
        """A cursor for a short transaction of its own, READ COMMITTED so that a
        row or advisory lock serialises workers instead of failing them (Odoo runs
        REPEATABLE READ). In tests it shares the test transaction."""
        cr = self.env.registry.cursor()
        if not isinstance(cr, TestCursor):
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        return cr

    def _lock(self, purpose, key=None):
        """Wait for, then hold until the current transaction ends, the lock on
        (this backend, ``purpose``, ``key``): transactions doing the same thing for
        the same backend (and key, e.g. a platform's order id) run one after the
        other. A PostgreSQL advisory lock: it locks no row, and a crash releases it.
        For a thing done in a short transaction of its own, use ``_exclusive``."""
        self.ensure_one()
        name = "%s:%s" % (purpose, self.id) + ("" if key is None else ":%s" % key)
        self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])

    @contextmanager
    def _exclusive(self, purpose):
        """This backend, sudo, in a short transaction of its own that holds the lock
        on (backend, ``purpose``) until it commits: one worker at a time does the
        thing (renew a token, create a shop's definitions once), the others wait,
        then see what the first one committed."""
        self.ensure_one()
        # In tests the separate cursor is this very transaction: it reads what this
        # one has written only once flushed.
        self.env.flush_all()
        with self._separate_cursor() as cr:
            # A caller holding a write on a row the thing writes would wait on itself,
            # unseen by PostgreSQL's deadlock check: give up after a while instead (a
            # lock timeout is a temporary error, the job comes back).
            cr.execute("SET LOCAL lock_timeout = %s", ["%ss" % EXCLUSIVE_LOCK_TIMEOUT_SECONDS])
            backend = self.with_env(self.env(cr=cr)).sudo()
            backend._lock(purpose)
            yield backend

    # ------------------------------------------------------------------ tokens

    def _access_token(self):
        """The platform's access token (credential ``access_token``), renewed first
        when it is missing or expires within TOKEN_RENEW_MARGIN_SECONDS."""
        self.ensure_one()
        credential = self._token_credential()
        if credential and not self._token_expiring(credential.expires_at):
            return credential._get_plaintext_sudo()
        return self._renew_token()

    def _token_credential(self):
        return (
            self.env["integration.credential"]
            .sudo()
            .search([("backend_id", "=", self.id), ("key", "=", "access_token")], limit=1)
        )

    @api.model
    def _token_expiring(self, expires_at):
        margin = timedelta(seconds=TOKEN_RENEW_MARGIN_SECONDS)
        return bool(expires_at) and expires_at <= fields.Datetime.now() + margin

    def _renew_token(self):
        """Ask the platform for a new token (hook ``_<platform>_request_token``), one
        worker at a time: the others wait on the lock, then find the token the first
        one stored."""
        with self._exclusive("access-token") as backend:
            credential = backend._token_credential()
            if credential and not backend._token_expiring(credential.expires_at):
                token = credential._get_plaintext_sudo()
            else:
                token, expires_in = backend._platform_hook("request_token")()
                expires_at = (
                    fields.Datetime.now() + timedelta(seconds=expires_in) if expires_in else False
                )
                backend._set_credential("access_token", token, expires_at)
                _logger.info("%s backend %s: access token renewed", self.platform, self.id)
        self.env["integration.credential"].invalidate_model()
        return token

    def _reject_token(self):
        """The platform refused the token: mark it expired, in a transaction of its
        own so that it stays so when the job rolls back, and the next call asks anew."""
        with self._separate_cursor() as cr:
            cr.execute(
                """UPDATE integration_credential SET expires_at = %s
                    WHERE backend_id = %s AND key = 'access_token'""",
                [datetime(2000, 1, 1), self.id],
            )
        self.env["integration.credential"].invalidate_model(["expires_at"])

    def _http_session(self):
        cache = getattr(_sessions, "by_backend", None)
        if cache is None:
            cache = _sessions.by_backend = {}
        session = cache.get(self.id)
        if session is None:
            session = cache[self.id] = requests.Session()
        return session

    def _http(self, method, url, *, secrets=(), **kwargs):
        """One call to this backend's platform: timeout, typed errors, API log.

        :raise IntegrationError: subclasses, for the job runner to act on
        """
        self.ensure_one()
        label = dict(self._fields["platform"].selection).get(self.platform, self.platform)
        log = self.env["integration.api.log"].sudo()
        return http.send(
            self._http_session(),
            label,
            method,
            url,
            recorder=lambda call: log._record(self, call),
            secrets=secrets,
            **kwargs,
        )
