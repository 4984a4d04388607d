"""Media API images and Message API conversations."""

from __future__ import annotations

import struct
import uuid
import zlib

import pytest

from sandbox.ebay import contract
from sandbox.ebay.server import start_server
from sandbox.ebay.testing import INVENTORY, EbayClient

IMAGES = "/commerce/media/v1_beta/image"
MESSAGES = "/commerce/message/v1"


def png(width: int, height: int) -> bytes:
    """A valid grey PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def multipart(field: str, filename: str, data: bytes, ctype="image/png") -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: {ctype}\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture(scope="module")
def server():
    srv = start_server(seed=True)
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    c = EbayClient(server.url)
    c.control("POST", "reset", {"seed": True})
    c.authorize()
    return c


def upload(client, data: bytes, field="image"):
    body, ctype = multipart(field, "pad.png", data)
    return client.rest(
        "POST", f"{IMAGES}/create_image_from_file", raw=body, headers={"Content-Type": ctype}
    )


def test_create_image_from_file_gives_the_url_a_listing_uses(client):
    result = upload(client, png(800, 600))
    assert result.status == 201
    location = result.headers["Location"]
    assert location.startswith("https://apim.ebay.com/commerce/media/v1_beta/image/")
    image_id = location.rsplit("/", 1)[1]
    body = result.json()
    assert body["imageUrl"].startswith("https://i.ebayimg.com/images/g/")
    assert body["expirationDate"].endswith("Z")
    assert client.ok("GET", f"{IMAGES}/{image_id}") == body
    (stored,) = client.state()["images"]
    assert stored["format"] == "PNG" and stored["size"] == [800, 600]
    # The EPS URL goes into product.imageUrls; the listing publishes with it.
    client.list_part("BRK-PAD-1001")
    item = client.ok("GET", f"{INVENTORY}/inventory_item/BRK-PAD-1001")
    item["product"]["imageUrls"] = [body["imageUrl"]]
    item.pop("sku"), item.pop("locale")
    assert client.rest("PUT", f"{INVENTORY}/inventory_item/BRK-PAD-1001", item).status == 204


@pytest.mark.parametrize(
    "data, field, reason",
    [
        (png(800, 600), "file", "field named 'image'"),
        (b"GIF89a" + b"\x00" * 20, "image", "pixels"),
        (png(300, 200), "image", "at least 500 pixels"),
        (b"%PDF-1.4 not a picture", "image", "Unsupported image format"),
        (b"", "image", "empty"),
    ],
)
def test_create_image_from_file_refusals(client, data, field, reason):
    result = upload(client, data, field=field)
    assert (result.status, result.error_ids()) == (400, [2004])
    assert reason in result.json()["errors"][0]["parameters"][0]["value"]


def test_create_image_from_url_is_https_only(client):
    ok = client.rest(
        "POST", f"{IMAGES}/create_image_from_url", {"imageUrl": "https://cdn.example.com/a.jpg"}
    )
    assert ok.status == 201 and ok.headers["Location"]
    plain = client.rest(
        "POST", f"{IMAGES}/create_image_from_url", {"imageUrl": "http://cdn.example.com/a.jpg"}
    )
    assert plain.error_ids() == [2004]
    assert "HTTPS" in plain.body.decode()
    assert client.rest("POST", f"{IMAGES}/create_image_from_url", {}).error_ids() == [2004]
    assert client.rest("GET", f"{IMAGES}/unknown").error_ids() == [2002]


def test_media_posts_are_limited_to_50_in_5_seconds(client):
    assert client.control("GET", "config")["media_post_limit"] == 50
    assert client.control("GET", "config")["media_post_window"] == 5.0
    # A wider window, so that the test does not depend on 51 calls taking under 5 s.
    client.control("POST", "config", {"media_post_window": 600})
    for _ in range(50):
        client.rest("POST", f"{IMAGES}/create_image_from_url", {"imageUrl": "https://x.test/a.jpg"})
    limited = client.rest(
        "POST", f"{IMAGES}/create_image_from_url", {"imageUrl": "https://x.test/a.jpg"}
    )
    assert (limited.status, limited.error_ids()) == (429, [2001])
    assert limited.headers["Retry-After"] == "600"


# ------------------------------------------------------------------------ messages


def _order(client):
    client.list_part("BRK-PAD-1001")
    return client.control(
        "POST", "orders", {"buyer": "brakes4less", "lines": [{"sku": "BRK-PAD-1001"}]}
    )


def test_a_buyers_message_about_an_order_is_a_listing_conversation(client):
    order = _order(client)
    client.control(
        "POST", "messages", {"order": order["orderId"], "text": "Do these fit a 2016 F-150?"}
    )
    listed = client.ok("GET", f"{MESSAGES}/conversation?conversation_type=FROM_MEMBERS")
    assert (
        contract.validate_response("commerce.message", "GetAllMyConversationsResponse", listed)
        == []
    )
    (conv,) = listed["conversations"]
    assert conv["referenceType"] == "LISTING"
    assert conv["referenceId"] == order["lineItems"][0]["legacyItemId"]
    assert conv["unreadCount"] == 1
    assert conv["latestMessage"]["senderUsername"] == "brakes4less"
    assert conv["latestMessage"]["recipientUsername"] == "sandbox_motor_parts"
    assert conv["latestMessage"]["messageBody"] == "Do these fit a 2016 F-150?"
    by_ref = client.ok(
        "GET",
        f"{MESSAGES}/conversation?conversation_type=FROM_MEMBERS&reference_type=LISTING"
        f"&reference_id={conv['referenceId']}",
    )
    assert len(by_ref["conversations"]) == 1


def test_send_message_replies_in_the_conversation(client):
    order = _order(client)
    client.control("POST", "messages", {"order": order["orderId"], "text": "When will it ship?"})
    conv_id = client.state()["conversations"][0]["conversationId"]
    sent = client.rest(
        "POST", f"{MESSAGES}/send_message", {"conversationId": conv_id, "messageText": "Today."}
    )
    assert sent.status == 201
    reply = sent.json()
    assert contract.validate_response("commerce.message", "SendMessageResponse", reply) == []
    assert reply["senderUserName"] == "sandbox_motor_parts"
    assert reply["recipientUserName"] == "brakes4less"
    thread = client.ok("GET", f"{MESSAGES}/conversation/{conv_id}?conversation_type=FROM_MEMBERS")
    assert [m["messageBody"] for m in thread["messages"]] == ["Today.", "When will it ship?"]
    assert thread["total"] == 2
    new = client.rest(
        "POST",
        f"{MESSAGES}/send_message",
        {
            "otherPartyUsername": "motorhead_mike",
            "messageText": "Thanks for your order.",
            "reference": {
                "referenceId": order["lineItems"][0]["legacyItemId"],
                "referenceType": "LISTING",
            },
        },
    )
    assert new.status == 201
    assert len(client.state()["conversations"]) == 2


@pytest.mark.parametrize(
    "body, error_id",
    [
        ({"messageText": "hi"}, 355018),
        ({"conversationId": "404", "messageText": "hi"}, 355007),
        ({"otherPartyUsername": "nobody_here", "messageText": "hi"}, 355006),
        ({"otherPartyUsername": "brakes4less", "messageText": "x" * 2001}, 355013),
        ({"otherPartyUsername": "brakes4less", "messageText": " "}, 355015),
        (
            {
                "otherPartyUsername": "brakes4less",
                "messageText": "hi",
                "reference": {"referenceId": "1"},
            },
            355021,
        ),
        (
            {
                "otherPartyUsername": "brakes4less",
                "messageText": "hi",
                "reference": {"referenceId": "1", "referenceType": "ORDER"},
            },
            355003,
        ),
        (
            {
                "otherPartyUsername": "brakes4less",
                "messageText": "hi",
                "reference": {"referenceId": "x1", "referenceType": "LISTING"},
            },
            355016,
        ),
        (
            {
                "otherPartyUsername": "brakes4less",
                "messageText": "hi",
                "reference": {"referenceId": "1", "referenceType": "LISTING"},
            },
            355020,
        ),
        (
            {
                "otherPartyUsername": "brakes4less",
                "messageText": "hi",
                "messageMedia": [{"mediaName": "a"}],
            },
            355012,
        ),
        (
            {
                "otherPartyUsername": "brakes4less",
                "messageText": "hi",
                "messageMedia": [{"mediaName": "a", "mediaType": "VIDEO", "mediaUrl": "https://x"}],
            },
            355011,
        ),
        (
            {
                "otherPartyUsername": "brakes4less",
                "messageText": "hi",
                "messageMedia": [{"mediaName": "a", "mediaType": "IMAGE", "mediaUrl": "http://x"}],
            },
            355014,
        ),
    ],
)
def test_send_message_errors(client, body, error_id):
    result = client.rest("POST", f"{MESSAGES}/send_message", body)
    assert (result.status, result.error_ids()) == (400, [error_id])


@pytest.mark.parametrize(
    "query, error_id",
    [
        ("", 355017),
        ("conversation_type=FROM_NOBODY", 355002),
        ("conversation_type=FROM_MEMBERS&conversation_status=LOST", 355001),
        ("conversation_type=FROM_MEMBERS&reference_id=12", 355022),
        ("conversation_type=FROM_MEMBERS&reference_type=ORDER", 355003),
        ("conversation_type=FROM_MEMBERS&reference_id=a&reference_type=LISTING", 355016),
        ("conversation_type=FROM_MEMBERS&start_time=yesterday", 355005),
        (
            "conversation_type=FROM_MEMBERS&start_time=2024-02-01T00:00:00Z&end_time=2024-01-01T00:00:00Z",
            355004,
        ),
        ("conversation_type=FROM_MEMBERS&other_party_username=ghost", 355006),
        ("conversation_type=FROM_MEMBERS&limit=51", 355009),
        ("conversation_type=FROM_MEMBERS&limit=10&offset=5", 355008),
    ],
)
def test_get_conversations_errors(client, query, error_id):
    result = client.rest("GET", f"{MESSAGES}/conversation?{query}")
    assert (result.status, result.error_ids()) == (400, [error_id])
