from odoo import models

from odoo.addons.integration_base.exceptions import PermanentError


class IntegrationWebhookEvent(models.Model):
    _inherit = "integration.webhook.event"

    def _shipstation_on_ship_notify(self, payload):
        """SHIP_NOTIFY: fetch the shipments its resource_url names (only from
        ShipStation's own hosts, see _shipstation_resource_allowed) and apply them."""
        backend = self.backend_id
        url = (payload or {}).get("resource_url") if isinstance(payload, dict) else None
        if not isinstance(url, str) or not url:
            raise PermanentError("The delivery has no resource_url.")
        backend._shipstation_resource_allowed(url)
        client = backend._shipstation_client()
        answer = client.call("GET", url) or {}
        shipments = answer.get("shipments") if isinstance(answer, dict) else None
        if shipments is None:
            raise PermanentError("ShipStation's resource_url answered no list of shipments.")
        self.env["shipstation.shipment"]._process(backend, shipments, client)
