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
    def _shopify_collection_for(self, backend, category, client):
        """The collection of ``category`` on ``backend``, found or created once; its
        products join it through productSet itself, at no extra call."""
        collection = self.search([("backend_id", "=", backend.id), ("odoo_id", "=", category.id)])
        if collection:
            return collection
        found = client.collections_by_title(category.name)
        node = found[0] if found else client.collection_create(category.name)
        return self.create(
            {
                "backend_id": backend.id,
                "odoo_id": category.id,
                "external_id": node["id"],
                "sync_state": "synced",
                "sync_date": fields.Datetime.now(),
            }
        )
