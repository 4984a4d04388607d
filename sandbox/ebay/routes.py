"""The REST route table. A route is declared from its contract operation, so the
sandbox serves eBay's own paths and methods; the handful of operations absent from
the copied contracts (the Media API's image methods) declare their path."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from . import contract
from .config import SCOPE_BASE


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict  # lower-case names
    body: bytes
    path_params: dict = field(default_factory=dict)
    json: Any = None
    token: Any = None

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)


@dataclass
class Response:
    status: int
    body: Any = None  # dict/list -> JSON, bytes -> raw, None -> empty
    headers: dict = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass
class Route:
    method: str
    template: str
    api: str
    operation_id: str
    handler: Callable
    auth: str  # "user", "app" (application or user token) or "none"
    scopes: tuple  # any one of them grants access
    pattern: re.Pattern = None

    def __post_init__(self):
        template = self.template.rstrip("/")
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self.pattern = re.compile("^" + regex + "/?$")

    def match(self, path: str) -> dict | None:
        found = self.pattern.match(path)
        if not found:
            return None
        return {k: unquote(v) for k, v in found.groupdict().items()}

    @property
    def literal_weight(self) -> tuple:
        return (self.template.count("{"), -len(self.template))


ROUTES: list[Route] = []

# OAuth scope each API needs (eBay's method pages, "OAuth scope").
API_SCOPES = {
    "sell.inventory": (f"{SCOPE_BASE}/sell.inventory",),
    "sell.fulfillment": (f"{SCOPE_BASE}/sell.fulfillment",),
    "sell.account": (f"{SCOPE_BASE}/sell.account",),
    "commerce.media": (f"{SCOPE_BASE}/sell.inventory",),
    "commerce.message": (f"{SCOPE_BASE}/commerce.message",),
    "commerce.taxonomy": (SCOPE_BASE,),
    "sell.metadata": (SCOPE_BASE,),
    "commerce.notification": (SCOPE_BASE,),
    "commerce.identity": (f"{SCOPE_BASE}/commerce.identity.readonly",),
}
READONLY = {
    "sell.inventory": f"{SCOPE_BASE}/sell.inventory.readonly",
    "sell.fulfillment": f"{SCOPE_BASE}/sell.fulfillment.readonly",
    "sell.account": f"{SCOPE_BASE}/sell.account.readonly",
}
APP_APIS = ("commerce.taxonomy", "sell.metadata", "commerce.notification")


def rest(api: str, operation_id: str, method: str | None = None, path: str | None = None):
    """Register a handler for a contract operation (or an explicit method and path)."""

    def register(handler: Callable) -> Callable:
        if path is None:
            op = contract.operation(operation_id, api)
            op_method, template = op.method, op.path
        else:
            op_method, template = method, path
        scopes = API_SCOPES[api]
        if op_method == "GET" and api in READONLY:
            scopes = (*scopes, READONLY[api])
        ROUTES.append(
            Route(
                op_method,
                template,
                api,
                operation_id,
                handler,
                "app" if api in APP_APIS else "user",
                scopes,
            )
        )
        ROUTES.sort(key=lambda r: r.literal_weight)
        return handler

    return register


def find(method: str, path: str) -> tuple[Route | None, dict | None, bool]:
    """(route, path params, path_known): path_known is True when some route serves
    the path with another method."""
    known = False
    for candidate in ROUTES:
        params = candidate.match(path)
        if params is None:
            continue
        if candidate.method == method:
            return candidate, params, True
        known = True
    return None, None, known
