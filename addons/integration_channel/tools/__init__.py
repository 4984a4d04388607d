"""Pure helpers of the channel core: no Odoo environment, no records, no HTTP."""

from . import order
