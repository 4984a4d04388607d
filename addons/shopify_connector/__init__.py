from . import api, controllers, mapping, models
