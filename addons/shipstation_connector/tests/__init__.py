from . import (
    test_api_client,
    test_flow_account,
    test_flow_carrier,
    test_flow_concurrency,
    test_flow_warehouse,
    test_flow_webhooks,
    test_mapping,
    test_security,
)
