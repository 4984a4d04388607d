"""Runtime settings of one sandbox instance (changeable through /_sandbox/config)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

# Shopify's documented GraphQL Admin limits: bucket size and restore rate per plan.
PLANS: dict[str, dict[str, int]] = {
    "standard": {"bucket_size": 2000, "restore_rate": 100},
    "advanced": {"bucket_size": 4000, "restore_rate": 200},
    "plus": {"bucket_size": 20000, "restore_rate": 1000},
}


@dataclass
class Config:
    plan: str = "standard"
    bucket_size: int | None = None  # None: the plan's size
    restore_rate: float | None = None  # None: the plan's rate
    max_query_cost: int = 1000
    admin_token: str = "shpat_sandbox"
    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    token_ttl: int = 86399
    scopes: str = (
        "read_products,write_products,read_inventory,write_inventory,read_orders,"
        "write_orders,read_fulfillments,write_fulfillments,read_merchant_managed_fulfillment_orders,"
        "write_merchant_managed_fulfillment_orders,read_locations,read_customers"
    )
    webhook_retry_delays: list[float] = field(default_factory=lambda: [1.0, 5.0, 15.0, 30.0])
    webhook_max_attempts: int = 5
    webhook_timeout: float = 5.0
    webhook_allowed_hosts: list[str] = field(default_factory=list)
    reject_duplicate_skus: bool = True  # stricter than Shopify: see README
    bulk_step_delay: float = 0.05  # seconds spent in CREATED and in RUNNING
    fault_timeout_seconds: float = 30.0
    media_max_bytes: int = 20 * 1024 * 1024  # Shopify's limit on a product image

    @property
    def effective_bucket_size(self) -> int:
        if self.bucket_size:
            return int(self.bucket_size)
        return PLANS[self.plan]["bucket_size"]

    @property
    def effective_restore_rate(self) -> float:
        if self.restore_rate:
            return float(self.restore_rate)
        return float(PLANS[self.plan]["restore_rate"])

    def update(self, data: dict) -> list[str]:
        """Apply known keys from ``data``; return the unknown keys."""
        known = {f.name for f in fields(self)}
        unknown = [k for k in data if k not in known]
        for key, value in data.items():
            if key not in known:
                continue
            if key == "plan" and value not in PLANS:
                raise ValueError(f"unknown plan {value!r}; use one of {sorted(PLANS)}")
            setattr(self, key, value)
        return unknown

    def as_dict(self) -> dict:
        data = asdict(self)
        data["effective_bucket_size"] = self.effective_bucket_size
        data["effective_restore_rate"] = self.effective_restore_rate
        return data
