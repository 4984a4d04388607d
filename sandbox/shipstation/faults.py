"""Fault injection for the API endpoints (status codes, delays, hangs, resets)."""

from __future__ import annotations

from ..common import faults as common_faults

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


class Faults(common_faults.Faults):
    """Each rule may carry ``path`` (a prefix such as ``/shipments``; absent = every
    API path)."""

    statuses = tuple(STATUS_BODIES)
    default_retry_after = 30

    def __init__(self):
        super().__init__(seed=0)

    def _applies(self, rule: dict, path: str) -> bool:
        return not rule.get("path") or path.lower().startswith(rule["path"].lower())
