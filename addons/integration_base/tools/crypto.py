"""Encryption of credentials at rest (Fernet: AES-128-CBC with HMAC-SHA256).

The key never lives in the database: it comes from the Odoo server configuration
(``integration_encryption_key``) or the environment (``ODOO_INTEGRATION_KEY``).
Several comma-separated keys allow rotation: the first encrypts, all decrypt.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ..exceptions import ConfigurationError

KEY_OPTION = "integration_encryption_key"
KEY_ENV = "ODOO_INTEGRATION_KEY"


def generate_key():
    return Fernet.generate_key().decode()


class CredentialCipher:
    def __init__(self, keys):
        keys = [k.strip() for k in (keys or "").split(",") if k.strip()]
        if not keys:
            raise ConfigurationError(
                "No encryption key for credentials: set %s in the Odoo configuration "
                "file or the %s environment variable (generate one with "
                "`python3 -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`)." % (KEY_OPTION, KEY_ENV)
            )
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(
                "The credential encryption key in %s / %s is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes)." % (KEY_OPTION, KEY_ENV)
            ) from exc

    def encrypt(self, plaintext):
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token):
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ConfigurationError(
                "A stored credential cannot be decrypted with the configured key: "
                "the key in %s / %s is not the one it was saved with." % (KEY_OPTION, KEY_ENV)
            ) from exc


def mask(value, visible=4):
    """What the UI shows of a secret: its length hidden, at most its last characters."""
    if not value:
        return ""
    if len(value) <= visible * 3:
        return "\u2022" * 8
    return "\u2022" * 8 + value[-visible:]
