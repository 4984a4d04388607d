import json
import logging

from werkzeug.exceptions import (
    BadRequest,
    LengthRequired,
    NotFound,
    RequestEntityTooLarge,
    Unauthorized,
)

from odoo import http
from odoo.http import request

from ..const import WEBHOOK_MAX_BODY_BYTES
from ..tools.signature import verify_hmac_sha256_base64

_logger = logging.getLogger(__name__)


class WebhookController(http.Controller):
    """Verify, store, enqueue, answer; nothing else. Platform addons route their
    own URLs to ``_receive`` with their backend."""

    @http.route(
        "/integration/webhook/<int:backend_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def webhook(self, backend_id, **_kwargs):
        target = request.env["integration.backend"]._webhook_target(backend_id)
        if not target:
            raise NotFound()
        return self._receive(target)

    def _read_body(self):
        # A declared length bounds what is read; platforms always send one.
        length = request.httprequest.content_length
        if length is None:
            raise LengthRequired()
        if length > WEBHOOK_MAX_BODY_BYTES:
            raise RequestEntityTooLarge()
        return request.httprequest.get_data(cache=False)

    def _receive(self, target):
        """Verify, store, enqueue, answer, for a backend's cached webhook target."""
        spec = target["spec"]
        body = self._read_body()
        headers = request.httprequest.headers
        # The signature is checked over the raw bytes before anything reads them.
        if not verify_hmac_sha256_base64(target["secret"], body, headers.get(spec["signature"])):
            _logger.warning("webhook for backend %s rejected: bad signature", target["id"])
            raise Unauthorized()
        try:
            text = body.decode("utf-8")
            json.loads(text)
        except ValueError as exc:
            raise BadRequest("The body is not valid JSON.") from exc
        delivery_id = headers.get(spec["delivery_id"])
        if not delivery_id:
            raise BadRequest("Missing %s header." % spec["delivery_id"])
        kept = {name: headers.get(name) for name in spec["kept_headers"] if headers.get(name)}
        kept.update({spec["topic"]: headers.get(spec["topic"]), spec["delivery_id"]: delivery_id})
        event_id, created = (
            request.env["integration.webhook.event"]
            .sudo()
            ._store_delivery(target, delivery_id, headers.get(spec["topic"]), kept, text)
        )
        return request.make_json_response(
            {"status": "accepted" if created else "duplicate", "event": event_id}
        )
