import json
import logging

from werkzeug.exceptions import (
    BadRequest,
    LengthRequired,
    RequestEntityTooLarge,
    Unauthorized,
)

from odoo import http
from odoo.http import request

from ..const import WEBHOOK_MAX_BODY_BYTES

_logger = logging.getLogger(__name__)


class WebhookController(http.Controller):
    """Verify, store, enqueue, answer; nothing else. Platform addons route their
    own URLs to ``_receive`` with their platform."""

    @http.route(
        "/integration/webhook/<int:backend_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def webhook(self, backend_id, **_kwargs):
        return self._receive(backend_id)

    def _read_body(self):
        # A declared length bounds what is read; platforms always send one.
        length = request.httprequest.content_length
        if length is None:
            raise LengthRequired()
        if length > WEBHOOK_MAX_BODY_BYTES:
            raise RequestEntityTooLarge()
        return request.httprequest.get_data(cache=False)

    def _receive(self, backend_id, platform=None, route_values=None):
        """Verify, store, enqueue, answer, for backend ``backend_id`` (of ``platform``
        when given). An unknown backend and a delivery its platform's verifier refuses
        get the same answer, 401, and nothing is stored.

        ``route_values`` go to the verifier as keyword arguments, for a platform that
        signs nothing and authenticates its deliveries by a secret in the URL.
        A spec with ``identify`` (a function of the parsed body and the headers giving
        (delivery id, topic)) serves a platform whose headers carry neither."""
        body = self._read_body()
        headers = request.httprequest.headers
        target = request.env["integration.backend"]._webhook_target(backend_id)
        # The verifier reads the raw bytes before anything parses or stores them.
        if (
            not target
            or (platform and target["platform"] != platform)
            or not target["verify"](body, headers, **(route_values or {}))
        ):
            _logger.warning("webhook for backend %s refused: unknown or not verified", backend_id)
            raise Unauthorized()
        spec = target["spec"]
        try:
            text = body.decode("utf-8")
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:  # nesting too deep for the parser
            raise BadRequest("The body is not valid JSON.") from exc
        if spec.get("identify"):
            delivery_id, topic = spec["identify"](data, headers)
            if not delivery_id:
                raise BadRequest("The delivery does not say what it is about.")
        else:
            delivery_id = headers.get(spec["delivery_id"])
            if not delivery_id:
                raise BadRequest("Missing %s header." % spec["delivery_id"])
            topic = headers.get(spec["topic"])
        kept = {name: headers.get(name) for name in spec["kept_headers"] if headers.get(name)}
        kept.update({spec["topic"]: topic, spec["delivery_id"]: delivery_id})
        # PostgreSQL stores no NUL character, in text or in JSON.
        if any("\x00" in value for value in kept.values() if value):
            raise BadRequest("A header holds a NUL character.")
        event_id, created = (
            request.env["integration.webhook.event"]
            .sudo()
            ._store_delivery(target, delivery_id, topic, kept, text)
        )
        return request.make_json_response(
            {"status": "accepted" if created else "duplicate", "event": event_id}
        )
