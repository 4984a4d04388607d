from . import product_fitment, product_template
