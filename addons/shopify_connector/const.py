"""Shopify constants, each with where Shopify documents it."""

# https://shopify.dev/docs/api/usage/versioning
API_VERSION = "2026-10"

# Where a production backend may send requests. The Admin API and the token endpoint
# are on the shop's own host (https://shopify.dev/docs/api/admin-graphql#endpoints);
# staged uploads and bulk operation results are signed URLs on Google Cloud Storage
# (https://shopify.dev/docs/api/usage/bulk-operations/imports#upload-the-file-to-shopify).
API_HOSTS = ("<shop>.myshopify.com",)
FILE_HOSTS = ("shopify-staged-uploads.storage.googleapis.com", "storage.googleapis.com")

# https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits
# plan -> (bucket size in points, points restored a second)
PLAN_LIMITS = {
    "standard": (2000, 100),
    "advanced": (4000, 200),
    "plus": (20000, 1000),
}

# https://shopify.dev/docs/api/admin-graphql/latest/enums/WebhookSubscriptionTopic
WEBHOOK_TOPICS = {
    "orders/create": "ORDERS_CREATE",
    "orders/updated": "ORDERS_UPDATED",
    "orders/cancelled": "ORDERS_CANCELLED",
    "orders/edited": "ORDERS_EDITED",
    "refunds/create": "REFUNDS_CREATE",
    "products/update": "PRODUCTS_UPDATE",
    "inventory_levels/update": "INVENTORY_LEVELS_UPDATE",
    "app/uninstalled": "APP_UNINSTALLED",
}

# https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-2-validate-the-origin-of-your-webhook
WEBHOOK_SHOP_DOMAIN_HEADER = "X-Shopify-Shop-Domain"
WEBHOOK_HEADERS = {
    "signature": "X-Shopify-Hmac-Sha256",
    "delivery_id": "X-Shopify-Webhook-Id",
    "topic": "X-Shopify-Topic",
    "kept_headers": (
        WEBHOOK_SHOP_DOMAIN_HEADER,
        "X-Shopify-API-Version",
        "X-Shopify-Triggered-At",
        "X-Shopify-Event-Id",
    ),
}

# Orders updated this long before the last poll are asked for again: webhooks and
# clocks are not exact, and importing an order twice is a no-op.
ORDER_POLL_OVERLAP_MINUTES = 10

METAFIELD_NAMESPACE = "motorparts"
INVENTORY_REASON = "correction"

# Stock changes wait up to this long for others to share their inventorySetQuantities
# call (a full call, 250 quantities, goes at once): the longest wait that keeps a
# change visible on Shopify within 5 seconds (the wait, then a call of ~0.1 s), so a
# busy warehouse costs about as few calls as Shopify's 250-quantity limit allows.
DEFAULT_STOCK_BATCH_SECONDS = 4.0
MAX_STOCK_BATCH_SECONDS = 60

# A stock update refused because Shopify's quantity moved since Odoo last saw it
# (compare-and-swap) is read again and sent again this many times in one job.
STOCK_STALE_ATTEMPTS = 3

# A fulfilment Shopify made for a recorded intent is created after it; this allows
# for Odoo's and Shopify's clocks being apart.
FULFILLMENT_CLOCK_MARGIN_MINUTES = 5
