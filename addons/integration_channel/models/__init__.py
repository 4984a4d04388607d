from . import integration_backend, integration_order_binding, sale_order
