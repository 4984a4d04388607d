{
    "name": "Integration Channel Core",
    "summary": "What every sales channel shares: order import, partner and tax mapping, "
    "stock feed, fulfilment export",
    "version": "17.0.1.0.0",
    "category": "Sales/Integrations",
    "author": "Motor Parts Commerce Suite",
    "website": "https://github.com/motor-parts/odoo-commerce-suite",
    "license": "LGPL-3",
    "depends": ["integration_base", "sale_stock", "stock_delivery"],
    "data": [
        "security/ir.model.access.csv",
        "security/stock_feed_security.xml",
        "security/order_import_security.xml",
        "data/ir_cron_stock.xml",
        "views/order_import_views.xml",
    ],
}
