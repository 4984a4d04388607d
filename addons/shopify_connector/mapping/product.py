"""An Odoo product, as plain values, -> Shopify's ``productSet`` input (Admin API 2026-10).

Pure functions: no Odoo environment, no records, no HTTP. The input is what the Odoo side
builds (see ``product_set_input``); the output is a ``ProductSetInput`` as
``ShopifyClient.product_set`` sends it.

The output is deterministic: the same product gives an equal dict, key order included,
whatever the order of its tags, fitment rows or variants. The caller hashes it (for
instance ``json.dumps(value, sort_keys=True)``) to skip exports that would change nothing.

Images are carried by their content checksum (``sha256``) so that the hash changes when
an image does and only then; ``files_input`` turns them into the ``FileSetInput`` Shopify
takes once their bytes are on Shopify (a staged upload) or known there (a media id).

Bad input raises ``ValueError`` with a sentence a person can act on.
"""

import json
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from odoo.addons.motorparts_product.tools.fitment import clean_name as _name
from odoo.addons.motorparts_product.tools.fitment import clean_text as _text
from odoo.addons.motorparts_product.tools.fitment import fitment_rows

DEFAULT_NAMESPACE = "motorparts"
STATUSES = ("ACTIVE", "DRAFT", "ARCHIVED", "UNLISTED")  # ProductStatus (2026-10)
CONDITIONS = ("New", "Used", "Remanufactured")
MAX_OPTIONS = 3  # Shopify: at most three options per product
# What Shopify itself gives a product without options: one option, one value.
DEFAULT_OPTION_NAME = "Title"
DEFAULT_OPTION_VALUE = "Default Title"
CENT = Decimal("0.01")

# Images: Shopify's limit on alt text, and the file name's extension per type.
MAX_ALT_LENGTH = 512
MAX_FILENAME_STEM = 60
IMAGE_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/svg+xml": "svg",
}
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")

FITMENT_KEY = "fitment"
FITMENT_TYPE = "json"
TEXT_TYPE = "single_line_text_field"
# Attribute metafields: (key, name, description). The key is also the key of the input's
# ``attributes`` dict.
ATTRIBUTES = (
    ("condition", "Condition", "The condition of the part: New, Used or Remanufactured."),
    (
        "oem_number",
        "OEM part number",
        "The vehicle manufacturer's part number that this part matches or replaces.",
    ),
    ("brand", "Brand", "The brand of the part."),
)
ATTRIBUTE_KEYS = tuple(key for key, _name, _description in ATTRIBUTES)

# Shopify: 3-255 characters, letters, digits, hyphens and underscores; or the reserved
# app namespace ``$app`` / ``$app:<name>``.
_NAMESPACE_RE = re.compile(r"^(?:[A-Za-z0-9_-]{3,255}|\$app(?::[A-Za-z0-9_-]+)?)$")


# ---------------------------------------------------------------------- helpers
def _money(value, what):
    """A Shopify ``Money`` input: a decimal string with two places (``"54.90"``)."""
    if value is None or value is False or isinstance(value, bool):
        raise ValueError("%s is missing." % what)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("%s %r is not an amount." % (what, value)) from None
    if not amount.is_finite():
        raise ValueError("%s %r is not an amount." % (what, value))
    if amount < 0:
        raise ValueError("%s cannot be negative (%s)." % (what, value))
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def _weight(value, what):
    """A weight in kilograms as a float (``WeightInput.value`` is a Float), None if unknown."""
    if value is None or value is False:
        return None
    if isinstance(value, bool):
        raise ValueError("%s %r is not a weight." % (what, value))
    try:
        weight = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("%s %r is not a weight." % (what, value)) from None
    if not weight.is_finite() or weight < 0:
        raise ValueError("%s must be a positive number of kilograms, not %s." % (what, value))
    return float(weight)


def _check_namespace(namespace):
    if not isinstance(namespace, str) or not _NAMESPACE_RE.match(namespace):
        raise ValueError(
            "The metafield namespace %r is not valid: use 3 to 255 letters, digits, "
            "hyphens or underscores." % (namespace,)
        )
    return namespace


def _product_label(product):
    title = _text(product.get("title"))
    return "Product %r" % title if title else "The product"


# ---------------------------------------------------------------------- fitment
def fitment_json(rows) -> str:
    """The value of the fitment metafield: the normalised rows as compact JSON."""
    return json.dumps(fitment_rows(rows), ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------------- metafields
def _attribute_value(key, value, label):
    text = _name(value)
    if text is None or key != "condition":
        return text
    for condition in CONDITIONS:
        if condition.casefold() == text.casefold():
            return condition
    raise ValueError(
        "%s: the condition %r is not one of %s." % (label, value, ", ".join(CONDITIONS))
    )


def _metafields(product, namespace, label):
    # The fitment metafield is always sent, "[]" when the part fits no listed vehicle,
    # so that removing the last row in Odoo clears it in Shopify too.
    try:
        fitment = fitment_json(product.get("fitment"))
    except ValueError as exc:
        raise ValueError("%s: %s" % (label, exc)) from None
    metafields = [
        {"namespace": namespace, "key": FITMENT_KEY, "type": FITMENT_TYPE, "value": fitment}
    ]
    attributes = product.get("attributes") or {}
    unknown = sorted(set(attributes) - set(ATTRIBUTE_KEYS))
    if unknown:
        raise ValueError(
            "%s: unknown attribute(s) %s (expected %s)."
            % (label, ", ".join(unknown), ", ".join(ATTRIBUTE_KEYS))
        )
    for key in ATTRIBUTE_KEYS:
        value = _attribute_value(key, attributes.get(key), label)
        if value is not None:
            metafields.append(
                {"namespace": namespace, "key": key, "type": TEXT_TYPE, "value": value}
            )
    metafields.sort(key=lambda metafield: metafield["key"])
    return metafields


def metafield_definitions(namespace=DEFAULT_NAMESPACE) -> list[dict]:
    """The ``MetafieldDefinitionInput`` list of the metafields ``product_set_input``
    writes: ``fitment`` (json) and one single-line text per attribute, on products."""
    _check_namespace(namespace)
    definitions = [
        {
            "name": "Vehicle fitment",
            "namespace": namespace,
            "key": FITMENT_KEY,
            "type": FITMENT_TYPE,
            "description": (
                "The vehicles this part fits: a list of {year, make, model, engine} "
                "(engine may be null), sorted by year, make, model and engine."
            ),
            "ownerType": "PRODUCT",
        }
    ]
    for key, name, description in ATTRIBUTES:
        definition = {
            "name": name,
            "namespace": namespace,
            "key": key,
            "type": TEXT_TYPE,
            "description": description,
            "ownerType": "PRODUCT",
        }
        if key == "condition":
            definition["validations"] = [
                {"name": "choices", "value": json.dumps(CONDITIONS, separators=(",", ":"))}
            ]
        definitions.append(definition)
    return definitions


# ---------------------------------------------------------------------- options, variants
def _options(product, label):
    """``[(name, [values])]`` from the input, checked; values de-duplicated, in order."""
    options = []
    for index, option in enumerate(product.get("options") or (), 1):
        name = _name((option or {}).get("name"))
        if not name:
            raise ValueError("%s: option %d has no name." % (label, index))
        if any(name.casefold() == known.casefold() for known, _values in options):
            raise ValueError("%s: there are two options named %r." % (label, name))
        values = []
        for value in option.get("values") or ():
            value = _name(value)
            if value and value not in values:
                values.append(value)
        if not values:
            raise ValueError("%s: the option %r has no values." % (label, name))
        options.append((name, values))
    if len(options) > MAX_OPTIONS:
        raise ValueError(
            "%s has %d options; Shopify allows at most %d." % (label, len(options), MAX_OPTIONS)
        )
    return options


def _variant_choice(variant, options, label, sku):
    """The variant's value for each option, in option order."""
    given = {}
    for name, value in (variant.get("option_values") or {}).items():
        given[_name(name)] = _name(value)
    known = {name for name, _values in options}
    extra = sorted(name for name in given if name not in known)
    if extra:
        raise ValueError(
            "%s: variant %s has a value for %s, which is not an option of the product."
            % (label, sku, ", ".join(repr(name) for name in extra))
        )
    choice = []
    for name, values in options:
        value = given.get(name)
        if not value:
            raise ValueError("%s: variant %s has no value for the option %r." % (label, sku, name))
        if value not in values:
            raise ValueError(
                "%s: variant %s has %s %r, which is not one of the option's values (%s)."
                % (label, sku, name, value, ", ".join(values))
            )
        choice.append(value)
    return tuple(choice)


def _variant_input(variant, option_names, choice, sku, label):
    what = "%s: variant %s" % (label, sku)
    entry = {
        "optionValues": [
            {"optionName": name, "name": value}
            for name, value in zip(option_names, choice, strict=True)
        ],
        "sku": sku,
        # Explicit nulls: productSet leaves an omitted field unchanged, and a barcode or a
        # compare-at price removed in Odoo must disappear from Shopify too.
        "barcode": _text(variant.get("barcode")),
        "price": _money(variant.get("price"), "%s: the price" % what),
        "compareAtPrice": None,
    }
    compare_at = variant.get("compare_at_price")
    if compare_at is not None and compare_at is not False and str(compare_at).strip():
        entry["compareAtPrice"] = _money(compare_at, "%s: the compare-at price" % what)
    inventory_item = {"tracked": True}
    weight = _weight(variant.get("weight_kg"), "%s: the weight" % what)
    if weight is not None:
        inventory_item["measurement"] = {"weight": {"value": weight, "unit": "KILOGRAMS"}}
    entry["inventoryItem"] = inventory_item
    return entry


def _variants(product, options, label):
    variants = list(product.get("variants") or ())
    if not variants:
        raise ValueError("%s has no variant: Shopify needs at least one." % label)
    if not options:
        if len(variants) > 1:
            raise ValueError(
                "%s has %d variants but no options: say which option tells them apart."
                % (label, len(variants))
            )
        options = [(DEFAULT_OPTION_NAME, [DEFAULT_OPTION_VALUE])]
        single = True
    else:
        single = False
    option_names = [name for name, _values in options]
    rows, skus, choices = [], {}, {}
    for index, variant in enumerate(variants, 1):
        variant = variant or {}
        sku = _text(variant.get("sku"))
        if not sku:
            raise ValueError(
                "%s: variant %d has no SKU (internal reference); Shopify variants are "
                "matched by SKU." % (label, index)
            )
        if sku in skus:
            raise ValueError("%s: two variants have the SKU %r." % (label, sku))
        skus[sku] = index
        if single:
            if variant.get("option_values"):
                raise ValueError(
                    "%s: variant %s has option values but the product has no options."
                    % (label, sku)
                )
            choice = (DEFAULT_OPTION_VALUE,)
        else:
            choice = _variant_choice(variant, options, label, sku)
        if choice in choices:
            raise ValueError(
                "%s: the variants %s and %s are both %s."
                % (label, choices[choice], sku, " / ".join(choice))
            )
        choices[choice] = sku
        rows.append((choice, _variant_input(variant, option_names, choice, sku, label)))
    # Variants in option-value order (the order Shopify shows them in), whatever the
    # order they came in.
    positions = [{value: i for i, value in enumerate(values)} for _name, values in options]
    rows.sort(key=lambda row: tuple(pos[v] for pos, v in zip(positions, row[0], strict=True)))
    # Only the option values some variant uses: Shopify refuses an option value that
    # no variant has.
    used = [{row[0][i] for row in rows} for i in range(len(options))]
    product_options = [
        {
            "name": name,
            "position": position,
            "values": [{"name": value} for value in values if value in used[position - 1]],
        }
        for position, (name, values) in enumerate(options, 1)
    ]
    return product_options, [entry for _choice, entry in rows]


MAX_HANDLE_LENGTH = 255


def product_handle(title, key) -> str:
    """The handle a product is created with: the title in Shopify's handle form
    (lowercase letters, digits and hyphens) ending with ``-odoo-<key>``, so that it
    names one Odoo product for good, and never a shop's own product (Shopify tells
    products of one title apart with ``-1``, ``-2``...). productSet finds the product
    by it, which makes a create that is retried (its answer lost, or its transaction
    rolled back) an update."""
    suffix = "-odoo-%s" % key
    words = _handle_words(title)[: MAX_HANDLE_LENGTH - len(suffix)].rstrip("-") or "product"
    return words + suffix


def _handle_words(title):
    """The title in Shopify's handle form: lowercase ASCII letters, digits, hyphens."""
    ascii_title = unicodedata.normalize("NFKD", _name(title) or "").encode("ascii", "ignore")
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.decode().casefold()).strip("-")


def _tags(tags):
    """Stripped, de-duplicated (Shopify compares tags case-insensitively), sorted."""
    names = sorted(filter(None, map(_name, tags or ())), key=lambda tag: (tag.casefold(), tag))
    unique = {}
    for tag in names:
        unique.setdefault(tag.casefold(), tag)
    return list(unique.values())


# ---------------------------------------------------------------------- images
def media_filename(title, sha256, mime_type) -> str:
    """The name an image is created with on Shopify: the product's title in handle
    form, the first 16 digits of the image's checksum (one name per content), the
    extension of its type."""
    stem = _handle_words(title)[:MAX_FILENAME_STEM].rstrip("-") or "product"
    return "%s-%s.%s" % (stem, sha256[:16], IMAGE_EXTENSIONS.get(mime_type, "img"))


def _image_file(image, title, label, what):
    checksum = (image or {}).get("sha256")
    if not isinstance(checksum, str) or not _SHA256_RE.match(checksum):
        raise ValueError("%s: %s has no SHA-256 checksum of its bytes." % (label, what))
    alt = (_text(image.get("alt")) or title)[:MAX_ALT_LENGTH]
    filename = media_filename(title, checksum, image.get("mime_type"))
    return {"alt": alt, "contentType": "IMAGE", "filename": filename, "sha256": checksum}


def _files(product, title, label, variants):
    """The product's images, then each variant's own, one entry per content; each
    variant entry of ``variants`` with an image gets it as its ``file``."""
    files = {}
    for index, image in enumerate(product.get("images") or (), 1):
        entry = _image_file(image, title, label, "image %d" % index)
        files.setdefault(entry["sha256"], entry)
    images = {_text(v.get("sku")): v.get("image") for v in product["variants"] if v}
    for variant in variants:
        image = images.get(variant["sku"])
        if image:
            what = "the image of variant %s" % variant["sku"]
            entry = _image_file(image, title, label, what)
            variant["file"] = dict(files.setdefault(entry["sha256"], entry))
    return list(files.values())


def image_checksums(product_input) -> list:
    """The checksums of the images of a ``product_set_input`` result, in order."""
    return [image["sha256"] for image in product_input.get("files") or ()]


def without_images(product_input, checksums) -> dict:
    """``product_input`` less the images whose checksum is in ``checksums``, on the
    product and on its variants (a copy; the input is left as it is)."""
    drop = set(checksums)
    result = dict(product_input)
    if "files" in result:
        result["files"] = [image for image in result["files"] if image["sha256"] not in drop]
    if "variants" in result:
        result["variants"] = [
            {
                key: value
                for key, value in variant.items()
                if key != "file" or value["sha256"] not in drop
            }
            for variant in result["variants"]
        ]
    return result


def _file_set_input(image, source):
    if source.get("id"):
        return {"id": source["id"], "alt": image["alt"]}
    return {
        "originalSource": source["originalSource"],
        "alt": image["alt"],
        "contentType": "IMAGE",
        "filename": image["filename"],
    }


def files_input(product_input, sources, had_media=False) -> dict:
    """What is sent for a ``product_set_input`` result: each image as the
    ``FileSetInput`` Shopify takes, from ``sources[checksum]``: ``{"id": media id}``
    (on Shopify already: kept, its alt text updated) or ``{"originalSource": staged
    upload URL}`` (created with its file name). An image without a source is left out.

    ``files`` is a list field of productSet: the product's media not listed are
    deleted, and an input without ``files`` leaves them as they are. So a product
    whose images were all removed in Odoo (``had_media``: it has media Odoo sent) is
    sent ``files: []``, and one that never had an image sends no ``files``.
    """
    missing = [checksum for checksum in image_checksums(product_input) if checksum not in sources]
    result = without_images(product_input, missing)
    if "files" in result:
        result["files"] = [_file_set_input(f, sources[f["sha256"]]) for f in result["files"]]
    elif had_media:
        result["files"] = []
    for variant in result.get("variants") or ():
        if "file" in variant:
            variant["file"] = _file_set_input(variant["file"], sources[variant["file"]["sha256"]])
    return result


# ---------------------------------------------------------------------- product
def product_set_input(product: dict, namespace=DEFAULT_NAMESPACE) -> dict:
    """The ``ProductSetInput`` (2026-10) of one product, for ``productSet``.

    ``product``::

        {"title": str, "description_html": str|None, "vendor": str|None,
         "product_type": str|None, "tags": [str], "status": "ACTIVE"|"DRAFT"|"ARCHIVED",
         "options": [{"name": "Axle", "values": ["Front", "Rear"]}],  # [] single variant
         "variants": [{"sku": str, "barcode": str|None, "price": Decimal|str|float,
                       "compare_at_price": ...|None, "weight_kg": float|None,
                       "option_values": {"Axle": "Front"},
                       "image": {"sha256": str, "mime_type": str, "alt": str}|None}],
         "images": [{"sha256": str, "mime_type": str, "alt": str|None}],
         "fitment": [{"year": int, "make": str, "model": str, "engine": str|None}],
         "attributes": {"condition": "New"|"Used"|"Remanufactured"|None,
                        "oem_number": str|None, "brand": str|None}}

    What comes out:

    - ``title``, ``descriptionHtml``, ``vendor``, ``productType``, ``status``, ``tags``
      (sorted, de-duplicated); a None (or False) value is left out, so Shopify keeps
      what it has (``description_html`` of ``""`` is sent, and clears it);
    - ``productOptions``: the options in the order given with ``position`` 1..n and the
      values some variant uses, in the order given; a product without options gets
      Shopify's own ``Title`` / ``Default Title``;
    - ``variants`` sorted by option values: ``optionValues``, ``sku``, ``barcode``,
      ``price`` and ``compareAtPrice`` as ``"54.90"`` strings (barcode and compare-at
      price are explicit nulls when absent: productSet keeps an omitted field, and a
      removal must reach Shopify), ``inventoryItem`` tracked, with its weight in
      kilograms when known (0 is a known weight);
    - ``metafields`` sorted by key: ``fitment`` (json, always, ``"[]"`` when empty) and
      one ``single_line_text_field`` per non-empty attribute.
    - ``files`` when there are images: the product's ``images``, then each variant's
      own ``image`` in variant order, one entry per checksum (``sha256``, the hex
      SHA-256 of the bytes), with ``alt`` (the product's title when none is given),
      ``contentType`` ``IMAGE`` and ``filename`` (``media_filename``); a variant with
      an image gets its entry as ``file``. These carry ``sha256`` instead of a source:
      send ``files_input(result, sources)``, never the result itself.

    ``productSet`` replaces list fields: variants, options, metafields and (when
    ``files`` is given) media missing from the input are deleted from the product by
    Shopify.
    """
    _check_namespace(namespace)
    label = _product_label(product)
    title = _text(product.get("title"))
    if not title:
        raise ValueError("A product without a name cannot be exported to Shopify.")
    result = {"title": title}
    description = product.get("description_html")
    if description is not None and description is not False:
        result["descriptionHtml"] = str(description)
    for source, target in (("vendor", "vendor"), ("product_type", "productType")):
        value = _text(product.get(source))
        if value is not None:
            result[target] = value
    status = _text(product.get("status"))
    if status is not None:
        status = status.upper()
        if status not in STATUSES:
            raise ValueError(
                "%s: the status %r is not one of %s." % (label, status, ", ".join(STATUSES))
            )
        result["status"] = status
    result["tags"] = _tags(product.get("tags"))
    options = _options(product, label)
    result["productOptions"], result["variants"] = _variants(product, options, label)
    result["metafields"] = _metafields(product, namespace, label)
    files = _files(product, title, label, result["variants"])
    if files:
        result["files"] = files
    return result
