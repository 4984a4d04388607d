"""Access tokens: the permanent admin token and the client-credentials grant."""

from __future__ import annotations

import secrets
import threading
import time

INVALID_TOKEN_BODY = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}


class TokenStore:
    def __init__(self, config):
        self.config = config
        self._lock = threading.Lock()
        self._issued: dict[str, float] = {}  # token -> expiry (epoch seconds)

    def reset(self) -> None:
        with self._lock:
            self._issued.clear()

    def is_valid(self, token: str | None) -> bool:
        if not token:
            return False
        if token == self.config.admin_token:
            return True
        with self._lock:
            expiry = self._issued.get(token)
        return expiry is not None and time.time() < expiry

    def revoke_all(self) -> None:
        with self._lock:
            self._issued.clear()

    def client_credentials(self, params: dict) -> tuple[int, dict]:
        """Answer POST /admin/oauth/access_token. Returns (status, body)."""
        grant = params.get("grant_type")
        if grant != "client_credentials":
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "The authorization grant type is not supported.",
            }
        if (
            params.get("client_id") != self.config.client_id
            or params.get("client_secret") != self.config.client_secret
        ):
            return 400, {
                "error": "invalid_client",
                "error_description": "Client authentication failed: unknown client or bad secret.",
            }
        token = "shpat_" + secrets.token_hex(16)
        ttl = int(self.config.token_ttl)
        with self._lock:
            self._issued[token] = time.time() + ttl
        return 200, {"access_token": token, "scope": self.config.scopes, "expires_in": ttl}
