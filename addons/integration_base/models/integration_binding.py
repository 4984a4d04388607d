import hashlib
import json

from odoo import api, fields, models


class IntegrationBinding(models.AbstractModel):
    """Link between an Odoo record and its copy on one backend.

    Platforms make it concrete per Odoo model (``shopify.product.binding`` with
    ``odoo_id = Many2one('product.template')``, say). A binding is unique per
    (backend, external id) and per (backend, Odoo record); the concrete model
    declares ``odoo_id`` and the second constraint, since only it knows the field."""

    _name = "integration.binding"
    _description = "Integration Binding (abstract)"

    backend_id = fields.Many2one(
        "integration.backend", required=True, ondelete="restrict", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    external_id = fields.Char(index=True, copy=False)
    sync_state = fields.Selection(
        [
            ("pending", "Waiting to sync"),
            ("synced", "Synchronised"),
            ("error", "Error"),
        ],
        default="pending",
        required=True,
        index=True,
    )
    sync_date = fields.Datetime("Last synchronised", readonly=True)
    payload_hash = fields.Char(readonly=True, copy=False)
    last_error = fields.Text(readonly=True)

    _sql_constraints = [
        (
            "backend_external_unique",
            "unique(backend_id, external_id)",
            "This external record is already bound on this backend.",
        ),
    ]

    @api.model
    def _payload_hash(self, payload):
        """Stable digest of a payload: same content, same hash, whatever the key order."""
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def _is_unchanged(self, payload):
        self.ensure_one()
        return bool(self.payload_hash) and self.payload_hash == self._payload_hash(payload)

    def _mark_synced(self, payload, external_id=None):
        values = {
            "sync_state": "synced",
            "sync_date": fields.Datetime.now(),
            "payload_hash": self._payload_hash(payload),
            "last_error": False,
        }
        if external_id:
            values["external_id"] = external_id
        self.write(values)

    def _mark_sync_error(self, message):
        self.write({"sync_state": "error", "last_error": message})

    def _on_sync_job_failed(self, job, message):
        """The job exporting this binding failed for good: show why on the binding."""
        self._mark_sync_error(message)
