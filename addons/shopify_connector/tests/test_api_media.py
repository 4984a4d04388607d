"""ShopifyClient's product media against recorded sandbox answers: staged image
uploads, productSet ``files`` and a variant's ``file``, the media's processing (see
test_api_common for recording)."""

import base64

from odoo.tests import tagged

from odoo.addons.shopify_connector.tests.test_api_common import ShopifyCassetteCase

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg=="
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"/>'


def _input(files, variant_files=(None, None)):
    variants = []
    for axle, given in zip(("Front", "Rear"), variant_files, strict=True):
        variant = {
            "sku": "BD-%s" % axle[0],
            "price": "30.00",
            "optionValues": [{"optionName": "Axle", "name": axle}],
        }
        if given:
            variant["file"] = given
        variants.append(variant)
    return {
        "title": "Brake disc",
        "productOptions": [{"name": "Axle", "values": [{"name": "Front"}, {"name": "Rear"}]}],
        "variants": variants,
        "files": files,
    }


@tagged("post_install", "-at_install")
class TestProductMedia(ShopifyCassetteCase):
    def test_images_staged_uploaded_and_attached_through_product_set(self):
        self.sandbox("POST", "/seed", {"locations": [{"name": "Main Warehouse"}]})
        images = [("disc.png", "image/png", PNG), ("rear.svg", "image/svg+xml", SVG)]
        with self.cassette("product_media"):
            client = self.client()
            targets = client.staged_uploads(
                [
                    {"resource": "IMAGE", "filename": name, "mimeType": mime, "httpMethod": "POST"}
                    for name, mime, _content in images
                ]
            )
            for target, (name, mime, content) in zip(targets, images, strict=True):
                client.upload_staged(target["url"], target["parameters"], name, content, mime)
            disc, rear = (
                {
                    "originalSource": target["resourceUrl"],
                    "alt": alt,
                    "contentType": "IMAGE",
                    "filename": name,
                }
                for target, alt, (name, _mime, _content) in zip(
                    targets, ("Brake disc", "Rear disc"), images, strict=True
                )
            )
            product = client.product_set(_input([disc, rear], (None, rear)))
            media = client.product_media(product["id"])
            # The first kept by id, the second left out: Shopify deletes it.
            kept = {"id": media[0]["id"], "alt": "Brake disc, front"}
            updated = client.product_set(_input([kept]), identifier={"id": product["id"]})
            unknown = client.product_media("gid://shopify/Product/1")
        self.assertEqual(len(targets), 2)
        for target, (name, _mime, _content) in zip(targets, images, strict=True):
            self.assertIn("key", target["parameters"])
            self.assertTrue(target["resourceUrl"].endswith("/" + name))
        uploads = [r for r in self.requests_sent if r["url"] == targets[0]["url"]]
        self.assertEqual([r["json"] for r in uploads], [None, None], "forms, not GraphQL")
        answered = product["media"]["nodes"]
        self.assertEqual([m["alt"] for m in answered], ["Brake disc", "Rear disc"])
        self.assertEqual({m["status"] for m in answered}, {"UPLOADED"})
        self.assertEqual([m["id"] for m in media], [m["id"] for m in answered])
        self.assertEqual([m["status"] for m in media], ["READY", "FAILED"])
        self.assertEqual(media[0]["mediaErrors"], [])
        self.assertEqual(media[1]["mediaErrors"][0]["code"], "UNSUPPORTED_IMAGE_FILE_TYPE")
        self.assertEqual(
            [(m["id"], m["alt"]) for m in updated["media"]["nodes"]],
            [(media[0]["id"], "Brake disc, front")],
        )
        self.assertIsNone(unknown)
