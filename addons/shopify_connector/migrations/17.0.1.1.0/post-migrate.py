"""The order settings and the order line fields moved to the channel core
(integration_channel, installed before this upgrade): keep each backend's and each
line's values, then drop the old columns."""

from psycopg2 import sql

MOVED = {
    "integration_backend": {"shopify_order_mode": "order_mode"},
    "sale_order_line": {
        "shopify_line_id": "channel_line_id",
        "shopify_unknown_sku": "channel_unknown_sku",
    },
}


def migrate(cr, version):
    for table, columns in MOVED.items():
        for old, new in columns.items():
            cr.execute(
                """SELECT 1 FROM information_schema.columns
                    WHERE table_name = %s AND column_name = %s""",
                [table, old],
            )
            if cr.fetchone():
                # Identifiers of this file's own table, quoted by psycopg2.sql: no
                # value from outside reaches the statements.
                table_id, old_id = sql.Identifier(table), sql.Identifier(old)
                update = sql.SQL("UPDATE {} SET {} = {}")
                cr.execute(update.format(table_id, sql.Identifier(new), old_id))  # pylint: disable=sql-injection
                drop = sql.SQL("ALTER TABLE {} DROP COLUMN {}")
                cr.execute(drop.format(table_id, old_id))  # pylint: disable=sql-injection
