"""Product media: productSet's ``files`` (and a variant's ``file``) as MediaImage
nodes of the product, and how Shopify processes them.

- ``files`` is a list field of productSet: the media it lists by ``id`` are kept (their
  ``alt`` updated), those given by ``originalSource`` are created, and the product's
  other media are deleted. Leaving ``files`` out leaves the media as they are.
- A variant's ``file`` must also be in the product's ``files`` (same ``id`` or same
  ``originalSource``); it becomes the variant's media. A variant given no ``file``
  keeps its media while the product still has it.
- Processing is asynchronous, as on Shopify: a media is ``UPLOADED`` in the answer of
  the request that created it and settles when it is read by a later request:
  ``READY``, or ``FAILED`` with ``mediaErrors`` when its source is not a staged upload
  of this sandbox holding bytes (``IMAGE_DOWNLOAD_FAILURE``), is larger than
  ``media_max_bytes`` (``INVALID_IMAGE_FILE_SIZE``), or is not a PNG, JPEG, GIF, WEBP
  or HEIC image (``UNSUPPORTED_IMAGE_FILE_TYPE``: an SVG, say).
"""

from __future__ import annotations

from urllib.parse import unquote

from .resolvers import connection, field, user_error

STAGED_PATH = "/_sandbox/staged-uploads/"
PENDING = ("UPLOADED", "PROCESSING")


def _image_type(content: bytes) -> str | None:
    """The MIME type of an image Shopify takes, from its first bytes."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "image/heic"
    return None


def staged_key(app, url: str | None) -> str | None:
    """The staged-upload key a URL of this sandbox names, else None."""
    prefix = (app.base_url or "") + STAGED_PATH
    if url and app.base_url and url.startswith(prefix):
        return unquote(url[len(prefix) :])
    return None


def _same_file(given: dict, listed: dict) -> bool:
    if given.get("id"):
        return given["id"] == listed.get("id")
    return bool(given.get("originalSource")) and given["originalSource"] == listed.get(
        "originalSource"
    )


# ------------------------------------------------------------------ productSet
def check_files(store, files_in, variants_in) -> list[dict]:
    """productSet's userErrors for its ``files`` and the variants' ``file``."""
    errors = []
    for index, spec in enumerate(files_in or []):
        path = ["input", "files", index]
        if spec.get("id"):
            if spec["id"] not in store.media:
                errors.append(user_error([*path, "id"], "File does not exist.", "NOT_FOUND"))
        elif not spec.get("originalSource"):
            errors.append(
                user_error(
                    [*path, "originalSource"],
                    "Either an id or an original source is required.",
                    "MISSING_FIELD_REQUIRED",
                )
            )
        if spec.get("contentType") not in (None, "IMAGE"):
            errors.append(
                user_error(
                    [*path, "contentType"],
                    "The sandbox models image files only.",
                    "INVALID_INPUT",
                )
            )
    for index, variant in enumerate(variants_in or []):
        given = variant.get("file")
        if given and not any(_same_file(given, listed) for listed in files_in or []):
            errors.append(
                user_error(
                    ["input", "variants", index, "file"],
                    "The variant's file must also be specified in the product's files.",
                    "INPUT_MISMATCH",
                )
            )
    return errors


def _new_media(store, product: dict, spec: dict, info) -> dict:
    media_id = store.next_id("MediaImage")[0]
    now = store.now()
    source = spec["originalSource"]
    record = {
        "__typename": "MediaImage",
        "id": media_id,
        "product_id": product["id"],
        "alt": spec.get("alt") or "",
        "filename": spec.get("filename") or unquote(source.rsplit("/", 1)[-1].split("?")[0]),
        "originalSource": source,
        "mediaContentType": "IMAGE",
        "status": "UPLOADED",
        "mediaErrors": [],
        "size": None,
        "mimeType": None,
        "createdAt": now,
        "updatedAt": now,
        # The execution that created it: it answers UPLOADED; later reads settle it.
        "created_by": info.context,
    }
    store.media[media_id] = record
    return record


def apply_files(store, product: dict, files_in, variants: list, info) -> None:
    """Set the product's media from ``files`` (None: leave them) and each variant's
    from its ``file``; ``variants`` is ``[(variant record, file input or None)]``."""
    listed = []  # (file input, media id)
    if files_in is not None:
        for spec in files_in:
            if spec.get("id"):
                media = store.media[spec["id"]]
                if spec.get("alt") is not None:
                    media["alt"] = spec["alt"]
                    media["updatedAt"] = store.now()
            else:
                same = [mid for given, mid in listed if _same_file(spec, given)]
                media = store.media[same[0]] if same else _new_media(store, product, spec, info)
            listed.append((spec, media["id"]))
        kept = list(dict.fromkeys(media_id for _spec, media_id in listed))
        for media_id in product.get("media_ids", []):
            if media_id not in kept:
                store.media.pop(media_id, None)
        product["media_ids"] = kept
    on_product = set(product.get("media_ids", []))
    for variant, given in variants:
        if given:
            variant["media_ids"] = [next(mid for spec, mid in listed if _same_file(given, spec))]
        else:
            variant["media_ids"] = [m for m in variant.get("media_ids", []) if m in on_product]


# ------------------------------------------------------------------ processing
def settle(app, media: dict, context=None) -> dict:
    """Process ``media`` unless it is read by the execution that created it."""
    if media["status"] not in PENDING or media.get("created_by") is context:
        return media
    media.pop("created_by", None)
    content = app.store.staged_files.get(staged_key(app, media["originalSource"]) or "")
    error = None
    if content is None:
        error = (
            "IMAGE_DOWNLOAD_FAILURE",
            "Media could not be processed because the image could not be downloaded.",
        )
    elif len(content) > app.config.media_max_bytes:
        error = (
            "INVALID_IMAGE_FILE_SIZE",
            "Media could not be created because the image size is too large.",
        )
    elif _image_type(content) is None:
        error = (
            "UNSUPPORTED_IMAGE_FILE_TYPE",
            "Media could not be created because the image is an unsupported file type.",
        )
    if error:
        media["status"] = "FAILED"
        media["mediaErrors"] = [
            {"code": error[0], "message": error[1], "details": media["filename"]}
        ]
    else:
        media["status"] = "READY"
        media["size"] = len(content)
        media["mimeType"] = _image_type(content)
    media["updatedAt"] = app.store.now()
    return media


def state(app, product: dict) -> list[dict]:
    """The product's media for the control API's state (read, so settled)."""
    return [
        {
            key: settle(app, app.store.media[media_id])[key]
            for key in ("id", "alt", "filename", "status", "mediaErrors", "size", "mimeType")
        }
        for media_id in product.get("media_ids", [])
    ]


# ------------------------------------------------------------------ resolvers
def _settled(media, info):
    return settle(info.context.app, media, info.context)


@field("Product", "media")
def product_media(product, info, **args):
    store = info.context.store
    items = [store.media[m] for m in product.get("media_ids", [])]
    positions = {media_id: index for index, media_id in enumerate(product.get("media_ids", []))}
    return connection(info, items, args, key=lambda media: positions[media["id"]])


@field("Product", "mediaCount")
def product_media_count(product, info, **_):
    return {"count": len(product.get("media_ids", [])), "precision": "EXACT"}


@field("Product", "featuredMedia")
def product_featured_media(product, info):
    media_ids = product.get("media_ids") or []
    return info.context.store.media[media_ids[0]] if media_ids else None


@field("ProductVariant", "media")
def variant_media(variant, info, **args):
    store = info.context.store
    items = [store.media[m] for m in variant.get("media_ids", []) if m in store.media]
    return connection(info, items, args)


@field("MediaImage", "status")
def media_status(media, info):
    return _settled(media, info)["status"]


@field("MediaImage", "fileStatus")
def media_file_status(media, info):
    return _settled(media, info)["status"]


@field("MediaImage", "mediaErrors")
def media_errors(media, info):
    return _settled(media, info)["mediaErrors"]


@field("MediaImage", "fileErrors")
def media_file_errors(media, info):
    # FileErrorCode has the image codes of MediaErrorCode.
    return _settled(media, info)["mediaErrors"]


@field("MediaImage", "image")
def media_image(media, info):
    media = _settled(media, info)
    if media["status"] != "READY":
        return None
    return {"__typename": "Image", "url": media["originalSource"], "altText": media["alt"]}


@field("MediaImage", "originalSource")
def media_original_source(media, info):
    return {"url": media["originalSource"], "fileSize": _settled(media, info)["size"]}
