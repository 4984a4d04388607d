"""Fault rules a sandbox applies to its API requests: error statuses, slow answers,
hangs and connection resets, injected through its control API.

A sandbox subclasses ``Faults`` to say which statuses it can answer, what a rule
applies to (``_applies``) and the ``Retry-After`` it suggests by default."""

from __future__ import annotations

import random
import threading
from collections import Counter

KINDS = ("status", "rate", "delay", "timeout", "reset")


class Faults:
    """Rules, tried in order. Each may carry ``count`` (requests left; absent = until
    cleared) and ``rate`` (a seeded probability). The faults applied are counted per
    kind (``fired``) until cleared."""

    statuses: tuple[int, ...] = (429, 500, 502, 503, 504)
    kinds: tuple[str, ...] = KINDS
    default_retry_after: float | None = None

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
        """Faults applied so far: {"429": n, "503": n, "timeout": n, "delay": n, ...}."""
        with self._lock:
            return dict(self._fired)

    def _check(self, rule: dict) -> None:
        """Complete or refuse a rule's platform-specific keys (its target, its path)."""

    def _applies(self, rule: dict, target: str) -> bool:
        return rule.get("target") in (target, "all")

    def add(self, rule: dict) -> dict:
        rule = dict(rule)
        if not any(k in rule for k in self.kinds):
            raise ValueError(f"a fault needs one of {', '.join(self.kinds)}")
        if "status" in rule and int(rule["status"]) not in self.statuses:
            raise ValueError(f"status must be one of {list(self.statuses)}")
        if "rate" in rule and not any(k in rule for k in ("status", "timeout", "reset")):
            rule["status"] = 503
        if "seed" in rule:
            self._random = random.Random(rule.pop("seed"))
        self._check(rule)
        with self._lock:
            self._rules.append(rule)
        return rule

    def rules(self) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._rules]

    def take(self, target: str) -> dict | None:
        """The action for one request, or None. It may carry ``reset``, ``timeout``
        (seconds, 0 = the sandbox's default), ``delay`` and ``status`` with
        ``retry_after``; a reset or a hang answers nothing, whatever else it carries."""
        with self._lock:
            for rule in list(self._rules):
                if not self._applies(rule, target):
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
                    action["retry_after"] = rule.get("retry_after", self.default_retry_after)
                kind = next(
                    (k for k in ("reset", "timeout") if k in action),
                    str(action.get("status", "delay")),
                )
                self._fired[kind] += 1
                return action
        return None
