"""mapping/product.py: Odoo product values -> productSet input, checked against the
2026-10 schema."""

import copy
import json
from decimal import Decimal

from graphql import get_operation_ast, parse
from graphql.execution.values import get_variable_values

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from odoo.addons.shopify_connector.api.documents import DOCUMENTS
from odoo.addons.shopify_connector.api.schema import load_schema
from odoo.addons.shopify_connector.mapping.product import (
    metafield_definitions,
    product_handle,
    product_set_input,
)


def coerce_variables(operation_name, variables):
    """Coerce ``variables`` as the variables of one of our documents, against the pinned
    schema (what gql's client and Shopify do first). Returns the list of errors."""
    operation = get_operation_ast(parse(DOCUMENTS[operation_name]), operation_name)
    result = get_variable_values(load_schema(), operation.variable_definitions, variables)
    return [error.message for error in result] if isinstance(result, list) else []


def brake_pads():
    """Three variants over two options (Axle x Compound, one combination missing)."""
    return {
        "title": "Brake pad set",
        "description_html": "<p>Low-dust pads.</p>",
        "vendor": "Brembo",
        "product_type": "Brake pads",
        "tags": ["brakes", "pads", "Brakes", " axle "],
        "status": "ACTIVE",
        "options": [
            {"name": "Axle", "values": ["Front", "Rear"]},
            {"name": "Compound", "values": ["Ceramic", "Organic", "Sport"]},
        ],
        "variants": [
            {
                "sku": "BP-R-C",
                "barcode": None,
                "price": "49.9",
                "compare_at_price": None,
                "weight_kg": 1.2,
                "option_values": {"Axle": "Rear", "Compound": "Ceramic"},
            },
            {
                "sku": "BP-F-C",
                "barcode": "5012345000011",
                "price": Decimal("54.90"),
                "compare_at_price": Decimal("59.9"),
                "weight_kg": None,
                "option_values": {"Axle": "Front", "Compound": "Ceramic"},
            },
            {
                "sku": "BP-F-O",
                "barcode": "",
                "price": 52.5,
                "compare_at_price": None,
                "weight_kg": 1.0,
                "option_values": {"Compound": "Organic", "Axle": "Front"},
            },
        ],
        "fitment": [
            {"year": 2015, "make": "Ford", "model": "Focus", "engine": "1.6 TDCi"},
            {"year": 2012, "make": "Audi", "model": "A3", "engine": None},
            {"year": 2015, "make": " Ford ", "model": "Focus", "engine": "1.6  TDCi"},
            {"year": "2014", "make": "Ford", "model": "Focus", "engine": ""},
        ],
        "attributes": {"condition": "New", "oem_number": "8V0698151", "brand": None},
    }


def oil_filter():
    """A product without options: one variant."""
    return {
        "title": "Oil filter",
        "description_html": None,
        "vendor": None,
        "product_type": None,
        "tags": [],
        "status": "DRAFT",
        "options": [],
        "variants": [
            {
                "sku": "OF-200",
                "barcode": None,
                "price": "8.5",
                "compare_at_price": "10",
                "weight_kg": 0.35,
                "option_values": {},
            }
        ],
        "fitment": [],
        "attributes": {"condition": None, "oem_number": None, "brand": None},
    }


@tagged("post_install", "-at_install")
class TestProductSetInput(BaseCase):
    def test_three_variants_two_options(self):
        result = product_set_input(brake_pads())
        self.assertEqual(result["title"], "Brake pad set")
        self.assertEqual(result["descriptionHtml"], "<p>Low-dust pads.</p>")
        self.assertEqual(result["vendor"], "Brembo")
        self.assertEqual(result["productType"], "Brake pads")
        self.assertEqual(result["status"], "ACTIVE")
        self.assertEqual(result["tags"], ["axle", "Brakes", "pads"])
        # Options in the order given; only the values a variant uses (no "Sport").
        self.assertEqual(
            result["productOptions"],
            [
                {"name": "Axle", "position": 1, "values": [{"name": "Front"}, {"name": "Rear"}]},
                {
                    "name": "Compound",
                    "position": 2,
                    "values": [{"name": "Ceramic"}, {"name": "Organic"}],
                },
            ],
        )
        # Variants in option-value order, not input order.
        self.assertEqual([v["sku"] for v in result["variants"]], ["BP-F-C", "BP-F-O", "BP-R-C"])
        front_ceramic, front_organic, rear_ceramic = result["variants"]
        self.assertEqual(
            front_ceramic,
            {
                "optionValues": [
                    {"optionName": "Axle", "name": "Front"},
                    {"optionName": "Compound", "name": "Ceramic"},
                ],
                "sku": "BP-F-C",
                "barcode": "5012345000011",
                "price": "54.90",
                "compareAtPrice": "59.90",
                "inventoryItem": {"tracked": True},
            },
        )
        self.assertEqual(
            front_organic["optionValues"],
            [
                {"optionName": "Axle", "name": "Front"},
                {"optionName": "Compound", "name": "Organic"},
            ],
        )
        self.assertEqual(front_organic["price"], "52.50")
        # Cleared in Odoo -> explicit null, so productSet clears it in Shopify.
        self.assertIsNone(front_organic["barcode"])
        self.assertIsNone(front_organic["compareAtPrice"])
        self.assertIn("compareAtPrice", rear_ceramic)
        self.assertEqual(rear_ceramic["price"], "49.90")
        self.assertEqual(
            rear_ceramic["inventoryItem"],
            {"tracked": True, "measurement": {"weight": {"value": 1.2, "unit": "KILOGRAMS"}}},
        )
        # Metafields sorted by key; the empty brand is left out.
        self.assertEqual(
            [(m["key"], m["type"]) for m in result["metafields"]],
            [
                ("condition", "single_line_text_field"),
                ("fitment", "json"),
                ("oem_number", "single_line_text_field"),
            ],
        )
        self.assertEqual({m["namespace"] for m in result["metafields"]}, {"motorparts"})
        self.assertEqual(result["metafields"][0]["value"], "New")
        self.assertEqual(result["metafields"][2]["value"], "8V0698151")

    def test_single_variant_default_title(self):
        result = product_set_input(oil_filter(), namespace="parts_shop")
        self.assertEqual(
            result["productOptions"],
            [{"name": "Title", "position": 1, "values": [{"name": "Default Title"}]}],
        )
        self.assertEqual(
            result["variants"],
            [
                {
                    "optionValues": [{"optionName": "Title", "name": "Default Title"}],
                    "sku": "OF-200",
                    "barcode": None,
                    "price": "8.50",
                    "compareAtPrice": "10.00",
                    "inventoryItem": {
                        "tracked": True,
                        "measurement": {"weight": {"value": 0.35, "unit": "KILOGRAMS"}},
                    },
                }
            ],
        )
        # None values are left out (Shopify keeps what it has), not sent as null.
        for key in ("descriptionHtml", "vendor", "productType"):
            self.assertNotIn(key, result)
        self.assertEqual(result["status"], "DRAFT")
        self.assertEqual(result["tags"], [])
        # Only the fitment metafield, empty, so that a removed fitment is cleared.
        self.assertEqual(
            result["metafields"],
            [{"namespace": "parts_shop", "key": "fitment", "type": "json", "value": "[]"}],
        )

    def test_fitment_metafield_sorted_and_deduplicated(self):
        result = product_set_input(brake_pads())
        fitment = next(m for m in result["metafields"] if m["key"] == "fitment")
        self.assertEqual(
            json.loads(fitment["value"]),
            [
                {"year": 2012, "make": "Audi", "model": "A3", "engine": None},
                {"year": 2014, "make": "Ford", "model": "Focus", "engine": None},
                {"year": 2015, "make": "Ford", "model": "Focus", "engine": "1.6 TDCi"},
            ],
        )
        self.assertEqual(
            fitment["value"],
            '[{"year":2012,"make":"Audi","model":"A3","engine":null},'
            '{"year":2014,"make":"Ford","model":"Focus","engine":null},'
            '{"year":2015,"make":"Ford","model":"Focus","engine":"1.6 TDCi"}]',
        )

    def test_deterministic(self):
        product = brake_pads()
        first = product_set_input(product)
        self.assertEqual(product, brake_pads(), "the input must not be modified")
        self.assertEqual(first, product_set_input(brake_pads()))
        # Another order of tags, fitment rows, variants and option_values keys: the same.
        shuffled = copy.deepcopy(product)
        shuffled["tags"].reverse()
        shuffled["fitment"].reverse()
        shuffled["variants"].reverse()
        shuffled["variants"][0]["option_values"] = dict(
            reversed(list(shuffled["variants"][0]["option_values"].items()))
        )
        second = product_set_input(shuffled)
        self.assertEqual(second, first)
        self.assertEqual(json.dumps(second, sort_keys=False), json.dumps(first, sort_keys=False))
        # The order of the options and of their values is meaningful: it is kept.
        reordered = copy.deepcopy(product)
        reordered["options"][0]["values"] = ["Rear", "Front"]
        other = product_set_input(reordered)
        self.assertEqual(
            [v["name"] for v in other["productOptions"][0]["values"]], ["Rear", "Front"]
        )
        self.assertEqual(other["variants"][0]["sku"], "BP-R-C")

    def test_archived(self):
        product = oil_filter()
        product["status"] = "ARCHIVED"
        self.assertEqual(product_set_input(product)["status"], "ARCHIVED")
        product["status"] = "archived"
        self.assertEqual(product_set_input(product)["status"], "ARCHIVED")
        product["status"] = "DELETED"
        with self.assertRaisesRegex(ValueError, "status 'DELETED' is not one of"):
            product_set_input(product)

    def test_bad_fitment_names_the_product(self):
        # The product's name leads the message when it comes from product_set_input.
        product = brake_pads()
        product["fitment"].append({"year": 2015, "make": "Ford", "model": ""})
        with self.assertRaisesRegex(
            ValueError, r"^Product 'Brake pad set': Fitment row 5 \(2015 Ford\): the model is"
        ):
            product_set_input(product)

    def test_bad_products(self):
        def broken(change):
            product = brake_pads()
            change(product)
            return product

        cases = [
            (lambda p: p.update(title=" "), "without a name"),
            (lambda p: p["variants"][0].update(sku=None), "variant 1 has no SKU"),
            (lambda p: p["variants"][1].update(sku="BP-R-C"), "two variants have the SKU"),
            (lambda p: p["variants"][0].update(price=None), "the price is missing"),
            (lambda p: p["variants"][0].update(price="-1"), "cannot be negative"),
            (lambda p: p["variants"][0].update(price="abc"), "is not an amount"),
            (lambda p: p["variants"][0].update(weight_kg=-2), "positive number of kilograms"),
            (
                lambda p: p["variants"][0]["option_values"].pop("Compound"),
                "variant BP-R-C has no value for the option 'Compound'",
            ),
            (
                lambda p: p["variants"][0]["option_values"].update(Axle="Middle"),
                "'Middle', which is not one of the option's values",
            ),
            (
                lambda p: p["variants"][0]["option_values"].update(Colour="Red"),
                "'Colour', which is not an option of the product",
            ),
            (
                lambda p: p["variants"][0]["option_values"].update(Axle="Front"),
                "the variants BP-R-C and BP-F-C are both Front / Ceramic",
            ),
            (lambda p: p.update(options=[]), "3 variants but no options"),
            (lambda p: p.update(variants=[]), "no variant"),
            (lambda p: p["options"].append({"name": "axle", "values": ["x"]}), "two options"),
            (lambda p: p["attributes"].update(condition="Broken"), "'Broken' is not one of"),
            (lambda p: p["attributes"].update(colour="Red"), "unknown attribute"),
        ]
        for change, message in cases:
            with self.subTest(message=message), self.assertRaisesRegex(ValueError, message):
                product_set_input(broken(change))
        with self.assertRaisesRegex(ValueError, "namespace"):
            product_set_input(brake_pads(), namespace="a b")

    def test_condition_case_insensitive(self):
        product = brake_pads()
        product["attributes"] = {"condition": "remanufactured", "brand": " Brembo "}
        metafields = {m["key"]: m["value"] for m in product_set_input(product)["metafields"]}
        self.assertEqual(metafields["condition"], "Remanufactured")
        self.assertEqual(metafields["brand"], "Brembo")
        self.assertNotIn("oem_number", metafields)


@tagged("post_install", "-at_install")
class TestProductSchema(BaseCase):
    """What the mapping produces is accepted by the real 2026-10 schema."""

    def test_product_set_input_validates(self):
        for product in (brake_pads(), oil_filter()):
            variables = {"input": product_set_input(product)}
            self.assertEqual(coerce_variables("ProductSet", variables), [])
            # With the identifier the caller adds for an update.
            variables["identifier"] = {"id": "gid://shopify/Product/1"}
            self.assertEqual(coerce_variables("ProductSet", variables), [])
        # Money goes as strings (the custom scalar would take a float too).
        for variant in product_set_input(brake_pads())["variants"]:
            self.assertIsInstance(variant["price"], str)

    def test_the_check_catches_mistakes(self):
        variables = {"input": product_set_input(brake_pads())}
        variables["input"]["variants"][2]["inventoryItem"]["measurement"]["weight"] = {
            "value": 1.2,
            "unit": "KILOGRAM",
        }
        variables["input"]["variants"][1]["weight"] = 1.0
        errors = coerce_variables("ProductSet", variables)
        self.assertEqual(len(errors), 2, errors)
        self.assertTrue(any("KILOGRAM" in error for error in errors), errors)
        self.assertTrue(any("'weight'" in error for error in errors), errors)

    def test_metafield_definitions_validate(self):
        definitions = metafield_definitions()
        self.assertEqual(
            [(d["key"], d["type"]) for d in definitions],
            [
                ("fitment", "json"),
                ("condition", "single_line_text_field"),
                ("oem_number", "single_line_text_field"),
                ("brand", "single_line_text_field"),
            ],
        )
        for definition in definitions:
            self.assertEqual(definition["ownerType"], "PRODUCT")
            self.assertEqual(definition["namespace"], "motorparts")
            self.assertTrue(definition["name"] and definition["description"])
            self.assertEqual(
                coerce_variables("MetafieldDefinitionCreate", {"definition": definition}), []
            )
        condition = definitions[1]
        self.assertEqual(
            json.loads(condition["validations"][0]["value"]), ["New", "Used", "Remanufactured"]
        )
        # Every metafield product_set_input writes has a definition of the same type.
        types = {(d["namespace"], d["key"]): d["type"] for d in metafield_definitions("shop")}
        product = brake_pads()
        product["attributes"]["brand"] = "Brembo"
        for metafield in product_set_input(product, namespace="shop")["metafields"]:
            self.assertEqual(types[(metafield["namespace"], metafield["key"])], metafield["type"])

    def test_product_handle_names_one_odoo_product_in_shopify_form(self):
        self.assertEqual(
            product_handle("  Brake Pad Set \u2013 Front (Ceramic) ", 42),
            "brake-pad-set-front-ceramic-odoo-42",
        )
        self.assertEqual(
            product_handle("Bremsbeläge Vorderachse", 7), "bremsbelage-vorderachse-odoo-7"
        )
        self.assertEqual(product_handle("", 3), "product-odoo-3")
        self.assertEqual(product_handle("???", 3), "product-odoo-3")
        long = product_handle("Turbo " * 100, 123456)
        self.assertEqual(len(long), 255)
        self.assertTrue(long.endswith("-odoo-123456") and "--" not in long)
        handle = product_handle("Brake pads", 1)
        self.assertEqual(
            coerce_variables(
                "ProductSet",
                {
                    "input": dict(product_set_input(brake_pads()), handle=handle),
                    "identifier": {"handle": handle},
                },
            ),
            [],
        )
