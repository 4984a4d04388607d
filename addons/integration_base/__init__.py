from . import controllers, models
from .tools.redact import install_log_filters

install_log_filters()


def uninstall_hook(env):
    """The job counters' trigger function is not a table Odoo drops: drop it, and the
    triggers on sync_job with it."""
    env.cr.execute("DROP FUNCTION IF EXISTS sync_job_counter_delta() CASCADE")
