"""Runtime settings of one sandbox instance (changeable through /_sandbox/config)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal


def _plain(value):
    """Decimals (how the control API reads JSON fractions) become floats: settings
    are seconds."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@dataclass
class Config:
    # API key -> API secret (HTTP Basic: the key is the user name, the secret the password)
    credentials: dict[str, str] = field(
        default_factory=lambda: {"sandbox-api-key": "sandbox-api-secret"}
    )
    rate_limit: int = 40  # requests per window and per API key, shared by all its callers
    rate_window: float = 60.0  # seconds; tests and benchmarks may shorten it
    # Base of the resource_url in webhooks; None: the sandbox's own URL. "{n}" is
    # replaced by a number from 1 to 12, as in https://ssapi{n}.shipstation.com.
    resource_url_base: str | None = None
    webhook_retry_delays: list[float] = field(default_factory=lambda: [1.0, 5.0, 15.0, 30.0])
    webhook_max_attempts: int = 5
    webhook_timeout: float = 5.0
    webhook_allowed_hosts: list[str] = field(default_factory=list)
    webhooks_list_wrapped: bool = True  # GET /webhooks answers {"webhooks": [...]}
    messy: bool = True  # addresses of shipments and placed orders as real accounts have them
    max_page_size: int = 500
    seller_id: int = 2084512
    fault_timeout_seconds: float = 30.0

    def update(self, data: dict) -> list[str]:
        """Apply known keys from ``data``; return the unknown keys."""
        known = {f.name for f in fields(self)}
        unknown = [k for k in data if k not in known]
        for key, value in data.items():
            if key not in known:
                continue
            value = _plain(value)
            if key in ("rate_limit", "webhook_max_attempts", "max_page_size") and (
                not isinstance(value, int) or value < 1
            ):
                raise ValueError(f"{key} must be a whole number of at least 1")
            if key == "rate_window" and (not isinstance(value, int | float) or value <= 0):
                raise ValueError("rate_window must be a number of seconds above 0")
            if key == "credentials" and not (
                isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
            ):
                raise ValueError("credentials must map API keys to API secrets")
            setattr(self, key, value)
        return unknown

    def as_dict(self) -> dict:
        data = asdict(self)
        data["credentials"] = {key: "***" for key in self.credentials}
        return data
