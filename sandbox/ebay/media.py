"""Media API images (apim.ebay.com, ``/commerce/media/v1_beta/image``):
createImageFromFile (multipart, field ``image``), createImageFromUrl (JSON
``{"imageUrl": "https://..."}``, https only) and getImage.

eBay's reference pages: a create answers 201 with the image's getImage URI in the
``Location`` header and ``imageUrl`` (the EPS URL a listing uses in
``product.imageUrls``) and ``expirationDate`` in the body; formats JPG, GIF, PNG, BMP,
TIFF, AVIF, HEIC and WEBP; "50 requests per 5 seconds" per user on the POST methods.
These methods are absent from the copied Media contract (an older version with video
methods only), so their errors are eBay's common ones (``errors.py``).
"""

from __future__ import annotations

import base64
import datetime as dt
import email.parser
import email.policy
import hashlib
import json
import struct
import time
from collections import deque

from . import errors
from .routes import Response, rest
from .util import iso

API = "commerce.media"
BASE = "/commerce/media/v1_beta/image"
MAX_BYTES = 12 * 1024 * 1024
MIN_LONGEST_SIDE = 500  # eBay's picture policy: at least 500 pixels on the longest side
FORMATS = (
    (b"\xff\xd8\xff", "JPG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)


def sniff(data: bytes) -> str | None:
    for magic, name in FORMATS:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"heic", b"heix", b"mif1"):
        return "AVIF" if data[8:12] == b"avif" else "HEIC"
    return None


def dimensions(data: bytes, fmt: str) -> tuple[int, int] | None:
    """Width and height of PNG, GIF and JPEG images (None for other formats)."""
    if fmt == "PNG" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if fmt == "GIF" and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if fmt == "JPG":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return None


def _multipart_image(req) -> tuple[bytes, str] | None:
    ctype = req.header("content-type") or ""
    if not ctype.lower().startswith("multipart/form-data"):
        return None
    raw = b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + req.body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "image":
            return part.get_payload(decode=True) or b"", part.get_filename() or "image"
    return None


def _throttle(app) -> None:
    limit = int(app.config.media_post_limit)
    window = float(app.config.media_post_window)
    now = time.monotonic()
    posts: deque = app.store.media_posts
    while posts and now - posts[0] > window:
        posts.popleft()
    if len(posts) >= limit:
        raise errors.too_many_requests(retry_after=window)
    posts.append(now)


def _create(app, data: dict) -> Response:
    store = app.store
    number = store.next_id("image")
    digest = hashlib.sha256(f"{number}:{data.get('sha256', data.get('sourceUrl'))}".encode())
    image_id = base64.urlsafe_b64encode(digest.digest()[:12]).decode("ascii")
    created = app.clock.now()
    image = {
        "imageId": image_id,
        "imageUrl": f"https://i.ebayimg.com/images/g/{image_id}/s-l1600.jpg",
        "expirationDate": iso(created + dt.timedelta(days=365)),
        "created": iso(created),
        **data,
    }
    store.images[image_id] = image
    body = {"imageUrl": image["imageUrl"], "expirationDate": image["expirationDate"]}
    return Response(201, body, {"Location": f"https://apim.ebay.com{BASE}/{image_id}"})


@rest(API, "createImageFromFile", "POST", f"{BASE}/create_image_from_file")
def create_from_file(app, req):
    _throttle(app)
    found = _multipart_image(req)
    if found is None:
        raise errors.invalid_request(
            "Send the picture as multipart/form-data in a field named 'image'."
        )
    data, filename = found
    if not data:
        raise errors.invalid_request("The image file is empty.")
    if len(data) > MAX_BYTES:
        raise errors.invalid_request(f"The image exceeds {MAX_BYTES // (1024 * 1024)} MB.")
    fmt = sniff(data)
    if fmt is None:
        raise errors.invalid_request(
            "Unsupported image format: use JPG, GIF, PNG, BMP, TIFF, AVIF, HEIC or WEBP."
        )
    size = dimensions(data, fmt)
    if size and max(size) < MIN_LONGEST_SIDE:
        raise errors.invalid_request(
            f"The image is {size[0]}x{size[1]} pixels; eBay needs at least "
            f"{MIN_LONGEST_SIDE} pixels on the longest side."
        )
    return _create(
        app,
        {
            "source": "file",
            "filename": filename,
            "format": fmt,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": list(size) if size else None,
        },
    )


@rest(API, "createImageFromUrl", "POST", f"{BASE}/create_image_from_url")
def create_from_url(app, req):
    _throttle(app)
    try:
        body = json.loads(req.body or b"null")
    except ValueError:
        raise errors.invalid_request("Could not parse the request body.") from None
    url = body.get("imageUrl") if isinstance(body, dict) else None
    if not isinstance(url, str) or not url:
        raise errors.invalid_request("Could not serialize field [imageUrl]")
    if not url.startswith("https://"):
        raise errors.invalid_request("The imageUrl must be secured using HTTPS.")
    return _create(app, {"source": "url", "sourceUrl": url})


@rest(API, "getImage", "GET", f"{BASE}/{{image_id}}")
def get_image(app, req):
    image = app.store.images.get(req.path_params["image_id"])
    if image is None:
        raise errors.resource_not_resolved()
    return Response(200, {"imageUrl": image["imageUrl"], "expirationDate": image["expirationDate"]})
