"""Webhook deliveries as ShipStation sends them: an unsigned POST of
``{"resource_url": ..., "resource_type": ...}`` to each subscribed target_url, retried
after failures; and rules to drop, delay or hold deliveries (control API)."""

from __future__ import annotations

import json
import time

from ..common.dispatch import Dispatcher

USER_AGENT = "ShipStation"


class WebhookDispatcher(Dispatcher):
    """ShipStation's deliveries, with rules that drop, delay or hold them."""

    thread_name = "ss-webhooks"

    def __init__(self, store, config):
        self.base_url = "http://127.0.0.1"
        self.rules: list[dict] = []
        super().__init__(store, config)

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
            self._push(due, delivery)

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
                    self._push(time.monotonic(), delivery)
                    count += 1
        return count

    def clear(self) -> None:
        with self._cond:
            self.deliveries.clear()
            self._heap.clear()
            self.rules.clear()

    def snapshot(self) -> list[dict]:
        with self._cond:
            return [
                {k: v for k, v in d.items() if k != "attempts"} | {"attempts": list(d["attempts"])}
                for d in self.deliveries
            ]

    # --------------------------------------------------------------- internals
    def _target(self, delivery: dict) -> str:
        return delivery["target_url"]

    def _headers(self, delivery: dict) -> dict:
        return {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}

    def _payload(self, delivery: dict) -> bytes:
        return json.dumps(delivery["body"]).encode()
