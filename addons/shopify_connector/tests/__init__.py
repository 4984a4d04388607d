from . import (
    test_api_auth,
    test_api_bulk,
    test_api_client,
    test_api_errors,
    test_api_units,
    test_documents,
    test_flow_catalogue,
    test_flow_orders,
    test_mapping_order,
    test_mapping_product,
)
