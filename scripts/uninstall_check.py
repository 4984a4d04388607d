"""Uninstall the suite's addons from a database and fail loudly if anything is left.

Run by scripts/test after the tests: python scripts/uninstall_check.py CONF DB MODULES
"""

import sys

import odoo


def main(conf, db, modules):
    odoo.tools.config.parse_config(["-c", conf, "-d", db, "--log-level=warn"])
    names = modules.split(",")
    with odoo.registry(db).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.module.module"].search([("name", "in", names)]).button_immediate_uninstall()
    with odoo.registry(db).cursor() as cr:
        cr.execute(
            "SELECT name, state FROM ir_module_module WHERE name IN %s AND state != 'uninstalled'",
            [tuple(names)],
        )
        left = cr.fetchall()
        cr.execute(
            """SELECT table_name FROM information_schema.tables
                WHERE table_schema = 'public'
                  AND (table_name LIKE 'integration\\_%%' OR table_name LIKE 'sync\\_job%%'
                       OR table_name LIKE 'shopify\\_%%' OR table_name = 'product_fitment')"""
        )
        tables = [row[0] for row in cr.fetchall()]
    if left or tables:
        sys.exit("uninstall left modules %s and tables %s" % (left, tables))
    print("uninstall: %s uninstalled cleanly, no table left" % ", ".join(names))


if __name__ == "__main__":
    main(*sys.argv[1:4])
