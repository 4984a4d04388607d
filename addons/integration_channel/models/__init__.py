from . import (
    integration_backend_stock,
    integration_fulfillment,
    integration_stock_change,
    integration_stock_level,
    stock_picking,
    stock_quant,
    sync_job_channel,
)
