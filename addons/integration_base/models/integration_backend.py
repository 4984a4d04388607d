import logging
import re
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import psycopg2
import requests

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.sql_db import TestCursor
from odoo.tools import str2bool

from ..const import (
    EXCLUSIVE_LOCK_TIMEOUT_SECONDS,
    PLATFORMS,
    SANDBOX_HOSTS_OPTION,
    TOKEN_RENEW_MARGIN_SECONDS,
)
from ..exceptions import AuthenticationError, ConfigurationError, RetryableError
from ..tools import http

_logger = logging.getLogger(__name__)

# Keep-alive connections per thread and backend: workers make many calls in a row.
_sessions = threading.local()

# A ``<name>`` in a platform's host pattern stands for one DNS label.
HOST_LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_regex(pattern):
    """``<shop>.myshopify.com`` -> a regular expression matching such host names."""
    parts = re.split(r"<[^>]*>", pattern.lower())
    return re.compile(HOST_LABEL.join(re.escape(part) for part in parts))


def _origin(parts):
    """(scheme, host, port) of a split URL, the port made explicit."""
    scheme = (parts.scheme or "").lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:  # a port that is not a number
        port = None
    return scheme, (parts.hostname or "").lower(), port


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
       ``_allowed_api_hosts()`` and ``_allowed_file_hosts()``
           The hosts the platform's API (and its file storage, for staged
           uploads) lives on: the backend's URLs are validated against them when
           saved and every call is checked (``_check_outbound_url``), so nothing
           else is ever called with its credentials.
       ``_webhook_spec()``, ``_webhook_verifier()``, ``_webhook_handlers()``
           Extend them for ``self.platform``: the header names of the platform's
           webhook scheme, how a delivery is verified (see ``_webhook_target``),
           and topic -> method of integration.webhook.event that processes a
           delivery; ``_webhook_target_fields()`` when the verifier depends on
           fields of the platform's own.

    3. Register the platform's jobs on ``sync.job``: ``selection_add`` the
       operations on ``operation`` and map each to its handler in
       ``_job_handlers`` (``method(job)``, on the target record); declare the ones
       that must run in READ COMMITTED in ``_read_committed_operations``.
    4. Add the platform's worker: an ``ir.cron`` on sync.job with code
       ``model._cron_run_jobs('<platform>')`` and ``integration_worker_platform``
       set (two crons make two parallel workers).
    5. Make ``integration.binding`` concrete for what the platform exports, with the
       exporter spine's steps (``_export_map``, ``_export_preflight``,
       ``_export_dependencies``, ``_export_send``, ``_export_bind``: see its
       docstring) and ``_export_operation`` mapped to ``_job_export``; the binder
       (``_bind``, ``_to_internal``) and ``_bind_and_export`` come with it.

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
        help="Production: the API URL must be one of the platform's own hosts (https). "
        "Sandbox: it may also be a test server (the offline sandbox), when the Odoo "
        "configuration file allows it (integration_allow_sandbox_hosts = True).",
    )
    api_url = fields.Char(
        "API URL", help="Base URL of the platform's API for this account.", tracking=True
    )
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
        if self._webhook_target_fields().intersection(vals):
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
            # The UserError rolls this transaction back: the error state is written
            # in a transaction of its own, so that the backend shows why.
            self._mark_error_separately(getattr(exc, "message", None) or str(exc))
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

    def _mark_error_separately(self, message):
        """_mark_error in a short transaction of its own, committed whatever becomes
        of the current one. Gives up (logged) when the current transaction holds
        the backend's row, rather than wait on itself."""
        self.ensure_one()
        try:
            with self._separate_cursor() as cr:
                cr.execute("SET LOCAL lock_timeout = '2s'")
                self.with_env(self.env(cr=cr))._mark_error(message)
        except psycopg2.errors.LockNotAvailable:
            _logger.warning("backend %s: its error could not be recorded: %s", self.id, message)
        self.invalidate_recordset(["state", "last_error", "last_error_date"])

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

    # ------------------------------------------------------------ outbound hosts

    def _allowed_api_hosts(self):
        """Platform hook: the host names a production backend of this platform may
        have in its API URL, ``<name>`` standing for one DNS label (Shopify:
        ``<shop>.myshopify.com``). The base declares none: a platform that declares
        no host cannot be used in production."""
        return ()

    def _allowed_file_hosts(self):
        """Platform hook: other hosts the platform sends the connector to, over https
        and without credentials (signed upload and download URLs)."""
        return ()

    @api.model
    def _sandbox_hosts_allowed(self):
        """Whether this server lets sandbox backends talk to hosts other than the
        platform's: ``integration_allow_sandbox_hosts = True`` in the Odoo
        configuration file (off by default; on in the demo and the tests)."""
        return str2bool(tools.config.get(SANDBOX_HOSTS_OPTION), False)

    def _is_platform_url(self, url, patterns, root_only=False):
        """Whether ``url`` is https on the default port, with a host one of
        ``patterns`` names, no credentials in it, and (``root_only``) no path."""
        parts = urlsplit((url or "").strip())
        if _origin(parts)[::2] != ("https", 443) or parts.username or parts.password:
            return False
        if root_only and (parts.path not in ("", "/") or parts.query or parts.fragment):
            return False
        host = _origin(parts)[1]
        return any(_host_regex(pattern).fullmatch(host) for pattern in patterns)

    def _api_url_problem(self):
        """None when this backend may use its API URL, else why not, in a sentence."""
        self.ensure_one()
        platform = dict(self._fields["platform"].selection).get(self.platform, self.platform)
        if not self.api_url:
            return _("%(name)s has no API URL.", name=self.name)
        patterns = self._allowed_api_hosts()
        if self._is_platform_url(self.api_url, patterns, root_only=True):
            return None
        expected = _(" or ").join("https://%s" % pattern for pattern in patterns) or _(
            "the platform's own hosts (its connector declares none)"
        )
        if self.environment == "production":
            return _(
                "A production %(platform)s backend only talks to %(expected)s: "
                "%(url)s is not such an address.",
                platform=platform,
                expected=expected,
                url=self.api_url,
            )
        if not self._sandbox_hosts_allowed():
            return _(
                "%(url)s is not a %(platform)s address (%(expected)s). A sandbox "
                "backend may use a test server only when this Odoo server allows it: "
                "%(option)s = True in its configuration file.",
                url=self.api_url,
                platform=platform,
                expected=expected,
                option=SANDBOX_HOSTS_OPTION,
            )
        return None

    @api.constrains("api_url", "environment", "platform")
    def _check_api_url(self):
        for backend in self.filtered("api_url"):
            problem = backend._api_url_problem()
            if problem:
                raise ValidationError(problem)

    def _check_outbound_url(self, url):
        """Called by http.send before every request of this backend: the API URL must
        still be allowed (the server's configuration may have changed since it was
        saved), and ``url`` must be on its host or on one of the platform's file
        hosts. Credentials go nowhere else.

        :raise ConfigurationError: when not
        """
        self.ensure_one()
        problem = self._api_url_problem()
        if problem:
            raise ConfigurationError(problem)
        if _origin(urlsplit(url)) == _origin(urlsplit(self.api_url.strip())):
            return
        if self._is_platform_url(url, self._allowed_file_hosts()):
            return
        raise ConfigurationError(
            _(
                "%(name)s may not send requests to %(host)s: only to its API URL's "
                "host and the platform's file hosts.",
                name=self.name,
                host=urlsplit(url).hostname or url,
            )
        )

    # ------------------------------------------------------------------ webhooks

    def _webhook_spec(self):
        """Header names of this backend's webhook scheme: signature, delivery id,
        topic, and the other headers worth keeping. Platform addons give theirs."""
        return {
            "signature": "X-Webhook-Signature",
            "delivery_id": "X-Webhook-Id",
            "topic": "X-Webhook-Topic",
            "kept_headers": (),
        }

    def _webhook_verifier(self):
        """Platform hook: a function ``verify(body, headers) -> bool`` that says
        whether a delivery (raw body bytes, request headers) comes from this
        backend's account, e.g. Shopify's base64 HMAC-SHA256 of the body with the
        app's secret and its shop domain header; an eBay ECDSA check or a secret
        token in the URL would be others. It runs for every delivery before anything
        is read or stored, so it must not touch the ORM: build it from values read
        here. None (the base's answer: it assumes no scheme) refuses every delivery.
        """
        return None

    def _webhook_target_fields(self):
        """Fields whose change must reach the webhook route's cache at once;
        platforms add those their verifier reads."""
        return {"active", "state", "platform", "company_id"}

    @api.model
    @tools.ormcache("backend_id")
    def _webhook_target(self, backend_id):
        """What the webhook route needs of a backend, cached per process so that a
        delivery reads nothing before it is verified: None for an unknown or disabled
        backend, or one whose platform cannot verify its deliveries (no secret yet).
        Saving a backend or a credential clears the cache. Never mutate it.
        """
        backend = self.sudo().browse(backend_id).exists()
        if not backend or not backend.active or backend.state == "disabled":
            return None
        verify = backend._webhook_verifier()  # pylint: disable=assignment-from-none
        if not verify:
            return None
        return {
            "id": backend.id,
            "platform": backend.platform,
            "company_id": backend.company_id.id,
            "spec": backend._webhook_spec(),
            "verify": verify,
        }

    def _webhook_secret(self):
        """The secret in credential ``webhook_secret``, for the platforms whose
        verifier signs with one."""
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

    def _lock(self, purpose, key=None, wait=True):
        """Wait for, then hold until the current transaction ends, the lock on
        (this backend, ``purpose``, ``key``): transactions doing the same thing for
        the same backend (and key, e.g. a platform's order id) run one after the
        other. A PostgreSQL advisory lock: it locks no row, and a crash releases it.
        For a thing done in a short transaction of its own, use ``_exclusive``.

        ``wait=False`` does not wait (as the OCA connector's locker): when another
        transaction holds the lock, it raises a RetryableError, so that the job comes
        back later in a new transaction. Under REPEATABLE READ a transaction that
        waited would still read what its snapshot saw before the holder committed.

        :raise RetryableError: with ``wait=False``, when the lock is taken
        """
        self.ensure_one()
        name = "%s:%s" % (purpose, self.id) + ("" if key is None else ":%s" % key)
        if wait:
            self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])
            return
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", [name])
        if not self.env.cr.fetchone()[0]:
            raise RetryableError(
                _(
                    "%(name)s: another worker is doing this (%(what)s) right now; it is "
                    "tried again shortly.",
                    name=self.name,
                    what=name.split(":", 1)[0],
                )
            )

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

        A call that carries a batch says so for the dashboard's bulk efficiency,
        ``_http(..., items=n, max_items=m)``: the items it carries and the most the
        platform takes in one call (None when it sets no maximum), both stored on
        the call's API log row (see tools.http.send).

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
            check_url=self._check_outbound_url,
            **kwargs,
        )
