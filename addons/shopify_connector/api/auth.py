"""Shopify access tokens through the client-credentials grant.

An app installed on the shop (Dev Dashboard) exchanges its client id and secret for a
short-lived admin token: ``POST {shop}/admin/oauth/access_token`` with
``grant_type=client_credentials``. The token is refreshed by asking again.
"""

from odoo.addons.integration_base.exceptions import (
    AuthenticationError,
    PermanentError,
    RetryableError,
)

from .shop_url import normalize_shop_url

TOKEN_PATH = "/admin/oauth/access_token"


def request_access_token(shop_url, client_id, client_secret, send):
    """Return ``(access_token, expires_in_seconds)`` (``None`` when Shopify gives no
    lifetime).

    :param send: the HTTP callable of integration_base (``tools.http.send`` bound to a
        session and the platform name)
    :raises AuthenticationError: wrong or unknown client id or secret
    """
    if not client_id or not client_secret:
        raise AuthenticationError("The Shopify client id and secret are both required.")
    url = normalize_shop_url(shop_url) + TOKEN_PATH
    try:
        response = send(
            "POST",
            url,
            headers={"Accept": "application/json"},
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
            },
        )
    except AuthenticationError:
        raise
    except PermanentError as exc:
        # Shopify answers 400 invalid_client (or unsupported_grant_type) for bad
        # credentials: a person has to fix them, retrying cannot help.
        if exc.status in (400, 401, 403, 404):
            raise AuthenticationError(
                "Shopify refused the client credentials (%s): check the client id and "
                "secret of the app installed on the shop." % exc.status,
                status=exc.status,
                details=exc.message,
            ) from None
        raise
    try:
        payload = response.json()
    except ValueError:
        raise RetryableError(
            "Shopify answered the token request with something not JSON."
        ) from None
    token = payload.get("access_token") if isinstance(payload, dict) else None
    if not token:
        raise AuthenticationError("Shopify gave no access token for the client credentials.")
    expires_in = payload.get("expires_in")
    return token, int(expires_in) if expires_in is not None else None
