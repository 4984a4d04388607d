"""Fault injection: error statuses, slow answers, hangs and connection resets.

A rule applies to a ``target``: an API name (``sell.inventory``, ``sell.fulfillment``,
``sell.account``, ``commerce.taxonomy``, ``sell.metadata``, ``commerce.notification``,
``commerce.media``, ``commerce.message``), ``tradingapi``, ``oauth`` (the token and
consent endpoints), ``rest`` (every REST API, not OAuth) or ``all``.
"""

from __future__ import annotations

from ..common import faults as common_faults

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


class Faults(common_faults.Faults):
    statuses = STATUSES

    def _check(self, rule: dict) -> None:
        rule.setdefault("target", "rest")
        if rule["target"] not in TARGETS:
            raise ValueError(f"target must be one of {list(TARGETS)}")

    def _applies(self, rule: dict, target: str) -> bool:
        return matches(rule["target"], target)
