"""Fault injection for the API endpoints (status codes, delays, hangs)."""

from __future__ import annotations

from ..common import faults as common_faults

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


class Faults(common_faults.Faults):
    """Each rule applies to ``target``: "graphql" (the default), "oauth" or "all"."""

    statuses = tuple(STATUS_BODIES)
    kinds = ("status", "rate", "delay", "timeout")  # no resets: Shopify's edge answers
    default_retry_after = 2.0

    def _check(self, rule: dict) -> None:
        rule.setdefault("target", "graphql")
