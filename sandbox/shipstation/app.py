"""One sandbox instance: account store, credentials, rate limiter, faults, webhooks;
and the pipeline of one API request (auth -> rate limit -> body -> endpoint)."""

from __future__ import annotations

import base64
import binascii
import copy
import hmac
import threading
import time
from collections import Counter

from . import api
from .config import Config
from .errors import UNAUTHORIZED_BODY, ApiError, bad_request
from .faults import Faults
from .formats import Clock, loads
from .ratelimit import RateLimiter
from .store import Store
from .webhooks import WebhookDispatcher

TOO_MANY = {"message": "Too Many Requests"}
LOG_SIZE = 20000


class SandboxApp:
    def __init__(self, config: Config | None = None):
        self.config = config or Config()
        self._initial_config = copy.deepcopy(self.config)
        self.clock = Clock()
        self.store = Store(self.config, self.clock)
        self.limiter = RateLimiter(self.config)
        self.faults = Faults()
        self.webhooks = WebhookDispatcher(self.store, self.config)
        self.store.on_event = self.webhooks.emit
        self._log_lock = threading.Lock()
        self.log: list[dict] = []
        self.calls: Counter = Counter()
        self.base_url = "http://127.0.0.1"

    def set_base_url(self, url: str) -> None:
        self.base_url = url
        self.webhooks.base_url = url

    def reset(self) -> None:
        """Back to the state after start: empty account, settings as started with."""
        with self.store.lock:
            self.config.__dict__.update(copy.deepcopy(self._initial_config).__dict__)
            self.store.reset()
            self.webhooks.clear()
            self.faults.clear()
            self.limiter.reset()
            self.clock.reset()
            with self._log_lock:
                self.log.clear()
                self.calls.clear()

    def stop(self) -> None:
        self.webhooks.stop()

    # ------------------------------------------------------------------- auth
    def api_key(self, header: str | None) -> str | None:
        """The API key of a valid ``Authorization: Basic`` header, else None."""
        if not header or not header.lower().startswith("basic "):
            return None
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        key, _sep, secret = decoded.partition(":")
        expected = self.config.credentials.get(key)
        if expected is None or not hmac.compare_digest(expected.encode(), secret.encode()):
            return None
        return key

    # ---------------------------------------------------------------- request
    def handle(self, method: str, path: str, query: dict, body: bytes, auth: str | None):
        """One API request: (status, payload, headers). ``payload`` None: no body."""
        key = self.api_key(auth)
        if key is None:
            self._record(method, path, 401, None, [])
            return 401, UNAUTHORIZED_BODY, {"WWW-Authenticate": 'Basic realm="ShipStation"'}
        allowed, headers = self.limiter.take(key)
        if not allowed:
            self._record(method, path, 429, key, [])
            return 429, TOO_MANY, headers
        request = api.Request(method, path, {k.lower(): v for k, v in query.items()})
        try:
            if body.strip():
                try:
                    request.body = loads(body)
                except ValueError as exc:
                    raise bad_request(f"The request body is not valid JSON: {exc}") from exc
            status, payload = api.dispatch(self, request)
        except ApiError as exc:
            status, payload = exc.status, exc.body
        self._record(method, path, status, key, request.unknown_fields)
        return status, payload, headers

    def _record(self, method, path, status, key, unknown) -> None:
        route = api.route_name(method, path) or f"{method} ?"
        with self._log_lock:
            self.calls[route] += 1
            self.log.append(
                {
                    "at": time.time(),
                    "method": method,
                    "path": path,
                    "route": route,
                    "status": status,
                    "api_key": key,
                    "unknown_fields": unknown,
                }
            )
            del self.log[:-LOG_SIZE]

    def requests(self) -> dict:
        with self._log_lock:
            return {"calls": dict(self.calls), "log": list(self.log)}
