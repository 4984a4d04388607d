"""The Trading API endpoint, driven by ebaysdk 2.1.5 itself (the library the
connector uses): ReviseFixedPriceItem, GetItem, GetMyeBaySelling, auth, errors and
the daily Trading quota."""

from __future__ import annotations

import pytest
from ebaysdk.exception import ConnectionError as EbaySdkError
from ebaysdk.trading import Connection

from sandbox.ebay.server import start_server
from sandbox.ebay.testing import EbayClient

TRADING_LISTING = "110554411001"  # seeded: made outside the Inventory API


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


def trading(client, **overrides) -> Connection:
    kwargs = {
        "domain": client.url.split("://", 1)[1],
        "https": False,
        "config_file": None,
        "appid": client.config.app_id,
        "devid": client.config.dev_id,
        "certid": client.config.cert_id,
        "iaf_token": client.token,
        "siteid": "100",
        "compatibility": "1349",
        "timeout": 10,
    }
    kwargs.update(overrides)
    return Connection(**kwargs)


def test_get_item_of_a_listing_made_outside_the_inventory_api(client):
    api = trading(client)
    item = api.execute(
        "GetItem", {"ItemID": TRADING_LISTING, "IncludeItemCompatibilityList": "true"}
    ).reply.Item
    assert item.SKU == "FLT-AIR-0520"
    assert item.Quantity == "12" and item.SellingStatus.QuantitySold == "0"
    assert item.SellingStatus.CurrentPrice.value == "21.0"
    assert item.SellingStatus.CurrentPrice._currencyID == "USD"
    assert item.PrimaryCategory.CategoryID == "9886"
    assert item.ConditionID == "1000"
    names = [p.Name for p in item.ItemCompatibilityList.Compatibility.NameValueList]
    assert names == ["Year", "Make", "Model"]
    (call,) = client.state()["trading_calls"]
    assert call == {
        "call": "GetItem",
        "siteId": "100",
        "compatibilityLevel": "1349",
        "appName": client.config.app_id,
        "auth": "iaf",
        "ack": "Success",
        "errorCode": None,
    }


def test_quantity_includes_what_was_sold(client):
    client.control(
        "POST",
        "orders",
        {"buyer": "motorhead_mike", "lines": [{"listingId": TRADING_LISTING, "quantity": 3}]},
    )
    item = trading(client).execute("GetItem", {"ItemID": TRADING_LISTING}).reply.Item
    assert (item.Quantity, item.SellingStatus.QuantitySold) == ("12", "3")  # 9 left


def test_revise_fixed_price_item_changes_the_listing(client):
    api = trading(client)
    reply = api.execute(
        "ReviseFixedPriceItem",
        {
            "Item": {
                "ItemID": TRADING_LISTING,
                "Quantity": "7",
                "StartPrice": "19.50",
                "ItemCompatibilityList": {
                    "ReplaceAll": "true",
                    "Compatibility": [
                        {
                            "NameValueList": [
                                {"Name": "Year", "Value": "2018"},
                                {"Name": "Make", "Value": "Toyota"},
                                {"Name": "Model", "Value": "Camry"},
                                {"Name": "Trim", "Value": "SE Sedan 4-Door"},
                            ]
                        },
                        {
                            "NameValueList": [
                                {"Name": "Year", "Value": "2019"},
                                {"Name": "Make", "Value": "Toyota"},
                                {"Name": "Model", "Value": "Camry"},
                            ]
                        },
                    ],
                },
            }
        },
    ).reply
    assert reply.Ack == "Success" and reply.ItemID == TRADING_LISTING
    assert reply.Fees.Fee[0].Fee.value == "0.0"
    state = client.state()
    listing = next(x for x in state["listings"] if x["listingId"] == TRADING_LISTING)
    assert (listing["quantity"], listing["price"], listing["revisions"]) == (7, "19.50", 1)
    assert len(listing["compatibility"]) == 2
    assert state["listings_by_sku"]["FLT-AIR-0520"]["quantity"] == 7


def test_revise_by_sku(client):
    trading(client).execute(
        "ReviseFixedPriceItem", {"Item": {"SKU": "FLT-AIR-0520", "Quantity": "2"}}
    )
    assert client.state()["listings_by_sku"]["FLT-AIR-0520"]["quantity"] == 2


def _error(api, call, data):
    with pytest.raises(EbaySdkError) as info:
        api.execute(call, data)
    return api.response_codes(), str(info.value)


def test_an_inventory_api_listing_cannot_be_revised_with_trading(client):
    listed = client.list_part("BRK-PAD-1001")
    api = trading(client)
    item = api.execute("GetItem", {"ItemID": listed["listingId"]}).reply.Item
    assert item.SKU == "BRK-PAD-1001" and item.Quantity == "5"
    codes, text = _error(
        api, "ReviseFixedPriceItem", {"Item": {"ItemID": listed["listingId"], "Quantity": "1"}}
    )
    assert codes == [21919474]
    assert "Inventory-based listing management is not currently supported" in text


def test_item_errors(client):
    api = trading(client)
    assert _error(api, "GetItem", {"ItemID": "999999999999"})[0] == [17]
    client.control("POST", f"listings/{TRADING_LISTING}/end", {"reason": "LostOrBroken"})
    ended = api.execute("GetItem", {"ItemID": TRADING_LISTING}).reply.Item
    assert ended.SellingStatus.ListingStatus == "Completed"
    assert ended.ListingDetails.EndingReason == "LostOrBroken"
    codes, _ = _error(
        api, "ReviseFixedPriceItem", {"Item": {"ItemID": TRADING_LISTING, "Quantity": "1"}}
    )
    assert codes == [291]
    live = "110554411002"
    codes, text = _error(api, "ReviseFixedPriceItem", {"Item": {"ItemID": live, "Quantity": "-2"}})
    assert codes == [37] and "Item.Quantity" in text
    bad_fit = {
        "Item": {
            "ItemID": live,
            "ItemCompatibilityList": {
                "Compatibility": {"NameValueList": [{"Name": "Make", "Value": "Tesla"}]}
            },
        }
    }
    codes, text = _error(api, "ReviseFixedPriceItem", bad_fit)
    assert codes == [37] and "ItemCompatibilityList" in text


def test_get_my_ebay_selling_pages_the_active_list(client):
    for n in range(3):
        client.list_part(f"PART-{n}", quantity=n + 1)
    api = trading(client)
    page = api.execute(
        "GetMyeBaySelling",
        {"ActiveList": {"Include": "true", "Pagination": {"EntriesPerPage": 2, "PageNumber": 2}}},
    ).reply.ActiveList
    assert page.PaginationResult.TotalNumberOfEntries == "5"  # 3 listed here, 2 seeded
    assert page.PaginationResult.TotalNumberOfPages == "3"
    items = page.ItemArray.Item
    assert [(i.SKU, i.QuantityAvailable) for i in items] == [
        ("PART-2", "3"),
        ("FLT-AIR-0520", "12"),
    ]


@pytest.mark.parametrize(
    "overrides, code",
    [
        ({"iaf_token": "v^1.1#not-a-token"}, 21916984),
        ({"iaf_token": None, "token": "AgAAAA**wrong"}, 931),
        ({"iaf_token": None}, 930),
    ],
)
def test_auth_errors(client, overrides, code):
    api = trading(client, **overrides)
    assert _error(api, "GetItem", {"ItemID": TRADING_LISTING})[0] == [code]


def test_expired_iaf_token_and_the_auth_n_auth_token(client):
    api = trading(client)
    client.control("POST", "clock", {"advance": 7201})
    assert _error(api, "GetItem", {"ItemID": TRADING_LISTING})[0] == [21917053]
    legacy = trading(client, iaf_token=None, token=client.config.trading_auth_token)
    assert legacy.execute("GetItem", {"ItemID": TRADING_LISTING}).reply.Ack == "Success"
    assert client.state()["trading_calls"][-1]["auth"] == "auth-n-auth"


def test_unsupported_calls(client):
    codes, text = _error(trading(client), "AddFixedPriceItem", {"Item": {}})
    assert codes == [2] and "AddFixedPriceItem" in text


def test_calls_count_against_the_daily_trading_quota(client):
    client.control("POST", "quotas", {"limits": {"tradingapi": 3}})
    api = trading(client)
    for _ in range(3):
        api.execute("GetItem", {"ItemID": TRADING_LISTING})
    codes, text = _error(api, "GetItem", {"ItemID": TRADING_LISTING})
    assert codes == [518] and "exceeded usage limit on this call" in text
    quota = client.control("GET", "quotas")["tradingapi"]
    assert (quota["limit"], quota["used"], quota["remaining"]) == (3, 3, 0)
    client.control("POST", "clock", {"advance": 24 * 3600})  # the next quota day
    client.authorize()  # the clock moved past the token's 2 hours too
    api = trading(client)
    assert api.execute("GetItem", {"ItemID": TRADING_LISTING}).reply.Ack == "Success"


def test_the_default_trading_quota_is_5000(client):
    assert client.control("GET", "quotas")["tradingapi"]["limit"] == 5000
