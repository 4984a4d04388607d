from . import controllers, models
from .tools.redact import install_log_filters

install_log_filters()
