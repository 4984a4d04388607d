from . import (
    integration_api_log,
    integration_backend,
    integration_binding,
    integration_credential,
    integration_dashboard,
    integration_rate_limit,
    integration_webhook_event,
    ir_cron,
    sync_job,
    sync_job_counter,
)
