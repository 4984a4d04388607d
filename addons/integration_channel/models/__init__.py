from . import (
    integration_backend,
    integration_backend_stock,
    integration_fulfillment,
    integration_order_binding,
    integration_partner_binding,
    integration_stock_change,
    integration_stock_level,
    integration_tax_mapping,
    sale_order,
    stock_picking,
    stock_quant,
    sync_job_channel,
)
