{
    "name": "Motor Parts Product Data",
    "summary": "Fitment (Year / Make / Model / Engine), condition and OEM numbers on products, "
    "shared by the sales channel connectors",
    "version": "17.0.1.0.0",
    "category": "Sales/Integrations",
    "author": "Motor Parts Commerce Suite",
    "website": "https://github.com/motor-parts/odoo-commerce-suite",
    "license": "LGPL-3",
    "depends": ["product"],
    "data": [
        "security/ir.model.access.csv",
        "views/product_template_views.xml",
    ],
    "demo": ["demo/motorparts_demo.xml"],
}
