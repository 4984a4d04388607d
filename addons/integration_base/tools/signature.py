import base64
import hashlib
import hmac


def hmac_sha256_base64(secret, body):
    """Base64 of HMAC-SHA256(secret, body): Shopify's webhook signature."""
    if isinstance(secret, str):
        secret = secret.encode()
    return base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()


def verify_hmac_sha256_base64(secret, body, signature):
    """Constant-time check of a base64 HMAC-SHA256 signature over the raw body.

    False for a missing secret or signature: an unconfigured secret rejects.
    """
    if not secret or not signature:
        return False
    expected = hmac_sha256_base64(secret, body)
    return hmac.compare_digest(expected.encode(), signature.strip().encode())
