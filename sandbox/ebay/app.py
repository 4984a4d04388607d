"""One sandbox instance and its REST request pipeline:
route -> access token -> quota -> contract validation -> handler."""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections import Counter

from . import (  # noqa: F401  (the imports register the REST routes)
    account,
    contract,
    errors,
    fulfillment,
    inventory,
    media,
    messages,
    offers,
    routes,
    taxonomy,
)
from .auth import OAuth
from .config import Config
from .errors import EbayError
from .faults import Faults
from .notifications import Notifier
from .quotas import Quotas
from .routes import Request, Response
from .store import Store
from .trading import Trading
from .util import Clock

_logger = logging.getLogger(__name__)

JSON_METHODS = ("POST", "PUT")


class EbayApp:
    def __init__(self, config: Config | None = None):
        self.config = config or Config()
        self._started_with = copy.deepcopy(self.config.as_dict())
        self.clock = Clock()
        self.store = Store(self.clock)
        self.oauth = OAuth(self.config, self.clock)
        self.quotas = Quotas(self.config, self.clock)
        self.faults = Faults()
        self.notifier = Notifier(self)
        self.trading = Trading(self)
        self.base_url = "http://127.0.0.1"
        self._calls_lock = threading.Lock()
        self.calls: Counter = Counter()

    def reset(self) -> None:
        """Back to how the instance started: empty account, the configuration it was
        started with, no faults, no quota used, the real clock."""
        with self.store.lock:
            self.config.update(copy.deepcopy(self._started_with))
            self.store.reset()
            self.oauth.reset()
            self.quotas.reset()
            self.faults.clear()
            self.notifier.clear()
            self.trading.clear()
            self.clock.reset()
            with self._calls_lock:
                self.calls.clear()

    def stop(self) -> None:
        """Nothing runs in the background; kept for symmetry with the server."""

    def count_call(self, name: str) -> None:
        with self._calls_lock:
            self.calls[name] += 1

    # -------------------------------------------------------------- targets
    def target_for(self, method: str, path: str) -> str | None:
        """The fault/quota target of a request path (None: not an eBay API)."""
        if path == "/ws/api.dll":
            return "tradingapi"
        if path in ("/identity/v1/oauth2/token", "/oauth2/authorize"):
            return "oauth"
        route, _, _ = routes.find(method, path)
        return route.api if route else None

    # ------------------------------------------------------------- pipeline
    def handle_rest(self, req: Request) -> Response:
        try:
            return self._handle(req)
        except EbayError as exc:
            return Response(exc.status, exc.body(), dict(exc.headers))
        except Exception:  # pragma: no cover - a sandbox bug, shown as eBay would
            _logger.exception("sandbox error on %s %s", req.method, req.path)
            return Response(500, errors.internal_error().body())

    def _handle(self, req: Request) -> Response:
        route, params, _known = routes.find(req.method, req.path)
        if route is None:
            raise errors.resource_not_resolved()
        req.path_params = params
        req.route = route
        req.token = self._authenticate(req, route)
        self.count_call(route.operation_id)
        if not self.quotas.take(route.api):
            raise errors.too_many_requests()
        if req.method in JSON_METHODS:
            self._validate_body(req, route)
        with self.store.lock:
            return route.handler(self, req)

    def _authenticate(self, req: Request, route):
        header = req.header("authorization")
        if not header:
            raise errors.missing_access_token()
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "bearer":
            raise errors.invalid_token_type(scheme)
        token = self.oauth.lookup(value.strip())
        if token is None:
            raise errors.invalid_access_token()
        if route.auth == "user" and token.kind != "user":
            raise errors.access_denied()
        if not set(route.scopes) & set(token.scopes):
            raise errors.access_denied()
        return token

    def _validate_body(self, req: Request, route) -> None:
        if route.api not in contract.CONTRACT_FILES:
            return  # the Media API's image methods: validated by their handlers
        op = contract.contract(route.api).operations.get(route.operation_id)
        if op is None or op.body_schema is None:
            return
        try:
            req.json = json.loads(req.body.decode("utf-8")) if req.body.strip() else None
        except (ValueError, UnicodeDecodeError) as exc:
            raise errors.invalid_request(f"Could not parse the request body: {exc}") from exc
        if req.json is None:
            raise errors.invalid_request("The request body is missing.")
        bad = contract.first_violation(route.api, op.body_schema, req.json)
        if bad:
            raise errors.invalid_request(f"Could not serialize field [{bad}]")
        if "content-language" in op.required_headers and not req.header("content-language"):
            candidates = [e for e in (25709, 25002) if e in op.errors]
            raise self.fail(
                req,
                candidates[0],
                message="Invalid value for header Content-Language. Use a locale such as en-US.",
                parameters=[("header", "Content-Language")],
            )

    # -------------------------------------------------------------- helpers
    def fail(self, req: Request, error_id: int, **kwargs) -> EbayError:
        """An error eBay documents for the request's operation."""
        return errors.api_error(req.route.api, req.route.operation_id, error_id, **kwargs)

    def href(self, path: str) -> str:
        """An absolute href, on the host the client called (as eBay writes hrefs on
        the host that answered), so that a client can follow ``next`` links."""
        return self.base_url + path
