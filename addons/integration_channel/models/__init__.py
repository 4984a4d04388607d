from . import (
    integration_backend,
    integration_order_binding,
    integration_partner_binding,
    integration_tax_mapping,
    sale_order,
)
