"""Small shared helpers: the sandbox clock, eBay's timestamp and amount formats."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


class Clock:
    """Wall-clock time plus an offset the control API can advance, so that token
    expiry and quota resets can be tested without waiting."""

    def __init__(self):
        self._lock = threading.Lock()
        self._offset = 0.0

    def time(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.time(), tz=dt.timezone.utc)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += float(seconds)

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset


def iso(value: dt.datetime) -> str:
    """eBay's REST timestamps: UTC, milliseconds, ``Z`` (``2024-05-01T10:20:30.000Z``)."""
    value = value.astimezone(dt.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> dt.datetime | None:
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.strip()
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        return None  # eBay requires an explicit UTC offset
    return value.astimezone(dt.timezone.utc)


def dec(value) -> Decimal:
    if value is None or value == "":
        return Decimal("0")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def ebay_amount(value) -> str:
    """An amount as eBay's Fulfillment API writes it: a string with uneven precision,
    trailing zeros dropped but one decimal kept ("264.8", "0.0", "12.99", "10.0")."""
    amount = dec(value).quantize(CENT, rounding=ROUND_HALF_UP)
    text = f"{amount:f}"
    if text.endswith("0"):
        text = text[:-1]
    return text


def money2(value) -> str:
    """Two decimals (the Inventory API and Account API echo prices this way)."""
    return f"{dec(value).quantize(CENT, rounding=ROUND_HALF_UP):f}"
