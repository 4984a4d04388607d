"""Bring the demo's backends to life once Odoo answers: connect the Shopify backend to
its sandbox, subscribe the webhooks, export the catalogue and its stock, and place two
orders on the sandbox as customers would (they come back as sale orders). Then the
ShipStation backend: its account refreshed, the warehouse in warehouse mode, SHIP_NOTIFY
subscribed; the two orders' deliveries reach ShipStation, the demo ships them there as
the warehouse would, and the tracking numbers come back to the Shopify orders.

The sandboxes forget everything when they stop, so this runs at every start.
Run by scripts/demo:
python scripts/demo_setup.py CONF DB ODOO_URL SHOPIFY_SANDBOX_URL SHIPSTATION_SANDBOX_URL
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


def demo_vat(env, backend):
    """The sandbox's orders carry 20 % VAT: map it to a sales tax of the company, so
    that they confirm (a missing mapping leaves them quotations, as it should)."""
    if backend.tax_mapping_ids:
        return
    tax = env["account.tax"].search(
        [
            ("type_tax_use", "=", "sale"),
            ("amount_type", "=", "percent"),
            ("amount", "=", 20.0),
            ("company_id", "=", backend.company_id.id),
        ],
        limit=1,
    ) or env["account.tax"].create(
        {
            "name": "VAT 20% (demo)",
            "type_tax_use": "sale",
            "amount": 20.0,
            "company_id": backend.company_id.id,
        }
    )
    env["integration.tax.mapping"].create(
        {"backend_id": backend.id, "rate": 20.0, "tax_id": tax.id}
    )


def connect_shipstation(registry, odoo_url, shipstation_url):
    """The warehouse ships from ShipStation: every ready delivery goes there."""
    sandbox(shipstation_url, "seed", {})
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        backend = env.ref("shipstation_connector.backend_shipstation_sandbox")
        backend.write({"api_url": shipstation_url, "shipstation_webhook_base_url": odoo_url})
        backend.action_test_connection()
        backend.action_shipstation_refresh_account()
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", backend.company_id.id)], limit=1
        )
        env["shipstation.warehouse"].search([("warehouse_id", "=", warehouse.id)]).write(
            {"warehouse_id": False}
        )
        backend.shipstation_warehouse_ids.filtered("is_default").write(
            {"warehouse_id": warehouse.id, "send_deliveries": True}
        )
        backend.action_shipstation_register_webhooks()
        print("demo: %s connected, %s ships from it" % (backend.name, warehouse.name))
        return backend.id


def ship_demo_orders(registry, backend_id, shipstation_url, numbers):
    """Wait for the deliveries of the demo orders to reach ShipStation, then ship them
    there as the warehouse would (SHIP_NOTIFY brings the tracking back)."""
    keys = []
    for _i in range(60):
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            orders = env["shipstation.order"].search(
                [
                    ("backend_id", "=", backend_id),
                    ("state", "=", "sent"),
                    ("picking_id.sale_id.client_order_ref", "in", numbers),
                ]
            )
            keys = orders.mapped("order_key")
        if len(keys) >= len(numbers):
            break
        time.sleep(1)
    for key in keys:
        shipped = sandbox(shipstation_url, "orders/%s/ship" % key, {})
        print(
            "demo: the warehouse shipped %s in ShipStation, tracking %s"
            % (shipped["order"]["orderNumber"], shipped["shipments"][0]["trackingNumber"])
        )
    if len(keys) < len(numbers):
        print("demo: %s of %s orders reached ShipStation in 60 s" % (len(keys), len(numbers)))


def main(conf, db, odoo_url, sandbox_url, shipstation_url="http://127.0.0.1:8703"):
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
        demo_vat(env, backend)
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
    shipstation_id = connect_shipstation(registry, odoo_url, shipstation_url)
    numbers = []
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
        numbers.append(order.get("order", order).get("name"))
        print("demo: order %s placed on the sandbox" % numbers[-1])
    ship_demo_orders(registry, shipstation_id, shipstation_url, numbers)


if __name__ == "__main__":
    main(*sys.argv[1:6])
