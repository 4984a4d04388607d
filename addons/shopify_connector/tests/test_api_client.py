"""ShopifyClient against recorded sandbox answers: shop, products, inventory, orders,
fulfillments and webhooks (see test_api_common for recording)."""

from odoo.tests import tagged

from odoo.addons.shopify_connector.api.client import ShopifyUserError
from odoo.addons.shopify_connector.tests.test_api_common import ShopifyCassetteCase

LOCATION = {"name": "Main Warehouse", "city": "Leeds", "countryCode": "GB", "zip": "LS1 1AA"}


def _product(title, skus, stock=50, location="Main Warehouse"):
    """A sandbox seed product with one option and a variant per SKU."""
    return {
        "title": title,
        "vendor": "StopTech",
        "options": [{"name": "Part", "values": list(skus)}],
        "variants": [
            {"sku": sku, "price": "10.00", "options": [sku], "inventory": {location: stock}}
            for sku in skus
        ],
    }


ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "company": "Analytical Engines",
    "address1": "1 Mill Lane",
    "city": "Leeds",
    "zip": "LS1 1AA",
    "country_code": "GB",
    "phone": "+44 113 000 0000",
}


@tagged("post_install", "-at_install")
class TestShopAndProducts(ShopifyCassetteCase):
    def test_shop_info(self):
        self.sandbox(
            "POST", "/seed", {"locations": [LOCATION, {"name": "Trade Counter", "city": "York"}]}
        )
        with self.cassette("shop_info"):
            info = self.client().shop_info()
        self.assertTrue(info["shop"]["id"].startswith("gid://shopify/Shop/"))
        self.assertTrue(info["shop"]["myshopifyDomain"].endswith(".myshopify.com"))
        self.assertEqual(info["shop"]["currencyCode"], "GBP")
        locations = info["locations"]["nodes"]
        self.assertEqual([loc["name"] for loc in locations], ["Main Warehouse", "Trade Counter"])
        self.assertTrue(all(loc["isActive"] for loc in locations))

    def test_product_set_with_three_variants_and_options(self):
        self.sandbox("POST", "/seed", {"locations": [LOCATION]})
        options = [
            {"name": "Axle", "values": [{"name": "Front"}, {"name": "Rear"}]},
            {"name": "Pack", "values": [{"name": "Single"}, {"name": "Pair"}]},
        ]
        combos = [("BP-1-FS", "Front", "Single"), ("BP-1-FP", "Front", "Pair")]
        combos.append(("BP-1-RS", "Rear", "Single"))
        product_input = {
            "title": "Brake Pad Set",
            "vendor": "StopTech",
            "status": "ACTIVE",
            "productOptions": options,
            "variants": [
                {
                    "sku": sku,
                    "price": "45.00",
                    "optionValues": [
                        {"optionName": "Axle", "name": axle},
                        {"optionName": "Pack", "name": pack},
                    ],
                }
                for sku, axle, pack in combos
            ],
        }
        with self.cassette("product_set"):
            client = self.client()
            product = client.product_set(product_input)
            # Again by id, one variant fewer and a new price: an update, not a copy.
            product_input["variants"] = product_input["variants"][:2]
            product_input["variants"][0]["price"] = "49.00"
            updated = client.product_set(product_input, identifier={"id": product["id"]})
        self.assertTrue(product["id"].startswith("gid://shopify/Product/"))
        self.assertEqual(product["handle"], "brake-pad-set")
        self.assertEqual(product["status"], "ACTIVE")
        variants = product["variants"]["nodes"]
        self.assertEqual([v["sku"] for v in variants], ["BP-1-FS", "BP-1-FP", "BP-1-RS"])
        self.assertEqual(
            variants[2]["selectedOptions"],
            [{"name": "Axle", "value": "Rear"}, {"name": "Pack", "value": "Single"}],
        )
        for variant in variants:
            self.assertTrue(
                variant["inventoryItem"]["id"].startswith("gid://shopify/InventoryItem/")
            )
        self.assertEqual(updated["id"], product["id"])
        self.assertEqual([v["sku"] for v in updated["variants"]["nodes"]], ["BP-1-FS", "BP-1-FP"])
        self.assertEqual(
            [v["id"] for v in updated["variants"]["nodes"]], [v["id"] for v in variants[:2]]
        )
        self.assertEqual(len(self.requests_sent), 2)

    def test_variants_by_sku(self):
        self.sandbox(
            "POST",
            "/seed",
            {
                "locations": [LOCATION],
                "products": [
                    _product("Brake Pad Set", ["BP-100-F", "BP-100-R"]),
                    _product("Brake Pad Set XL", ["BP-100-FX"]),
                    _product("Oil Filter", ["OF-1"]),
                ],
            },
        )
        with self.cassette("variants_by_sku"):
            variants = self.client().variants_by_sku(["BP-100-F", "BP-100-R", "NOPE", "BP-100-F"])
        self.assertEqual(sorted(v["sku"] for v in variants), ["BP-100-F", "BP-100-R"])
        self.assertEqual(len({v["product"]["id"] for v in variants}), 1, "same product")
        for variant in variants:
            self.assertTrue(variant["id"].startswith("gid://shopify/ProductVariant/"))
            self.assertTrue(
                variant["inventoryItem"]["id"].startswith("gid://shopify/InventoryItem/")
            )
        query = self.requests_sent[0]["json"]["variables"]["query"]
        self.assertEqual(query, 'sku:"BP-100-F" OR sku:"BP-100-R" OR sku:"NOPE"')

    def test_archive_product(self):
        self.sandbox(
            "POST", "/seed", {"locations": [LOCATION], "products": [_product("Old", ["OLD-1"])]}
        )
        with self.cassette("product_archive"):
            client = self.client()
            product_id = client.variants_by_sku(["OLD-1"])[0]["product"]["id"]
            archived = client.archive_product(product_id)
        self.assertEqual(archived, {"id": product_id, "status": "ARCHIVED"})

    def test_user_error_is_a_shopify_user_error(self):
        self.sandbox("POST", "/seed", {"locations": [LOCATION]})
        with self.cassette("user_error"):
            client = self.client()
            location_id = client.shop_info()["locations"]["nodes"][0]["id"]
            with self.assertRaises(ShopifyUserError) as caught:
                client.set_inventory(
                    [
                        {
                            "inventoryItemId": "gid://shopify/InventoryItem/424242",
                            "locationId": location_id,
                            "quantity": 3,
                        }
                    ],
                    "correction",
                    "gid://odoo/stock.quant/1",
                )
        error = caught.exception
        self.assertFalse(error.retryable)
        self.assertEqual(
            error.user_errors,
            [
                {
                    "field": ["input", "quantities", "0", "inventoryItemId"],
                    "message": "The specified inventory item could not be found.",
                    "code": "INVALID_INVENTORY_ITEM",
                }
            ],
        )
        self.assertEqual(
            error.message,
            "Shopify refused InventorySetQuantities: input.quantities[0].inventoryItemId: "
            "The specified inventory item could not be found.",
        )


@tagged("post_install", "-at_install")
class TestMetafieldsAndCollections(ShopifyCassetteCase):
    def test_metafield_definitions(self):
        definition = {
            "namespace": "motor_parts",
            "key": "oem_number",
            "name": "OEM number",
            "type": "single_line_text_field",
            "ownerType": "PRODUCTVARIANT",
        }
        with self.cassette("metafield_definitions"):
            client = self.client()
            self.assertEqual(client.metafield_definitions("PRODUCTVARIANT", "motor_parts"), [])
            created = client.metafield_definition_create(definition)
            listed = client.metafield_definitions("PRODUCTVARIANT", "motor_parts")
            with self.assertRaises(ShopifyUserError) as caught:
                client.metafield_definition_create(definition)
        self.assertEqual(created["key"], "oem_number")
        self.assertEqual(created["type"], {"name": "single_line_text_field"})
        self.assertEqual(listed, [created])
        self.assertIn("Shopify refused MetafieldDefinitionCreate", caught.exception.message)

    def test_collections(self):
        self.sandbox(
            "POST",
            "/seed",
            {
                "locations": [LOCATION],
                "products": [_product("Pads", ["P-1"]), _product("Discs", ["D-1"])],
            },
        )
        with self.cassette("collections"):
            client = self.client()
            self.assertEqual(client.collections_by_title("Brakes"), [])
            collection = client.collection_create("Brakes", handle="brakes")
            products = [v["product"]["id"] for v in client.variants_by_sku(["P-1", "D-1"])]
            calls = client.collection_add_products(collection["id"], products)
            found = client.collections_by_title("Brakes")
        self.assertEqual(collection["title"], "Brakes")
        self.assertEqual(collection["handle"], "brakes")
        self.assertEqual(calls, 1)
        self.assertEqual(found, [collection])


@tagged("post_install", "-at_install")
class TestInventory(ShopifyCassetteCase):
    def test_set_inventory_600_quantities_in_3_calls(self):
        locations = [dict(LOCATION, name="Depot %d" % n) for n in range(1, 7)]
        skus = ["SKU-%03d" % n for n in range(100)]
        self.sandbox(
            "POST",
            "/seed",
            {"locations": locations, "products": [_product("Spark Plug", skus, 0, "Depot 1")]},
        )
        with self.cassette("set_inventory_600"):
            client = self.client()
            location_ids = [loc["id"] for loc in client.shop_info()["locations"]["nodes"]]
            items = [v["inventoryItem"]["id"] for v in client.variants_by_sku(skus)]
            quantities = [
                {"inventoryItemId": item, "locationId": loc, "quantity": n % 17}
                for n, (item, loc) in enumerate(
                    (item, loc) for item in items for loc in location_ids
                )
            ]
            self.assertEqual(len(quantities), 600)
            before = len(self.requests_sent)
            calls = client.set_inventory(quantities, "correction", "gid://odoo/stock.move/42")
            sent = self.requests_sent[before:]
            levels = client.inventory_levels(items[:2] + items[-1:], location_ids[-1])
        self.assertEqual(calls, 3)
        self.assertEqual(len(sent), 3)
        batches = [request["json"]["variables"]["quantities"] for request in sent]
        self.assertEqual([len(batch) for batch in batches], [250, 250, 100])
        for batch in batches:
            for quantity in batch:
                self.assertIn("changeFromQuantity", quantity)
                self.assertIsNone(quantity["changeFromQuantity"])
        self.assertEqual(sent[0]["json"]["variables"]["reason"], "correction")
        self.assertEqual(
            sent[0]["json"]["variables"]["referenceDocumentUri"], "gid://odoo/stock.move/42"
        )
        expected = {q["inventoryItemId"]: q["quantity"] for q in quantities[5::6]}
        for item, level in levels.items():
            self.assertEqual(level["available"], expected[item])
            self.assertEqual(level["on_hand"], expected[item])


@tagged("post_install", "-at_install")
class TestOrders(ShopifyCassetteCase):
    def _order(self, email, lines, **extra):
        body = {
            "email": email,
            "customer": {"first_name": "Ada", "last_name": "Lovelace", "email": email},
            "line_items": [{"sku": sku, "quantity": qty} for sku, qty in lines],
            "shipping_address": ADDRESS,
            "billing_address": ADDRESS,
            "shipping": {"title": "Standard", "price": "4.99"},
            "tax_rate": 0.2,
        }
        body.update(extra)
        self.sandbox("POST", "/orders", body)

    def test_orders_updated_since_paging(self):
        skus = ["PART-%02d" % n for n in range(12)]
        self.sandbox(
            "POST", "/seed", {"locations": [LOCATION], "products": [_product("Kit", skus, 100)]}
        )
        for n in range(6):
            self._order("buyer%d@example.com" % n, [(skus[n], 1)])
        self._order("garage@example.com", [(sku, 2) for sku in skus])  # 12 lines
        with self.cassette("orders_updated_since"):
            client = self.client()
            pages, cursor = [], None
            while True:
                orders, cursor = client.orders_updated_since(
                    "2000-01-01T00:00:00Z", after=cursor, first=3
                )
                pages.append(orders)
                if not cursor:
                    break
        self.assertEqual([len(page) for page in pages], [3, 3, 1])
        orders = [order for page in pages for order in page]
        self.assertEqual(len({order["id"] for order in orders}), 7)
        self.assertEqual([o["updatedAt"] for o in orders], sorted(o["updatedAt"] for o in orders))
        garage = orders[-1]
        self.assertEqual(garage["email"], "garage@example.com")
        self.assertEqual(len(garage["lineItems"]["nodes"]), 12, "line items past 10 fetched")
        self.assertFalse(garage["lineItems"]["pageInfo"]["hasNextPage"])
        self.assertEqual([line["sku"] for line in garage["lineItems"]["nodes"]], skus)
        line = garage["lineItems"]["nodes"][0]
        self.assertEqual(line["quantity"], 2)
        self.assertEqual(line["originalUnitPriceSet"]["shopMoney"]["amount"], "10.0")
        self.assertEqual(line["taxLines"][0]["rate"], 0.2)
        self.assertEqual(garage["customer"]["defaultEmailAddress"]["emailAddress"], garage["email"])
        self.assertEqual(garage["shippingAddress"]["countryCodeV2"], "GB")
        self.assertEqual(garage["shippingAddress"]["company"], "Analytical Engines")
        self.assertEqual(garage["shippingLines"]["nodes"][0]["title"], "Standard")
        self.assertEqual(garage["currencyCode"], "GBP")
        self.assertEqual(garage["displayFinancialStatus"], "PAID")
        self.assertIsNone(garage["cancelledAt"])
        self.assertTrue(garage["currentTotalPriceSet"]["shopMoney"]["amount"])
        self.assertEqual(line["currentQuantity"], 2)
        self.assertEqual(garage["refunds"], [])
        # 3 pages and one OrderLineItems call for the garage's last 2 lines.
        names = [request["json"]["operationName"] for request in self.requests_sent]
        self.assertEqual(names, ["OrdersUpdatedSince"] * 3 + ["OrderLineItems"])

    def test_an_edited_and_refunded_order_is_read_as_it_is_now(self):
        self.sandbox(
            "POST",
            "/seed",
            {"locations": [LOCATION], "products": [_product("Kit", ["E-1", "E-2"])]},
        )
        self._order("edited@example.com", [("E-1", 3), ("E-2", 1)])  # #1001
        self.sandbox("POST", "/orders/1001/edit", {"set_quantity": [{"sku": "E-2", "quantity": 0}]})
        self.sandbox(
            "POST",
            "/orders/1001/refund",
            {
                "line_items": [{"sku": "E-1", "quantity": 1, "restock_type": "cancel"}],
                "shipping": {"full_refund": True},
                "amount": "15.00",  # 12.00 + 5.99 worth
            },
        )
        with self.cassette("order_edited_refunded"):
            client = self.client()
            (polled,), _cursor = client.orders_updated_since("2000-01-01T00:00:00Z")
            read = client.order(polled["id"])
        names = [request["json"]["operationName"] for request in self.requests_sent]
        self.assertEqual(names, ["OrdersUpdatedSince", "Refund", "Order", "Refund"])
        self.assertEqual(polled, read)
        lines = read["lineItems"]["nodes"]
        self.assertEqual(
            [(li["quantity"], li["currentQuantity"]) for li in lines], [(3, 2), (1, 0)]
        )
        self.assertEqual(read["currentTotalPriceSet"]["shopMoney"]["amount"], "24.0")
        shipping = read["shippingLines"]["nodes"][0]
        self.assertEqual(shipping["currentDiscountedPriceSet"]["shopMoney"]["amount"], "0.0")
        (refund,) = read["refunds"]
        self.assertEqual(refund["totalRefundedSet"]["shopMoney"]["amount"], "15.0")
        (item,) = refund["refundLineItems"]["nodes"]
        self.assertEqual((item["quantity"], item["restockType"]), (1, "CANCEL"))
        self.assertEqual(item["lineItem"]["id"], lines[0]["id"])
        self.assertEqual(
            refund["refundShippingLines"]["nodes"][0]["subtotalAmountSet"]["shopMoney"]["amount"],
            "4.99",
        )

    def test_partial_fulfillment(self):
        self.sandbox(
            "POST",
            "/seed",
            {"locations": [LOCATION], "products": [_product("Kit", ["A-1", "B-2"], 10)]},
        )
        self._order("buyer@example.com", [("A-1", 3), ("B-2", 1)])
        with self.cassette("fulfillment_partial"):
            client = self.client()
            (order,), _cursor = client.orders_updated_since("2000-01-01T00:00:00Z")
            (fulfillment_order,) = client.fulfillment_orders(order["id"])
            lines = {
                line["lineItem"]["sku"]: line for line in fulfillment_order["lineItems"]["nodes"]
            }
            fulfillment = client.fulfillment_create(
                {fulfillment_order["id"]: {lines["A-1"]["id"]: 2}},
                tracking_number="1Z999AA10123456784",
                tracking_company="UPS",
                tracking_url="https://www.ups.com/track?tracknum=1Z999AA10123456784",
            )
            (after,) = client.fulfillment_orders(order["id"])
            reloaded = client.order(order["id"])
        self.assertEqual(fulfillment_order["status"], "OPEN")
        self.assertEqual(lines["A-1"]["remainingQuantity"], 3)
        self.assertTrue(fulfillment["id"].startswith("gid://shopify/Fulfillment/"))
        self.assertEqual(fulfillment["status"], "SUCCESS")
        self.assertEqual(
            fulfillment["trackingInfo"][0],
            {
                "number": "1Z999AA10123456784",
                "company": "UPS",
                "url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
            },
        )
        remaining = {
            line["lineItem"]["sku"]: line["remainingQuantity"]
            for line in after["lineItems"]["nodes"]
        }
        self.assertEqual(remaining, {"A-1": 1, "B-2": 1})
        self.assertEqual(after["status"], "IN_PROGRESS")
        self.assertEqual(reloaded["displayFulfillmentStatus"], "PARTIALLY_FULFILLED")
        sent = self.requests_sent[2]["json"]["variables"]["fulfillment"]
        self.assertFalse(sent["notifyCustomer"])


@tagged("post_install", "-at_install")
class TestWebhookSubscriptions(ShopifyCassetteCase):
    def test_create_list_delete(self):
        uri = "https://odoo.example.com/shopify/webhook/1"
        with self.cassette("webhook_subscriptions"):
            client = self.client()
            created = client.webhook_subscription_create("ORDERS_CREATE", uri)
            client.webhook_subscription_create("PRODUCTS_UPDATE", uri)
            listed = client.webhook_subscriptions()
            deleted = client.webhook_subscription_delete(created["id"])
            remaining = client.webhook_subscriptions()
        self.assertEqual(created["topic"], "ORDERS_CREATE")
        self.assertEqual(created["uri"], uri)
        self.assertEqual(created["format"], "JSON")
        self.assertEqual(sorted(s["topic"] for s in listed), ["ORDERS_CREATE", "PRODUCTS_UPDATE"])
        self.assertEqual(deleted, created["id"])
        self.assertEqual([s["topic"] for s in remaining], ["PRODUCTS_UPDATE"])
