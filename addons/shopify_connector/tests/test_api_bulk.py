"""Bulk operations: a query run to completion and read back, and a bulk mutation fed by
a staged upload (recorded against the sandbox)."""

from odoo.tests import tagged

from odoo.addons.shopify_connector.api.documents import DOCUMENTS
from odoo.addons.shopify_connector.tests.test_api_common import ShopifyCassetteCase

BULK_PRODUCTS = """
{
  products {
    edges {
      node {
        id
        title
        variants {
          edges {
            node {
              id
              sku
            }
          }
        }
      }
    }
  }
}
"""
FINISHED = ("COMPLETED", "FAILED", "CANCELED", "EXPIRED")


@tagged("post_install", "-at_install")
class TestBulkOperations(ShopifyCassetteCase):
    sandbox_config = {"bulk_step_delay": 0.05}

    def _wait(self, client, operation):
        for _attempt in range(100):
            if operation["status"] in FINISHED:
                return operation
            self.pause(0.05)
            operation = client.bulk_operation(operation["id"])
        self.fail("the bulk operation did not finish")

    def test_bulk_query_to_completion(self):
        self.sandbox(
            "POST",
            "/seed",
            {
                "locations": [{"name": "Main Warehouse"}],
                "products": [
                    {
                        "title": "Brake Pad Set",
                        "options": [{"name": "Axle", "values": ["Front", "Rear"]}],
                        "variants": [
                            {"sku": "BP-F", "price": "45.00", "options": ["Front"]},
                            {"sku": "BP-R", "price": "39.00", "options": ["Rear"]},
                        ],
                    }
                ],
            },
        )
        with self.cassette("bulk_query"):
            client = self.client()
            started = client.bulk_run_query(BULK_PRODUCTS)
            finished = self._wait(client, started)
            current = client.current_bulk_operation("QUERY")
            lines = client.download_jsonl(finished["url"])
        self.assertEqual(started["type"], "QUERY")
        self.assertIn(started["status"], ("CREATED", "RUNNING"))
        self.assertEqual(finished["status"], "COMPLETED")
        self.assertEqual(finished["objectCount"], "3")
        self.assertEqual(current["id"], started["id"])
        self.assertEqual(len(lines), 3)
        product = lines[0]
        self.assertEqual(product["title"], "Brake Pad Set")
        self.assertEqual(
            [(line["sku"], line["__parentId"]) for line in lines[1:]],
            [("BP-F", product["id"]), ("BP-R", product["id"])],
        )
        download = self.requests_sent[-1]
        self.assertEqual(download["method"], "GET")

    def test_bulk_mutation_from_a_staged_upload(self):
        self.sandbox("POST", "/seed", {"locations": [{"name": "Main Warehouse"}]})
        variables = b"".join(
            b'{"input": {"title": "Rotor %d", "status": "DRAFT"}}\n' % n for n in (1, 2)
        )
        with self.cassette("bulk_mutation"):
            client = self.client()
            url, params, staged_path = client.staged_upload_create("products.jsonl")
            client.upload_jsonl(url, params, variables)
            started = client.bulk_run_mutation(DOCUMENTS["ProductSet"], staged_path)
            finished = self._wait(client, started)
            lines = client.download_jsonl(finished["url"])
        self.assertEqual(params["key"], staged_path)
        self.assertTrue(staged_path.endswith("/products.jsonl"))
        self.assertEqual(started["type"], "MUTATION")
        self.assertEqual(finished["status"], "COMPLETED")
        self.assertEqual(len(lines), 2)
        handles = sorted(line["data"]["productSet"]["product"]["handle"] for line in lines)
        self.assertEqual(handles, ["rotor-1", "rotor-2"])
        self.assertEqual([line["data"]["productSet"]["userErrors"] for line in lines], [[], []])
