from odoo import models

from odoo.addons.integration_base.exceptions import PermanentError


class IntegrationWebhookEvent(models.Model):
    _inherit = "integration.webhook.event"

    def _shipstation_on_ship_notify(self, payload):
        """SHIP_NOTIFY: new shipments exist. Its resource_url is checked (it came in
        an unauthenticated request: only ShipStation's own hosts, see
        _shipstation_resource_allowed), then one fetch of every shipment since the
        last takes them, with their items (a resource_url leaves them out), together
        with those of the deliveries that arrive meanwhile."""
        backend = self.backend_id
        url = (payload or {}).get("resource_url") if isinstance(payload, dict) else None
        if not isinstance(url, str) or not url:
            raise PermanentError("The delivery has no resource_url.")
        backend._shipstation_resource_allowed(url)
        backend._shipstation_queue_fetch()
