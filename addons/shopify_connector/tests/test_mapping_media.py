"""mapping/product.py's images: the product's and variants' images as productSet
``files`` carried by checksum, and what is sent once their sources are known."""

import copy
import hashlib

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from odoo.addons.shopify_connector.mapping.product import (
    files_input,
    image_checksums,
    media_filename,
    product_set_input,
    without_images,
)
from odoo.addons.shopify_connector.tests.test_mapping_product import (
    brake_pads,
    coerce_variables,
    oil_filter,
)


def sha(content):
    return hashlib.sha256(content).hexdigest()


PADS = sha(b"pads")
REAR = sha(b"rear pads")
FRONT_ORGANIC = sha(b"front organic")


def pads_with_images():
    """Brake pads with a product image, and own images on two of three variants."""
    product = brake_pads()
    product["images"] = [{"sha256": PADS, "mime_type": "image/jpeg", "alt": None}]
    by_sku = {variant["sku"]: variant for variant in product["variants"]}
    by_sku["BP-R-C"]["image"] = {"sha256": REAR, "mime_type": "image/png", "alt": "Rear pads"}
    by_sku["BP-F-O"]["image"] = {
        "sha256": FRONT_ORGANIC,
        "mime_type": "image/webp",
        "alt": "Front, organic",
    }
    return product


@tagged("post_install", "-at_install")
class TestProductFiles(BaseCase):
    def test_a_product_without_images_has_no_files(self):
        result = product_set_input(oil_filter())
        self.assertNotIn("files", result)
        self.assertNotIn("file", result["variants"][0])
        self.assertEqual(image_checksums(result), [])

    def test_product_image_first_then_variant_images_by_checksum(self):
        result = product_set_input(pads_with_images())
        self.assertEqual(
            result["files"],
            [
                {
                    "alt": "Brake pad set",
                    "contentType": "IMAGE",
                    "filename": "brake-pad-set-%s.jpg" % PADS[:16],
                    "sha256": PADS,
                },
                {
                    "alt": "Front, organic",
                    "contentType": "IMAGE",
                    "filename": "brake-pad-set-%s.webp" % FRONT_ORGANIC[:16],
                    "sha256": FRONT_ORGANIC,
                },
                {
                    "alt": "Rear pads",
                    "contentType": "IMAGE",
                    "filename": "brake-pad-set-%s.png" % REAR[:16],
                    "sha256": REAR,
                },
            ],
            "variant images in variant order (Front/Organic before Rear/Ceramic)",
        )
        files = {variant["sku"]: variant.get("file") for variant in result["variants"]}
        self.assertIsNone(files["BP-F-C"], "no image of its own: it shows the product's")
        self.assertEqual(files["BP-F-O"], result["files"][1])
        self.assertEqual(files["BP-R-C"], result["files"][2])
        self.assertEqual(image_checksums(result), [PADS, FRONT_ORGANIC, REAR])

    def test_one_content_is_one_file(self):
        product = pads_with_images()
        for variant in product["variants"]:
            variant["image"] = {"sha256": REAR, "mime_type": "image/png", "alt": variant["sku"]}
        product["images"].append({"sha256": PADS, "mime_type": "image/jpeg", "alt": "again"})
        result = product_set_input(product)
        self.assertEqual(image_checksums(result), [PADS, REAR])
        self.assertEqual(result["files"][1]["alt"], "BP-F-C", "the first variant's alt")
        self.assertEqual({v["file"]["sha256"] for v in result["variants"]}, {REAR})

    def test_the_checksum_changes_the_input_and_nothing_else_does(self):
        first = product_set_input(pads_with_images())
        shuffled = pads_with_images()
        shuffled["variants"].reverse()
        self.assertEqual(product_set_input(shuffled), first, "the same images, the same input")
        changed = pads_with_images()
        changed["images"][0]["sha256"] = sha(b"new photo")
        second = product_set_input(changed)
        self.assertNotEqual(second, first)
        self.assertEqual(without_images(second, [sha(b"new photo")]), without_images(first, [PADS]))

    def test_a_bad_checksum_names_the_product(self):
        product = pads_with_images()
        product["variants"][0]["image"]["sha256"] = "not a checksum"
        with self.assertRaisesRegex(ValueError, "'Brake pad set': the image of variant BP-R-C"):
            product_set_input(product)

    def test_filenames(self):
        self.assertEqual(
            media_filename("Brake Disc, Front", PADS, "image/png"),
            "brake-disc-front-%s.png" % PADS[:16],
        )
        self.assertEqual(
            media_filename("???", PADS, "application/x-thing"), "product-%s.img" % PADS[:16]
        )
        long = media_filename("Turbo " * 50, PADS, "image/jpeg")
        self.assertLessEqual(len(long), 60 + 1 + 16 + 4)
        self.assertTrue(long.startswith("turbo-turbo-") and "--" not in long)


@tagged("post_install", "-at_install")
class TestFilesInput(BaseCase):
    def test_known_media_by_id_new_ones_by_their_staged_source(self):
        payload = product_set_input(pads_with_images())
        before = copy.deepcopy(payload)
        sources = {
            PADS: {"id": "gid://shopify/MediaImage/1"},
            FRONT_ORGANIC: {"originalSource": "https://shopify-staged-uploads.example/tmp/a"},
            REAR: {"originalSource": "https://shopify-staged-uploads.example/tmp/b"},
        }
        sent = files_input(payload, sources)
        self.assertEqual(payload, before, "the payload (hashed) is left as it is")
        self.assertEqual(
            sent["files"],
            [
                {"id": "gid://shopify/MediaImage/1", "alt": "Brake pad set"},
                {
                    "originalSource": "https://shopify-staged-uploads.example/tmp/a",
                    "alt": "Front, organic",
                    "contentType": "IMAGE",
                    "filename": "brake-pad-set-%s.webp" % FRONT_ORGANIC[:16],
                },
                {
                    "originalSource": "https://shopify-staged-uploads.example/tmp/b",
                    "alt": "Rear pads",
                    "contentType": "IMAGE",
                    "filename": "brake-pad-set-%s.png" % REAR[:16],
                },
            ],
        )
        files = {variant["sku"]: variant.get("file") for variant in sent["variants"]}
        self.assertEqual(
            files, {"BP-F-C": None, "BP-F-O": sent["files"][1], "BP-R-C": sent["files"][2]}
        )
        self.assertEqual(coerce_variables("ProductSet", {"input": sent}), [])
        self.assertTrue(
            coerce_variables("ProductSet", {"input": payload}),
            "the payload itself carries checksums: Shopify would refuse it",
        )

    def test_an_image_without_source_is_left_out_everywhere(self):
        payload = product_set_input(pads_with_images())
        sent = files_input(payload, {PADS: {"id": "gid://shopify/MediaImage/1"}})
        self.assertEqual(
            sent["files"], [{"id": "gid://shopify/MediaImage/1", "alt": "Brake pad set"}]
        )
        self.assertFalse([v for v in sent["variants"] if "file" in v])
        self.assertEqual(files_input(payload, {})["files"], [])

    def test_images_removed_in_odoo_are_removed_from_shopify(self):
        payload = product_set_input(oil_filter())
        self.assertNotIn("files", files_input(payload, {}), "never had one: media left alone")
        self.assertEqual(files_input(payload, {}, had_media=True)["files"], [])
        self.assertEqual(
            coerce_variables("ProductSet", {"input": files_input(payload, {}, had_media=True)}), []
        )
