"""The shop's base URL, as every api call builds on it."""

from urllib.parse import urlsplit


def normalize_shop_url(shop_url):
    """``https://<shop>.myshopify.com`` from what a person may type.

    Accepts ``my-shop``, ``my-shop.myshopify.com``, ``https://my-shop.myshopify.com/admin``
    and keeps any other scheme, host and port as given (the sandbox runs on
    ``http://127.0.0.1:<port>``).
    """
    text = (shop_url or "").strip()
    if not text:
        raise ValueError("The Shopify shop URL is empty.")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    host = parts.netloc
    if not host:
        raise ValueError("%r is not a shop URL." % shop_url)
    if "." not in host and ":" not in host and host != "localhost":
        host += ".myshopify.com"
    return "%s://%s" % (parts.scheme, host)
