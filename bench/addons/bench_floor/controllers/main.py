from odoo import http
from odoo.http import request


class FloorController(http.Controller):
    """The least an Odoo route can do with a webhook: same routing, auth and
    database connection as the real one, then a single INSERT."""

    @http.route(
        "/bench/floor/<int:backend_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def floor(self, backend_id, **_kwargs):
        request.env.cr.execute(
            "INSERT INTO bench_floor_row (backend_id, body) VALUES (%s, %s)",
            [backend_id, request.httprequest.get_data().decode()],
        )
        return request.make_json_response({"status": "accepted"})
