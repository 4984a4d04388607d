"""Webhook deliveries sent from one background thread, retried after failures, as the
platforms send theirs. A sandbox's dispatcher says what a delivery is (``emit``), where
it goes (``_target``) and which headers it carries (``_headers``)."""

from __future__ import annotations

import heapq
import ipaddress
import itertools
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


def loopback_url(url: str, allowed_hosts=()) -> bool:
    """True for an http(s) URL on this machine or on a host the sandbox was told of:
    a sandbox never posts to the internet."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    host = parsed.hostname
    if host == "localhost" or host in (allowed_hosts or []):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Dispatcher:
    """Queues deliveries (dicts with ``status``, ``attempts`` and ``body`` bytes) and
    sends them in due order. ``config`` gives ``webhook_timeout``,
    ``webhook_max_attempts``, ``webhook_retry_delays`` and ``webhook_allowed_hosts``."""

    thread_name = "webhooks"
    refused = "refused: only loopback target URLs are called"

    def __init__(self, store, config):
        self.store = store
        self.config = config
        self.deliveries: list[dict] = []
        self._heap: list[tuple[float, int, dict]] = []
        self._seq = itertools.count(1)
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def _target(self, delivery: dict) -> str:
        raise NotImplementedError

    def _headers(self, delivery: dict) -> dict:
        raise NotImplementedError

    def _payload(self, delivery: dict) -> bytes:
        return delivery["body"]

    def _push(self, due: float, delivery: dict) -> None:
        """Schedule a delivery at ``due`` (monotonic); the caller holds ``_cond``."""
        heapq.heappush(self._heap, (due, next(self._seq), delivery))
        self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join(timeout=5)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                if not any(d["status"] == "pending" for d in self.deliveries):
                    return True
            time.sleep(0.02)
        return False

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stop:
                    if self._heap and self._heap[0][0] <= time.monotonic():
                        break
                    wait = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(timeout=wait)
                if self._stop:
                    return
                _due, _seq, delivery = heapq.heappop(self._heap)
            self._attempt(delivery)

    def _attempt(self, delivery: dict) -> None:
        if delivery["status"] != "pending":
            return
        url = self._target(delivery)
        if not loopback_url(url, self.config.webhook_allowed_hosts):
            with self._cond:
                delivery["attempts"].append({"at": time.time(), "error": self.refused})
                delivery["status"] = "refused"
            return
        request = urllib.request.Request(
            url, data=self._payload(delivery), headers=self._headers(delivery), method="POST"
        )
        attempt: dict = {"at": time.time()}
        ok = False
        try:
            with urllib.request.urlopen(request, timeout=self.config.webhook_timeout) as resp:
                attempt["status_code"] = resp.status
                ok = 200 <= resp.status < 300
        except urllib.error.HTTPError as exc:
            attempt["status_code"] = exc.code
        except Exception as exc:
            attempt["error"] = f"{type(exc).__name__}: {exc}"
        with self._cond:
            delivery["attempts"].append(attempt)
            if ok:
                delivery["status"] = "delivered"
                return
            tries = len(delivery["attempts"])
            if tries >= self.config.webhook_max_attempts:
                delivery["status"] = "failed"
                return
            delays = list(self.config.webhook_retry_delays) or [0.0]
            self._push(time.monotonic() + float(delays[min(tries - 1, len(delays) - 1)]), delivery)
