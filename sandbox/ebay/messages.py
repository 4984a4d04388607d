"""Message API: getConversations, getConversation, sendMessage.

A buyer's question about an order is a FROM_MEMBERS conversation whose reference is
the listing (``referenceType`` LISTING, ``referenceId`` the item id), as eBay links
member messages to listings; the control API makes a buyer write one.
"""

from __future__ import annotations

import re

from . import orders
from .routes import Response, rest
from .store import StoreError
from .util import parse_iso

API = "commerce.message"
TYPES = ("FROM_MEMBERS", "FROM_EBAY")
STATUSES = ("ACTIVE", "ARCHIVE", "DELETE", "READ", "UNREAD")
MAX_LIMIT = 50
MAX_TEXT = 2000
MAX_MEDIA = 5
MEDIA_TYPES = ("IMAGE", "PDF", "DOC", "TXT")


def _username(app, buyer: dict) -> str:
    return orders.buyer_name(app, buyer)


def _message_payload(app, conv: dict, msg: dict) -> dict:
    out = {
        "messageId": msg["messageId"],
        "createdDate": msg["createdDate"],
        "messageBody": msg["messageBody"],
        "readStatus": msg["readStatus"],
        "senderUsername": _party(app, conv, msg["from"]),
        "recipientUsername": _party(app, conv, "seller" if msg["from"] == "buyer" else "buyer"),
        "subject": msg.get("subject") or conv["title"],
    }
    if msg.get("messageMedia"):
        out["messageMedia"] = [dict(m) for m in msg["messageMedia"]]
    return out


def _party(app, conv: dict, who: str) -> str:
    if who == "seller":
        return app.config.seller_username
    return _username(app, app.store.buyers[conv["buyerId"]])


def conversation_payload(app, conv: dict) -> dict:
    return {
        "conversationId": conv["conversationId"],
        "conversationStatus": conv["status"],
        "conversationTitle": conv["title"],
        "conversationType": conv["type"],
        "createdDate": conv["createdDate"],
        "latestMessage": _message_payload(app, conv, conv["messages"][-1]),
        "referenceId": conv["referenceId"],
        "referenceType": conv["referenceType"],
        "unreadCount": sum(
            1 for m in conv["messages"] if m["from"] == "buyer" and not m["readStatus"]
        ),
    }


def _page(app, req) -> tuple[int, int]:
    try:
        limit = int(req.query.get("limit", 10))
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise app.fail(req, 355009, maximumAllowedLimitNumber=MAX_LIMIT)
    try:
        offset = int(req.query.get("offset", 0))
    except ValueError:
        offset = -1
    if offset < 0 or offset % limit:
        raise app.fail(req, 355008)
    return limit, offset


def _type_param(app, req) -> str:
    kind = req.query.get("conversation_type")
    if not kind:
        raise app.fail(req, 355017)
    if kind not in TYPES:
        raise app.fail(req, 355002)
    return kind


def _filtered(app, req, kind: str) -> list[dict]:
    store = app.store
    status = req.query.get("conversation_status")
    if status and status not in STATUSES:
        raise app.fail(req, 355001)
    other = req.query.get("other_party_username")
    if other:
        try:
            other_id = store.buyer(other)["userId"]
        except StoreError:
            raise app.fail(req, 355006) from None
    ref_id, ref_type = req.query.get("reference_id"), req.query.get("reference_type")
    if ref_id and not re.fullmatch(r"\d+", ref_id):
        raise app.fail(req, 355016)
    if ref_type and ref_type != "LISTING":
        raise app.fail(req, 355003)
    if ref_id and not ref_type:
        raise app.fail(req, 355022)
    start, end = req.query.get("start_time"), req.query.get("end_time")
    start_at = parse_iso(start) if start else None
    end_at = parse_iso(end) if end else None
    if (start and start_at is None) or (end and end_at is None):
        raise app.fail(req, 355005)
    if start_at and end_at and start_at >= end_at:
        raise app.fail(req, 355004)
    rows = []
    for conv in store.conversations.values():
        latest = parse_iso(conv["messages"][-1]["createdDate"])
        if (
            conv["type"] == kind
            and (not status or conv["status"] == status)
            and (not other or conv["buyerId"] == other_id)
            and (not ref_id or conv["referenceId"] == ref_id)
            and (not start_at or latest >= start_at)
            and (not end_at or latest <= end_at)
        ):
            rows.append(conv)
    rows.sort(key=lambda c: (c["messages"][-1]["createdDate"], c["conversationId"]), reverse=True)
    return rows


def _links(app, req, limit, offset, total) -> dict:
    base = app.href(req.path)
    out = {"href": f"{base}?limit={limit}&offset={offset}", "limit": limit, "offset": offset}
    out["total"] = total
    if offset + limit < total:
        out["next"] = f"{base}?limit={limit}&offset={offset + limit}"
    if offset:
        out["prev"] = f"{base}?limit={limit}&offset={max(offset - limit, 0)}"
    return out


@rest(API, "getConversations")
def get_conversations(app, req):
    kind = _type_param(app, req)
    limit, offset = _page(app, req)
    rows = _filtered(app, req, kind)
    body = _links(app, req, limit, offset, len(rows))
    body["conversations"] = [conversation_payload(app, c) for c in rows[offset : offset + limit]]
    return Response(200, body)


@rest(API, "getConversation")
def get_conversation(app, req):
    conv = app.store.conversations.get(req.path_params["conversation_id"])
    kind = req.query.get("conversation_type")
    if not kind:
        # getConversation documents no error for a missing conversation_type: the
        # conversation cannot be found without it.
        raise app.fail(req, 355007)
    if conv is None or conv["type"] != kind:
        raise app.fail(req, 355007)
    limit, offset = _page(app, req)
    messages = list(reversed(conv["messages"]))  # newest first
    body = _links(app, req, limit, offset, len(messages))
    body.update(
        conversationStatus=conv["status"],
        conversationTitle=conv["title"],
        conversationType=conv["type"],
        messages=[_message_payload(app, conv, m) for m in messages[offset : offset + limit]],
    )
    return Response(200, body)


def _media_errors(app, req, media: list):
    if len(media) > MAX_MEDIA:
        raise app.fail(req, 355010, maximumMediaAllowedCount=MAX_MEDIA)
    for item in media:
        if not all(item.get(k) for k in ("mediaName", "mediaType", "mediaUrl")):
            raise app.fail(req, 355012)
        if item["mediaType"] not in MEDIA_TYPES:
            raise app.fail(req, 355011)
        if not item["mediaUrl"].startswith("https://"):
            raise app.fail(req, 355014)


@rest(API, "sendMessage")
def send_message(app, req):
    store = app.store
    body = req.json
    text = body.get("messageText") or ""
    media = body.get("messageMedia") or []
    conv_id, other = body.get("conversationId"), body.get("otherPartyUsername")
    if not conv_id and not other:
        raise app.fail(req, 355018)
    if len(text) > MAX_TEXT:
        raise app.fail(req, 355013, maximumMessageTextAllowedLength=MAX_TEXT)
    if not text.strip() and not media:
        raise app.fail(req, 355015)
    _media_errors(app, req, media)
    reference = body.get("reference")
    if reference is not None:
        if not reference.get("referenceId") or not reference.get("referenceType"):
            raise app.fail(req, 355021)
        if reference["referenceType"] != "LISTING":
            raise app.fail(req, 355003)
        if not re.fullmatch(r"\d+", str(reference["referenceId"])):
            raise app.fail(req, 355016)
        if str(reference["referenceId"]) not in store.listings:
            raise app.fail(req, 355020)
    if conv_id:
        conv = store.conversations.get(conv_id)
        if conv is None:
            raise app.fail(req, 355007)
    else:
        try:
            buyer = store.buyer(other)
        except StoreError:
            raise app.fail(req, 355006) from None
        ref_id = str(reference["referenceId"]) if reference else None
        conv = find_or_open(app, buyer, ref_id, title=None)
    msg = add_message(app, conv, "seller", text, subject=None, media=media)
    out = _message_payload(app, conv, msg)
    return Response(
        201,
        {
            "createdDate": out["createdDate"],
            "messageBody": out["messageBody"],
            "messageId": out["messageId"],
            "messageMedia": out.get("messageMedia", []),
            "readStatus": False,
            "recipientUserName": out["recipientUsername"],
            "senderUserName": out["senderUsername"],
            "subject": out["subject"],
        },
    )


# ------------------------------------------------------------------ for control


def find_or_open(app, buyer: dict, reference_id: str | None, title: str | None) -> dict:
    store = app.store
    for conv in store.conversations.values():
        if conv["buyerId"] == buyer["userId"] and conv["referenceId"] == reference_id:
            return conv
    listing = store.listings.get(reference_id or "")
    conv_id = str(store.next_id("conversation"))
    conv = {
        "conversationId": conv_id,
        "type": "FROM_MEMBERS",
        "status": "ACTIVE",
        "title": title or (listing["title"] if listing and "title" in listing else "Message"),
        "referenceId": reference_id,
        "referenceType": "LISTING" if reference_id else None,
        "createdDate": store.now(),
        "buyerId": buyer["userId"],
        "messages": [],
    }
    store.conversations[conv_id] = conv
    return conv


def add_message(app, conv: dict, sender: str, text: str, subject=None, media=None) -> dict:
    msg = {
        "messageId": str(app.store.next_id("message")),
        "createdDate": app.store.now(),
        "messageBody": text,
        "subject": subject,
        "from": sender,
        "readStatus": sender == "seller",
        "messageMedia": [dict(m) for m in media or []],
    }
    conv["messages"].append(msg)
    if conv["status"] in ("ARCHIVE", "READ"):
        conv["status"] = "ACTIVE"
    return msg


def buyer_writes(app, data: dict) -> dict:
    """A buyer writes to the seller about an order (its first line's listing)."""
    store = app.store
    order = store.orders.get(data.get("order") or "")
    if order is None:
        raise StoreError(f"no order {data.get('order')!r}")
    buyer = store.buyers[order["buyerId"]]
    listing_id = order["lines"][0]["listingId"]
    listing = store.listings[listing_id]
    title = data.get("subject") or (
        listing.get("title") or order["lines"][0]["title"] or f"Order {order['orderId']}"
    )
    conv = find_or_open(app, buyer, listing_id, title)
    text = data.get("text") or "Hello, when will my order ship?"
    add_message(app, conv, "buyer", text, subject=data.get("subject"))
    return conversation_payload(app, conv)
