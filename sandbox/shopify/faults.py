"""Fault injection for the API endpoints (status codes, delays, hangs)."""

from __future__ import annotations

import random
import threading
from collections import Counter

STATUS_BODIES = {
    429: {
        "errors": "Exceeded 2 calls per second for api client. "
        "Reduce request rates to resume uninterrupted service."
    },
    500: {"errors": "Internal Server Error"},
    502: {"errors": "Bad Gateway"},
    503: {"errors": "Service Unavailable"},
    504: {"errors": "Gateway Timeout"},
}


class Faults:
    """Rules, tried in order. Each rule may carry ``count`` (requests left; absent =
    until cleared), and applies to ``target`` ("graphql", "oauth" or "all"). The
    faults applied are counted per kind (``fired``) until the rules are cleared."""

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
        """Faults applied so far: {"429": n, "503": n, "timeout": n, "delay": n}."""
        with self._lock:
            return dict(self._fired)

    def add(self, rule: dict) -> dict:
        rule = dict(rule)
        if not any(k in rule for k in ("status", "rate", "delay", "timeout")):
            raise ValueError("a fault needs one of status, rate, delay or timeout")
        if "status" in rule and int(rule["status"]) not in STATUS_BODIES:
            raise ValueError(f"status must be one of {sorted(STATUS_BODIES)}")
        if "rate" in rule:
            rule.setdefault("status", 503)
        if "seed" in rule:
            self._random = random.Random(rule.pop("seed"))
        rule.setdefault("target", "graphql")
        with self._lock:
            self._rules.append(rule)
        return rule

    def rules(self) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._rules]

    def take(self, target: str) -> dict | None:
        """Return the action for one request: {"status", "retry_after"},
        {"delay"}, {"timeout"} or None."""
        with self._lock:
            for rule in list(self._rules):
                if rule["target"] not in (target, "all"):
                    continue
                if "rate" in rule and self._random.random() >= float(rule["rate"]):
                    continue
                if "count" in rule:
                    rule["count"] = int(rule["count"]) - 1
                    if rule["count"] <= 0:
                        self._rules.remove(rule)
                action = {}
                if rule.get("timeout"):
                    action["timeout"] = float(rule.get("seconds", 0) or 0)
                if rule.get("delay"):
                    action["delay"] = float(rule["delay"])
                if rule.get("status"):
                    action["status"] = int(rule["status"])
                    action["retry_after"] = rule.get("retry_after", 2.0)
                # A hang answers nothing, whatever status the rule also carries.
                kind = "timeout" if "timeout" in action else str(action.get("status", "delay"))
                self._fired[kind] += 1
                return action
        return None
