"""The one request helper every api layer goes through.

A timeout on every call, the platform's HTTP answers turned into the typed errors
of integration_base, and each call reported to a recorder (the API log) with the
URL redacted. It never retries itself: the job queue does, with backoff. It never
follows a redirect: the credentials of a call would go along to the new address.
"""

import time
from dataclasses import dataclass

import requests

from ..exceptions import AuthenticationError, PermanentError, RateLimitedError, RetryableError
from .backoff import parse_retry_after
from .redact import redact_text, redact_url

DEFAULT_TIMEOUT = (5, 30)  # connect, read


@dataclass
class CallRecord:
    method: str
    endpoint: str
    status_code: int
    duration_ms: float
    error: str | None = None
    cost: float | None = None
    items: int | None = None
    max_items: int | None = None


def error_for_status(platform, response, message=None):
    """The typed error for a non-2xx answer, or None for a 2xx one."""
    status = response.status_code
    if status < 300:
        return None
    if status < 400:
        return PermanentError(
            "%s answered with a redirect (%s) to %s: redirects are not followed, so that "
            "credentials never go to another address. Check the backend's API URL."
            % (platform, status, redact_url(response.headers.get("Location") or "nowhere")),
            status=status,
        )
    detail = message or (response.text or "")[:300]
    text = "%s answered %s: %s" % (platform, status, detail)
    if status == 429:
        # Retry-After when the platform sends it; else the end of its request window
        # (X-Rate-Limit-Reset, seconds: ShipStation's 429 carries only that).
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is None:
            wait = parse_retry_after(response.headers.get("X-Rate-Limit-Reset"))
        return RateLimitedError(text, retry_after=wait, status=status)
    if status in (401, 403):
        return AuthenticationError(
            "%s refused the credentials (%s): check or renew them on the backend."
            % (platform, status),
            status=status,
        )
    if status >= 500 or status in (408, 409, 423, 425):
        return RetryableError(text, status=status)
    return PermanentError(text, status=status)


def send(
    session,
    platform,
    method,
    url,
    *,
    recorder=None,
    timeout=DEFAULT_TIMEOUT,
    secrets=(),
    raise_for_status=True,
    cost_of=None,
    check_url=None,
    items=None,
    max_items=None,
    **kwargs,
):
    """Make one HTTP call; return the response, or raise a typed error.

    :param recorder: called with a CallRecord after every attempt, success or not
    :param secrets: values to scrub from any error text
    :param cost_of: function of the response giving the cost the platform reported
        for the call (Shopify's actualQueryCost), stored with the record
    :param check_url: called with ``url`` before anything is sent; raises (a typed
        error) to refuse a host the caller may not reach
    :param items: for a call that carries a batch, how many items it carries, and
        ``max_items`` the platform's maximum per call (None: no maximum); stored with
        the record (the dashboard's bulk efficiency)
    """
    if check_url:
        check_url(url)
    started = time.monotonic()
    endpoint = redact_url(url)
    kwargs["allow_redirects"] = False
    try:
        response = session.request(method, url, timeout=timeout, **kwargs)
    except requests.Timeout as exc:
        error = RetryableError("%s did not answer in time (%s)." % (platform, type(exc).__name__))
    except requests.ConnectionError:
        error = RetryableError("%s could not be reached (connection failed)." % platform)
    else:
        error = error_for_status(platform, response) if raise_for_status else None
        if recorder:
            recorder(
                CallRecord(
                    method,
                    endpoint,
                    response.status_code,
                    (time.monotonic() - started) * 1000,
                    redact_text(error.message, secrets) if error else None,
                    cost_of(response) if cost_of and not error else None,
                    items,
                    max_items,
                )
            )
        if error:
            error.message = redact_text(error.message, secrets)
            raise error
        return response
    if recorder:
        recorder(
            CallRecord(
                method,
                endpoint,
                0,
                (time.monotonic() - started) * 1000,
                error.message,
                items=items,
                max_items=max_items,
            )
        )
    raise error
