"""Fault injection: error statuses, slow answers, hangs and connection resets.

A rule applies to a ``target``: an API name (``sell.inventory``, ``sell.fulfillment``,
``sell.account``, ``commerce.taxonomy``, ``sell.metadata``, ``commerce.notification``,
``commerce.media``, ``commerce.message``), ``tradingapi``, ``oauth`` (the token and
consent endpoints), ``rest`` (every REST API, not OAuth) or ``all``.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

STATUSES = (429, 500, 502, 503, 504)
TARGETS = (
    "all",
    "rest",
    "oauth",
    "tradingapi",
    "sell.inventory",
    "sell.fulfillment",
    "sell.account",
    "commerce.taxonomy",
    "sell.metadata",
    "commerce.notification",
    "commerce.media",
    "commerce.message",
    "commerce.identity",
)


def matches(rule_target: str, target: str) -> bool:
    if rule_target in ("all", target):
        return True
    return rule_target == "rest" and target not in ("oauth", "tradingapi")


class Faults:
    """Rules, tried in order. Each may carry ``count`` (requests left; absent = until
    cleared). The faults applied are counted per kind (``fired``) until cleared."""

    def __init__(self, seed: int | None = None):
        self._lock = threading.Lock()
        self._rules: list[dict] = []
        self._random = random.Random(seed)
        self._fired: Counter = Counter()

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._fired.clear()

    def fired(self) -> dict:
        with self._lock:
            return dict(self._fired)

    def add(self, rule: dict) -> dict:
        rule = dict(rule)
        kinds = ("status", "rate", "delay", "timeout", "reset")
        if not any(k in rule for k in kinds):
            raise ValueError("a fault needs one of status, rate, delay, timeout or reset")
        if "status" in rule and int(rule["status"]) not in STATUSES:
            raise ValueError(f"status must be one of {list(STATUSES)}")
        if "rate" in rule and not any(k in rule for k in ("status", "timeout", "reset")):
            rule["status"] = 503
        if "seed" in rule:
            self._random = random.Random(rule.pop("seed"))
        rule.setdefault("target", "rest")
        if rule["target"] not in TARGETS:
            raise ValueError(f"target must be one of {list(TARGETS)}")
        with self._lock:
            self._rules.append(rule)
        return rule

    def rules(self) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._rules]

    def take(self, target: str) -> dict | None:
        """The action for one request: {"status", "retry_after"}, {"delay"},
        {"timeout"}, {"reset"} or None."""
        with self._lock:
            for rule in list(self._rules):
                if not matches(rule["target"], target):
                    continue
                if "rate" in rule and self._random.random() >= float(rule["rate"]):
                    continue
                if "count" in rule:
                    rule["count"] = int(rule["count"]) - 1
                    if rule["count"] <= 0:
                        self._rules.remove(rule)
                action: dict = {}
                if rule.get("reset"):
                    action["reset"] = True
                if rule.get("timeout"):
                    action["timeout"] = float(rule.get("seconds", 0) or 0)
                if rule.get("delay"):
                    action["delay"] = float(rule["delay"])
                if rule.get("status"):
                    action["status"] = int(rule["status"])
                    action["retry_after"] = rule.get("retry_after")
                if "reset" in action:
                    kind = "reset"
                elif "timeout" in action:
                    kind = "timeout"
                else:
                    kind = str(action.get("status", "delay"))
                self._fired[kind] += 1
                return action
        return None
