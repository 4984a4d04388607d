"""Runtime settings of one eBay sandbox instance (changeable through /_sandbox/config)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

# OAuth scopes a consent may grant (eBay's scope URLs).
SCOPE_BASE = "https://api.ebay.com/oauth/api_scope"
DEFAULT_SCOPES = (
    SCOPE_BASE,
    f"{SCOPE_BASE}/sell.inventory",
    f"{SCOPE_BASE}/sell.inventory.readonly",
    f"{SCOPE_BASE}/sell.account",
    f"{SCOPE_BASE}/sell.account.readonly",
    f"{SCOPE_BASE}/sell.fulfillment",
    f"{SCOPE_BASE}/sell.fulfillment.readonly",
    f"{SCOPE_BASE}/commerce.identity.readonly",
    f"{SCOPE_BASE}/commerce.notification.subscription",
    f"{SCOPE_BASE}/commerce.message",
)

# Daily call quotas per API. eBay gives a new production keyset 5,000 calls a day
# until its Application Growth Check raises them ("When a developer completes Self
# Certification ... the keys are set to a maximum of 5,000 API calls per day",
# developer.ebay.com/businessbenefits/faq); the issue sets Trading at 5,000 too.
# Every figure is configurable.
DEFAULT_QUOTAS = {
    "sell.inventory": 5000,
    "sell.fulfillment": 5000,
    "sell.account": 5000,
    "commerce.taxonomy": 5000,
    "sell.metadata": 5000,
    "commerce.notification": 5000,
    "commerce.media": 5000,
    "commerce.message": 5000,
    "commerce.identity": 5000,
    "tradingapi": 5000,
}


@dataclass
class Config:
    # The application keyset (developer.ebay.com > Application Keys).
    app_id: str = "SandboxM-MotorPar-SBX-0123456789-abcdef01"  # client_id
    cert_id: str = "SBX-0123456789ab-cdef-0123-4567-89ab"  # client_secret
    dev_id: str = "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
    # RuName -> the accept URL the consent page redirects to (the RuName's
    # "auth accepted URL" in the developer portal).
    runames: dict = field(
        default_factory=lambda: {
            "Sandbox_Motor-SandboxM-MotorP-abcdefgh": "http://127.0.0.1:8069/ebay/oauth/accept"
        }
    )
    scopes: list = field(default_factory=lambda: list(DEFAULT_SCOPES))
    access_token_ttl: int = 7200  # eBay: user and application tokens live 2 hours
    refresh_token_ttl: int = 47304000  # eBay: 18 months
    auth_code_ttl: int = 299  # eBay's consent redirect carries expires_in=299
    # The seller account the consent logs into.
    seller_username: str = "sandbox_motor_parts"
    seller_user_id: str = "sNdBxSeLl3r"
    # A legacy Auth'n'Auth token the Trading API accepts in RequesterCredentials.
    trading_auth_token: str = "AgAAAA**AQAAAA**aAAAAA**sandbox-auth-n-auth-token"
    trading_compatibility_level: int = 1349
    # Quotas: calls per API per day, reset every day at quota_reset_time in
    # quota_reset_tz (Trading's day starts at 00:00 PST, GetApiAccessRules reference).
    quotas: dict = field(default_factory=lambda: dict(DEFAULT_QUOTAS))
    quota_reset_time: str = "00:00"
    quota_reset_tz: str = "America/Los_Angeles"
    # Buyers' identity in orders: "username" (buyer.username is the username) or
    # "immutable" (eBay's data-handling change from 2025-09-26: the username field
    # carries the immutable user id instead).
    buyer_identity: str = "username"
    # Notifications (marketplace account deletion and others).
    notification_endpoint: str = ""
    notification_verification_token: str = "sandbox-verification-token-0123456789abcdef"
    notification_key_id: str = "99345bc1-8f3e-4e0a-9b5c-1a2b3c4d5e6f"
    notification_key_seed: int = 20260101  # the ECDSA P-256 key is derived from it
    notification_timeout: float = 5.0
    notification_allowed_hosts: list = field(default_factory=list)
    max_compatible_vehicles: int = 3000
    # Media API POSTs: eBay allows 50 per 5 seconds per user.
    media_post_limit: int = 50
    media_post_window: float = 5.0
    fault_timeout_seconds: float = 30.0
    marketplace_fee_rate: str = "0.1325"  # final value fee used for totalDueSeller

    def update(self, data: dict) -> list[str]:
        """Apply known keys from ``data``; return the unknown keys."""
        known = {f.name for f in fields(self)}
        unknown = [k for k in data if k not in known]
        for key, value in data.items():
            if key not in known:
                continue
            if key == "buyer_identity" and value not in ("username", "immutable"):
                raise ValueError("buyer_identity must be 'username' or 'immutable'")
            if key == "quotas":
                value = {**DEFAULT_QUOTAS, **self.quotas, **value}
            setattr(self, key, value)
        return unknown

    def as_dict(self) -> dict:
        return asdict(self)
