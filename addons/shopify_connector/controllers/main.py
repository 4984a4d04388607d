from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from odoo.addons.integration_base.controllers.main import WebhookController


class ShopifyWebhookController(WebhookController):
    """Shopify posts here: HMAC checked first, stored, queued, answered at once."""

    @http.route(
        "/shopify/webhook/<int:backend_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def shopify_webhook(self, backend_id, **_kwargs):
        target = request.env["integration.backend"]._webhook_target(backend_id)
        if not target or target["platform"] != "shopify":
            raise NotFound()
        return self._receive(target)
