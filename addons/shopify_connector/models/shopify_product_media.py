from odoo import _, api, fields, models

# Shopify's MediaStatus, lowercased; UPLOADED and PROCESSING are not final.
MEDIA_STATUSES = [
    ("uploaded", "Uploaded"),
    ("processing", "Processing"),
    ("ready", "Ready"),
    ("failed", "Failed"),
]
PENDING_STATUSES = ("uploaded", "processing")


class ShopifyProductMedia(models.Model):
    """One image of a product binding on Shopify, by the checksum of its bytes: the
    staged upload it was sent from, then the media Shopify made of it and how its
    processing went.

    The row is written when the bytes are uploaded, in a transaction of its own,
    before productSet is asked to attach them: a retry after a lost commit finds the
    upload and sends the same source again instead of uploading a second copy (and
    productSet's files, a list field, leave one media per image whatever was tried
    before). Once Shopify's media id is known, the image is sent by that id."""

    _name = "shopify.product.media"
    _description = "Shopify Product Image"
    _order = "binding_id, id"
    _rec_name = "filename"

    binding_id = fields.Many2one(
        "shopify.product.binding", required=True, ondelete="cascade", index=True, readonly=True
    )
    backend_id = fields.Many2one(related="binding_id.backend_id", store=True)
    company_id = fields.Many2one(related="binding_id.company_id", store=True)
    product_tmpl_id = fields.Many2one(related="binding_id.odoo_id", string="Product")
    checksum = fields.Char(
        required=True, readonly=True, help="SHA-256 of the image's bytes, as Odoo has them."
    )
    filename = fields.Char(readonly=True)
    alt = fields.Char("Alt text", readonly=True)
    resource_url = fields.Char(
        "Staged upload", readonly=True, help="Where the bytes were uploaded for Shopify to fetch."
    )
    uploaded_at = fields.Datetime(readonly=True)
    external_id = fields.Char("Shopify media", readonly=True, index=True)
    status = fields.Selection(MEDIA_STATUSES, readonly=True)
    error = fields.Text(
        readonly=True,
        help="Why Shopify could not process the image; the rest of the product was sent. "
        "Replace the image in Odoo to send another.",
    )

    _sql_constraints = [
        (
            "binding_checksum_unique",
            "unique(binding_id, checksum)",
            "An image is on a Shopify product once.",
        )
    ]

    @api.model
    def _shopify_error_text(self, node):
        """The sentence of a media's ``mediaErrors``."""
        return "; ".join(
            _(
                "%(message)s (%(code)s)",
                message=error.get("message") or error.get("details") or "?",
                code=error.get("code") or "UNKNOWN",
            )
            for error in node.get("mediaErrors") or ()
        )

    def _shopify_update_from(self, nodes):
        """Status and errors from Shopify's media ``nodes``, by media id."""
        by_id = {node["id"]: node for node in nodes or ()}
        for media in self.filtered("external_id"):
            node = by_id.get(media.external_id)
            if node is None:
                continue
            status = (node.get("status") or "").lower() or False
            values = {"status": status, "error": self._shopify_error_text(node) or False}
            if status == "failed" and not values["error"]:
                values["error"] = _("Shopify could not process the image.")
            media.write(values)

    def _shopify_pending(self):
        return self.filtered(lambda media: media.status in PENDING_STATUSES)
