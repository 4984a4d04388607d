"""The order settings moved to the channel core (integration_channel): keep each
backend's choice (shopify_order_mode -> order_mode)."""


def migrate(cr, version):
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = 'integration_backend' AND column_name = 'shopify_order_mode'"""
    )
    if cr.fetchone():
        cr.execute(
            """UPDATE integration_backend SET order_mode = shopify_order_mode
                WHERE shopify_order_mode IS NOT NULL"""
        )
        cr.execute("ALTER TABLE integration_backend DROP COLUMN shopify_order_mode")
