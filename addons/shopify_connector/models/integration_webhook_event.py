from odoo import _, models

from ..mapping.order import edited_order_id, refunded_order_id


class IntegrationWebhookEvent(models.Model):
    """Shopify topic handlers: each takes the delivery's JSON body."""

    _inherit = "integration.webhook.event"

    def _shopify_on_order(self, payload):
        binding = self.env["shopify.order.binding"]._import_order(
            self.backend_id,
            self.env["shopify.order.binding"]._shopify_normalize_webhook(payload),
        )
        self.note = _("Sale order %(name)s", name=binding.odoo_id.name)

    def _shopify_on_refund(self, payload):
        """A refund (the body is the Refund): the order is read again from Shopify and
        applied as it is now, the refund with it (once, whatever the deliveries)."""
        Binding = self.env["shopify.order.binding"]
        Binding._shopify_refresh_order(
            self.backend_id, Binding._channel_normalize(refunded_order_id, payload)
        )

    def _shopify_on_order_edit(self, payload):
        """An edit (the body says what changed, not the order): as a refund."""
        Binding = self.env["shopify.order.binding"]
        Binding._shopify_refresh_order(
            self.backend_id, Binding._channel_normalize(edited_order_id, payload)
        )

    def _shopify_on_inventory_level(self, payload):
        self.note = self.backend_id._shopify_on_inventory_level(payload) or False

    def _shopify_on_product_update(self, payload):
        """Odoo is the source of truth: a product edited on Shopify is only noted, and
        sent again when it differs from what Odoo last sent."""
        gid = payload.get("admin_graphql_api_id") or "gid://shopify/Product/%s" % payload.get("id")
        binding = self.env["shopify.product.binding"].search(
            [("backend_id", "=", self.backend_id.id), ("external_id", "=", gid)], limit=1
        )
        if not binding:
            self.note = _("Not a product of this Odoo (%(gid)s).", gid=gid)
            return
        binding.payload_hash = False  # the next export sends Odoo's version again
        binding._enqueue_export()
        self.note = _(
            "Edited on Shopify: Odoo's version of %(name)s is sent again.",
            name=binding.odoo_id.display_name,
        )

    def _shopify_on_app_uninstalled(self, payload):
        backend = self.backend_id
        backend._mark_error(
            _(
                "The app was uninstalled from the shop: reinstall it and enter the new "
                "credentials, then press Test connection."
            )
        )
        backend.credential_ids.filtered(lambda c: c.key == "access_token").sudo().unlink()
