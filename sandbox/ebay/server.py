"""HTTP front end (stdlib ThreadingHTTPServer) and ``start_server()`` for tests.

One port serves every host's paths: the REST APIs (api.ebay.com / apiz / apim), the
Identity token endpoint, the consent page (auth.ebay.com ``/oauth2/authorize``), the
Trading API (``/ws/api.dll``) and the control API (``/_sandbox/``)."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import struct
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import control, errors
from .app import EbayApp
from .auth import INVALID_REQUEST, oauth_error
from .config import Config
from .routes import Request, Response
from .trading import NS

TOKEN_PATH = "/identity/v1/oauth2/token"
CONSENT_PATH = "/oauth2/authorize"
TRADING_PATH = "/ws/api.dll"


class Handler(BaseHTTPRequestHandler):
    server_version = "eBaySandbox/1.0"
    protocol_version = "HTTP/1.1"
    app: EbayApp  # set on the subclass made by SandboxServer
    stopping: threading.Event

    def log_message(self, format, *args):
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    # ------------------------------------------------------------- helpers
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

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

    def _reset(self) -> None:
        """Close the connection with a TCP reset (SO_LINGER 0)."""
        linger = struct.pack("ii", 1, 0)
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.close()

    def _wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.stopping.is_set():
            time.sleep(0.01)

    def _fault(self, target: str | None) -> bool:
        """Apply an injected fault; True when the request has been answered."""
        action = self.app.faults.take(target) if target else None
        if not action:
            return False
        if action.get("reset"):
            self._reset()
            return True
        if "timeout" in action:
            self._wait(action["timeout"] or self.app.config.fault_timeout_seconds)
            self.close_connection = True
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

    # -------------------------------------------------------------- verbs
    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")

    def do_PUT(self):
        self._route("PUT")

    def do_DELETE(self):
        self._route("DELETE")

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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class SandboxServer:
    """A running sandbox: ``.url``, ``.app``, ``.stop()``."""

    def __init__(self, app: EbayApp, host: str = "127.0.0.1", port: int = 0, verbose=False):
        self.app = app
        self.stopping = threading.Event()
        handler = type("BoundHandler", (Handler,), {"app": app, "stopping": self.stopping})
        self.httpd = _Server((host, port), handler)
        self.httpd.verbose = verbose
        self.host, self.port = self.httpd.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        app.base_url = self.url
        self._thread = threading.Thread(
            target=self.httpd.serve_forever,
            args=(0.05,),  # poll interval: stop() returns within 50 ms
            name="ebay-sandbox-http",
            daemon=True,
        )

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until SIGTERM or Ctrl-C, then close everything."""

        def _terminate(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, _terminate)
        try:
            self.httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self.httpd.server_close()
            self.app.stop()

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.app.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


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
