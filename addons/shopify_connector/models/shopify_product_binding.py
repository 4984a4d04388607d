import html

from odoo import _, api, fields, models

from odoo.addons.integration_base.exceptions import PermanentError

from ..api.client import ShopifyUserError
from ..const import METAFIELD_NAMESPACE
from ..mapping.product import files_input, product_handle, product_set_input

# product.template fields whose change is sent to Shopify.
EXPORTED_TEMPLATE_FIELDS = {
    "name",
    "description_sale",
    "list_price",
    "active",
    "sale_ok",
    "categ_id",
    "product_tag_ids",
    "weight",
    "barcode",
    "default_code",
    "part_brand",
    "part_condition",
    "oem_number",
    "fitment_ids",
    "attribute_line_ids",
    "shopify_compare_at_price",
    "image_1920",
}


class ShopifyProductBinding(models.Model):
    """An Odoo product template as one Shopify product, its variants included."""

    _name = "shopify.product.binding"
    _inherit = "integration.binding"
    _description = "Shopify Product"
    _rec_name = "odoo_id"
    _export_operation = "shopify_export_product"

    odoo_id = fields.Many2one(
        "product.template", "Product", required=True, ondelete="cascade", index=True
    )
    variant_binding_ids = fields.One2many(
        "shopify.variant.binding", "product_binding_id", "Variants"
    )
    handle = fields.Char(
        readonly=True,
        help="Set when the product is bound; productSet finds the product by it until "
        "Shopify's id is known, so that a retried create never makes a second product.",
    )
    shopify_status = fields.Char("Status on Shopify", readonly=True)
    media_ids = fields.One2many("shopify.product.media", "binding_id", "Images on Shopify")
    collection_binding_id = fields.Many2one(
        "shopify.collection.binding",
        compute="_compute_collection_binding_id",
        help="The collection of the product's category in this shop.",
    )

    _sql_constraints = [
        (
            "backend_odoo_unique",
            "unique(backend_id, odoo_id)",
            "This product is already bound to this shop.",
        )
    ]

    @api.depends("backend_id", "odoo_id.categ_id")
    def _compute_collection_binding_id(self):
        Collection = self.env["shopify.collection.binding"]
        for binding in self:
            binding.collection_binding_id = Collection.search(
                [
                    ("backend_id", "=", binding.backend_id.id),
                    ("odoo_id", "=", binding.odoo_id.categ_id.id),
                ],
                limit=1,
            )

    @api.model_create_multi
    def create(self, vals_list):
        bindings = super().create(vals_list)
        bindings._shopify_fix_handles()
        return bindings

    def init(self):
        # Bindings made before handles were fixed at binding time get theirs now.
        self.with_context(active_test=False).search(
            [("handle", "=", False), ("external_id", "=", False)]
        )._shopify_fix_handles()

    def _shopify_fix_handles(self):
        """Give the bindings not yet on Shopify the handle they will be created with,
        committed with them, before any export job: see ``handle``."""
        for binding in self.filtered(lambda b: not b.handle and not b.external_id):
            binding.handle = product_handle(binding.odoo_id.name, binding.odoo_id.id)

    # ----------------------------------------------------------------- export
    # The exporter spine (integration.binding._export_record) with Shopify's steps.
    def _export_dependencies(self, payload):
        """The shop's metafield definitions, and the collection of the product's
        category, created once (by one worker) before the first product needs them;
        the images Shopify has not got yet, uploaded (see ``_shopify_upload_media``)."""
        self._shopify_upload_media(payload)
        backend = self.backend_id
        backend._shopify_ensure_metafield_definitions()
        category = self.odoo_id.categ_id
        if category and not self.collection_binding_id:
            payload["collections"] = [
                self.env["shopify.collection.binding"]._shopify_collection_gid(
                    backend, category, backend._shopify_client()
                )
            ]

    def _export_send(self, payload):
        """productSet, an upsert (see ``_shopify_set_arguments``)."""
        arguments = self._shopify_set_arguments(payload)
        try:
            return self.backend_id._shopify_client().product_set(*arguments)
        except ShopifyUserError as error:
            self._shopify_forget_missing_media(arguments[0], error)
            raise

    def _export_bind(self, payload, answer):
        self._shopify_store_variants(answer)
        self._shopify_store_media(payload, answer)
        self.write({"handle": answer.get("handle"), "shopify_status": answer.get("status")})
        return answer["id"]

    def _shopify_set_arguments(self, payload):
        """productSet's input and identifier: the product's id once Shopify's is
        known, else the binding's handle, so that a create whose answer was lost, or
        whose transaction rolled back, is an update when it is tried again
        (productSet upserts by identifier since 2025-04:
        https://shopify.dev/changelog/productset-and-customerset-mutations-now-support-upserts).
        The payload's images go by their media id, or by the staged upload of their
        bytes; those not uploaded yet are left out (see ``_mark_synced``)."""
        product_input = files_input(
            payload, self._shopify_media_sources(), had_media=bool(self.media_ids)
        )
        if self.external_id:
            return product_input, {"id": self.external_id}
        self._shopify_fix_handles()
        return dict(product_input, handle=self.handle), {"handle": self.handle}

    def _shopify_variants(self):
        """The variants sent: the active ones (all of them for an archived product)."""
        template = self.odoo_id.with_context(active_test=False)
        return template.product_variant_ids.filtered("active") or template.product_variant_ids

    def _export_map(self):
        """The ProductSetInput of this binding's template (see mapping.product)."""
        template = self.odoo_id.with_context(active_test=False)
        variants = self._shopify_variants()
        missing = variants.filtered(lambda v: not v.default_code)
        if missing:
            raise PermanentError(
                _(
                    "%(product)s: the variant %(variant)s has no internal reference; Shopify "
                    "variants are matched by SKU. Set one and export again.",
                    product=template.display_name,
                    variant=missing[0].display_name,
                )
            )
        try:
            product_input = product_set_input(
                self._shopify_product_values(template, variants), namespace=METAFIELD_NAMESPACE
            )
        except ValueError as exc:  # the mapping's sentence about the product's data
            raise PermanentError(str(exc)) from None
        if self.collection_binding_id:
            product_input["collections"] = [self.collection_binding_id.external_id]
        return product_input

    def _shopify_product_values(self, template, variants):
        """The plain values mapping.product_set_input takes."""
        options = [
            {"name": line.attribute_id.name, "values": line.value_ids.mapped("name")}
            for line in template.attribute_line_ids
            if line.attribute_id.create_variant != "no_variant"
        ]
        condition = dict(template._fields["part_condition"].selection).get(template.part_condition)
        status = "ACTIVE"
        if not template.active:
            status = "ARCHIVED"
        elif not template.sale_ok:
            status = "DRAFT"
        image, variant_images = self._shopify_images(variants)
        return {
            "title": template.name,
            "description_html": html.escape(template.description_sale or "").replace("\n", "<br/>")
            or None,
            "vendor": template.part_brand or template.company_id.name or self.env.company.name,
            "product_type": template.categ_id.name,
            "tags": sorted(template.product_tag_ids.mapped("name")),
            "status": status,
            "options": options,
            "variants": [
                {
                    "sku": variant.default_code,
                    "barcode": variant.barcode or None,
                    "price": "%.2f" % variant.lst_price,
                    "compare_at_price": (
                        "%.2f" % template.shopify_compare_at_price
                        if template.shopify_compare_at_price
                        else None
                    ),
                    "weight_kg": variant.weight or None,
                    "option_values": {
                        value.attribute_id.name: value.name
                        for value in variant.product_template_attribute_value_ids
                    },
                    "image": variant_images.get(variant.id),
                }
                for variant in variants
            ],
            "images": [image] if image else [],
            "fitment": template.fitment_ids._as_plain(),
            "attributes": {
                "condition": condition,
                "oem_number": template.oem_number or None,
                "brand": template.part_brand or None,
            },
        }

    def _shopify_store_variants(self, product):
        """Bind each Odoo variant to the Shopify variant that has its SKU."""
        self.ensure_one()
        by_sku = {node["sku"]: node for node in product["variants"]["nodes"] if node.get("sku")}
        VariantBinding = self.env["shopify.variant.binding"]
        existing = {b.odoo_id.id: b for b in self.variant_binding_ids}
        new_bindings = VariantBinding
        for variant in self.odoo_id.with_context(active_test=False).product_variant_ids:
            node = by_sku.get(variant.default_code)
            if not node:
                continue
            values = {
                "external_id": node["id"],
                "inventory_item_id": (node.get("inventoryItem") or {}).get("id"),
                "sync_state": "synced",
                "sync_date": fields.Datetime.now(),
                "last_error": False,
            }
            binding = existing.get(variant.id)
            if binding:
                binding.write(values)
            else:
                new_bindings |= VariantBinding.create(
                    {
                        "backend_id": self.backend_id.id,
                        "odoo_id": variant.id,
                        "product_binding_id": self.id,
                        **values,
                    }
                )
        # productSet deleted the variants it was not given (archived in Odoo, or
        # without a SKU now): their bindings go, else their stock would be sent to
        # inventory items Shopify no longer has.
        gone = self.variant_binding_ids.filtered(
            lambda binding: binding.odoo_id.default_code not in by_sku
        )
        if gone:
            self.env["integration.stock.level"].search(
                [("backend_id", "=", self.backend_id.id), ("product_id", "in", gone.odoo_id.ids)]
            ).unlink()
            gone.unlink()
        # A new variant on Shopify starts at 0: send it Odoo's stock.
        self.backend_id._channel_mark_stock_changed(new_bindings.odoo_id)
