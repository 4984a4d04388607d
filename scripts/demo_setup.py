"""Bring the demo's Shopify backend to life once Odoo answers: connect it to the
sandbox, subscribe the webhooks, export the catalogue and its stock, and place two
orders on the sandbox as customers would (they come back as sale orders).

The sandbox forgets everything when it stops, so this runs at every start.
Run by scripts/demo: python scripts/demo_setup.py CONF DB ODOO_URL SANDBOX_URL
"""

import json
import sys
import time
import urllib.request

import odoo


def sandbox(url, path, body):
    request = urllib.request.Request(
        url + "/_sandbox/" + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def main(conf, db, odoo_url, sandbox_url):
    sandbox(sandbox_url, "seed", {"locations": [{"name": "Main warehouse"}]})
    odoo.tools.config.parse_config(["-c", conf, "-d", db, "--log-level=warn"])
    registry = odoo.registry(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        backend = env.ref("shopify_connector.backend_shopify_sandbox")
        # The sandbox keeps its store in memory: a new run starts from an empty shop.
        env["shopify.product.binding"].search([("backend_id", "=", backend.id)]).unlink()
        env["shopify.collection.binding"].search([("backend_id", "=", backend.id)]).unlink()
        backend.shopify_location_ids.unlink()
        backend.shopify_metafields_ready = False
        backend.write({"api_url": sandbox_url, "shopify_webhook_base_url": odoo_url})
        backend.action_test_connection()
        backend.action_shopify_register_webhooks()
        catalogue = env["product.template"].search(
            [
                (
                    "categ_id",
                    "child_of",
                    env.ref("motorparts_product.product_category_motor_parts").id,
                )
            ]
        )
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", backend.company_id.id)], limit=1
        )
        for variant in catalogue.product_variant_ids:
            if variant.qty_available <= 0:
                variant.product_tmpl_id.detailed_type = "product"
                env["stock.quant"]._update_available_quantity(variant, warehouse.lot_stock_id, 25)
        env["shopify.product.binding"]._bind_and_export(backend, catalogue)
        print(
            "demo: %s connected, %s products and their stock queued"
            % (backend.name, len(catalogue))
        )
    time.sleep(10)  # the worker exports the catalogue and the stock meanwhile
    address = {
        "first_name": "Dana",
        "last_name": "Reyes",
        "address1": "12 Mill Road",
        "city": "Leeds",
        "zip": "LS1 4AP",
        "country_code": "GB",
    }
    for lines in (
        [{"sku": "BRK-PAD-1001", "quantity": 2}, {"sku": "FLT-OIL-0310", "quantity": 1}],
        [{"sku": "SUS-SHK-FRONT", "quantity": 2}],
    ):
        order = sandbox(
            sandbox_url,
            "orders",
            {
                "email": "dana.reyes@example.com",
                "line_items": lines,
                "allow_oversell": True,
                "shipping_address": address,
                "billing_address": address,
                "tax_rate": "0.2",
                "shipping": {"title": "Standard", "price": "7.50"},
            },
        )
        print("demo: order %s placed on the sandbox" % order.get("order", order).get("name"))


if __name__ == "__main__":
    main(*sys.argv[1:5])
