"""Rate-limit arithmetic, shared by every worker through rows in the database.

Each function takes the stored state and the time, and returns the new state and
the seconds to wait before the call may go out (0: go now). The caller keeps the
state row locked while it decides, so concurrent workers see one another.
A positive wait with ``reserve=True`` already counts the call in the state: the
caller sleeps and then calls, and later callers queue up behind it.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone


@dataclass(frozen=True)
class LimiterState:
    level: float = 0.0  # leaky bucket: points available; windows: calls made
    window_start: float = 0.0  # epoch seconds of the bucket update or window start


def leaky_bucket(state, *, now, cost, capacity, restore_rate, reserve):
    """Shopify-style bucket of points that refills at ``restore_rate`` a second."""
    if state.window_start == 0.0:
        state = LimiterState(level=capacity, window_start=now)
    available = min(capacity, state.level + (now - state.window_start) * restore_rate)
    wait = 0.0 if available >= cost else (cost - available) / restore_rate
    if wait and not reserve:
        return LimiterState(available, now), wait
    return LimiterState(available - cost, now), wait


def fixed_window(state, *, now, cost, limit, window_seconds, reserve):
    """At most ``limit`` calls per window (ShipStation: 40 a minute)."""
    if now - state.window_start >= window_seconds:
        state = LimiterState(0.0, now)
    wait = 0.0
    if state.level + cost > limit:
        wait = state.window_start + window_seconds - now
        if not reserve:
            return state, wait
        return LimiterState(cost, state.window_start + window_seconds), wait
    return replace(state, level=state.level + cost), wait


def daily_quota(state, *, now, cost, quota, utc_offset_hours=0):
    """At most ``quota`` calls per calendar day (eBay), days counted at an offset."""
    tz = timezone(timedelta(hours=utc_offset_hours))
    today = datetime.fromtimestamp(now, tz).replace(hour=0, minute=0, second=0, microsecond=0)
    day_start = today.timestamp()
    if state.window_start != day_start:
        state = LimiterState(0.0, day_start)
    if state.level + cost > quota:
        return state, (today + timedelta(days=1)).timestamp() - now
    return replace(state, level=state.level + cost), 0.0


def bucket_from_platform(*, now, currently_available):
    """The bucket as the platform reports it (throttleStatus), replacing our estimate."""
    return LimiterState(float(currently_available), now)


def window_from_headers(*, now, limit, remaining, reset_seconds, window_seconds):
    """A request window as X-Rate-Limit-Remaining / -Reset report it."""
    return LimiterState(float(max(0, limit - remaining)), now + reset_seconds - window_seconds)
