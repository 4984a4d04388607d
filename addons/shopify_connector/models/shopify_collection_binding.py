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
    def _shopify_collection_gid(self, backend, category, client):
        """Shopify's id of the collection of ``category``, found or created once per
        shop by one worker at a time (two workers exporting the first products of a
        category would each create one); its products join it through productSet
        itself, at no extra call."""
        with backend._exclusive("shopify-collection-%s" % category.id) as locked:
            Collection = self.with_env(locked.env)
            collection = Collection.search(
                [("backend_id", "=", backend.id), ("odoo_id", "=", category.id)]
            )
            if not collection:
                found = client.collections_by_title(category.name)
                node = found[0] if found else client.collection_create(category.name)
                collection = Collection.create(
                    {
                        "backend_id": backend.id,
                        "odoo_id": category.id,
                        "external_id": node["id"],
                        "sync_state": "synced",
                        "sync_date": fields.Datetime.now(),
                    }
                )
            gid = collection.external_id
        self.env["shopify.product.binding"].invalidate_model(["collection_binding_id"])
        return gid
