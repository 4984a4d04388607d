"""HTTP front end (stdlib ThreadingHTTPServer) and ``start_server()`` for tests."""

from __future__ import annotations

import email.parser
import email.policy
import json
import uuid
from urllib.parse import parse_qsl, unquote, urlsplit

from ..common import httpserver as common_server
from ..common.httpserver import BaseHandler
from . import control
from .app import SandboxApp
from .auth import INVALID_TOKEN_BODY
from .config import Config
from .faults import STATUS_BODIES
from .schema import API_VERSION
from .store import gid

GRAPHQL_PATH = f"/admin/api/{API_VERSION}/graphql.json"
TOKEN_PATH = "/admin/oauth/access_token"


def _parse_multipart(content_type: str, body: bytes) -> dict[str, bytes]:
    raw = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    fields: dict[str, bytes] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[name] = part.get_payload(decode=True) or b""
    return fields


class Handler(BaseHandler):
    server_version = "ShopifySandbox/1.0"
    app: SandboxApp

    def _send(self, status: int, payload, headers: dict | None = None, raw: bytes | None = None):
        body = raw if raw is not None else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header(
            "Content-Type",
            "application/json; charset=utf-8" if raw is None else "application/jsonl",
        )
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Request-Id", str(uuid.uuid4()))
        self.send_header("X-Shopify-API-Version", API_VERSION)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _fault(self, target: str) -> bool:
        """Apply an injected fault; True when the request has been answered."""
        action = self.app.faults.take(target)
        if not action:
            return False
        if "timeout" in action:
            self._hang(action["timeout"] or self.app.config.fault_timeout_seconds)
            return True
        if action.get("delay"):
            self._wait(action["delay"])
        if action.get("status"):
            status = action["status"]
            headers = {}
            if status == 429:
                headers["Retry-After"] = str(action.get("retry_after", 2.0))
            self._send(status, STATUS_BODIES[status], headers)
            return True
        return False

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        path = url.path
        params = dict(parse_qsl(url.query))
        body = self._body()
        try:
            if path == GRAPHQL_PATH and method == "POST":
                return self._graphql(body)
            if path.startswith("/admin/api/") and path.endswith("/graphql.json"):
                return self._send(404, {"errors": "Not Found"})
            if path == TOKEN_PATH and method == "POST":
                return self._token(body)
            if path.startswith("/_sandbox/bulk/") and method == "GET":
                return self._bulk_result(path)
            if path.startswith("/_sandbox/staged-uploads"):
                return self._staged_upload(method, path, body)
            if path.startswith("/_sandbox/"):
                status, payload = control.handle(
                    self.app, method, path[len("/_sandbox") :], params, body
                )
                return self._send(status, payload)
            return self._send(404, {"errors": "Not Found"})
        except control.ControlError as exc:
            return self._send(exc.status, {"error": exc.message})
        except BrokenPipeError:
            return None
        except Exception as exc:  # pragma: no cover - last resort
            return self._send(500, {"errors": f"sandbox error: {type(exc).__name__}: {exc}"})

    def _graphql(self, body: bytes) -> None:
        if self._fault("graphql"):
            return
        token = self.headers.get("X-Shopify-Access-Token")
        if not self.app.auth.is_valid(token):
            return self._send(401, INVALID_TOKEN_BODY)
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return self._send(400, {"errors": "Invalid JSON in request body"})
        if not isinstance(payload, dict):
            return self._send(400, {"errors": "Invalid JSON in request body"})
        return self._send(200, self.app.graphql(payload))

    def _token(self, body: bytes) -> None:
        if self._fault("oauth"):
            return
        ctype = (self.headers.get("Content-Type") or "").lower()
        if "json" in ctype:
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                return self._send(
                    400, {"error": "invalid_request", "error_description": "Invalid JSON"}
                )
        else:
            params = dict(parse_qsl(body.decode("utf-8")))
        status, payload = self.app.auth.client_credentials(params)
        return self._send(status, payload)

    def _bulk_result(self, path: str) -> None:
        name = path.rsplit("/", 1)[-1]
        number = name.split(".", 1)[0]
        content = (
            self.app.store.bulk_results.get(gid("BulkOperation", int(number)))
            if number.isdigit()
            else None
        )
        if content is None:
            return self._send(404, {"errors": "Not Found"})
        return self._send(200, None, raw=content)

    def _staged_upload(self, method: str, path: str, body: bytes) -> None:
        store = self.app.store
        key = unquote(path[len("/_sandbox/staged-uploads") :].lstrip("/"))
        if method == "GET" and key:
            content = store.staged_files.get(key)
            if content is None:
                return self._send(404, {"errors": "Not Found"})
            return self._send(200, None, raw=content)
        if method not in ("POST", "PUT"):
            return self._send(405, {"errors": "Method Not Allowed"})
        if self.headers.get("X-Shopify-Access-Token"):
            # The file host is not Shopify: a connector must never send it the token.
            return self._send(400, {"errors": "a Shopify access token was sent to the file host"})
        ctype = self.headers.get("Content-Type") or ""
        if not key and ctype.lower().startswith("multipart/form-data"):
            fields = _parse_multipart(ctype, body)
            key = (fields.get("key") or b"").decode()
            body = fields.get("file", b"")
            expected = store.staged_targets.get(key) or {}
            if any(fields.get(name, b"").decode() != value for name, value in expected.items()):
                # The signed form's policy: every parameter of the target, unchanged.
                return self._send(403, {"errors": "the form lacks the target's parameters"})
        if not key:
            return self._send(400, {"errors": "missing key"})
        with store.lock:
            store.staged_files[key] = body
        if method == "PUT":
            return self._send(200, {"key": key, "size": len(body)})
        return self._send(201, {"key": key, "size": len(body)})


class SandboxServer(common_server.SandboxServer):
    handler_class = Handler

    def _publish_url(self, url: str) -> None:
        self.graphql_url = url + GRAPHQL_PATH
        self.app.base_url = url


def start_server(
    port: int = 0,
    host: str = "127.0.0.1",
    config: Config | None = None,
    seed: bool | dict = False,
    **overrides,
) -> SandboxServer:
    """Start a sandbox in a background thread (port 0 = a free port).

    ``overrides`` are Config fields, e.g. ``plan="plus"``, ``bucket_size=100``."""
    config = config or Config()
    config.update(overrides)
    app = SandboxApp(config)
    if seed:
        app.store.seed(seed if isinstance(seed, dict) else None)
    return SandboxServer(app, host=host, port=port).start()
