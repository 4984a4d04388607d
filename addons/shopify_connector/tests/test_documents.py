"""The GraphQL documents of api/graphql/ against the pinned 2026-10 schema."""

import sys
from pathlib import Path

from graphql import get_operation_ast, parse

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from odoo.addons.shopify_connector.api import client, codegen, documents, schema
from odoo.addons.shopify_connector.api.documents import DOCUMENTS, OPERATION_KINDS

REPO_ROOT = Path(__file__).resolve().parents[3]
MAX_QUERY_COST = 1000  # Shopify's limit on the requested cost of a single query

# What the connector needs (the api brief); more documents may exist.
REQUIRED_OPERATIONS = {
    "ShopInfo",
    "ProductSet",
    "ProductMedia",
    "VariantsBySku",
    "ProductArchive",
    "MetafieldDefinitions",
    "MetafieldDefinitionCreate",
    "CollectionsByTitle",
    "CollectionCreate",
    "CollectionAddProducts",
    "InventorySetQuantities",
    "InventoryLevels",
    "OrdersUpdatedSince",
    "Order",
    "Refund",
    "FulfillmentOrders",
    "FulfillmentCreate",
    "OrderFulfillments",
    "FulfillmentTrackingInfoUpdate",
    "WebhookSubscriptions",
    "WebhookSubscriptionCreate",
    "WebhookSubscriptionDelete",
    "BulkOperationRunQuery",
    "BulkOperationRunMutation",
    "StagedUploadsCreate",
    "CurrentBulkOperation",
    "BulkOperation",
}

# The largest variables the client sends, per operation (its page sizes).
LARGEST_VARIABLES = {
    "OrdersUpdatedSince": {
        "first": client.MAX_ORDERS_PER_PAGE,
        "lineItemsFirst": client.ORDER_LIST_LINE_ITEMS,
    },
    "Order": {"lineItemsFirst": client.ORDER_LINE_ITEMS},
    "OrderLineItems": {"first": client.LINE_ITEMS_PAGE},
    "RefundLineItems": {"first": client.REFUND_LINE_ITEMS_PAGE},
    "FulfillmentOrders": {
        "first": client.FULFILLMENT_ORDERS_PAGE,
        "lineItemsFirst": client.FULFILLMENT_ORDER_LINE_ITEMS,
    },
    "FulfillmentOrderLineItems": {"first": client.FULFILLMENT_ORDER_LINE_ITEMS_PAGE},
    "OrderFulfillments": {
        "first": client.ORDER_FULFILLMENTS,
        "lineItemsFirst": client.ORDER_FULFILLMENT_LINE_ITEMS,
    },
    "VariantsBySku": {"first": client.VARIANTS_PAGE},
    "WebhookSubscriptions": {"first": client.WEBHOOKS_PAGE},
    "MetafieldDefinitions": {"first": client.METAFIELD_DEFINITIONS_PAGE},
    "CollectionsByTitle": {"first": 10},
    "ProductMedia": {"first": client.MEDIA_PAGE},
}


@tagged("post_install", "-at_install")
class TestDocuments(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.documents = documents.load_documents()
        cls.operations = documents.operations(cls.documents)

    def test_every_operation_validates_against_the_schema(self):
        self.assertTrue(self.operations)
        for name in self.operations:
            with self.subTest(operation=name):
                text = documents.document_text(name, self.documents)
                self.assertEqual(schema.validate(text), [], "%s is not valid in 2026-10" % name)

    def test_every_fragment_is_used(self):
        used = set()
        for name in self.operations:
            used.update(documents.fragments_used(name, self.documents))
        fragments = set(self.documents) - set(self.operations)
        self.assertEqual(fragments - used, set(), "fragments no operation uses")

    def test_the_connector_operations_exist(self):
        self.assertEqual(REQUIRED_OPERATIONS - set(self.operations), set())

    def test_validation_rejects_what_2026_10_does_not_have(self):
        bad_field = "query ShopInfo { shop { id madeUpField } }"
        self.assertEqual(len(schema.validate(bad_field)), 1)
        self.assertIn("madeUpField", schema.validate(bad_field)[0])
        # 2026-10 dropped ignoreCompareQuantity (changeFromQuantity replaced it).
        dropped = (
            "mutation Inv($q: [InventoryQuantityInput!]!) { inventorySetQuantities(input: "
            '{name: "available", reason: "correction", ignoreCompareQuantity: true, '
            "quantities: $q}) { userErrors { field } } }"
        )
        self.assertIn("ignoreCompareQuantity", " ".join(schema.validate(dropped)))
        self.assertTrue(schema.validate("query { shop { name } "), "syntax errors too")

    def test_generated_types_are_current(self):
        self.assertTrue(
            codegen.is_current(),
            "api/generated_types.py is stale: run `%s`" % codegen.REGENERATE,
        )
        self.assertEqual(set(DOCUMENTS), set(self.operations))
        for name, definition in self.operations.items():
            self.assertEqual(OPERATION_KINDS[name], definition.operation.value)

    def test_requested_costs_stay_under_the_single_query_limit(self):
        if str(REPO_ROOT) not in sys.path:
            sys.path.insert(0, str(REPO_ROOT))
        from sandbox.shopify.cost import CostCalculator

        pinned = schema.load_schema()
        for name, text in DOCUMENTS.items():
            with self.subTest(operation=name):
                document = parse(text)
                operation = get_operation_ast(document, name)
                variables = LARGEST_VARIABLES.get(name, {})
                declared = {v.variable.name.value for v in operation.variable_definitions}
                sized = {"first", "lineItemsFirst"} & declared
                self.assertEqual(sized - set(variables), set(), "give %s its page sizes" % name)
                cost = CostCalculator(pinned, document, operation, variables).requested()
                self.assertLessEqual(cost, MAX_QUERY_COST, "%s costs %s points" % (name, cost))
