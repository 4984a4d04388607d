"""The way ShipStation writes values: JSON numbers with trailing zeros, Pacific
timestamps with seven decimals and no time zone, dates without time."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FOUR = Decimal("0.0001")
TWO = Decimal("0.01")


def dec(value) -> Decimal:
    if value is None or value == "":
        return Decimal("0")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not a number") from exc


def money4(value) -> Decimal:
    """Order amounts, as ShipStation's decimal(19,4) columns come out: ``4.0100``."""
    return dec(value).quantize(FOUR, rounding=ROUND_HALF_UP)


def money2(value) -> Decimal:
    """Label and rate costs: ``8.95``."""
    return dec(value).quantize(TWO, rounding=ROUND_HALF_UP)


def dumps(value) -> str:
    """JSON in which a Decimal is written as the number it is, digits kept (``4.0100``)."""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text if text not in ("NaN", "Infinity", "-Infinity") else "null"
    if value is None or isinstance(value, bool | int | float | str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def loads(body: bytes | str):
    """Parse a request body, keeping every number's digits (Decimal, never float)."""
    return json.loads(body, parse_float=Decimal)


# ---------------------------------------------------------------- Pacific time
def _nth_sunday(year: int, month: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (6 - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


def pacific_offset(utc: dt.datetime) -> dt.timedelta:
    """PST (-8) or PDT (-7) by the US rule: from 02:00 local on March's second Sunday to
    02:00 local on November's first Sunday (kept here so no tz database is needed)."""
    year = utc.year
    start = dt.datetime.combine(_nth_sunday(year, 3, 2), dt.time(10))  # 02:00 PST in UTC
    end = dt.datetime.combine(_nth_sunday(year, 11, 1), dt.time(9))  # 02:00 PDT in UTC
    naive = utc.replace(tzinfo=None)
    return dt.timedelta(hours=-7 if start <= naive < end else -8)


def to_pacific(value: dt.datetime) -> dt.datetime:
    """An aware datetime as naive Pacific wall time."""
    utc = value.astimezone(dt.timezone.utc)
    return (utc + pacific_offset(utc)).replace(tzinfo=None)


def stamp(value: dt.datetime) -> str:
    """``2026-12-03T06:52:05.6500000``: naive Pacific time, milliseconds, seven decimals."""
    local = to_pacific(value) if value.tzinfo else value
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f".{local.microsecond // 1000:03d}0000"


def day(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        value = to_pacific(value) if value.tzinfo else value
        value = value.date()
    return value.isoformat()


_DATE_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_date(text) -> dt.datetime | None:
    """A date as ShipStation takes it: ``2026-12-03``, ``2026-12-03 06:52:05``,
    ``2026-12-03T06:52:05.6500000``, with or without ``Z``/offset. Naive values are
    Pacific wall time; aware ones are converted to it. None when unreadable."""
    if not isinstance(text, str):
        return None
    match = _DATE_RE.match(text.strip())
    if not match:
        return None
    year, month, mday, hour, minute, sec, frac, zone = match.groups()
    try:
        value = dt.datetime(
            int(year),
            int(month),
            int(mday),
            int(hour or 0),
            int(minute or 0),
            int(sec or 0),
            int((frac or "0").ljust(6, "0")[:6]),
        )
    except ValueError:
        return None
    if zone:
        if zone == "Z":
            tz = dt.timezone.utc
        else:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            tz = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        value = to_pacific(value.replace(tzinfo=tz))
    return value


def normalize_stamp(text) -> str | None:
    """An incoming date-time rewritten the way ShipStation answers it."""
    value = parse_date(text)
    return stamp(value) if value else None


class Clock:
    """Wall time of the sandbox: the real clock, optionally set or moved forward for
    tests (``/_sandbox/clock``). Rate-limit windows use ``monotonic`` and are not moved."""

    def __init__(self):
        self._lock = threading.Lock()
        self._offset = dt.timedelta(0)

    def now(self) -> dt.datetime:
        with self._lock:
            offset = self._offset
        return dt.datetime.now(dt.timezone.utc) + offset

    def set(self, when: dt.datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("the clock needs a time zone (e.g. 2026-12-03T14:00:00Z)")
        with self._lock:
            self._offset = when - dt.datetime.now(dt.timezone.utc)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += dt.timedelta(seconds=float(seconds))

    def reset(self) -> None:
        with self._lock:
            self._offset = dt.timedelta(0)

    @staticmethod
    def monotonic() -> float:
        return time.monotonic()
