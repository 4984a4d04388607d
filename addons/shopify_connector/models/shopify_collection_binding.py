from odoo import api, fields, models


class ShopifyCollectionBinding(models.Model):
    """An Odoo product category as a manual Shopify collection."""

    _name = "shopify.collection.binding"
    _inherit = "integration.binding"
    _description = "Shopify Collection"
    _rec_name = "odoo_id"

    odoo_id = fields.Many2one("product.category", "Category", required=True, ondelete="cascade")

    _sql_constraints = [
        (
            "backend_odoo_unique",
            "unique(backend_id, odoo_id)",
            "This category already has a collection in this shop.",
        )
    ]

    @api.model
    def _shopify_place(self, product_binding, client):
        """Put the product in its category's collection when it is not there yet."""
        category = product_binding.odoo_id.categ_id
        if not category:
            return
        collection = self.search(
            [("backend_id", "=", product_binding.backend_id.id), ("odoo_id", "=", category.id)]
        )
        if product_binding.collection_binding_id and product_binding.collection_binding_id == (
            collection
        ):
            return
        if not collection:
            found = client.collections_by_title(category.name)
            node = found[0] if found else client.collection_create(category.name)
            collection = self.create(
                {
                    "backend_id": product_binding.backend_id.id,
                    "odoo_id": category.id,
                    "external_id": node["id"],
                    "sync_state": "synced",
                    "sync_date": fields.Datetime.now(),
                }
            )
        client.collection_add_products(collection.external_id, [product_binding.external_id])
        product_binding.collection_binding_id = collection
