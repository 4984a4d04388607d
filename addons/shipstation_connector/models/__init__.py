from . import (
    delivery_carrier,
    integration_backend,
    integration_webhook_event,
    shipstation_account,
    shipstation_order,
    shipstation_shipment,
    stock_picking,
    sync_job,
)
