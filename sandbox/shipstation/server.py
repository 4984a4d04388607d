"""HTTP front end (stdlib ThreadingHTTPServer) and ``start_server()`` for tests."""

from __future__ import annotations

import signal
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import control
from .app import SandboxApp
from .config import Config
from .faults import STATUS_BODIES
from .formats import dumps


class Handler(BaseHTTPRequestHandler):
    server_version = "ShipStationSandbox/1.0"
    protocol_version = "HTTP/1.1"
    app: SandboxApp  # set on the subclass made by SandboxServer
    stopping: threading.Event

    def log_message(self, format, *args):
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload, headers: dict | None = None) -> None:
        if payload is None:
            body, ctype = b"", None
        elif isinstance(payload, str):
            body, ctype = payload.encode("utf-8"), "text/html"
        else:
            body, ctype = dumps(payload).encode("utf-8"), "application/json; charset=utf-8"
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.stopping.is_set():
            time.sleep(0.01)

    def _fault(self, path: str) -> bool:
        """Apply an injected fault; True when the request has been dealt with."""
        action = self.app.faults.take(path)
        if not action:
            return False
        if action.get("delay"):
            self._wait(action["delay"])
        if action.get("reset"):
            # SO_LINGER 0: closing sends a TCP reset instead of an orderly FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return True
        if "timeout" in action:
            self._wait(action["timeout"] or self.app.config.fault_timeout_seconds)
            self.close_connection = True
            return True
        if action.get("status"):
            status = action["status"]
            headers = {}
            if status == 429:
                headers = {
                    "X-Rate-Limit-Limit": str(self.app.config.rate_limit),
                    "X-Rate-Limit-Remaining": "0",
                    "X-Rate-Limit-Reset": str(action.get("retry_after", 30)),
                }
            self._send(status, STATUS_BODIES[status], headers)
            return True
        return False

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
        body = self._body()
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        try:
            if url.path.startswith("/_sandbox/"):
                status, payload = control.handle(
                    self.app, method, url.path[len("/_sandbox") :], params, body
                )
                return self._send(status, payload)
            if self._fault(url.path):
                return None
            status, payload, headers = self.app.handle(
                method, url.path, params, body, self.headers.get("Authorization")
            )
            return self._send(status, payload, headers)
        except control.ControlError as exc:
            return self._send(exc.status, {"error": exc.message})
        except (BrokenPipeError, ConnectionResetError):
            return None
        except Exception as exc:  # pragma: no cover - last resort
            return self._send(
                500,
                {
                    "Message": "An error has occurred.",
                    "ExceptionMessage": f"sandbox error: {type(exc).__name__}: {exc}",
                    "ExceptionType": type(exc).__name__,
                    "StackTrace": None,
                },
            )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128


class SandboxServer:
    """A running sandbox: ``.url``, ``.app``, ``.stop()``."""

    def __init__(self, app: SandboxApp, host: str = "127.0.0.1", port: int = 0, verbose=False):
        self.app = app
        self.stopping = threading.Event()
        handler = type("BoundHandler", (Handler,), {"app": app, "stopping": self.stopping})
        self.httpd = _Server((host, port), handler)
        self.httpd.verbose = verbose
        self.host, self.port = self.httpd.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        app.set_base_url(self.url)
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="shipstation-sandbox", daemon=True
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

    ``overrides`` are Config fields, e.g. ``rate_limit=1000, rate_window=1.0``."""
    config = config or Config()
    unknown = config.update(overrides)
    if unknown:
        raise TypeError(f"unknown sandbox settings: {', '.join(unknown)}")
    app = SandboxApp(config)
    if seed:
        app.store.seed(seed if isinstance(seed, dict) else None)
    return SandboxServer(app, host=host, port=port).start()
