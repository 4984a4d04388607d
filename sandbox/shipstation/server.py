"""HTTP front end (stdlib ThreadingHTTPServer) and ``start_server()`` for tests."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from ..common import httpserver as common_server
from ..common.httpserver import BaseHandler
from . import control
from .app import SandboxApp
from .config import Config
from .faults import STATUS_BODIES
from .formats import dumps


class Handler(BaseHandler):
    server_version = "ShipStationSandbox/1.0"
    app: SandboxApp

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

    def _fault(self, path: str) -> bool:
        """Apply an injected fault; True when the request has been dealt with."""
        action = self.app.faults.take(path)
        if not action:
            return False
        if action.get("delay"):
            self._wait(action["delay"])
        if action.get("reset"):
            self._reset()
            return True
        if "timeout" in action:
            self._hang(action["timeout"] or self.app.config.fault_timeout_seconds)
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


class SandboxServer(common_server.SandboxServer):
    handler_class = Handler
    thread_name = "shipstation-sandbox"

    def _publish_url(self, url: str) -> None:
        self.app.set_base_url(url)


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
