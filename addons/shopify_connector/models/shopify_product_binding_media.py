import base64
import hashlib
import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools.mimetypes import guess_mimetype

from odoo.addons.integration_base.exceptions import RetryableError

from ..mapping.product import image_checksums, without_images

_logger = logging.getLogger(__name__)

# A staged upload is sent again as its image's source within this time (a retry
# after a lost commit); later the bytes are uploaded anew: Shopify keeps staged files
# for a while it does not document, and the signed form it gives is short-lived.
STAGED_UPLOAD_REUSE = timedelta(hours=1)
# Seconds before each look at media Shopify is still processing; then it is left.
MEDIA_CHECK_DELAYS = (5, 15, 60, 300, 900)


class ShopifyProductBinding(models.Model):
    """The images of a product on Shopify: the template's ``image_1920`` and each
    variant's own ``image_variant_1920`` (when it differs from the template's), sent
    as productSet ``files`` by the checksum of their bytes, uploaded to a staged
    target only when Shopify has not got them, and watched until Shopify has
    processed them."""

    _inherit = "shopify.product.binding"

    media_problem = fields.Text(
        "Image problems",
        compute="_compute_media_problem",
        help="Images Shopify could not process; the rest of the product was sent.",
    )

    @api.depends("media_ids.status", "media_ids.error")
    def _compute_media_problem(self):
        for binding in self:
            failed = binding.media_ids.filtered(lambda media: media.status == "failed")
            binding.media_problem = (
                "\n".join(
                    "%s: %s" % (media.filename or media.alt or _("an image"), media.error)
                    for media in failed
                )
                or False
            )

    # ------------------------------------------------------------------ images
    @api.model
    def _shopify_image(self, data, alt):
        """An image field's value as mapping.product_set_input takes it, with its
        bytes under ``content``; None without an image."""
        if not data:
            return None
        content = base64.b64decode(data)
        return {
            "sha256": hashlib.sha256(content).hexdigest(),
            "mime_type": guess_mimetype(content),
            "alt": alt,
            "content": content,
        }

    def _shopify_images(self, variants):
        """The template's image, and ``{variant id: image}`` of the variants whose own
        image is not the template's."""
        template = self.odoo_id
        image = self._shopify_image(template.image_1920, template.name)
        own = {}
        for variant in variants.filtered("image_variant_1920"):
            variant_image = self._shopify_image(variant.image_variant_1920, variant.display_name)
            if not image or variant_image["sha256"] != image["sha256"]:
                own[variant.id] = variant_image
        return image, own

    def _shopify_media_sources(self):
        """``{checksum: source}`` of the images Shopify has or can fetch: its media id,
        else the staged upload made less than ``STAGED_UPLOAD_REUSE`` ago."""
        fresh = fields.Datetime.now() - STAGED_UPLOAD_REUSE
        sources = {}
        for media in self.media_ids:
            if media.external_id:
                sources[media.checksum] = {"id": media.external_id}
            elif media.resource_url and media.uploaded_at and media.uploaded_at >= fresh:
                sources[media.checksum] = {"originalSource": media.resource_url}
        return sources

    def _shopify_upload_media(self, payload):
        """Upload the payload's images that have no source (see
        ``_shopify_media_sources``) to staged targets, each recorded at once."""
        self.ensure_one()
        sources = self._shopify_media_sources()
        needed = [checksum for checksum in image_checksums(payload) if checksum not in sources]
        if not needed:
            return
        files = {image["sha256"]: image for image in payload["files"]}
        image, own = self._shopify_images(self._shopify_variants())
        contents = {i["sha256"]: i for i in (image, *own.values()) if i}
        client = self.backend_id._shopify_client()
        targets = client.staged_uploads(
            [
                {
                    "resource": "IMAGE",
                    "filename": files[checksum]["filename"],
                    "mimeType": contents[checksum]["mime_type"],
                    "fileSize": str(len(contents[checksum]["content"])),
                    "httpMethod": "POST",
                }
                for checksum in needed
            ]
        )
        for checksum, target in zip(needed, targets, strict=True):
            client.upload_staged(
                target["url"],
                target["parameters"],
                files[checksum]["filename"],
                contents[checksum]["content"],
                contents[checksum]["mime_type"],
            )
            self._shopify_record_upload(files[checksum], target["resourceUrl"])

    def _shopify_record_upload(self, image, resource_url):
        """Note, committed at once, that ``image`` (a payload file) is uploaded at
        ``resource_url`` and about to be attached: a retry after a lost commit sends
        that source again instead of uploading the bytes a second time."""
        values = {
            "filename": image["filename"],
            "alt": image["alt"],
            "resource_url": resource_url,
            "uploaded_at": fields.Datetime.now(),
            "external_id": False,
            "status": False,
            "error": False,
        }
        with self.backend_id._separate_cursor() as cr:
            Media = self.env(cr=cr, su=True)["shopify.product.media"]
            media = Media.search([("binding_id", "=", self.id), ("checksum", "=", image["sha256"])])
            if media:
                media.write(values)
            else:
                Media.create({"binding_id": self.id, "checksum": image["sha256"], **values})
        # Written through another cursor (the product export runs READ COMMITTED, so
        # this transaction reads it): what it cached of the images is stale.
        self.env["shopify.product.media"].invalidate_model()
        self.invalidate_recordset(["media_ids"])

    # ------------------------------------------------------------------ answers
    def _shopify_store_media(self, payload, product):
        """Shopify's media ids and statuses from productSet's answer; the images no
        longer in the payload are gone from Shopify (files is a list field)."""
        checksums = image_checksums(payload)
        self.media_ids.filtered(lambda media: media.checksum not in checksums).unlink()
        nodes = (product.get("media") or {}).get("nodes") or []
        rows = {media.checksum: media for media in self.media_ids}
        known = set(self.media_ids.mapped("external_id"))
        created = [node for node in nodes if node["id"] not in known]
        sent_by_source = [rows[c] for c in checksums if c in rows and not rows[c].external_id]
        if len(created) == len(sent_by_source):
            # productSet makes the new media in the order of its files.
            for media, node in zip(sent_by_source, created, strict=True):
                media.external_id = node["id"]
        else:
            _logger.warning(
                "shopify product %s: %s new media for %s images sent; their ids are not kept",
                product.get("id"),
                len(created),
                len(sent_by_source),
            )
        self.media_ids._shopify_update_from(nodes)
        if self.media_ids._shopify_pending():
            self._shopify_enqueue_media_check()

    def _shopify_forget_missing_media(self, product_input, error):
        """Shopify refused media ids it no longer has (deleted in its admin): forget
        them, committed at once, and raise a RetryableError so that the export is
        tried again and uploads those images anew.

        :raise RetryableError: when ``error`` names a media id of ``product_input``
        """
        sent = [spec.get("id") for spec in product_input.get("files") or ()]
        missing = set()
        for user_error in error.user_errors:
            field = [str(part) for part in user_error["field"]]
            if len(field) == 4 and field[:2] == ["input", "files"] and field[3] == "id":
                index = int(field[2]) if field[2].isdigit() else None
                if index is not None and index < len(sent) and sent[index]:
                    missing.add(sent[index])
        if not missing:
            return
        with self.backend_id._separate_cursor() as cr:
            self.env(cr=cr, su=True)["shopify.product.media"].search(
                [("binding_id", "=", self.id), ("external_id", "in", list(missing))]
            ).unlink()
        raise RetryableError(
            _(
                "Shopify no longer has %(count)s image(s) of %(product)s (deleted in its "
                "admin?): they are uploaded again.",
                count=len(missing),
                product=self.odoo_id.display_name,
            )
        )

    def _mark_synced(self, payload, external_id=None):
        """The payload hash is of what Shopify was given: the images left out for want
        of a source (a bulk export uploads none) are not in it, and the product is
        queued to send them."""
        sources = self._shopify_media_sources()
        missing = [checksum for checksum in image_checksums(payload) if checksum not in sources]
        result = super()._mark_synced(without_images(payload, missing), external_id=external_id)
        if missing:
            self._enqueue_export()
        return result

    # ------------------------------------------------------------ processing
    def _shopify_enqueue_media_check(self, attempt=0):
        self.env["sync.job"].enqueue(
            self.backend_id,
            "shopify_check_media",
            self,
            payload={"attempt": attempt},
            eta=fields.Datetime.now() + timedelta(seconds=MEDIA_CHECK_DELAYS[attempt]),
            priority=20,
        )

    def _shopify_job_check_media(self, job):
        """sync.job handler: how Shopify's processing of the product's images went
        (a failed one shows on the product, the rest of it stands); looked at again
        later while some are still being processed."""
        self.ensure_one()
        self.backend_id._lock("export:%s" % self._name, self.id, wait=False)
        if not self.external_id or not self.media_ids._shopify_pending():
            return
        nodes = self.backend_id._shopify_client().product_media(self.external_id)
        if nodes is None:
            return
        self.media_ids._shopify_update_from(nodes)
        attempt = ((job.payload or {}).get("attempt") or 0) + 1
        if self.media_ids._shopify_pending() and attempt < len(MEDIA_CHECK_DELAYS):
            self._shopify_enqueue_media_check(attempt)
