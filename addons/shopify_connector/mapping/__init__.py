"""Pure mappings between the Odoo side's plain values and Shopify's shapes (no env, no HTTP)."""

from . import order, product
