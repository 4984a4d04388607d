import random

DEFAULT_BASE_SECONDS = 10
DEFAULT_CAP_SECONDS = 3600
JITTER_FRACTION = 0.25


def retry_delay(
    attempt,
    *,
    requested=None,
    base=DEFAULT_BASE_SECONDS,
    cap=DEFAULT_CAP_SECONDS,
    jitter=JITTER_FRACTION,
    rand=random.random,
):
    """Seconds to wait before retry number ``attempt`` (1 for the first retry).

    Exponential (base, 2*base, 4*base, ...) up to ``cap``, spread by up to
    ``jitter`` of itself either way so that jobs failing together do not come
    back together. A wait the platform asked for (``requested``, from
    Retry-After or a throttle status) is honoured: never less than it, and only
    spread upwards.
    """
    if requested is not None and requested > 0:
        return requested * (1 + jitter * rand())
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return max(0.0, delay * (1 + jitter * (2 * rand() - 1)))


def parse_retry_after(value):
    """Seconds from a Retry-After header (delta-seconds only), or None."""
    if value is None:
        return None
    try:
        seconds = float(str(value).strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
