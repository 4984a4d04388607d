"""OAuth 2.0 as eBay runs it: the consent page, the token endpoint and the tokens.

- Consent: ``GET /oauth2/authorize?client_id&redirect_uri=<RuName>&response_type=code
  &scope&state`` (https://developer.ebay.com/api-docs/static/oauth-consent-request.html)
  redirects to the RuName's accept URL with ``state``, ``code`` and ``expires_in=299``.
- Token: ``POST /identity/v1/oauth2/token`` with Basic auth of ``App ID:Cert ID`` and a
  form body; grants ``authorization_code``, ``refresh_token`` and
  ``client_credentials``.

Error bodies are eBay's (JSON ``error``, ``error_description``); their wording is
quoted by sellers who logged eBay's answers (eBay knowledge base KBid 5218 for the
grant-code one):

- bad Basic credentials: 401 ``invalid_client`` "client authentication failed"
- unknown, used or expired code, or a redirect_uri other than the code's RuName:
  400 ``invalid_grant`` "the provided authorization grant code is invalid or was
  issued to another client"
- unknown, revoked or expired refresh token: 400 ``invalid_grant`` "the provided
  authorization refresh token is invalid or was issued to another client"
- a scope beyond the consent's: 400 ``invalid_scope`` "The requested scope is invalid,
  unknown, malformed, or exceeds the scope granted to the client"
"""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import urlencode

INVALID_CLIENT = (401, "invalid_client", "client authentication failed")
INVALID_CODE = (
    400,
    "invalid_grant",
    "the provided authorization grant code is invalid or was issued to another client",
)
INVALID_REFRESH = (
    400,
    "invalid_grant",
    "the provided authorization refresh token is invalid or was issued to another client",
)
INVALID_SCOPE = (
    400,
    "invalid_scope",
    "The requested scope is invalid, unknown, malformed, or exceeds the scope granted "
    "to the client",
)
# Not quoted from eBay: RFC 6749 section 5.2's codes with a plain description.
UNSUPPORTED_GRANT = (
    400,
    "unsupported_grant_type",
    "grant type in request is not supported by the authorization server",
)
INVALID_REQUEST = (400, "invalid_request", "request is missing a required parameter")


def oauth_error(spec: tuple) -> tuple[int, dict]:
    status, code, description = spec
    return status, {"error": code, "error_description": description}


def _token(kind: str) -> str:
    # eBay's tokens look like "v^1.1#i^1#p^3#I^3#r^0#f^0#t^H4sI..." ('#', '^' and '+'
    # included): clients must URL-encode them in forms and query strings.
    return f"v^1.1#i^1#p^3#I^3#r^{kind}#f^0#t^" + base64.b64encode(secrets.token_bytes(48)).decode(
        "ascii"
    )


@dataclass
class AccessToken:
    token: str
    kind: str  # "user" or "application"
    scopes: frozenset
    expires_at: float
    refresh_token: str | None = None


@dataclass
class RefreshToken:
    token: str
    scopes: frozenset
    expires_at: float
    revoked: bool = False
    access_tokens: set = field(default_factory=set)


@dataclass
class AuthCode:
    code: str
    runame: str
    scopes: frozenset
    expires_at: float
    used: bool = False


class OAuth:
    def __init__(self, config, clock):
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, AuthCode] = {}
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self.grants: list[dict] = []  # token endpoint answers, for the state dump

    def reset(self) -> None:
        with self._lock:
            self._codes.clear()
            self._access.clear()
            self._refresh.clear()
            self.grants.clear()

    # ------------------------------------------------------------ consent
    def consent(self, params: dict) -> tuple[int, dict | str, dict]:
        """Answer the consent page as if the seller logged in and agreed.

        Returns (status, body, headers): a 302 to the accept URL, or 400 when the
        request cannot be redirected anywhere (unknown client or RuName)."""
        if params.get("client_id") != self.config.app_id:
            return 400, "unknown client_id", {}
        runame = params.get("redirect_uri", "")
        accept_url = self.config.runames.get(runame)
        if not accept_url:
            return 400, f"unknown redirect_uri (RuName) {runame!r}", {}
        state = params.get("state")
        query: dict = {}
        if params.get("response_type") != "code":
            query = {"error": "unsupported_response_type"}
        else:
            scopes = frozenset((params.get("scope") or "").split())
            if not scopes or not scopes <= set(self.config.scopes):
                query = {"error": "invalid_scope"}
            elif params.get("_decline"):
                query = {"error": "access_denied"}
            else:
                code = _token("1")
                with self._lock:
                    self._codes[code] = AuthCode(
                        code,
                        runame,
                        scopes,
                        self.clock.time() + int(self.config.auth_code_ttl),
                    )
                query = {"code": code, "expires_in": str(int(self.config.auth_code_ttl))}
        if state is not None:
            query = {"state": state, **query}
        sep = "&" if "?" in accept_url else "?"
        return 302, "", {"Location": accept_url + sep + urlencode(query)}

    # -------------------------------------------------------------- token
    def client_ok(self, authorization: str | None) -> bool:
        if not authorization or not authorization.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(authorization[6:].strip()).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return False
        app_id, _, cert_id = decoded.partition(":")
        return app_id == self.config.app_id and cert_id == self.config.cert_id

    def token(self, authorization: str | None, params: dict) -> tuple[int, dict]:
        if not self.client_ok(authorization):
            return oauth_error(INVALID_CLIENT)
        grant = params.get("grant_type")
        if grant == "authorization_code":
            return self._code_grant(params)
        if grant == "refresh_token":
            return self._refresh_grant(params)
        if grant == "client_credentials":
            return self._client_grant(params)
        if not grant:
            return oauth_error(INVALID_REQUEST)
        return oauth_error(UNSUPPORTED_GRANT)

    def _mint_access(self, kind, scopes, refresh: RefreshToken | None = None) -> AccessToken:
        token = AccessToken(
            _token("0"),
            kind,
            frozenset(scopes),
            self.clock.time() + int(self.config.access_token_ttl),
            refresh.token if refresh else None,
        )
        self._access[token.token] = token
        if refresh:
            refresh.access_tokens.add(token.token)
        return token

    def _code_grant(self, params: dict) -> tuple[int, dict]:
        code = params.get("code", "")
        with self._lock:
            entry = self._codes.get(code)
            if (
                entry is None
                or entry.used
                or entry.expires_at <= self.clock.time()
                or params.get("redirect_uri") != entry.runame
            ):
                return oauth_error(INVALID_CODE)
            entry.used = True
            refresh = RefreshToken(
                _token("1"), entry.scopes, self.clock.time() + int(self.config.refresh_token_ttl)
            )
            self._refresh[refresh.token] = refresh
            access = self._mint_access("user", entry.scopes, refresh)
        self.grants.append({"grant_type": "authorization_code", "status": 200})
        return 200, {
            "access_token": access.token,
            "expires_in": int(self.config.access_token_ttl),
            "refresh_token": refresh.token,
            "refresh_token_expires_in": int(self.config.refresh_token_ttl),
            "token_type": "User Access Token",
        }

    def _refresh_grant(self, params: dict) -> tuple[int, dict]:
        with self._lock:
            refresh = self._refresh.get(params.get("refresh_token", ""))
            if refresh is None or refresh.revoked or refresh.expires_at <= self.clock.time():
                self.grants.append({"grant_type": "refresh_token", "status": 400})
                return oauth_error(INVALID_REFRESH)
            scopes = frozenset((params.get("scope") or "").split()) or refresh.scopes
            if not scopes <= refresh.scopes:
                return oauth_error(INVALID_SCOPE)
            access = self._mint_access("user", scopes, refresh)
        self.grants.append({"grant_type": "refresh_token", "status": 200})
        return 200, {
            "access_token": access.token,
            "expires_in": int(self.config.access_token_ttl),
            "token_type": "User Access Token",
        }

    def _client_grant(self, params: dict) -> tuple[int, dict]:
        scopes = frozenset((params.get("scope") or "").split())
        if not scopes or not scopes <= {self.config.scopes[0]}:
            return oauth_error(INVALID_SCOPE)
        with self._lock:
            access = self._mint_access("application", scopes)
        return 200, {
            "access_token": access.token,
            "expires_in": int(self.config.access_token_ttl),
            "token_type": "Application Access Token",
        }

    # -------------------------------------------------------------- checks
    def lookup(self, token: str | None) -> AccessToken | None:
        """The live access token, or None (unknown, expired, or its refresh token
        revoked)."""
        if not token:
            return None
        with self._lock:
            entry = self._access.get(token)
            if entry is None or entry.expires_at <= self.clock.time():
                return None
            return entry

    def known(self, token: str | None) -> bool:
        """True for an access token this sandbox issued, live or expired."""
        with self._lock:
            return bool(token) and token in self._access

    def issue(self, scopes=None) -> dict:
        """Tokens as a completed consent gives them, without the consent round trip
        (for tests and the demo)."""
        scopes = frozenset(scopes or self.config.scopes)
        with self._lock:
            refresh = RefreshToken(
                _token("1"), scopes, self.clock.time() + int(self.config.refresh_token_ttl)
            )
            self._refresh[refresh.token] = refresh
            access = self._mint_access("user", scopes, refresh)
        return {
            "access_token": access.token,
            "expires_in": int(self.config.access_token_ttl),
            "refresh_token": refresh.token,
            "refresh_token_expires_in": int(self.config.refresh_token_ttl),
            "token_type": "User Access Token",
        }

    def revoke(self, refresh_token: str | None = None) -> int:
        """Revoke one refresh token (or all) and the access tokens minted from it, as a
        seller revoking the application's access does. Returns how many."""
        with self._lock:
            targets = (
                [self._refresh[refresh_token]]
                if refresh_token in self._refresh
                else ([] if refresh_token else list(self._refresh.values()))
            )
            for refresh in targets:
                refresh.revoked = True
                for token in refresh.access_tokens:
                    self._access.pop(token, None)
            return len(targets)

    def expire_access_tokens(self) -> int:
        with self._lock:
            count = len(self._access)
            for token in self._access.values():
                token.expires_at = 0
            return count

    def state(self) -> dict:
        now = self.clock.time()
        with self._lock:
            return {
                "access_tokens": [
                    {
                        "kind": t.kind,
                        "expires_in": max(int(t.expires_at - now), 0),
                        "scopes": sorted(t.scopes),
                        "from_refresh_token": bool(t.refresh_token),
                    }
                    for t in self._access.values()
                ],
                "refresh_tokens": [
                    {
                        "token": r.token,
                        "revoked": r.revoked,
                        "expires_in": max(int(r.expires_at - now), 0),
                        "scopes": sorted(r.scopes),
                    }
                    for r in self._refresh.values()
                ],
                "grants": list(self.grants),
            }
