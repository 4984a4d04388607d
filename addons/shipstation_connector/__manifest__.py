{
    "name": "ShipStation Connector",
    "summary": "ShipStation V1: rates and labels as an Odoo carrier, deliveries to the "
    "warehouse, shipments and tracking back to every channel",
    "version": "17.0.1.0.0",
    "category": "Inventory/Delivery",
    "author": "Motor Parts Commerce Suite",
    "website": "https://github.com/motor-parts/odoo-commerce-suite",
    "license": "LGPL-3",
    "depends": ["integration_base", "integration_channel", "stock_delivery"],
    "data": [
        "security/ir.model.access.csv",
        "security/shipstation_security.xml",
        "data/ir_cron.xml",
        "views/shipstation_account_views.xml",
        "views/integration_backend_views.xml",
        "views/delivery_carrier_views.xml",
        "views/stock_picking_views.xml",
        "views/shipstation_menus.xml",
    ],
    "demo": ["demo/shipstation_demo.xml"],
}
