"""Fault injection for the API endpoints (status codes, delays, hangs, resets)."""

from __future__ import annotations

import random
import threading
from collections import Counter

STATUS_BODIES = {
    429: {"message": "Too Many Requests"},
    500: {
        "Message": "An error has occurred.",
        "ExceptionMessage": "Object reference not set to an instance of an object.",
        "ExceptionType": "System.NullReferenceException",
        "StackTrace": None,
    },
    502: "<html><body><h1>502 Bad Gateway</h1></body></html>",
    503: "<html><body><h1>503 Service Unavailable</h1></body></html>",
    504: "<html><body><h1>504 Gateway Time-out</h1></body></html>",
}


class Faults:
    """Rules, tried in order. Each may carry ``count`` (requests left; absent = until
    cleared), ``path`` (a prefix such as ``/shipments``; absent = every API path) and
    ``rate`` (a seeded probability). The faults applied are counted per kind."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rules: list[dict] = []
        self._random = random.Random(0)
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
        if not any(k in rule for k in ("status", "rate", "delay", "timeout", "reset")):
            raise ValueError("a fault needs one of status, rate, delay, timeout or reset")
        if "status" in rule and int(rule["status"]) not in STATUS_BODIES:
            raise ValueError(f"status must be one of {sorted(STATUS_BODIES)}")
        if "rate" in rule and not any(k in rule for k in ("status", "timeout", "reset")):
            rule["status"] = 503
        if "seed" in rule:
            self._random = random.Random(rule.pop("seed"))
        with self._lock:
            self._rules.append(rule)
        return rule

    def rules(self) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._rules]

    def take(self, path: str) -> dict | None:
        """The action for one API request: {"status", "retry_after"}, {"delay"},
        {"timeout"}, {"reset"} or None."""
        with self._lock:
            for rule in list(self._rules):
                if rule.get("path") and not path.lower().startswith(rule["path"].lower()):
                    continue
                if "rate" in rule and self._random.random() >= float(rule["rate"]):
                    continue
                if "count" in rule:
                    rule["count"] = int(rule["count"]) - 1
                    if rule["count"] <= 0:
                        self._rules.remove(rule)
                action = {}
                if rule.get("reset"):
                    action["reset"] = True
                elif rule.get("timeout"):
                    action["timeout"] = float(rule.get("seconds", 0) or 0)
                if rule.get("delay"):
                    action["delay"] = float(rule["delay"])
                if rule.get("status") and not ({"reset", "timeout"} & set(action)):
                    action["status"] = int(rule["status"])
                    action["retry_after"] = rule.get("retry_after", 30)
                kind = next(
                    (k for k in ("reset", "timeout") if k in action),
                    str(action.get("status", "delay")),
                )
                self._fired[kind] += 1
                return action
        return None
