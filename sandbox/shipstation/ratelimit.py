"""ShipStation's rate limit: N requests per window per API key, shared by every caller
of the key, with the X-Rate-Limit-* headers on every answer."""

from __future__ import annotations

import math
import threading
import time


class RateLimiter:
    """Fixed windows per API key: the first request after a window ended opens a new
    one of ``config.rate_window`` seconds, in which ``config.rate_limit`` requests pass."""

    def __init__(self, config):
        self.config = config
        self._lock = threading.Lock()
        self._windows: dict[str, list] = {}  # key -> [window start (monotonic), used]
        self.rejected = 0

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
            self.rejected = 0

    def _window(self, key: str, now: float) -> list:
        window = self._windows.get(key)
        if window is None or now >= window[0] + float(self.config.rate_window):
            window = self._windows[key] = [now, 0]
        return window

    def take(self, key: str) -> tuple[bool, dict]:
        """Count one request of ``key``; (allowed, headers)."""
        now = time.monotonic()
        limit = int(self.config.rate_limit)
        with self._lock:
            window = self._window(key, now)
            allowed = window[1] < limit
            if allowed:
                window[1] += 1
            else:
                self.rejected += 1
            remaining = max(limit - window[1], 0)
            reset = max(window[0] + float(self.config.rate_window) - now, 0.0)
        return allowed, {
            "X-Rate-Limit-Limit": str(limit),
            "X-Rate-Limit-Remaining": str(remaining),
            "X-Rate-Limit-Reset": str(math.ceil(reset) if allowed else max(math.ceil(reset), 1)),
        }

    def set_used(self, key: str, used: int) -> None:
        """Drain (or refill) a key's current window, for tests of the 429."""
        with self._lock:
            window = self._window(key, time.monotonic())
            window[1] = max(int(used), 0)

    def status(self) -> dict:
        now = time.monotonic()
        with self._lock:
            keys = {
                key: {
                    "used": used,
                    "remaining": max(int(self.config.rate_limit) - used, 0),
                    "reset": round(max(start + float(self.config.rate_window) - now, 0.0), 3),
                }
                for key, (start, used) in self._windows.items()
                if now < start + float(self.config.rate_window)
            }
        return {
            "limit": int(self.config.rate_limit),
            "window": float(self.config.rate_window),
            "keys": keys,
            "rejected": self.rejected,
        }
