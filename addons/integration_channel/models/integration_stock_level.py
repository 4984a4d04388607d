from odoo import api, fields, models


class IntegrationStockLevel(models.Model):
    """What Odoo last set, and last saw, for one variant at one platform location.

    ``quantity_seen`` is the platform's quantity there as Odoo last knew it: the
    compare-and-swap value of the next update, so that an update never overwrites a
    change made on the platform since (the platform refuses it and Odoo reads again).
    Written by the stock jobs and the platform's stock notifications only."""

    _name = "integration.stock.level"
    _description = "Channel Stock Level"
    _rec_name = "product_id"

    backend_id = fields.Many2one(
        "integration.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    product_id = fields.Many2one(
        "product.product", "Variant", required=True, ondelete="cascade", index=True, readonly=True
    )
    location_ref = fields.Char(
        "Platform location", required=True, readonly=True, help="The platform's id of the location."
    )
    quantity_sent = fields.Integer("Sent", readonly=True)
    quantity_seen = fields.Integer(
        "Last seen on the platform",
        readonly=True,
        help="The platform's quantity as Odoo last knew it (compare-and-swap value).",
    )
    synced_at = fields.Datetime("Sent on", readonly=True)
    available_expected = fields.Integer(
        "Available after the last update",
        readonly=True,
        help="What the platform said is available right after Odoo's last update: a "
        "notification with this figure is the echo of that update.",
    )
    available_reported = fields.Integer("Available on the platform", readonly=True)
    mismatch = fields.Boolean(
        readonly=True,
        help="The platform's quantity had changed since Odoo's last update (an edit on "
        "the platform, or a fulfilment): it was read again and Odoo's figure sent.",
    )
    error = fields.Text(
        readonly=True, help="Why the platform refused this quantity; the others were sent."
    )

    _sql_constraints = [
        (
            "backend_product_location_unique",
            "unique(backend_id, product_id, location_ref)",
            "One stock level per variant and platform location.",
        )
    ]

    @api.model
    def _levels_of(self, backend, products):
        """{(product id, location ref): level} of ``products`` on ``backend``."""
        levels = self.search([("backend_id", "=", backend.id), ("product_id", "in", products.ids)])
        return {(level.product_id.id, level.location_ref): level for level in levels}

    @api.model
    def _level(self, backend, product, location_ref):
        """The level of ``product`` at ``location_ref``, created when missing."""
        level = self.search(
            [
                ("backend_id", "=", backend.id),
                ("product_id", "=", product.id),
                ("location_ref", "=", location_ref),
            ],
            limit=1,
        )
        return level or self.create(
            {"backend_id": backend.id, "product_id": product.id, "location_ref": location_ref}
        )
