import functools
import logging

from odoo import SUPERUSER_ID, api, fields, models

_logger = logging.getLogger(__name__)


def _recheck_stock_jobs(registry, backend_ids):
    # After the caller's commit: a failure here must not turn a done stock move
    # into an error for the user; the safety-net cron sends what is left.
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            for backend in env["integration.backend"].browse(sorted(backend_ids)).exists():
                env["shopify.variant.binding"]._shopify_request_stock_export(backend)
    except Exception:  # logged; the flush cron covers it
        _logger.warning("could not check the Shopify stock jobs after a commit", exc_info=True)


class ShopifyVariantBinding(models.Model):
    """An Odoo variant as a Shopify variant, with its inventory item."""

    _name = "shopify.variant.binding"
    _inherit = "integration.binding"
    _description = "Shopify Variant"
    _rec_name = "odoo_id"

    odoo_id = fields.Many2one(
        "product.product", "Variant", required=True, ondelete="cascade", index=True
    )
    product_binding_id = fields.Many2one(
        "shopify.product.binding", required=True, ondelete="cascade", index=True
    )
    inventory_item_id = fields.Char(readonly=True)
    sku = fields.Char(related="odoo_id.default_code")
    stock_sent = fields.Integer("Available sent", readonly=True)
    stock_sent_date = fields.Datetime(readonly=True)
    shopify_available = fields.Integer("Available on Shopify", readonly=True)
    stock_mismatch = fields.Boolean(
        readonly=True,
        help="Shopify reported another available quantity than Odoo's; Odoo's was sent again.",
    )

    _sql_constraints = [
        (
            "backend_odoo_unique",
            "unique(backend_id, odoo_id)",
            "This variant is already bound to this shop.",
        )
    ]

    @api.model
    def _shopify_mark_stock_dirty(self, bindings):
        """Note that these variants' stock must be sent, and queue the sending."""
        if not bindings:
            return
        self.env.cr.executemany(
            "INSERT INTO shopify_stock_change (backend_id, product_id) VALUES (%s, %s)",
            [(b.backend_id.id, b.odoo_id.id) for b in bindings],
        )
        self._shopify_stock_noted(bindings.backend_id)

    @api.model
    def _shopify_note_stock_change(self, product_ids, location):
        """A quant of ``product_ids`` changed in ``location``: when a mapped warehouse
        holds it, queue the variants' stock for every shop that sells them."""
        backend_ids = self._shopify_backends_of_location(location)
        if not backend_ids:
            return
        self.env.cr.execute(
            """INSERT INTO shopify_stock_change (backend_id, product_id)
               SELECT backend_id, odoo_id FROM shopify_variant_binding
                WHERE odoo_id IN %s AND backend_id IN %s
            RETURNING backend_id""",
            [tuple(product_ids), tuple(backend_ids)],
        )
        backend_ids = {row[0] for row in self.env.cr.fetchall()}
        self._shopify_stock_noted(self.env["integration.backend"].browse(backend_ids))

    @api.model
    def _shopify_stock_noted(self, backends):
        """Changes were noted for ``backends``: a stock job must come. When a pending
        job is counted on, checked again once this transaction has committed: that
        job may have read the noted changes in between, without these, which would
        then wait for the safety-net cron. A job queued here commits with them."""
        relied_on = set()
        for backend in backends:
            if not self._shopify_request_stock_export(backend):
                relied_on.add(backend.id)
        if not relied_on:
            return
        cr = self.env.cr
        recheck = cr.postcommit.data.setdefault("shopify_connector.stock_recheck", set())
        if not recheck:
            cr.postcommit.add(functools.partial(_recheck_stock_jobs, self.env.registry, recheck))
        recheck.update(relied_on)

    @api.model
    def _shopify_backends_of_location(self, location):
        """Backends with a Shopify location mapped to the warehouse of ``location``."""
        warehouse = location.warehouse_id
        if not warehouse or location.usage != "internal":
            return []
        return (
            self.env["shopify.location"]
            .sudo()
            .search([("warehouse_id", "=", warehouse.id)])
            .backend_id.ids
        )

    @api.model
    def _shopify_request_stock_export(self, backend):
        """Make sure a stock job will send the changes noted for ``backend``. One
        pending job per shop is enough: it runs when the batching window of the
        oldest change ends and sends what is noted by then. When a full call's worth
        is waiting before that, a job that runs at once is added. Checked, not
        folded, so that concurrent stock moves never contend on one job row.
        Returns whether a job was queued."""
        self.env.cr.execute(
            """SELECT bool_or(eta IS NULL OR eta <= now() at time zone 'utc'), count(*)
                 FROM sync_job WHERE state = 'pending' AND backend_id = %s
                  AND operation = 'shopify_export_stock'""",
            [backend.id],
        )
        runnable, pending = self.env.cr.fetchone()
        if runnable:
            return False
        due = backend._shopify_stock_batch_due()
        if due is False or (pending and due is not None):
            return False
        self.env["sync.job"].enqueue(
            backend, "shopify_export_stock", backend, dedupe_key=None, priority=1, eta=due
        )
        return True


class ShopifyStockChange(models.Model):
    """Variants whose stock changed since the last export, per shop. Insert-only
    for the stock code (no row is updated, so stock moves never wait on it); the
    stock job takes them all with one DELETE ... RETURNING."""

    _name = "shopify.stock.change"
    _description = "Shopify Stock Change"
    _log_access = False

    backend_id = fields.Integer(required=True, index=True)
    product_id = fields.Integer(required=True)
    noted_at = fields.Datetime(readonly=True)  # set by the database, see init()
    # For the company rule: backend_id is a bare integer (no foreign key for the
    # stock moves' inserts to check), so the rule goes through this search.
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", search="_search_company_id"
    )

    def init(self):
        self.env.cr.execute(
            """ALTER TABLE shopify_stock_change
               ALTER COLUMN noted_at SET DEFAULT (clock_timestamp() at time zone 'utc')"""
        )

    def _compute_company_id(self):
        backends = self.env["integration.backend"].sudo().browse(set(self.mapped("backend_id")))
        companies = {backend.id: backend.company_id for backend in backends.exists()}
        for change in self:
            change.company_id = companies.get(change.backend_id, False)

    def _search_company_id(self, operator, value):
        backends = (
            self.env["integration.backend"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", operator, value)])
        )
        return [("backend_id", "in", backends.ids)]
