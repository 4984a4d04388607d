"""Daily call quotas per API, reset every day at a configurable local time."""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo
from collections import Counter

from .util import iso


class Quotas:
    """Counts calls per API in the current quota day. A day starts at
    ``config.quota_reset_time`` in ``config.quota_reset_tz``; the first call after the
    boundary starts a new count."""

    def __init__(self, config, clock):
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self._used: Counter = Counter()
        self._window_start: dt.datetime | None = None

    def _boundary(self, now: dt.datetime) -> dt.datetime:
        """The start of the quota day containing ``now`` (UTC)."""
        tz = zoneinfo.ZoneInfo(self.config.quota_reset_tz)
        hour, minute = (int(p) for p in self.config.quota_reset_time.split(":"))
        local = now.astimezone(tz)
        start = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if start > local:
            start -= dt.timedelta(days=1)
        return start.astimezone(dt.timezone.utc)

    def _roll(self, now: dt.datetime) -> None:
        start = self._boundary(now)
        if self._window_start != start:
            self._window_start = start
            self._used.clear()

    def take(self, api: str) -> bool:
        """Count one call; False when the API's quota for the day is already used."""
        limit = self.config.quotas.get(api)
        with self._lock:
            self._roll(self.clock.now())
            if limit is not None and self._used[api] >= int(limit):
                return False
            self._used[api] += 1
            return True

    def reset(self) -> None:
        with self._lock:
            self._used.clear()
            self._window_start = None

    def set_used(self, api: str, used: int) -> None:
        with self._lock:
            self._roll(self.clock.now())
            self._used[api] = int(used)

    def state(self) -> dict:
        with self._lock:
            now = self.clock.now()
            self._roll(now)
            start = self._window_start
            reset_at = self._boundary(start + dt.timedelta(days=1, hours=1))
            out = {}
            for api, limit in sorted(self.config.quotas.items()):
                used = self._used[api]
                out[api] = {
                    "limit": limit,
                    "used": used,
                    "remaining": max(int(limit) - used, 0),
                    "reset": iso(reset_at),
                    "timeWindow": int((reset_at - start).total_seconds()),
                }
            return out
