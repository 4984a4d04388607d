"""HTTP front end (stdlib ThreadingHTTPServer) and ``start_server()`` for tests.

One port serves every host's paths: the REST APIs (api.ebay.com / apiz / apim), the
Identity token endpoint, the consent page (auth.ebay.com ``/oauth2/authorize``), the
Trading API (``/ws/api.dll``) and the control API (``/_sandbox/``)."""

from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qsl, urlsplit

from ..common import httpserver as common_server
from ..common.httpserver import BaseHandler
from . import control, errors
from .app import EbayApp
from .auth import INVALID_REQUEST, oauth_error
from .config import Config
from .routes import Request, Response
from .trading import NS

TOKEN_PATH = "/identity/v1/oauth2/token"
CONSENT_PATH = "/oauth2/authorize"
TRADING_PATH = "/ws/api.dll"


class Handler(BaseHandler):
    server_version = "eBaySandbox/1.0"
    app: EbayApp

    def _send(self, response: Response) -> None:
        body = response.body
        if isinstance(body, dict | list):
            payload = json.dumps(body).encode("utf-8")
        elif isinstance(body, str):
            payload = body.encode("utf-8")
        else:
            payload = body or b""
        self.send_response(response.status)
        if payload or response.status not in (204, 302):
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-EBAY-C-REQUEST-ID", uuid.uuid4().hex)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _fault(self, target: str | None) -> bool:
        """Apply an injected fault; True when the request has been answered."""
        action = self.app.faults.take(target) if target else None
        if not action:
            return False
        if action.get("reset"):
            self._reset()
            return True
        if "timeout" in action:
            self._hang(action["timeout"] or self.app.config.fault_timeout_seconds)
            return True
        if action.get("delay"):
            self._wait(action["delay"])
        if action.get("status"):
            status = action["status"]
            retry = action.get("retry_after")
            err = errors.fault_error(status, float(retry) if retry is not None else None)
            if target == "tradingapi":
                self._send(Response(status, _trading_fault(status), {}, "text/xml"))
            else:
                self._send(Response(status, err.body(), err.headers))
            return True
        return False

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        path = url.path
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        body = self._body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            if path.startswith("/_sandbox/") or path == "/_sandbox":
                status, payload = control.handle(
                    self.app, method, path[len("/_sandbox") :], query, body
                )
                return self._send(Response(status, payload))
            if self._fault(self.app.target_for(method, path)):
                return None
            if path == TOKEN_PATH and method == "POST":
                return self._token(headers, body)
            if path == CONSENT_PATH and method == "GET":
                status, payload, extra = self.app.oauth.consent(query)
                return self._send(Response(status, payload, extra, "text/plain"))
            if path == TRADING_PATH and method == "POST":
                status, payload = self.app.trading.handle(headers, body)
                return self._send(Response(status, payload, {}, "text/xml;charset=utf-8"))
            request = Request(method, path, query, headers, body)
            return self._send(self.app.handle_rest(request))
        except control.ControlError as exc:
            return self._send(Response(exc.status, {"error": exc.message}))
        except (BrokenPipeError, ConnectionResetError):
            return None

    def _token(self, headers: dict, body: bytes) -> None:
        ctype = headers.get("content-type", "").lower()
        if "application/x-www-form-urlencoded" not in ctype:
            # eBay's token endpoint takes a form body only.
            status, payload = oauth_error(INVALID_REQUEST)
        else:
            params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            status, payload = self.app.oauth.token(headers.get("authorization"), params)
        self._send(Response(status, payload))


def _trading_fault(status: int) -> bytes:
    code, short = (
        (518, "Call usage limit has been reached.")
        if status == 429
        else (
            10007,
            "Internal error to the application.",
        )
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ErrorResponse xmlns="{NS}"><Ack>Failure</Ack>'
        f"<Errors><ShortMessage>{short}</ShortMessage><LongMessage>{short}</LongMessage>"
        f"<ErrorCode>{code}</ErrorCode><SeverityCode>Error</SeverityCode>"
        "<ErrorClassification>SystemError</ErrorClassification></Errors></ErrorResponse>"
    ).encode()


class SandboxServer(common_server.SandboxServer):
    handler_class = Handler
    thread_name = "ebay-sandbox-http"


def start_server(
    port: int = 0,
    host: str = "127.0.0.1",
    config: Config | None = None,
    seed: bool | dict = False,
    **overrides,
) -> SandboxServer:
    """Start a sandbox in a background thread (port 0 = a free port).

    ``overrides`` are Config fields, e.g. ``access_token_ttl=5``."""
    config = config or Config()
    unknown = config.update(overrides)
    if unknown:
        raise TypeError(f"unknown Config fields: {unknown}")
    app = EbayApp(config)
    if seed:
        app.store.seed(seed if isinstance(seed, dict) else None)
    return SandboxServer(app, host=host, port=port).start()
