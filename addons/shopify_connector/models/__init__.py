from . import (
    integration_backend,
    integration_webhook_event,
    product_template,
    sale_order,
    shopify_bulk_operation,
    shopify_collection_binding,
    shopify_location,
    shopify_order_binding,
    shopify_product_binding,
    shopify_variant_binding,
    stock_picking,
    sync_job,
)
