from odoo import http

from odoo.addons.integration_base.controllers.main import WebhookController


class ShipStationWebhookController(WebhookController):
    """ShipStation posts here, unsigned: the token in the URL (the backend's secret)
    authenticates the delivery; a wrong one gets 401 and nothing is stored."""

    @http.route(
        "/shipstation/webhook/<int:backend_id>/<string:token>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def shipstation_webhook(self, backend_id, token, **_kwargs):
        return self._receive(
            backend_id, platform="shipstation", route_values={"token_in_url": token}
        )
