"""Webhook deliveries as ShipStation sends them: an unsigned POST of
``{"resource_url": ..., "resource_type": ...}`` to each subscribed target_url, retried
after failures; and rules to drop, delay or hold deliveries (control API)."""

from __future__ import annotations

import heapq
import ipaddress
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

USER_AGENT = "ShipStation"


class WebhookDispatcher:
    """Queues deliveries and sends them from one background thread."""

    def __init__(self, store, config):
        self.store = store
        self.config = config
        self.base_url = "http://127.0.0.1"
        self.deliveries: list[dict] = []
        self.rules: list[dict] = []
        self._heap: list[tuple[float, int, dict]] = []
        self._seq = itertools.count(1)
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="ss-webhooks", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ public
    def resource_url(self, path: str, batch_number: int) -> str:
        base = self.config.resource_url_base or self.base_url
        base = base.replace("{n}", str(batch_number % 12 + 1))
        return base.rstrip("/") + path

    def emit(self, event: str, path: str, store_id: int | None) -> None:
        """Called by the store (under its lock) when something happened."""
        subs = [
            hook
            for hook in self.store.webhooks.values()
            if hook["HookType"] == event
            and hook["Active"]
            and (hook["StoreID"] is None or hook["StoreID"] == store_id)
        ]
        for hook in subs:
            number = next(self._seq)
            url = self.resource_url(path, number)
            delivery = {
                "id": number,
                "webhook_id": hook["WebHookID"],
                "event": event,
                "target_url": hook["Url"],
                "resource_url": url,
                "body": {"resource_url": url, "resource_type": event},
                "status": "pending",
                "attempts": [],
                "created_at": time.time(),
            }
            self._queue(delivery)

    def _queue(self, delivery: dict) -> None:
        with self._cond:
            self.deliveries.append(delivery)
            rule = self._rule_for(delivery["event"])
            due = time.monotonic()
            if rule and rule.get("drop"):
                delivery["status"] = "dropped"
                return
            if rule and rule.get("hold"):
                delivery["status"] = "held"
                return
            if rule and rule.get("delay"):
                due += float(rule["delay"])
                delivery["delayed"] = float(rule["delay"])
            heapq.heappush(self._heap, (due, delivery["id"], delivery))
            self._cond.notify()

    def _rule_for(self, event: str) -> dict | None:
        for rule in list(self.rules):
            if rule.get("event") and rule["event"] != event:
                continue
            if "count" in rule:
                rule["count"] = int(rule["count"]) - 1
                if rule["count"] <= 0:
                    self.rules.remove(rule)
            return rule
        return None

    def add_rule(self, rule: dict) -> list[dict]:
        if not any(rule.get(k) for k in ("drop", "delay", "hold")):
            raise ValueError("a webhook rule needs one of drop, delay (seconds) or hold")
        with self._cond:
            self.rules.append(dict(rule))
            return [dict(r) for r in self.rules]

    def clear_rules(self) -> None:
        with self._cond:
            self.rules.clear()

    def release(self, delivery_id: int | None = None) -> int:
        """Send held deliveries now (one, or all of them)."""
        count = 0
        with self._cond:
            for delivery in self.deliveries:
                if delivery["status"] == "held" and delivery_id in (None, delivery["id"]):
                    delivery["status"] = "pending"
                    heapq.heappush(self._heap, (time.monotonic(), delivery["id"], delivery))
                    count += 1
            self._cond.notify()
        return count

    def clear(self) -> None:
        with self._cond:
            self.deliveries.clear()
            self._heap.clear()
            self.rules.clear()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join(timeout=5)

    def snapshot(self) -> list[dict]:
        with self._cond:
            return [
                {k: v for k, v in d.items() if k != "attempts"} | {"attempts": list(d["attempts"])}
                for d in self.deliveries
            ]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                if not any(d["status"] == "pending" for d in self.deliveries):
                    return True
            time.sleep(0.02)
        return False

    # --------------------------------------------------------------- internals
    def _allowed(self, url: str) -> bool:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            return False
        host = parsed.hostname
        if host == "localhost" or host in (self.config.webhook_allowed_hosts or []):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
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
        if not self._allowed(delivery["target_url"]):
            with self._cond:
                delivery["attempts"].append(
                    {"at": time.time(), "error": "refused: only loopback target URLs are called"}
                )
                delivery["status"] = "refused"
            return
        request = urllib.request.Request(
            delivery["target_url"],
            data=json.dumps(delivery["body"]).encode(),
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
            method="POST",
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
            delay = float(delays[min(tries - 1, len(delays) - 1)])
            heapq.heappush(self._heap, (time.monotonic() + delay, delivery["id"], delivery))
            self._cond.notify()
