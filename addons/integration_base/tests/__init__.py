from . import (
    test_api_log,
    test_credential,
    test_dashboard,
    test_rate_limit,
    test_security_access,
    test_security_hosts,
    test_sync_job,
    test_sync_job_concurrency,
    test_tools,
    test_webhook,
)
