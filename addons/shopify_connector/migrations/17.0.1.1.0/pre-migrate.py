"""The order binding's fields became the channel core's (integration.order.binding):
rename their columns before the registry loads, so that no order loses its name,
date or total."""

from psycopg2 import sql

RENAMED = {
    "shopify_name": "platform_order_name",
    "shopify_updated_at": "platform_updated_at",
    "shopify_total": "platform_total",
}


def migrate(cr, version):
    for old, new in RENAMED.items():
        cr.execute(
            """SELECT 1 FROM information_schema.columns
                WHERE table_name = 'shopify_order_binding' AND column_name = %s""",
            [old],
        )
        if cr.fetchone():
            cr.execute(
                sql.SQL("ALTER TABLE shopify_order_binding RENAME COLUMN {} TO {}").format(
                    sql.Identifier(old), sql.Identifier(new)
                )
            )
