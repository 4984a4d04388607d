"""mapping/order.py: Shopify orders (GraphQL node and webhook body) -> one normalized
shape -> sale order line specs, and the total Odoo will compute for them."""

import copy
from decimal import Decimal

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from odoo.addons.integration_channel.tools.order import (
    InvalidOrderData,
    discount_percent,
    expected_amounts,
    expected_total,
    line_changes,
    order_line_specs,
    refund_credits,
    refund_discrepancy,
)
from odoo.addons.shopify_connector.mapping.order import (
    edited_order_id,
    normalize_graphql_order,
    normalize_webhook_order,
    odoo_datetime,
    refunded_order_id,
)

D = Decimal


def _set(amount, currency="EUR"):
    """A REST ``*_set`` money bag."""
    money = {"amount": amount, "currency_code": currency}
    return {"shop_money": money, "presentment_money": dict(money)}


def _bag(amount, currency=None):
    """A GraphQL ``MoneyBag`` as the OrderFields fragment selects it."""
    money = {"amount": amount}
    if currency:
        money["currencyCode"] = currency
    return {"shopMoney": money}


def _rest_tax(price, rate=0.2, title="FR TVA", currency="EUR"):
    return {
        "title": title,
        "price": price,
        "rate": rate,
        "price_set": _set(price, currency),
        "channel_liable": False,
    }


def _gql_tax(amount, rate=0.2, title="FR TVA"):
    return {"title": title, "rate": rate, "priceSet": _bag(amount)}


# A French shop (Europe/Paris, EUR), prices without tax, 20 % VAT: two lines, 5.00 off
# the first one, and a taxed shipping line.
#   line 1: 2 x 54.90 = 109.80 - 5.00 = 104.80, VAT 20.96
#   line 2: 1 x 12.50,                  VAT  2.50
#   shipping: 5.90,                     VAT  1.18
#   subtotal 117.30, tax 24.64, total 117.30 + 5.90 + 24.64 = 147.84
def webhook_tax_excluded():
    """An orders/create body, as Shopify (and the sandbox's webhooks.py) sends it."""
    address = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "name": "Ada Lovelace",
        "company": "Analytical Engines",
        "address1": "12 rue de la Paix",
        "address2": "",
        "city": "Paris",
        "province": None,
        "province_code": None,
        "zip": "75002",
        "country": "France",
        "country_code": "FR",
        "phone": "+33 1 00 00 00 00",
        "latitude": 48.869,
        "longitude": 2.331,
    }
    return {
        "id": 5001,
        "admin_graphql_api_id": "gid://shopify/Order/5001",
        "name": "#1001",
        "order_number": 1001,
        "number": 1,
        "email": "ada@example.com",
        "contact_email": "ada@example.com",
        "phone": None,
        "note": None,
        "tags": "",
        "created_at": "2026-11-26T11:00:00+01:00",
        "updated_at": "2026-11-26T11:05:30+01:00",
        "processed_at": "2026-11-26T11:00:00+01:00",
        "cancelled_at": None,
        "cancel_reason": None,
        "closed_at": None,
        "currency": "EUR",
        "presentment_currency": "EUR",
        "financial_status": "paid",
        "fulfillment_status": None,
        "taxes_included": False,
        "test": False,
        "source_name": "web",
        "subtotal_price": "117.30",
        "total_line_items_price": "122.30",
        "total_discounts": "5.00",
        "total_tax": "24.64",
        "total_price": "147.84",
        "total_price_set": _set("147.84"),
        "total_shipping_price_set": _set("5.90"),
        "discount_codes": [{"code": "BRAKES5", "amount": "5.00", "type": "fixed_amount"}],
        "customer": {
            "id": 7,
            "admin_graphql_api_id": "gid://shopify/Customer/7",
            "email": "ada@example.com",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "phone": None,
        },
        "shipping_address": dict(address),
        "billing_address": dict(address, company=None, phone=None),
        "line_items": [
            {
                "id": 11,
                "admin_graphql_api_id": "gid://shopify/LineItem/11",
                "sku": "BP-F-C",
                "title": "Brake pad set",
                "name": "Brake pad set - Front / Ceramic",
                "variant_title": "Front / Ceramic",
                "vendor": "Brembo",
                "quantity": 2,
                "current_quantity": 2,
                "fulfillable_quantity": 2,
                "fulfillment_status": None,
                "price": "54.90",
                "price_set": _set("54.90"),
                "total_discount": "5.00",
                "variant_id": 41,
                "product_id": 31,
                "requires_shipping": True,
                "taxable": True,
                "grams": 1200,
                "discount_allocations": [
                    {
                        "amount": "5.00",
                        "amount_set": _set("5.00"),
                        "discount_application_index": 0,
                    }
                ],
                "tax_lines": [_rest_tax("20.96")],
            },
            {
                "id": 12,
                "admin_graphql_api_id": "gid://shopify/LineItem/12",
                "sku": "OF-200",
                "title": "Oil filter",
                "name": "Oil filter",
                "variant_title": None,
                "vendor": "Mann",
                "quantity": 1,
                "current_quantity": 1,
                "fulfillable_quantity": 1,
                "fulfillment_status": None,
                "price": "12.50",
                "price_set": _set("12.50"),
                "total_discount": "0.00",
                "variant_id": 42,
                "product_id": 32,
                "requires_shipping": True,
                "taxable": True,
                "grams": 350,
                "discount_allocations": [],
                "tax_lines": [_rest_tax("2.50")],
            },
        ],
        "shipping_lines": [
            {
                "id": 21,
                "title": "Standard",
                "code": "STANDARD",
                "source": "shopify",
                "price": "5.90",
                "price_set": _set("5.90"),
                "discounted_price": "5.90",
                "discounted_price_set": _set("5.90"),
                "discount_allocations": [],
                "tax_lines": [_rest_tax("1.18")],
            }
        ],
        "tax_lines": [_rest_tax("24.64")],
        "fulfillments": [],
    }


def graphql_tax_excluded():
    """The same order as an OrderFields node (Order / OrdersUpdatedSince), with the
    amounts the way the GraphQL API writes them ("54.9")."""
    address = {
        "name": "Ada Lovelace",
        "company": "Analytical Engines",
        "address1": "12 rue de la Paix",
        "address2": None,
        "city": "Paris",
        "provinceCode": None,
        "zip": "75002",
        "countryCodeV2": "FR",
        "phone": "+33 1 00 00 00 00",
    }
    return {
        "id": "gid://shopify/Order/5001",
        "name": "#1001",
        "email": "ada@example.com",
        "phone": None,
        "createdAt": "2026-11-26T10:00:00Z",
        "updatedAt": "2026-11-26T10:05:30Z",
        "cancelledAt": None,
        "currencyCode": "EUR",
        "taxesIncluded": False,
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "UNFULFILLED",
        "customer": {
            "id": "gid://shopify/Customer/7",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "defaultEmailAddress": {"emailAddress": "ada@example.com"},
            "defaultPhoneNumber": None,
        },
        "shippingAddress": dict(address),
        "billingAddress": dict(address, company=None, phone=None),
        "lineItems": {
            "nodes": [
                {
                    "id": "gid://shopify/LineItem/11",
                    "sku": "BP-F-C",
                    "name": "Brake pad set - Front / Ceramic",
                    "quantity": 2,
                    "currentQuantity": 2,
                    "variant": {"id": "gid://shopify/ProductVariant/41"},
                    "originalUnitPriceSet": _bag("54.9", "EUR"),
                    "discountAllocations": [{"allocatedAmountSet": _bag("5.0")}],
                    "taxLines": [_gql_tax("20.96")],
                },
                {
                    "id": "gid://shopify/LineItem/12",
                    "sku": "OF-200",
                    "name": "Oil filter",
                    "quantity": 1,
                    "currentQuantity": 1,
                    "variant": {"id": "gid://shopify/ProductVariant/42"},
                    "originalUnitPriceSet": _bag("12.5", "EUR"),
                    "discountAllocations": [],
                    "taxLines": [_gql_tax("2.5")],
                },
            ],
            "pageInfo": {"hasNextPage": False, "endCursor": "eyJrIjogMX0="},
        },
        "shippingLines": {
            "nodes": [
                {
                    "title": "Standard",
                    "code": "STANDARD",
                    "originalPriceSet": _bag("5.9", "EUR"),
                    "currentDiscountedPriceSet": _bag("5.9"),
                    "discountAllocations": [],
                    "taxLines": [_gql_tax("1.18")],
                }
            ]
        },
        "currentTotalPriceSet": _bag("147.84", "EUR"),
        "currentTotalTaxSet": _bag("24.64"),
        "currentTotalDiscountsSet": _bag("5.0"),
        "currentSubtotalPriceSet": _bag("117.3"),
        "refunds": [],
    }


EXPECTED_TAX_EXCLUDED = {
    "external_id": "gid://shopify/Order/5001",
    "name": "#1001",
    "email": "ada@example.com",
    "phone": None,
    "currency": "EUR",
    "created_at": "2026-11-26 10:00:00",
    "updated_at": "2026-11-26 10:05:30",
    "cancelled": False,
    "financial_status": "paid",
    "taxes_included": False,
    "customer": {
        "external_id": "gid://shopify/Customer/7",
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": None,
    },
    "shipping_address": {
        "name": "Ada Lovelace",
        "company": "Analytical Engines",
        "street": "12 rue de la Paix",
        "street2": None,
        "city": "Paris",
        "state_code": None,
        "zip": "75002",
        "country_code": "FR",
        "phone": "+33 1 00 00 00 00",
    },
    "billing_address": {
        "name": "Ada Lovelace",
        "company": None,
        "street": "12 rue de la Paix",
        "street2": None,
        "city": "Paris",
        "state_code": None,
        "zip": "75002",
        "country_code": "FR",
        "phone": None,
    },
    "lines": [
        {
            "external_id": "gid://shopify/LineItem/11",
            "variant_external_id": "gid://shopify/ProductVariant/41",
            "sku": "BP-F-C",
            "name": "Brake pad set - Front / Ceramic",
            "quantity": 2,
            "unit_price": D("54.90"),
            "discount": D("5.00"),
            "taxes": [{"title": "FR TVA", "rate": D("0.2"), "amount": D("20.96")}],
        },
        {
            "external_id": "gid://shopify/LineItem/12",
            "variant_external_id": "gid://shopify/ProductVariant/42",
            "sku": "OF-200",
            "name": "Oil filter",
            "quantity": 1,
            "unit_price": D("12.50"),
            "discount": D("0"),
            "taxes": [{"title": "FR TVA", "rate": D("0.2"), "amount": D("2.50")}],
        },
    ],
    "shipping": [
        {
            "title": "Standard",
            "code": "STANDARD",
            "price": D("5.90"),
            "discount": D("0"),
            "taxes": [{"title": "FR TVA", "rate": D("0.2"), "amount": D("1.18")}],
        }
    ],
    "total": D("147.84"),
    "total_tax": D("24.64"),
    "total_discount": D("5.00"),
    "subtotal": D("117.30"),
    "refunds": None,
}


# A British shop, prices including 20 % VAT: 12.00 off the discs, a custom line without
# SKU, 1.00 off the shipping.
#   line 1: 2 x 60.00 = 120.00 - 12.00 = 108.00 (VAT 18.00 included)
#   line 2: 1 x 19.99                            (VAT  3.33 included)
#   shipping: 4.99 - 1.00 = 3.99                 (VAT  0.67 included)
#   total 108.00 + 19.99 + 3.99 = 131.98
def webhook_tax_included():
    return {
        "id": 5002,
        "admin_graphql_api_id": "gid://shopify/Order/5002",
        "name": "#1002",
        "email": "",
        "contact_email": None,
        "phone": "+44 113 000 0000",
        "created_at": "2026-07-01T09:15:00+01:00",
        "updated_at": "2026-07-01T09:15:00+01:00",
        "cancelled_at": None,
        "currency": "GBP",
        "financial_status": "partially_paid",
        "taxes_included": True,
        "subtotal_price": "127.99",
        "total_discounts": "13.00",
        "total_tax": "22.00",
        "total_price": "131.98",
        "customer": None,
        "shipping_address": None,
        "billing_address": None,
        "line_items": [
            {
                "id": 31,
                "admin_graphql_api_id": "gid://shopify/LineItem/31",
                "sku": "BD-300",
                "title": "Brake disc",
                "name": "Brake disc",
                "quantity": 2,
                "price": "60.00",
                "price_set": _set("60.00", "GBP"),
                "total_discount": "12.00",
                "variant_id": 51,
                "discount_allocations": [{"amount": "12.00", "amount_set": _set("12.00", "GBP")}],
                "tax_lines": [_rest_tax("18.00", title="GB VAT", currency="GBP")],
            },
            {
                "id": 32,
                "admin_graphql_api_id": "gid://shopify/LineItem/32",
                "sku": "",
                "title": "Fitting kit",
                "name": "Fitting kit",
                "quantity": 1,
                "price": "19.99",
                "price_set": _set("19.99", "GBP"),
                "total_discount": "0.00",
                "variant_id": None,
                "discount_allocations": [],
                "tax_lines": [_rest_tax("3.33", title="GB VAT", currency="GBP")],
            },
        ],
        "shipping_lines": [
            {
                "id": 22,
                "title": "Express",
                "code": "EXPRESS",
                "price": "4.99",
                "price_set": _set("4.99", "GBP"),
                "discounted_price": "3.99",
                "discount_allocations": [{"amount": "1.00", "amount_set": _set("1.00", "GBP")}],
                "tax_lines": [_rest_tax("0.67", title="GB VAT", currency="GBP")],
            }
        ],
    }


def graphql_tax_included():
    return {
        "id": "gid://shopify/Order/5002",
        "name": "#1002",
        "email": None,
        "phone": "+44 113 000 0000",
        "createdAt": "2026-07-01T08:15:00Z",
        "updatedAt": "2026-07-01T08:15:00Z",
        "cancelledAt": None,
        "currencyCode": "GBP",
        "taxesIncluded": True,
        "displayFinancialStatus": "PARTIALLY_PAID",
        "displayFulfillmentStatus": "UNFULFILLED",
        "customer": None,
        "shippingAddress": None,
        "billingAddress": None,
        "lineItems": {
            "nodes": [
                {
                    "id": "gid://shopify/LineItem/31",
                    "sku": "BD-300",
                    "name": "Brake disc",
                    "quantity": 2,
                    "currentQuantity": 2,
                    "variant": {"id": "gid://shopify/ProductVariant/51"},
                    "originalUnitPriceSet": _bag("60.0", "GBP"),
                    "discountAllocations": [{"allocatedAmountSet": _bag("12.0")}],
                    "taxLines": [_gql_tax("18.0", title="GB VAT")],
                },
                {
                    "id": "gid://shopify/LineItem/32",
                    "sku": None,
                    "name": "Fitting kit",
                    "quantity": 1,
                    "currentQuantity": 1,
                    "variant": None,
                    "originalUnitPriceSet": _bag("19.99", "GBP"),
                    "discountAllocations": [],
                    "taxLines": [_gql_tax("3.33", title="GB VAT")],
                },
            ],
            "pageInfo": {"hasNextPage": False, "endCursor": None},
        },
        "shippingLines": {
            "nodes": [
                {
                    "title": "Express",
                    "code": "EXPRESS",
                    "originalPriceSet": _bag("4.99", "GBP"),
                    "currentDiscountedPriceSet": _bag("3.99"),
                    "discountAllocations": [{"allocatedAmountSet": _bag("1.0")}],
                    "taxLines": [_gql_tax("0.67", title="GB VAT")],
                }
            ]
        },
        "currentTotalPriceSet": _bag("131.98", "GBP"),
        "currentTotalTaxSet": _bag("22.0"),
        "currentTotalDiscountsSet": _bag("13.0"),
        "currentSubtotalPriceSet": _bag("127.99"),
        "refunds": [],
    }


@tagged("post_install", "-at_install")
class TestNormalizeOrder(BaseCase):
    def test_webhook_and_graphql_give_the_same_order(self):
        from_webhook = normalize_webhook_order(webhook_tax_excluded())
        from_graphql = normalize_graphql_order(graphql_tax_excluded())
        self.assertEqual(from_webhook, EXPECTED_TAX_EXCLUDED)
        # Only GraphQL says what the refunds were (none here).
        self.assertEqual(from_graphql["refunds"], [])
        self.assertEqual(dict(from_graphql, refunds=None), EXPECTED_TAX_EXCLUDED)
        self.assertEqual(list(from_webhook), list(from_graphql), "same keys, same order")
        self.assertEqual(
            normalize_webhook_order(webhook_tax_included()),
            dict(normalize_graphql_order(graphql_tax_included()), refunds=None),
        )

    def test_money_is_decimal(self):
        for order in (
            normalize_webhook_order(webhook_tax_excluded()),
            normalize_graphql_order(graphql_tax_excluded()),
        ):
            for key in ("total", "total_tax", "total_discount", "subtotal"):
                self.assertIsInstance(order[key], Decimal)
            for line in order["lines"]:
                self.assertIsInstance(line["unit_price"], Decimal)
                self.assertIsInstance(line["discount"], Decimal)
                self.assertIsInstance(line["quantity"], int)
                for tax in line["taxes"]:
                    self.assertIsInstance(tax["rate"], Decimal)
                    self.assertIsInstance(tax["amount"], Decimal)

    def test_blank_sku_is_none(self):
        for order in (
            normalize_webhook_order(webhook_tax_included()),
            normalize_graphql_order(graphql_tax_included()),
        ):
            self.assertEqual([line["sku"] for line in order["lines"]], ["BD-300", None])
            self.assertIsNone(order["lines"][1]["variant_external_id"])
        node = graphql_tax_included()
        node["lineItems"]["nodes"][0]["sku"] = "  "
        self.assertIsNone(normalize_graphql_order(node)["lines"][0]["sku"])

    def test_cancelled(self):
        payload = webhook_tax_excluded()
        payload.update(
            cancelled_at="2026-11-27T09:30:00+01:00",
            cancel_reason="customer",
            financial_status="refunded",
            updated_at="2026-11-27T09:30:00+01:00",
        )
        node = graphql_tax_excluded()
        node.update(
            cancelledAt="2026-11-27T08:30:00Z",
            displayFinancialStatus="REFUNDED",
            updatedAt="2026-11-27T08:30:00Z",
        )
        for order in (normalize_webhook_order(payload), normalize_graphql_order(node)):
            self.assertTrue(order["cancelled"])
            self.assertEqual(order["financial_status"], "refunded")
            self.assertEqual(order["updated_at"], "2026-11-27 08:30:00")
        self.assertFalse(normalize_webhook_order(webhook_tax_excluded())["cancelled"])

    def test_missing_customer_and_addresses(self):
        for order in (
            normalize_webhook_order(webhook_tax_included()),
            normalize_graphql_order(graphql_tax_included()),
        ):
            self.assertIsNone(order["customer"])
            self.assertIsNone(order["shipping_address"])
            self.assertIsNone(order["billing_address"])
            self.assertIsNone(order["email"])  # "" in the webhook, null in GraphQL
            self.assertEqual(order["financial_status"], "partially_paid")
        # Keys absent altogether (a guest checkout, a pickup order).
        payload = webhook_tax_excluded()
        for key in ("customer", "shipping_address", "billing_address"):
            del payload[key]
        order = normalize_webhook_order(payload)
        self.assertIsNone(order["customer"])
        self.assertIsNone(order["shipping_address"])
        # An address whose fields are all blank is no address.
        payload["billing_address"] = {"address1": "", "name": None, "country_code": ""}
        self.assertIsNone(normalize_webhook_order(payload)["billing_address"])

    def test_dates(self):
        self.assertEqual(odoo_datetime("2026-11-26T05:00:00-05:00"), "2026-11-26 10:00:00")
        self.assertEqual(odoo_datetime("2026-11-26T10:00:00Z"), "2026-11-26 10:00:00")
        self.assertEqual(odoo_datetime("2026-11-26T10:00:00.123Z"), "2026-11-26 10:00:00")
        self.assertEqual(odoo_datetime("2026-11-26T23:30:00-01:00"), "2026-11-27 00:30:00")
        self.assertEqual(odoo_datetime("2026-11-26T10:00:00"), "2026-11-26 10:00:00")
        self.assertIsNone(odoo_datetime(None))
        with self.assertRaisesRegex(ValueError, "date and time"):
            odoo_datetime("yesterday")

    def test_a_signed_body_that_is_not_an_order_is_a_data_error(self):
        # Bodies the chaos benchmark sends, correctly signed: each must fail alone as
        # bad data with a sentence, never as a defect (AttributeError) or an order
        # with no id.
        for body in ([], "order", {"line_items": []}, {"id": None, "line_items": []}):
            with self.subTest(body=body), self.assertRaisesRegex(InvalidOrderData, "no order id"):
                normalize_webhook_order(body)
        for key in ("line_items", "shipping_lines", "tax_lines"):
            with self.subTest(key=key), self.assertRaisesRegex(InvalidOrderData, key):
                normalize_webhook_order({"id": 1, key: "x"})
        with self.assertRaisesRegex(InvalidOrderData, "line_items"):
            normalize_webhook_order({"id": 1, "line_items": ["x"]})

    def test_webhook_fallbacks(self):
        """Lines without discount_allocations (and shipping lines without tax lines, as
        the sandbox's webhooks send them): the line's total_discount, the shipping line's
        discounted_price."""
        payload = webhook_tax_included()
        del payload["line_items"][0]["discount_allocations"]
        del payload["shipping_lines"][0]["discount_allocations"]
        del payload["shipping_lines"][0]["tax_lines"]
        order = normalize_webhook_order(payload)
        self.assertEqual(order["lines"][0]["discount"], D("12.00"))
        self.assertEqual(order["shipping"][0]["discount"], D("1.00"))
        self.assertEqual(order["shipping"][0]["taxes"], [])
        # No admin_graphql_api_id: the ids are built from the numeric ones.
        payload = webhook_tax_excluded()
        del payload["admin_graphql_api_id"]
        del payload["line_items"][0]["admin_graphql_api_id"]
        del payload["customer"]["admin_graphql_api_id"]
        order = normalize_webhook_order(payload)
        self.assertEqual(order["external_id"], "gid://shopify/Order/5001")
        self.assertEqual(order["lines"][0]["external_id"], "gid://shopify/LineItem/11")
        self.assertEqual(order["customer"]["external_id"], "gid://shopify/Customer/7")

    def test_tax_rate_missing(self):
        """GraphQL's TaxLine.rate may be null: the rate comes from the amounts."""
        node = graphql_tax_excluded()
        node["lineItems"]["nodes"][1]["taxLines"][0]["rate"] = None
        node["shippingLines"]["nodes"][0]["taxLines"][0]["rate"] = None
        order = normalize_graphql_order(node)
        self.assertEqual(order["lines"][1]["taxes"][0]["rate"], D("0.2"))
        self.assertEqual(order["shipping"][0]["taxes"][0]["rate"], D("0.2"))
        node = graphql_tax_included()
        node["lineItems"]["nodes"][0]["taxLines"][0]["rate"] = None
        self.assertEqual(normalize_graphql_order(node)["lines"][0]["taxes"][0]["rate"], D("0.2"))

    def test_an_edited_order_reads_the_current_quantities_and_totals(self):
        """orders/edited and orders/updated after an edit keep the original quantity
        and total_price; current_quantity / current_total_price say what is left."""
        payload = webhook_tax_excluded()
        payload["line_items"][0]["current_quantity"] = 1  # one of the two pads removed
        payload["line_items"][1]["current_quantity"] = 0  # the filter removed
        payload["current_total_price"] = "70.00"
        payload["current_subtotal_price"] = "55.00"
        payload["current_total_tax"] = "15.00"
        order = normalize_webhook_order(payload)
        self.assertEqual([line["sku"] for line in order["lines"]], ["BP-F-C"])
        self.assertEqual(order["lines"][0]["quantity"], 1)
        self.assertEqual(
            (order["total"], order["subtotal"], order["total_tax"]),
            (D("70.00"), D("55.00"), D("15.00")),
        )

    def test_pathological_amounts_are_data_errors(self):
        """A signed body can carry anything: amounts that are no amount an order can
        hold fail as data, with the value in the sentence."""
        for value in ("inf", "-Infinity", "NaN", "1e999", float("inf"), float("nan"), "12,50"):
            payload = webhook_tax_excluded()
            payload["line_items"][0]["price"] = value
            with self.subTest(value=value), self.assertRaisesRegex(InvalidOrderData, "amount"):
                normalize_webhook_order(payload)
        payload = webhook_tax_excluded()
        payload["line_items"][0]["quantity"] = payload["line_items"][0]["current_quantity"] = 1e999
        with self.assertRaisesRegex(InvalidOrderData, "amount"):
            normalize_webhook_order(payload)
        payload["line_items"][0]["quantity"] = payload["line_items"][0]["current_quantity"] = 2.5
        with self.assertRaisesRegex(InvalidOrderData, "quantity"):
            normalize_webhook_order(payload)
        node = graphql_tax_excluded()
        node["currentTotalPriceSet"]["shopMoney"]["amount"] = "1e999"
        with self.assertRaisesRegex(InvalidOrderData, "1e999"):
            normalize_graphql_order(node)


@tagged("post_install", "-at_install")
class TestOrderLines(BaseCase):
    def test_line_specs(self):
        specs = order_line_specs(normalize_webhook_order(webhook_tax_excluded()))
        self.assertEqual(
            specs,
            [
                {
                    "kind": "product",
                    "sku": "BP-F-C",
                    "name": "Brake pad set - Front / Ceramic",
                    "quantity": 2,
                    "price_unit": D("54.90"),
                    "discount_percent": D("4.5537"),
                    "tax_rates": [D("0.2")],
                    "external_id": "gid://shopify/LineItem/11",
                    "variant_external_id": "gid://shopify/ProductVariant/41",
                },
                {
                    "kind": "product",
                    "sku": "OF-200",
                    "name": "Oil filter",
                    "quantity": 1,
                    "price_unit": D("12.50"),
                    "discount_percent": D("0"),
                    "tax_rates": [D("0.2")],
                    "external_id": "gid://shopify/LineItem/12",
                    "variant_external_id": "gid://shopify/ProductVariant/42",
                },
                {
                    "kind": "shipping",
                    "sku": None,
                    "name": "Standard",
                    "quantity": 1,
                    "price_unit": D("5.90"),
                    "discount_percent": D("0"),
                    "tax_rates": [D("0.2")],
                    "external_id": None,
                    "variant_external_id": None,
                    "code": "STANDARD",
                },
            ],
        )
        # The percentage gives back the discounted amount once rounded to the cent.
        first = specs[0]
        amount = first["price_unit"] * first["quantity"] * (1 - first["discount_percent"] / 100)
        self.assertEqual(amount.quantize(D("0.01")), D("104.80"))
        self.assertLessEqual(-first["discount_percent"].as_tuple().exponent, 4)

    def test_expected_total_tax_excluded(self):
        for order in (
            normalize_webhook_order(webhook_tax_excluded()),
            normalize_graphql_order(graphql_tax_excluded()),
        ):
            specs = order_line_specs(order)
            self.assertEqual(expected_total(specs, order["taxes_included"]), D("147.84"))
            self.assertEqual(expected_total(specs, order["taxes_included"]), order["total"])
            amounts = expected_amounts(specs, order["taxes_included"])
            self.assertEqual(amounts["untaxed"], D("123.20"))  # 104.80 + 12.50 + 5.90
            self.assertEqual(amounts["tax"], order["total_tax"])

    def test_expected_total_tax_included(self):
        for order in (
            normalize_webhook_order(webhook_tax_included()),
            normalize_graphql_order(graphql_tax_included()),
        ):
            specs = order_line_specs(order)
            self.assertEqual(specs[0]["discount_percent"], D("10"))
            self.assertEqual(specs[2]["kind"], "shipping")
            self.assertEqual(specs[2]["discount_percent"], D("20.0401"))  # 1.00 of 4.99
            self.assertEqual(expected_total(specs, True), D("131.98"))
            self.assertEqual(expected_total(specs, True), order["total"])
            amounts = expected_amounts(specs, True)
            self.assertEqual(amounts["untaxed"] + amounts["tax"], amounts["total"])
            # Odoo extracts 90.00 + 16.66 + 3.33 = 109.99 untaxed: its tax may differ from
            # Shopify's by a cent (0.66 on the shipping, Shopify says 0.67), never the total.
            self.assertEqual(amounts["untaxed"], D("109.99"))
            # Read as tax-excluded prices, the same lines would cost more.
            self.assertNotEqual(expected_total(specs, False), order["total"])

    def test_mismatch_is_visible(self):
        payload = webhook_tax_excluded()
        payload["total_price"] = "147.85"
        order = normalize_webhook_order(payload)
        self.assertNotEqual(expected_total(order_line_specs(order), False), order["total"])

    def test_discount_percent(self):
        self.assertEqual(discount_percent(D("109.80"), D("5.00")), D("4.5537"))
        self.assertEqual(discount_percent(D("10.00"), D("10.00")), D("100"))
        self.assertEqual(discount_percent(D("10.00"), D("12.00")), D("100"))
        self.assertEqual(discount_percent(D("0"), D("1.00")), D("0"))
        self.assertEqual(discount_percent(D("30.00"), D("0")), D("0"))
        self.assertEqual(discount_percent(D("3.00"), D("1.00")), D("33.3333"))

    def test_expected_total_rounding(self):
        spec = {
            "kind": "product",
            "quantity": 3,
            "price_unit": D("0.35"),
            "discount_percent": D("0"),
            "tax_rates": [D("0.075")],  # 1.05 * 0.075 = 0.07875 -> 0.08
        }
        self.assertEqual(expected_total([spec], False), D("1.13"))
        # Two taxes on the same line are rounded one by one (0.05 + 0.08).
        spec["tax_rates"] = [D("0.05"), D("0.075")]
        self.assertEqual(expected_total([spec], False), D("1.18"))
        # A currency without decimals (JPY).
        spec.update(quantity=1, price_unit=D("1250"), tax_rates=[D("0.1")])
        self.assertEqual(expected_total([spec], False, currency_rounding=D("1")), D("1375"))
        self.assertEqual(expected_total([], False), D("0"))

    def test_input_not_modified(self):
        payload = webhook_tax_excluded()
        node = graphql_tax_excluded()
        before = copy.deepcopy((payload, node))
        order = normalize_webhook_order(payload)
        normalize_graphql_order(node)
        order_line_specs(order)
        self.assertEqual((payload, node), before)


def _gql_refund(refund_id, created, total, lines=(), shipping=None, presentment=None):
    """A RefundFields node; ``presentment``: the total in the customer's currency."""
    total_set = _bag(total, "EUR")
    if presentment:
        total_set["presentmentMoney"] = {"amount": presentment, "currencyCode": "USD"}
    return {
        "id": "gid://shopify/Refund/%s" % refund_id,
        "createdAt": created,
        "totalRefundedSet": total_set,
        "refundLineItems": {
            "nodes": [
                {
                    "quantity": quantity,
                    "restockType": restock,
                    "lineItem": {"id": line_id},
                    "subtotalSet": _bag(subtotal),
                    "totalTaxSet": _bag(tax),
                }
                for line_id, quantity, restock, subtotal, tax in lines
            ],
            "pageInfo": {"hasNextPage": False, "endCursor": None},
        },
        "refundShippingLines": {
            "nodes": [{"subtotalAmountSet": _bag(shipping[0]), "taxAmountSet": _bag(shipping[1])}]
            if shipping
            else []
        },
    }


@tagged("post_install", "-at_install")
class TestEditedAndRefundedOrders(BaseCase):
    """Shopify's order as it is now (the GraphQL poll and refresh, the webhooks)."""

    def edited_and_refunded(self):
        """graphql_tax_excluded after one of the two pads was refunded (no restock) and
        the filter edited away; the shipping refunded for less than it cost."""
        node = graphql_tax_excluded()
        pads, oil = node["lineItems"]["nodes"]
        pads["currentQuantity"] = 1
        oil["currentQuantity"] = 0
        node["shippingLines"]["nodes"][0]["currentDiscountedPriceSet"] = _bag("2.9")
        node["currentTotalPriceSet"] = _bag("66.36")
        node["refunds"] = [
            _gql_refund(
                9,
                "2026-11-28T09:00:00Z",
                "60.0",
                [(pads["id"], 1, "NO_RESTOCK", "52.4", "10.48")],
                ("3.0", "0.6"),
                presentment="70.2",
            ),
            _gql_refund(8, "2026-11-27T09:00:00Z", "5.0"),
        ]
        return node

    def test_the_poll_reads_current_quantities_totals_and_shipping(self):
        order = normalize_graphql_order(self.edited_and_refunded())
        (pads,) = order["lines"]
        self.assertEqual(pads["quantity"], 1, "the filter edited away is absent")
        # The discount and the taxes Shopify gives are those of the two pads ordered.
        self.assertEqual(pads["discount"], D("2.50"))
        self.assertEqual(pads["taxes"][0]["amount"], D("10.48"))
        self.assertEqual(pads["taxes"][0]["rate"], D("0.2"))
        (shipping,) = order["shipping"]
        self.assertEqual((shipping["price"], shipping["discount"]), (D("5.90"), D("3.00")))
        # 54.90 - 2.50 + 2.90, 20 % VAT: what Odoo computes is Shopify's current total.
        self.assertEqual(order["total"], D("66.36"))
        self.assertEqual(expected_total(order_line_specs(order), False), order["total"])

    def test_refunds_in_shop_money_oldest_first(self):
        refunds = normalize_graphql_order(self.edited_and_refunded())["refunds"]
        self.assertEqual([r["external_id"][-1] for r in refunds], ["8", "9"])
        self.assertEqual(
            refunds[0],
            {
                "external_id": "gid://shopify/Refund/8",
                "created_at": "2026-11-27 09:00:00",
                "amount": D("5.0"),
                "lines": [],
                "shipping": D("0"),
                "shipping_tax": D("0"),
            },
        )
        refund = refunds[1]
        self.assertEqual(refund["amount"], D("60.0"), "shop money, not the 70.2 USD paid back")
        self.assertEqual(
            refund["lines"],
            [
                {
                    "line_external_id": "gid://shopify/LineItem/11",
                    "quantity": 1,
                    "amount": D("62.88"),
                    "restock": False,
                }
            ],
        )
        self.assertEqual((refund["shipping"], refund["shipping_tax"]), (D("3.0"), D("0.6")))
        self.assertEqual(refund_discrepancy(refund), D("-6.48"), "60 back for 66.48 worth")
        node = self.edited_and_refunded()
        node["refunds"][0]["refundLineItems"]["nodes"][0]["restockType"] = "RETURN"
        self.assertTrue(normalize_graphql_order(node)["refunds"][1]["lines"][0]["restock"])
        node["refunds"] = "x"
        with self.assertRaisesRegex(InvalidOrderData, "refunds"):
            normalize_graphql_order(node)

    def test_a_webhook_body_reads_current_units_and_knows_no_refunds(self):
        payload = webhook_tax_excluded()
        payload["line_items"][0]["current_quantity"] = 1
        order = normalize_webhook_order(payload)
        self.assertEqual(order["lines"][0]["discount"], D("2.50"))
        self.assertEqual(order["lines"][0]["taxes"][0]["amount"], D("10.48"))
        self.assertIsNone(order["refunds"], "its transactions are in the customer's currency")

    def test_refund_and_edit_bodies_name_their_order(self):
        self.assertEqual(refunded_order_id({"id": 9, "order_id": 5001}), "gid://shopify/Order/5001")
        self.assertEqual(refunded_order_id({"order_id": "5001"}), "gid://shopify/Order/5001")
        self.assertEqual(
            edited_order_id({"order_edit": {"id": 1, "order_id": 5001}}),
            "gid://shopify/Order/5001",
        )
        for body in ([], {"order_id": None}, {"order_id": True}, {"order_id": "1; DROP"}):
            with self.subTest(body=body), self.assertRaisesRegex(InvalidOrderData, "order id"):
                refunded_order_id(body)
        for body in ({"order_id": 5001}, {"order_edit": "x"}, {"order_edit": {}}):
            with self.subTest(body=body), self.assertRaisesRegex(InvalidOrderData, "order id"):
                edited_order_id(body)


def _sale_line(quantity, delivered, external_id="L1"):
    return {"external_id": external_id, "quantity": quantity, "delivered": delivered}


def _state(quantity, invoiced, current, credited=0):
    return {"quantity": quantity, "invoiced": invoiced, "current": current, "credited": credited}


def _refund(lines=(), amount="0", shipping="0", shipping_tax="0", ref="R1"):
    return {
        "external_id": ref,
        "created_at": "2026-11-28 09:00:00",
        "amount": D(amount),
        "lines": [
            {"line_external_id": key, "quantity": units, "amount": D(worth), "restock": True}
            for key, units, worth in lines
        ],
        "shipping": D(shipping),
        "shipping_tax": D(shipping_tax),
    }


@tagged("post_install", "-at_install")
class TestQuantityAndCreditPlans(BaseCase):
    """integration_channel.tools.order: what an edit or a refund changes."""

    def test_quantities_go_to_the_platform_never_below_what_was_delivered(self):
        order = {
            "lines": [{"external_id": "L1", "quantity": 1}, {"external_id": "L3", "quantity": 2}]
        }
        changes = line_changes(
            [_sale_line(3, 0), _sale_line(2, 2, "L2"), _sale_line(1, 0, "L3")], order
        )
        self.assertEqual(changes["quantities"], {"L1": 1, "L3": 2})
        self.assertEqual(changes["kept"], {"L2": 2}, "delivered, then edited or refunded away")
        self.assertEqual(changes["new"], [])
        changes = line_changes(
            [_sale_line(3, 2)], {"lines": [{"external_id": "L9", "quantity": 1}]}
        )
        self.assertEqual(changes["quantities"], {"L1": 2})
        self.assertEqual(changes["kept"], {"L1": 2})
        self.assertEqual(changes["new"], [{"external_id": "L9", "quantity": 1}])
        unchanged = line_changes(
            [_sale_line(2, 2)], {"lines": [{"external_id": "L1", "quantity": 2}]}
        )
        self.assertEqual(unchanged, {"quantities": {}, "kept": {}, "new": []})

    def test_an_invoiced_unit_not_delivered_is_a_linked_credit(self):
        # 3 invoiced, 1 refunded before delivery: the line went from 3 to 2.
        (credit,) = refund_credits(
            [_refund([("L1", 1, "12.00")], amount="12.00")], {"L1": _state(2, 3, 2)}, True
        )
        self.assertEqual(credit["lines"], [{"external_id": "L1", "quantity": 1, "linked": True}])
        self.assertEqual(credit["amount"], D("12.00"))

    def test_delivered_units_are_credited_without_a_link(self):
        # 3 invoiced, 2 delivered, all 3 refunded: the line keeps the 2 delivered.
        (credit,) = refund_credits(
            [_refund([("L1", 3, "36.00")], amount="36.00")], {"L1": _state(2, 3, 0)}, True
        )
        self.assertEqual(
            credit["lines"],
            [
                {"external_id": "L1", "quantity": 1, "linked": True},
                {"external_id": "L1", "quantity": 2, "linked": False},
            ],
        )
        # Credited before (a first refund of one of them): not again.
        (credit,) = refund_credits(
            [_refund([("L1", 1, "12.00")], amount="12.00")], {"L1": _state(2, 3, 1, 1)}, True
        )
        self.assertEqual(credit["lines"], [{"external_id": "L1", "quantity": 1, "linked": True}])

    def test_what_was_never_invoiced_is_not_credited(self):
        # Delivered 2 of 3, invoiced 2 (on delivery), the undelivered one refunded.
        (credit,) = refund_credits(
            [_refund([("L1", 1, "12.00")], amount="12.00")], {"L1": _state(2, 2, 2)}, True
        )
        self.assertEqual((credit["lines"], credit["amount"]), ([], D("0")))
        # Shipping not invoiced: not credited either.
        (credit,) = refund_credits(
            [_refund(amount="6.00", shipping="5.00", shipping_tax="1.00")], {}, False
        )
        self.assertEqual((credit["shipping"], credit["amount"]), (D("0"), D("0")))

    def test_the_credit_is_what_the_platform_returned(self):
        # A shipping refund, a refund of less than the items, a goodwill refund.
        (shipping,) = refund_credits(
            [_refund(amount="6.00", shipping="5.00", shipping_tax="1.00")], {}, True
        )
        self.assertEqual((shipping["shipping"], shipping["amount"]), (D("5.00"), D("6.00")))
        less, goodwill = refund_credits(
            [
                _refund([("L1", 1, "12.00")], amount="10.00"),
                _refund(amount="4.00", ref="R2"),
            ],
            {"L1": _state(1, 2, 1)},
            True,
        )
        self.assertEqual(less["amount"], D("10.00"))
        self.assertEqual(less["lines"], [{"external_id": "L1", "quantity": 1, "linked": True}])
        self.assertEqual(
            (goodwill["refund"], goodwill["amount"], goodwill["lines"]), ("R2", D("4.00"), [])
        )
        # Half the units invoiced: the credit is the refund less the other half's worth.
        (credit,) = refund_credits(
            [_refund([("L1", 2, "24.00")], amount="20.00")], {"L1": _state(0, 1, 0)}, True
        )
        self.assertEqual(credit["amount"], D("8.00"))

    def test_units_an_edit_took_off_are_credited_with_the_next_refund(self):
        # An edit took an invoiced unit off; the refund of the difference names no item.
        (credit,) = refund_credits([_refund(amount="12.00")], {"L1": _state(1, 2, 1)}, True)
        self.assertEqual(credit["lines"], [{"external_id": "L1", "quantity": 1, "linked": True}])
        self.assertEqual(credit["amount"], D("12.00"))
        self.assertEqual(refund_credits([], {"L1": _state(1, 2, 1)}, True), [])
