"""The stdlib HTTP server every sandbox runs on, and its life cycle.

A sandbox supplies a handler (a ``BaseHandler`` with its own ``_route`` and ``_send``)
and its app; ``SandboxServer`` binds them, serves in a thread for tests or in the
foreground for ``python -m sandbox.<platform>``, and stops both."""

from __future__ import annotations

import contextlib
import signal
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class BaseHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    app = None  # set on the subclass made by SandboxServer
    stopping: threading.Event

    def log_message(self, format, *args):
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    def _route(self, method: str) -> None:
        raise NotImplementedError

    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")

    def do_PUT(self):
        self._route("PUT")

    def do_DELETE(self):
        self._route("DELETE")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _wait(self, seconds: float) -> None:
        """Sleep, but return as soon as the server stops (a hang must not hold stop())."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.stopping.is_set():
            time.sleep(0.01)

    def _hang(self, seconds: float) -> None:
        """Answer nothing for ``seconds``, then drop the connection (a client timeout)."""
        self._wait(seconds)
        self.close_connection = True

    def _reset(self) -> None:
        """Close the connection with a TCP reset (SO_LINGER 0) instead of an orderly FIN."""
        linger = struct.pack("ii", 1, 0)
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128


class SandboxServer:
    """A running sandbox: ``.url``, ``.app``, ``.stop()``."""

    handler_class: type[BaseHandler] = BaseHandler
    thread_name = "sandbox-http"

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, verbose=False):
        self.app = app
        self.stopping = threading.Event()
        handler = type(
            "BoundHandler", (self.handler_class,), {"app": app, "stopping": self.stopping}
        )
        self.httpd = _Server((host, port), handler)
        self.httpd.verbose = verbose
        self.host, self.port = self.httpd.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        self._publish_url(self.url)
        self._thread = threading.Thread(
            target=self.httpd.serve_forever,
            args=(0.05,),  # poll interval: stop() returns within 50 ms
            name=self.thread_name,
            daemon=True,
        )

    def _publish_url(self, url: str) -> None:
        """Tell the app where it is served (it writes its own URLs into answers)."""
        self.app.base_url = url

    def start(self):
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
