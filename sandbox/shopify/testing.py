"""Helpers for tests that talk to a sandbox over real HTTP (stdlib urllib only).

from sandbox.shopify.testing import SandboxClient
from sandbox.shopify.server import start_server

server = start_server(seed=True)
client = SandboxClient(server.url)
data = client.gql("{ shop { name } }")["data"]
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from .schema import API_VERSION


class HTTPResult:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body or b"null")


class SandboxClient:
    def __init__(self, url: str, token: str = "shpat_sandbox", timeout: float = 10.0):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        body=None,
        headers=None,
        raw: bytes | None = None,
        timeout: float | None = None,
    ) -> HTTPResult:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        hdrs = {"Content-Type": "application/json"} if raw is None else {}
        hdrs.update(headers or {})
        req = urllib.request.Request(self.url + path, data=data, headers=hdrs, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.timeout) as resp:
                return HTTPResult(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as exc:
            return HTTPResult(exc.code, exc.headers, exc.read())

    def gql_raw(
        self,
        query: str,
        variables: dict | None = None,
        token: str | None = None,
        operation_name: str | None = None,
        timeout: float | None = None,
    ) -> HTTPResult:
        body = {"query": query, "variables": variables or {}}
        if operation_name:
            body["operationName"] = operation_name
        tok = self.token if token is None else token
        headers = {"X-Shopify-Access-Token": tok} if tok else {}
        return self.request(
            "POST", f"/admin/api/{API_VERSION}/graphql.json", body, headers, timeout=timeout
        )

    def gql(self, query: str, variables: dict | None = None, **kwargs) -> dict:
        result = self.gql_raw(query, variables, **kwargs)
        assert result.status == 200, (result.status, result.body[:500])
        return result.json()

    def control(self, method: str, path: str, body=None) -> dict:
        result = self.request(method, "/_sandbox/" + path.lstrip("/"), body)
        assert result.status < 300, (result.status, result.body[:500])
        return result.json()

    def state(self) -> dict:
        return self.control("GET", "state")
