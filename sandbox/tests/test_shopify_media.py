"""Product media: staged uploads of images, productSet ``files`` and a variant's
``file``, the list-field update semantics, and processing (READY or FAILED)."""

from __future__ import annotations

import uuid

import pytest

from sandbox.shopify.server import start_server
from sandbox.shopify.testing import SandboxClient

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'

STAGE = """mutation Stage($input: [StagedUploadInput!]!) {
  stagedUploadsCreate(input: $input) {
    stagedTargets { url resourceUrl parameters { name value } }
    userErrors { field message }
  }
}"""

PRODUCT_SET = """mutation Set($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, synchronous: true, identifier: $identifier) {
    product {
      id
      mediaCount { count }
      media(first: 10) { nodes { id alt status mediaErrors { code message } } }
      variants(first: 10) { nodes { sku media(first: 5) { nodes { id } } } }
    }
    userErrors { field message code }
  }
}"""

PRODUCT_MEDIA = """query Media($id: ID!) {
  product(id: $id) {
    media(first: 10) {
      nodes {
        id alt status
        mediaErrors { code message details }
        ... on MediaImage { image { url } fileStatus }
      }
    }
  }
}"""


@pytest.fixture()
def server():
    srv = start_server()
    yield srv
    srv.stop()


@pytest.fixture()
def client(server):
    return SandboxClient(server.url)


def stage(client, filename, mime="image/png"):
    data = client.gql(
        STAGE,
        {
            "input": [
                {"resource": "IMAGE", "filename": filename, "mimeType": mime, "httpMethod": "POST"}
            ]
        },
    )["data"]["stagedUploadsCreate"]
    assert data["userErrors"] == []
    return data["stagedTargets"][0]


def post_form(client, target, content, params=None, headers=None):
    """The multipart POST of a signed storage form: parameters, then the file."""
    params = {p["name"]: p["value"] for p in target["parameters"]} if params is None else params
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in params.items():
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body += content + f"\r\n--{boundary}--\r\n".encode()
    return client.request(
        "POST",
        target["url"][len(client.url) :],
        raw=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **(headers or {})},
    )


def upload(client, filename, content, mime="image/png"):
    target = stage(client, filename, mime)
    assert post_form(client, target, content).status == 201
    return target["resourceUrl"]


def image(source, alt, filename=None):
    return {
        "originalSource": source,
        "alt": alt,
        "contentType": "IMAGE",
        "filename": filename or source.rsplit("/", 1)[-1],
    }


def product_input(files=None, variant_files=None):
    values = ["Front", "Rear"]
    data = {
        "title": "Brake disc",
        "productOptions": [{"name": "Axle", "values": [{"name": v} for v in values]}],
        "variants": [
            {"optionValues": [{"optionName": "Axle", "name": v}], "sku": f"BD-{v[0]}"}
            for v in values
        ],
    }
    if files is not None:
        data["files"] = files
    for variant, given in zip(data["variants"], variant_files or [], strict=False):
        if given:
            variant["file"] = given
    return data


def product_set(client, data, identifier=None):
    result = client.gql(PRODUCT_SET, {"input": data, "identifier": identifier})
    return result["data"]["productSet"]


def media_of(client, product_id):
    return client.gql(PRODUCT_MEDIA, {"id": product_id})["data"]["product"]["media"]["nodes"]


# ------------------------------------------------------------------ staged uploads
def test_an_image_target_takes_the_signed_form_and_keeps_the_bytes(client, server):
    target = stage(client, "disc.png")
    params = {p["name"]: p["value"] for p in target["parameters"]}
    assert target["url"] == server.url + "/_sandbox/staged-uploads"
    assert {"key", "policy", "x-goog-signature", "Content-Type"} <= set(params)
    assert "/products/" in params["key"] and params["key"].endswith("/disc.png")
    assert target["resourceUrl"].endswith(params["key"])
    assert post_form(client, target, PNG).status == 201
    assert client.request("GET", target["resourceUrl"][len(client.url) :]).body == PNG


def test_a_form_without_the_targets_parameters_is_refused(client):
    target = stage(client, "disc.png")
    key = next(p["value"] for p in target["parameters"] if p["name"] == "key")
    assert post_form(client, target, PNG, params={"key": key}).status == 403


def test_the_file_host_refuses_a_shopify_token(client):
    target = stage(client, "disc.png")
    answer = post_form(client, target, PNG, headers={"X-Shopify-Access-Token": "shpat_sandbox"})
    assert answer.status == 400
    assert b"access token" in answer.body


# ------------------------------------------------------------------ productSet files
def test_files_become_media_of_the_product_and_of_a_variant(client):
    disc = upload(client, "disc.png", PNG)
    rear = upload(client, "rear.jpg", JPEG, "image/jpeg")
    rear_file = image(rear, "Rear disc")
    answer = product_set(
        client,
        product_input(
            files=[image(disc, "Brake disc"), rear_file], variant_files=[None, rear_file]
        ),
    )
    assert answer["userErrors"] == []
    product = answer["product"]
    media = product["media"]["nodes"]
    assert [m["alt"] for m in media] == ["Brake disc", "Rear disc"]
    assert {m["status"] for m in media} == {"UPLOADED"}, "processing is not done in the answer"
    assert product["mediaCount"]["count"] == 2
    variants = {v["sku"]: v["media"]["nodes"] for v in product["variants"]["nodes"]}
    assert variants == {"BD-F": [], "BD-R": [{"id": media[1]["id"]}]}
    later = media_of(client, product["id"])
    assert [m["status"] for m in later] == ["READY", "READY"]
    assert later[0]["image"]["url"] == disc and later[0]["fileStatus"] == "READY"


def test_files_are_a_list_field_kept_by_id_replaced_otherwise(client):
    first = upload(client, "one.png", PNG)
    second = upload(client, "two.png", PNG)
    created = product_set(client, product_input(files=[image(first, "One"), image(second, "Two")]))
    product_id = created["product"]["id"]
    one, two = [m["id"] for m in created["product"]["media"]["nodes"]]
    # No files: the media stay as they are.
    same = product_set(client, product_input(), {"id": product_id})
    assert [m["id"] for m in same["product"]["media"]["nodes"]] == [one, two]
    # The first by id (alt changed), a new one by source: the second is deleted.
    third = upload(client, "three.png", PNG)
    updated = product_set(
        client,
        product_input(files=[{"id": one, "alt": "One, again"}, image(third, "Three")]),
        {"id": product_id},
    )
    nodes = updated["product"]["media"]["nodes"]
    assert [m["alt"] for m in nodes] == ["One, again", "Three"]
    assert nodes[0]["id"] == one and nodes[1]["id"] not in (one, two)
    gone = client.gql('{ node(id: "%s") { id } }' % two)["data"]["node"]
    assert gone is None
    # An empty list removes them all.
    empty = product_set(client, product_input(files=[]), {"id": product_id})
    assert empty["product"]["media"]["nodes"] == []


def test_one_source_listed_twice_is_one_media(client):
    disc = upload(client, "disc.png", PNG)
    answer = product_set(
        client,
        product_input(
            files=[image(disc, "Disc")], variant_files=[image(disc, "Disc"), image(disc, "Disc")]
        ),
    )
    product = answer["product"]
    assert len(product["media"]["nodes"]) == 1
    media_id = product["media"]["nodes"][0]["id"]
    assert [v["media"]["nodes"] for v in product["variants"]["nodes"]] == [[{"id": media_id}]] * 2


def test_bad_files_are_user_errors(client):
    disc = upload(client, "disc.png", PNG)
    unknown = product_set(client, product_input(files=[{"id": "gid://shopify/MediaImage/999"}]))
    assert [e["code"] for e in unknown["userErrors"]] == ["NOT_FOUND"]
    bare = product_set(client, product_input(files=[{"alt": "nothing"}]))
    assert [e["code"] for e in bare["userErrors"]] == ["MISSING_FIELD_REQUIRED"]
    stray = product_set(client, product_input(files=[], variant_files=[image(disc, "Disc")]))
    assert [e["code"] for e in stray["userErrors"]] == ["INPUT_MISMATCH"]
    assert stray["userErrors"][0]["field"] == ["input", "variants", "0", "file"]
    assert client.state()["products"] == [], "nothing was created"


# ------------------------------------------------------------------ processing
def test_what_shopify_cannot_process_fails_with_media_errors(client, server):
    svg = upload(client, "logo.svg", SVG, "image/svg+xml")
    big = upload(client, "big.png", PNG + b"\x00" * 200)
    client.control("POST", "config", {"media_max_bytes": 100})
    nowhere = "https://example.com/disc.png"
    answer = product_set(
        client,
        product_input(
            files=[
                image(svg, "Logo"),
                image(big, "Big"),
                image(nowhere, "Elsewhere"),
                image(upload(client, "fine.png", PNG), "Fine"),
            ]
        ),
    )
    media = media_of(client, answer["product"]["id"])
    assert [m["status"] for m in media] == ["FAILED", "FAILED", "FAILED", "READY"]
    assert [m["mediaErrors"][0]["code"] for m in media[:3]] == [
        "UNSUPPORTED_IMAGE_FILE_TYPE",
        "INVALID_IMAGE_FILE_SIZE",
        "IMAGE_DOWNLOAD_FAILURE",
    ]
    assert media[0]["mediaErrors"][0]["details"] == "logo.svg"
    assert media[0]["image"] is None and media[3]["mediaErrors"] == []


def test_state_shows_the_media(client):
    disc = upload(client, "disc.png", PNG)
    rear = image(upload(client, "rear.svg", SVG, "image/svg+xml"), "Rear")
    product_set(
        client, product_input(files=[image(disc, "Disc"), rear], variant_files=[None, rear])
    )
    product = client.state()["products"][0]
    assert [(m["filename"], m["status"]) for m in product["media"]] == [
        ("disc.png", "READY"),
        ("rear.svg", "FAILED"),
    ]
    assert product["media"][0]["mimeType"] == "image/png"
    assert product["media"][1]["mediaErrors"][0]["code"] == "UNSUPPORTED_IMAGE_FILE_TYPE"
    variants = {v["sku"]: v["media_ids"] for v in product["variants"]}
    assert variants == {"BD-F": [], "BD-R": [product["media"][1]["id"]]}
