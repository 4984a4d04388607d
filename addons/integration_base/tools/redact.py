"""Keep secrets out of logs: URLs, headers and free text."""

import logging
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "[redacted]"
SECRET_PARAM = re.compile(
    r"(token|secret|key|password|passwd|signature|sig|code|auth|credential)", re.I
)
SECRET_HEADERS = {
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-shopify-access-token",
    "x-ebay-api-iaf-token",
    "x-ebay-api-cert-name",
    "x-ebay-api-app-name",
    "x-ebay-api-dev-name",
}
SECRET_QUERY_VALUE = re.compile(
    r"([?&][^=&\s]*(?:token|secret|key|password|signature|code|auth)[^=&\s]*=)[^&\s\"']+",
    re.I,
)
BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")


def redact_url(url):
    """The URL without user info and with secret-looking query values hidden."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += ":%s" % parts.port
    query = urlencode(
        [
            (k, REDACTED if SECRET_PARAM.search(k) else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="[]",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def redact_headers(headers):
    return {k: (REDACTED if k.lower() in SECRET_HEADERS else v) for k, v in (headers or {}).items()}


def redact_text(text, secrets=()):
    """Free text with known secret values and bearer/basic tokens hidden."""
    if not text:
        return text
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    text = SECRET_QUERY_VALUE.sub(lambda m: m.group(1) + REDACTED, text)
    return BEARER.sub(lambda m: "%s %s" % (m.group(1), REDACTED), text)


class RedactingFilter(logging.Filter):
    """Scrubs secret query values and bearer tokens from log records of the HTTP
    libraries (urllib3 logs every URL it opens at DEBUG)."""

    def filter(self, record):
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install_log_filters(logger_names=("urllib3.connectionpool", "requests")):
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
