"""Typed errors raised by the api layers and understood by the job runner.

The runner decides what happens to a job from the class alone: a retryable error
comes back later, a rate-limited one after the wait the platform asked for, a
permanent one fails at once, an authentication one also marks the backend.
"""


class IntegrationError(Exception):
    """Base of every error the connectors raise on purpose.

    ``message`` is meant for a person: it is shown on the job, the binding and
    the backend as it is.
    """

    retryable = False

    def __init__(self, message, *, status=None, details=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.details = details


class RetryableError(IntegrationError):
    """A transient failure (timeout, 5xx, lock): try again with backoff."""

    retryable = True


class RateLimitedError(RetryableError):
    """The platform (or our own limiter) asks to wait ``retry_after`` seconds."""

    def __init__(self, message, *, retry_after=None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class PermanentError(IntegrationError):
    """Retrying cannot help: bad data, unknown record, rejected input."""


class AuthenticationError(PermanentError):
    """Credentials are missing, wrong or expired: a person must act."""


class ConfigurationError(PermanentError):
    """The suite itself is not configured (missing encryption key, no handler)."""


class JobDeferred(Exception):
    """Raised by a job handler that should not run yet (a batching window still
    open): the job goes back to the queue until ``until`` (naive UTC), with no error
    recorded and its retry count unchanged. What the handler did is rolled back."""

    def __init__(self, until, reason=""):
        super().__init__(reason or "deferred until %s" % until)
        self.until = until
        self.reason = reason
