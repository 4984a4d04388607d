import functools
import logging

from psycopg2 import sql

from odoo import SUPERUSER_ID, api, models

from odoo.addons.integration_base.exceptions import JobDeferred

_logger = logging.getLogger(__name__)


def _recheck_stock_jobs(registry, backend_ids):
    # After the caller's commit: a failure here must not turn a done stock move
    # into an error for the user; the safety-net cron sends what is left.
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            for backend in env["integration.backend"].browse(sorted(backend_ids)).exists():
                backend._channel_request_stock_export()
    except Exception:  # logged; the flush cron covers it
        _logger.warning("could not check the stock jobs after a commit", exc_info=True)


# One file per concern of the backend (order settings, stock feed), hence two classes.
class IntegrationBackend(models.Model):
    _inherit = "integration.backend"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------- platform hooks
    def _channel_sale_order_domain(self):
        """Platform hook: the sale orders that came from this backend."""
        return [("id", "=", False)]

    def _channel_fulfillment_plan(self, picking):
        """Platform hook: what to ask the platform to fulfil for ``picking`` (a
        JSON-able value of the platform's own terms), read from the platform;
        PermanentError when nothing is left to fulfil."""
        raise NotImplementedError(self.platform)

    def _channel_fulfillment_create(self, picking, plan):
        """Platform hook: fulfil ``plan`` with the picking's tracking; return the
        platform's id of the fulfilment."""
        raise NotImplementedError(self.platform)

    def _channel_find_fulfillment(self, picking, fulfillment):
        """Platform hook: the platform's id of the fulfilment an earlier try of
        ``fulfillment`` (an integration.fulfillment left ``requested``) made, or
        False when it made none."""
        raise NotImplementedError(self.platform)

    def _channel_fulfillment_tracking(self, picking, fulfillment):
        """Platform hook: replace the tracking of the done ``fulfillment`` with the
        picking's."""
        raise NotImplementedError(self.platform)

    def _channel_stock_warehouses(self):
        """Platform hook: the warehouses whose stock the platform shows."""
        return self.env["stock.warehouse"]

    def _channel_stock_binding_model(self):
        """Platform hook: the model binding the platform's variants (``backend_id``,
        ``odoo_id`` a product.product), whose stock the feed sends."""
        return False

    def _channel_stock_batch_seconds(self):
        """Platform hook: how long stock changes wait to share a call."""
        return 0

    def _channel_stock_capacity(self):
        """Platform hook: how many variants fill one stock call."""
        raise NotImplementedError(self.platform)

    def _channel_send_stock(self, products, job):
        """Platform hook: send the stock of ``products`` (see ``_channel_stock_on_hand``
        for the quantity); return the number of calls."""
        raise NotImplementedError(self.platform)

    # ------------------------------------------------------------- stock feed
    @api.model
    def _channel_note_stock_change(self, product_ids, location):
        """A quant of ``product_ids`` changed in ``location``: when a warehouse a
        backend shows holds it, queue the bound variants' stock for that backend."""
        backends = self._channel_backends_of_location(location)
        noted = set()
        for model_name in set(backends.mapped(lambda b: b._channel_stock_binding_model())):
            mine = backends.filtered(lambda b, m=model_name: b._channel_stock_binding_model() == m)
            query = sql.SQL(
                """INSERT INTO integration_stock_change (backend_id, product_id)
                   SELECT backend_id, odoo_id FROM {table}
                    WHERE odoo_id IN %s AND backend_id IN %s
                RETURNING backend_id"""
            ).format(table=sql.Identifier(self.env[model_name]._table))
            self.env.cr.execute(query, [tuple(product_ids), tuple(mine.ids)])
            noted.update(row[0] for row in self.env.cr.fetchall())
        self.browse(noted)._channel_stock_noted()

    def _channel_mark_stock_changed(self, products):
        """Note that the stock of ``products`` must be sent to this backend."""
        self.ensure_one()
        if not products:
            return
        self.env.cr.executemany(
            "INSERT INTO integration_stock_change (backend_id, product_id) VALUES (%s, %s)",
            [(self.id, product.id) for product in products],
        )
        self._channel_stock_noted()

    @api.model
    def _channel_backends_of_location(self, location):
        """Backends showing the stock of the warehouse of ``location``."""
        warehouse = location.warehouse_id
        if not warehouse or location.usage != "internal":
            return self.browse()
        return self.search([("platform", "!=", False)]).filtered(
            lambda b: warehouse in b._channel_stock_warehouses()
        )

    def _channel_stock_noted(self):
        """Changes were noted for these backends: a stock job must come. When a
        pending job is counted on, checked again once this transaction has
        committed: that job may have read the noted changes in between, without
        these, which would then wait for the safety-net cron. A job queued here
        commits with them."""
        relied_on = {backend.id for backend in self if not backend._channel_request_stock_export()}
        if not relied_on:
            return
        cr = self.env.cr
        recheck = cr.postcommit.data.setdefault("integration_channel.stock_recheck", set())
        if not recheck:
            cr.postcommit.add(functools.partial(_recheck_stock_jobs, self.env.registry, recheck))
        recheck.update(relied_on)

    def _channel_request_stock_export(self):
        """Make sure a stock job will send the changes noted for this backend. One
        pending job per backend is enough: it runs when the batching window of the
        oldest change ends and sends what is noted by then. When a full call's worth
        is waiting before that, a job that runs at once is added. Checked, not
        folded, so that concurrent stock moves never contend on one job row.
        Returns whether a job was queued."""
        self.ensure_one()
        self.env.cr.execute(
            """SELECT bool_or(eta IS NULL OR eta <= now() at time zone 'utc'), count(*)
                 FROM sync_job WHERE state = 'pending' AND backend_id = %s
                  AND operation = 'channel_export_stock'""",
            [self.id],
        )
        runnable, pending = self.env.cr.fetchone()
        if runnable:
            return False
        due = self._channel_stock_batch_due()
        if due is False or (pending and due is not None):
            return False
        self.env["sync.job"].enqueue(
            self, "channel_export_stock", self, dedupe_key=None, priority=1, eta=due
        )
        return True

    @api.model
    def _cron_channel_flush_stock(self):
        """Safety net: a change committed while a stock job was starting can miss that
        job (its snapshot predates the change); queue a job for what is left."""
        self.env.cr.execute("SELECT DISTINCT backend_id FROM integration_stock_change")
        for backend in self.browse([row[0] for row in self.env.cr.fetchall()]).exists():
            backend._channel_request_stock_export()

    def _channel_stock_batch_due(self):
        """When the noted changes should go: now (None) when a full call's worth
        waits or the window of the oldest one has passed, else the end of that
        window. False when nothing is noted. Times are the database's, as the
        workers compare etas with it."""
        self.env.cr.execute(
            """SELECT count(DISTINCT product_id), min(noted_at) + %s * interval '1 second',
                      clock_timestamp() at time zone 'utc'
                 FROM integration_stock_change WHERE backend_id = %s""",
            [self._channel_stock_batch_seconds() or 0, self.id],
        )
        count, due, now = self.env.cr.fetchone()
        if not count:
            return False
        if count >= self._channel_stock_capacity() or not due or due <= now:
            return None
        return due

    def _channel_job_export_stock(self, job):
        """Send the stock of the variants noted as changed, one full call at most
        (the longest-waiting first; the others get a job of their own), once the
        batching window of the oldest change has passed (at once when run by a
        person). Runs in READ COMMITTED under a lock per backend, so that two stock
        jobs never take the same changes, nor send half a batch each."""
        self.ensure_one()
        cr = self.env.cr
        self._lock("channel-stock")
        if not self.env.context.get("integration_run_now"):
            due = self._channel_stock_batch_due()
            if due is False:
                return 0
            if due:
                raise JobDeferred(due, "stock batching window")
        # More than a call's worth would end in a call for the few left over:
        # those wait for the next batch instead.
        cr.execute(
            """WITH chosen AS (
                   SELECT product_id FROM integration_stock_change WHERE backend_id = %s
                    GROUP BY product_id ORDER BY min(noted_at) NULLS FIRST LIMIT %s)
               DELETE FROM integration_stock_change change USING chosen
                WHERE change.backend_id = %s AND change.product_id = chosen.product_id
            RETURNING change.product_id""",
            [self.id, self._channel_stock_capacity(), self.id],
        )
        product_ids = sorted({row[0] for row in cr.fetchall()})
        if not product_ids:
            return 0
        self._channel_request_stock_export()
        return self._channel_send_stock(self.env["product.product"].browse(product_ids), job)

    def _channel_stock_on_hand(self, products, warehouse):
        """{product id: the on-hand quantity the platform's location of ``warehouse``
        should show}: Odoo's free quantity there, plus what Odoo holds there for this
        channel's own orders (reserved for them, or delivered and not yet fulfilled on
        the platform).

        The oversell rule: the platform subtracts its own committed units (every open
        order of its own, imported by Odoo or not) from this to get what it sells. The
        units of an order Odoo has not imported yet, or holds as a quotation, are thus
        never put back on sale; and those of an order Odoo reserved are counted once,
        by the platform, and not a second time in Odoo's free quantity."""
        self.ensure_one()
        # Read now, not from the cache: the job reads again after a refused update,
        # and a job run in a person's request follows their stock moves.
        products.invalidate_recordset(["free_qty"])
        free = {
            product.id: product.free_qty
            for product in products.with_context(warehouse=warehouse.id)
        }
        held = dict.fromkeys(products.ids, 0.0)
        orders = [("sale_line_id.order_id", "any", self._channel_sale_order_domain())]
        in_warehouse = [("location_id", "child_of", warehouse.view_location_id.id)]
        reserved = self.env["stock.move.line"]._read_group(
            [
                ("product_id", "in", products.ids),
                ("state", "not in", ("done", "cancel")),
                ("move_id", "any", orders),
                *in_warehouse,
            ],
            ["product_id"],
            ["quantity_product_uom:sum"],
        )
        delivered = self.env["stock.move"]._read_group(
            [
                ("product_id", "in", products.ids),
                ("state", "=", "done"),
                ("location_dest_id.usage", "=", "customer"),
                # not yet fulfilled on the platform, which still counts them committed
                (
                    "picking_id.channel_fulfillment_ids",
                    "not any",
                    [("backend_id", "=", self.id), ("state", "=", "done")],
                ),
                *orders,
                *in_warehouse,
            ],
            ["product_id"],
            ["product_qty:sum"],
        )
        for product, quantity in reserved + delivered:
            held[product.id] += quantity
        return {product_id: max(0, int(free[product_id] + held[product_id])) for product_id in free}
