import hashlib
import json

from odoo import _, api, fields, models

from ..exceptions import PermanentError


class IntegrationBinding(models.AbstractModel):
    """Link between an Odoo record and its copy on one backend.

    Platforms make it concrete per Odoo model (``shopify.product.binding`` with
    ``odoo_id = Many2one('product.template')``, say). A binding is unique per
    (backend, external id) and per (backend, Odoo record); the concrete model
    declares ``odoo_id`` and the second constraint, since only it knows the field.

    The binder (``_to_internal``, ``_bind``) and the exporter spine
    (``_export_record``: lock, map, pre-flight, skip unchanged, dependencies, send,
    bind) are the same for every platform, after OCA connector's binder and
    ``GenericExporter._run``. A concrete binding that exports implements:

    ``_export_map()``
        The payload, in the platform's terms, from the Odoo record (pure mapping
        behind it); raise PermanentError with a sentence for data it cannot send.
    ``_export_preflight(payload)``
        Optional: the list of what a person must fix before anything is sent
        (title too long, a required aspect missing...); empty when it can go.
    ``_export_dependencies(payload)``
        Optional: make sure what the payload refers to exists on the platform
        (definitions, collections, images, policies); may complete the payload.
    ``_export_send(payload)``
        Create or update the record on the platform, exactly once: a create
        retried after a lost answer or a rolled-back commit must find what the
        first try made (an identifier fixed before the call, a lookup) rather than
        make a second one. Returns the platform's answer.
    ``_export_bind(payload, answer)``
        Record the platform's ids from the answer (child bindings too) and return
        the external id of this binding.

    and sets ``_export_operation``, the sync.job operation whose handler is
    ``_job_export``.
    """

    _export_operation = None

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

    # ------------------------------------------------------------------ binder
    @api.model
    def _to_internal(self, backend, external_id):
        """The binding of ``backend``'s record ``external_id`` (archived included),
        empty when it is not bound."""
        if not external_id:
            return self.browse()
        return self.with_context(active_test=False).search(
            [("backend_id", "=", backend.id), ("external_id", "=", str(external_id))], limit=1
        )

    @api.model
    def _bind(self, backend, records, values=None):
        """The bindings of ``records`` on ``backend``, created where missing (with
        ``values``), in the order of ``records``."""
        existing = self.with_context(active_test=False).search(
            [("backend_id", "=", backend.id), ("odoo_id", "in", records.ids)]
        )
        by_record = {binding.odoo_id.id: binding for binding in existing}
        missing = records.filtered(lambda record: record.id not in by_record)
        for binding in self.create(
            [
                {"backend_id": backend.id, "odoo_id": record.id, **(values or {})}
                for record in missing
            ]
        ):
            by_record[binding.odoo_id.id] = binding
        return self.browse([by_record[record.id].id for record in records])

    # ---------------------------------------------------------------- exporter
    def _enqueue_export(self, priority=10):
        """Queue the export of these bindings, one job each (folded into a pending
        one for the same binding)."""
        Job = self.env["sync.job"]
        for backend in self.backend_id:
            mine = self.filtered(lambda binding, backend=backend: binding.backend_id == backend)
            Job.enqueue_many(
                backend, self._export_operation, [(b, None) for b in mine], priority=priority
            )

    @api.model
    def _bind_and_export(self, backend, records, priority=10):
        """Bind ``records`` to ``backend`` where they are not yet, queue their
        export, return the bindings."""
        bindings = self._bind(backend, records)
        bindings._enqueue_export(priority=priority)
        return bindings

    def action_sync_now(self):
        self._enqueue_export(priority=5)

    def _job_export(self, job):
        """sync.job handler of ``_export_operation``."""
        self._export_record()

    def _export_record(self):
        """Export this binding through the spine; False when nothing was sent
        because nothing changed since the last export.

        :raise PermanentError: for data a person must fix (the pre-flight's list)
        :raise RetryableError: when another worker exports it right now
        """
        self.ensure_one()
        # Not waiting: under REPEATABLE READ a transaction that waited would still see
        # the binding as it was before the other export committed, and export again.
        self.backend_id._lock("export:%s" % self._name, self.id, wait=False)
        payload = self._export_map()
        problems = self._export_preflight(payload)
        if problems:
            raise PermanentError(
                _("%(record)s cannot be sent yet:", record=self.odoo_id.display_name)
                + "".join("\n- %s" % problem for problem in problems)
            )
        if self.external_id and self._is_unchanged(payload):
            return False
        self._export_dependencies(payload)
        answer = self._export_send(payload)
        self._mark_synced(payload, external_id=self._export_bind(payload, answer))
        return True

    def _export_map(self):
        raise NotImplementedError

    def _export_preflight(self, payload):
        return []

    def _export_dependencies(self, payload):
        return None

    def _export_send(self, payload):
        raise NotImplementedError

    def _export_bind(self, payload, answer):
        raise NotImplementedError
