import json
from datetime import timedelta

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.integration_base.exceptions import PermanentError

from ..api.documents import DOCUMENTS

POLL_SECONDS = 2

CATALOGUE_QUERY = """
{
  products {
    edges {
      node {
        id
        title
        status
        variants {
          edges { node { id sku inventoryItem { id } } }
        }
      }
    }
  }
}
"""


class ShopifyBulkOperation(models.Model):
    """A Shopify bulk operation run from Odoo, with its progress and its report.

    ``import``: reads the shop's whole catalogue (bulkOperationRunQuery), binds the
    products whose SKUs Odoo has (never creating a second binding), and reports what
    is on one side only. ``export``: sends many products at once through a staged
    JSONL upload and bulkOperationRunMutation(productSet)."""

    _name = "shopify.bulk.operation"
    _description = "Shopify Bulk Operation"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    backend_id = fields.Many2one("integration.backend", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    kind = fields.Selection(
        [("import", "Catalogue import and reconciliation"), ("export", "Catalogue export")],
        required=True,
    )
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="draft",
        required=True,
        tracking=True,
    )
    external_id = fields.Char("Shopify id", readonly=True)
    shopify_status = fields.Char(readonly=True)
    object_count = fields.Integer("Objects processed", readonly=True)
    expected_count = fields.Integer("Objects expected", readonly=True)
    progress = fields.Float(compute="_compute_progress")
    matched_count = fields.Integer(readonly=True)
    report = fields.Text(readonly=True)
    error = fields.Text(readonly=True)
    template_ids = fields.Many2many("product.template", string="Products to export")
    line_binding_ids = fields.Json(readonly=True, help="Binding id of each JSONL line sent.")
    date_done = fields.Datetime(readonly=True)

    def _compute_name(self):
        labels = dict(self._fields["kind"].selection)
        for operation in self:
            operation.name = "%s (%s)" % (labels.get(operation.kind), operation.backend_id.name)

    def _compute_progress(self):
        for operation in self:
            if operation.state == "done":
                operation.progress = 100.0
            elif operation.expected_count:
                operation.progress = min(
                    99.0, 100.0 * operation.object_count / operation.expected_count
                )
            else:
                operation.progress = 0.0

    def action_start(self):
        for operation in self:
            if operation.state == "running":
                raise UserError(_("%(name)s is already running.", name=operation.name))
            operation.write({"state": "running", "error": False, "report": False})
            operation._enqueue_step()

    def _enqueue_step(self, delay=0):
        self.ensure_one()
        self.env["sync.job"].enqueue(
            self.backend_id,
            "shopify_bulk",
            self,
            eta=fields.Datetime.now() + timedelta(seconds=delay) if delay else None,
            priority=15,
        )

    def _shopify_job_step(self, job):
        """Start the operation, or look at how it is going; queue the next look."""
        self.ensure_one()
        if self.state != "running":
            return
        client = self.backend_id._shopify_client()
        if not self.external_id:
            node = self._start(client)
        else:
            node = client.bulk_operation(self.external_id)
            if not node:
                raise PermanentError(
                    _("Shopify no longer knows bulk operation %(id)s.", id=self.external_id)
                )
        self.write(
            {
                "external_id": node["id"],
                "shopify_status": node["status"],
                "object_count": int(node.get("objectCount") or 0),
            }
        )
        if node["status"] == "COMPLETED":
            lines = client.download_jsonl(node["url"]) if node.get("url") else []
            self._finish(lines)
        elif node["status"] in ("FAILED", "CANCELED", "EXPIRED"):
            self.write(
                {
                    "state": "failed",
                    "error": _(
                        "Shopify ended the operation: %(status)s " "%(code)s",
                        status=node["status"],
                        code=node.get("errorCode") or "",
                    ),
                }
            )
        else:
            self._enqueue_step(POLL_SECONDS)

    def _start(self, client):
        if self.kind == "import":
            self.expected_count = 0
            return client.bulk_run_query(CATALOGUE_QUERY)
        bindings = self.env["shopify.product.binding"]._bind_and_export(
            self.backend_id, self.template_ids, priority=90
        )
        # The bulk run replaces the single exports just queued for these products.
        self.env["sync.job"].search(
            [
                ("res_model", "=", bindings._name),
                ("res_id", "in", bindings.ids),
                ("state", "=", "pending"),
            ]
        ).write({"state": "cancelled"})
        self.backend_id._shopify_ensure_metafield_definitions()
        lines = []
        for binding in bindings:
            product_input, identifier = binding._shopify_set_arguments(binding._export_map())
            variables = {"input": product_input, "identifier": identifier}
            lines.append(json.dumps(variables, sort_keys=True))
        self.expected_count = len(lines)
        self.line_binding_ids = bindings.ids
        url, params, path = client.staged_upload_create("products.jsonl")
        client.upload_jsonl(url, params, "\n".join(lines).encode())
        return client.bulk_run_mutation(DOCUMENTS["ProductSet"], path, items=len(lines))

    def _finish(self, lines):
        if self.kind == "import":
            self._finish_import(lines)
        else:
            self._finish_export(lines)
        self.write({"state": "done", "date_done": fields.Datetime.now()})

    def _finish_export(self, lines):
        bindings = self.env["shopify.product.binding"].browse(self.line_binding_ids or [])
        ok, failed = 0, []
        for line in lines:
            number = line.get("__lineNumber", 0)
            binding = bindings[number] if number < len(bindings) else None
            result = ((line.get("data") or {}).get("productSet")) or {}
            errors = result.get("userErrors") or line.get("errors")
            if not binding:
                continue
            if errors or not result.get("product"):
                message = "; ".join(e.get("message", "?") for e in errors or [{}])
                binding._mark_sync_error(message)
                failed.append("%s: %s" % (binding.odoo_id.display_name, message))
                continue
            binding._shopify_store_variants(result["product"])
            binding._mark_synced(binding._export_map(), external_id=result["product"]["id"])
            ok += 1
        self.matched_count = ok
        self.report = _(
            "%(ok)s products exported, %(failed)s refused.", ok=ok, failed=len(failed)
        ) + ("\n" + "\n".join(failed) if failed else "")

    def _finish_import(self, lines):
        """Bind what matches by SKU; report what exists on one side only."""
        products, variants = {}, []
        for line in lines:
            if "__parentId" in line:
                variants.append(line)
            else:
                products[line["id"]] = line
        Product = self.env["product.product"].with_context(active_test=False)
        skus = {v.get("sku") for v in variants if v.get("sku")}
        odoo_by_sku = {
            p.default_code: p for p in Product.search([("default_code", "in", list(skus))])
        }
        ProductBinding = self.env["shopify.product.binding"].with_context(active_test=False)
        VariantBinding = self.env["shopify.variant.binding"]
        unknown, matched = [], 0
        for variant in variants:
            odoo_variant = odoo_by_sku.get(variant.get("sku"))
            if not odoo_variant:
                unknown.append(
                    "%s (%s)"
                    % (
                        variant.get("sku") or _("no SKU"),
                        products.get(variant["__parentId"], {}).get("title"),
                    )
                )
                continue
            product_binding = ProductBinding.search(
                [
                    ("backend_id", "=", self.backend_id.id),
                    ("odoo_id", "=", odoo_variant.product_tmpl_id.id),
                ],
                limit=1,
            ) or ProductBinding.create(
                {
                    "backend_id": self.backend_id.id,
                    "odoo_id": odoo_variant.product_tmpl_id.id,
                    "external_id": variant["__parentId"],
                    "sync_state": "synced",
                    "sync_date": fields.Datetime.now(),
                }
            )
            if not VariantBinding.search_count(
                [("backend_id", "=", self.backend_id.id), ("odoo_id", "=", odoo_variant.id)]
            ):
                VariantBinding.create(
                    {
                        "backend_id": self.backend_id.id,
                        "odoo_id": odoo_variant.id,
                        "product_binding_id": product_binding.id,
                        "external_id": variant["id"],
                        "inventory_item_id": (variant.get("inventoryItem") or {}).get("id"),
                        "sync_state": "synced",
                        "sync_date": fields.Datetime.now(),
                    }
                )
            matched += 1
        bound = ProductBinding.search([("backend_id", "=", self.backend_id.id)]).odoo_id
        missing = self.env["product.template"].search(
            [*self.backend_id._shopify_exportable_domain(), ("id", "not in", bound.ids)]
        )
        self.matched_count = matched
        report = [_("%(matched)s Shopify variants matched Odoo products by SKU.", matched=matched)]
        if unknown:
            report.append(_("On Shopify, not in Odoo (%(count)s):", count=len(unknown)))
            report += sorted(unknown)
        if missing:
            report.append(_("In Odoo, not on Shopify (%(count)s):", count=len(missing)))
            report += sorted(missing.mapped("display_name"))
        self.report = "\n".join(report)

    def _on_sync_job_failed(self, job, message):
        self.write({"state": "failed", "error": message})
