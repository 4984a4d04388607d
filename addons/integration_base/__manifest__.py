{
    "name": "Integration Base",
    "summary": "Job queue, credentials, rate limits, webhooks and monitoring "
    "shared by the Shopify, eBay and ShipStation connectors",
    "version": "17.0.1.0.0",
    "category": "Sales/Integrations",
    "author": "Motor Parts Commerce Suite",
    "website": "https://github.com/motor-parts/odoo-commerce-suite",
    "license": "LGPL-3",
    "depends": ["mail", "product"],
    "external_dependencies": {"python": ["cryptography"]},
    "data": [
        "security/integration_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "data/ir_config_parameter.xml",
        "views/integration_backend_views.xml",
        "views/integration_credential_views.xml",
        "views/sync_job_views.xml",
        "views/integration_webhook_event_views.xml",
        "views/integration_api_log_views.xml",
        "views/integration_dashboard_action.xml",
        "views/integration_menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "integration_base/static/src/dashboard/*",
        ],
        "web.assets_tests": [
            "integration_base/static/src/tours/*",
        ],
    },
    "application": True,
    "uninstall_hook": "uninstall_hook",
}
