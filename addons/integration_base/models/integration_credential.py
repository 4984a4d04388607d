import functools
import os

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError

from ..exceptions import ConfigurationError
from ..tools.crypto import KEY_ENV, KEY_OPTION, CredentialCipher, mask


@functools.lru_cache(maxsize=4)
def _cipher_for(keys):
    return CredentialCipher(keys)


class IntegrationCredential(models.Model):
    """A secret of a backend (token, key, webhook secret), encrypted at rest.

    The database holds only Fernet ciphertext; the key comes from the server
    configuration or the environment. Only integration managers read this model,
    and the plaintext is only ever handed to the api layer through
    ``_get_plaintext_sudo``."""

    _name = "integration.credential"
    _description = "Integration Credential"
    _order = "backend_id, key"
    _rec_name = "key"

    backend_id = fields.Many2one(
        "integration.backend", required=True, ondelete="cascade", index=True
    )
    platform = fields.Selection(related="backend_id.platform", store=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    key = fields.Char(required=True, help="What the secret is, e.g. access_token, webhook_secret.")
    value = fields.Char(
        compute="_compute_value",
        inverse="_inverse_value",
        groups="integration_base.group_integration_manager",
        string="New value",
        help="Stored encrypted; shown masked.",
    )
    value_masked = fields.Char("Value", compute="_compute_value_masked")
    value_encrypted = fields.Text(readonly=True, groups="base.group_system", copy=False)
    expires_at = fields.Datetime("Expires at")
    is_expired = fields.Boolean(compute="_compute_is_expired")

    _sql_constraints = [
        ("backend_key_unique", "unique(backend_id, key)", "A backend has one credential per key.")
    ]

    @api.model
    def _cipher(self):
        return _cipher_for(tools.config.get(KEY_OPTION) or os.environ.get(KEY_ENV))

    @api.model_create_multi
    def create(self, vals_list):
        credentials = super().create(vals_list)
        self.env.registry.clear_cache()  # cached webhook secrets
        return credentials

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    def _compute_value(self):
        # The form shows the masked value; the editable field starts empty so a
        # plaintext secret is never sent to the browser.
        for credential in self:
            credential.value = False

    def _inverse_value(self):
        for credential in self:
            if credential.value:
                credential.sudo().value_encrypted = self._encrypt(credential.value)

    @api.depends("value_encrypted")
    def _compute_value_masked(self):
        for credential in self:
            plaintext = credential._get_plaintext_sudo(raise_on_error=False)
            credential.value_masked = (
                mask(plaintext)
                if plaintext
                else _("(cannot be decrypted: wrong key)")
                if credential.sudo().value_encrypted
                else _("(not set)")
            )

    @api.depends("expires_at")
    def _compute_is_expired(self):
        now = fields.Datetime.now()
        for credential in self:
            credential.is_expired = bool(credential.expires_at and credential.expires_at <= now)

    def _encrypt(self, plaintext):
        try:
            return self._cipher().encrypt(plaintext)
        except ConfigurationError as exc:
            raise UserError(exc.message) from exc

    def _get_plaintext_sudo(self, raise_on_error=True):
        """The decrypted secret, or None. Never log what this returns."""
        self.ensure_one()
        ciphertext = self.sudo().value_encrypted
        if not ciphertext:
            return None
        try:
            return self._cipher().decrypt(ciphertext)
        except ConfigurationError:
            if raise_on_error:
                raise
            return None
