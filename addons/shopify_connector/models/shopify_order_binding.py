from odoo import _, api, models

from odoo.addons.integration_base.exceptions import PermanentError

from ..mapping.order import normalize_graphql_order, normalize_webhook_order

NORMALIZERS = {"graphql": normalize_graphql_order, "webhook": normalize_webhook_order}


class ShopifyOrderBinding(models.Model):
    """A Shopify order and the one sale order it became: the channel core's import
    (``integration.order.binding``), fed with Shopify's normalized orders. The (backend,
    external id) unique constraint of the binding makes a second sale order for the
    same Shopify order impossible, even when two deliveries of it are processed at
    once."""

    _name = "shopify.order.binding"
    _inherit = "integration.order.binding"
    _description = "Shopify Order"

    # ----------------------------------------------------------------- queueing
    @api.model
    def _shopify_enqueue_imports(self, backend, orders, source):
        """Queue one import per order (folded per order: the newest state wins)."""
        normalize = NORMALIZERS[source]
        Job = self.env["sync.job"]
        for order in orders:
            try:
                normalized = self._channel_normalize(normalize, order)
            except PermanentError as exc:
                # One bad order fails alone, in its own job, with the reason; the
                # others of the page are imported.
                normalized = {
                    "external_id": order.get("admin_graphql_api_id") or order.get("id"),
                    "name": order.get("name"),
                    "invalid": exc.message,
                }
            Job.enqueue(
                backend,
                "shopify_import_order",
                payload=normalized,
                dedupe_key="shopify-order:%s:%s" % (backend.id, normalized["external_id"]),
                name=_("Import Shopify order %(name)s", name=normalized["name"]),
            )

    @api.model
    def _shopify_normalize_webhook(self, payload):
        return self._channel_normalize(normalize_webhook_order, payload)

    @api.model
    def _shopify_refresh_order(self, backend, order_id):
        """Read the order from Shopify (as it is now, with its refunds) and import it.

        :raise PermanentError: Shopify has no such order (deleted since)
        """
        node = backend._shopify_client().order(order_id)
        if node is None:
            raise PermanentError(
                _("Shopify has no order %(order)s (deleted since?).", order=order_id)
            )
        return self._import_order(backend, self._channel_normalize(normalize_graphql_order, node))

    @api.model
    def _shopify_job_import(self, job):
        """Job handler: import the normalized order of the job's payload."""
        if job.payload.get("invalid"):
            raise PermanentError(job.payload["invalid"])
        return self._import_order(job.backend_id, job.payload)

    # ----------------------------------------------------------------- core hooks
    @api.model
    def _channel_placeholder_product(self):
        return self.env.ref("shopify_connector.product_unknown_item")

    @api.model
    def _channel_shipping_product(self):
        return self.env.ref("shopify_connector.product_shipping")

    @api.model
    def _channel_products_by_variant(self, backend, variant_ids):
        bindings = self.env["shopify.variant.binding"].search(
            [("backend_id", "=", backend.id), ("external_id", "in", list(variant_ids))]
        )
        return {binding.external_id: binding.odoo_id for binding in bindings}
