from odoo import http

from odoo.addons.integration_base.controllers.main import WebhookController


class ShopifyWebhookController(WebhookController):
    """Shopify posts here: verified first (HMAC and shop domain), stored, queued,
    answered at once."""

    @http.route(
        "/shopify/webhook/<int:backend_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def shopify_webhook(self, backend_id, **_kwargs):
        return self._receive(backend_id, platform="shopify")
