"""OAuth: the consent redirect, the token grants, expiry, revocation, and the access
token checks every REST call makes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from sandbox.ebay.config import DEFAULT_SCOPES, SCOPE_BASE
from sandbox.ebay.server import start_server
from sandbox.ebay.testing import EbayClient

RUNAME = "Sandbox_Motor-SandboxM-MotorP-abcdefgh"
ACCEPT = "http://127.0.0.1:8069/ebay/oauth/accept"
POLICIES = "/sell/account/v1/fulfillment_policy?marketplace_id=EBAY_MOTORS_US"


@pytest.fixture(scope="module")
def server():
    srv = start_server(seed=True)
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    c = EbayClient(server.url)
    c.control("POST", "reset", {"seed": True})
    return c


def consent(client, **overrides) -> tuple[int, dict, str]:
    params = {
        "client_id": client.config.app_id,
        "redirect_uri": RUNAME,
        "response_type": "code",
        "scope": " ".join(DEFAULT_SCOPES),
        "state": "odoo-backend-7#nonce",
        **overrides,
    }
    result = client.request("GET", "/oauth2/authorize?" + urlencode(params))
    location = result.headers.get("Location") or ""
    return result.status, {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}, location


def code_grant(client, code, redirect_uri=RUNAME, **kwargs):
    return client.token_request(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}, **kwargs
    )


def test_consent_redirects_to_the_runames_accept_url_with_code_and_state(client):
    status, query, location = consent(client)
    assert status == 302
    assert location.startswith(ACCEPT + "?")
    assert query["state"] == "odoo-backend-7#nonce"
    assert query["expires_in"] == "299"
    assert query["code"].startswith("v^1.1#")  # '#' and '^': it must be URL-decoded


def test_consent_errors_go_back_to_the_accept_url(client):
    assert consent(client, scope=f"{SCOPE_BASE}/buy.everything")[1]["error"] == "invalid_scope"
    assert consent(client, _decline="1")[1] == {
        "state": "odoo-backend-7#nonce",
        "error": "access_denied",
    }
    assert consent(client, client_id="someone-else")[0] == 400
    assert consent(client, redirect_uri="Unknown-RuName")[0] == 400


def test_authorization_code_grant_gives_user_and_refresh_tokens(client):
    code = consent(client)[1]["code"]
    result = code_grant(client, code)
    assert result.status == 200
    body = result.json()
    assert body["token_type"] == "User Access Token"
    assert body["expires_in"] == 7200 and body["refresh_token_expires_in"] == 47304000
    assert client.rest("GET", POLICIES, token=body["access_token"]).status == 200


def test_a_code_is_single_use_bound_to_its_runame_and_expires(client):
    code = consent(client)[1]["code"]
    wrong = code_grant(client, code, redirect_uri="Other-RuName")
    assert (wrong.status, wrong.json()["error"]) == (400, "invalid_grant")
    assert code_grant(client, code).status == 200
    reused = code_grant(client, code)
    assert reused.status == 400
    assert reused.json() == {
        "error": "invalid_grant",
        "error_description": "the provided authorization grant code is invalid or was issued "
        "to another client",
    }
    late = consent(client)[1]["code"]
    client.control("POST", "clock", {"advance": 300})
    assert code_grant(client, late).json()["error"] == "invalid_grant"


def test_bad_client_credentials_are_invalid_client(client):
    code = consent(client)[1]["code"]
    result = code_grant(client, code, authorization=client.basic(cert_id="wrong"))
    assert result.status == 401
    assert result.json() == {
        "error": "invalid_client",
        "error_description": "client authentication failed",
    }
    assert code_grant(client, code, authorization="Bearer nothing").status == 401


def test_the_token_endpoint_takes_a_form_only(client):
    result = client.request(
        "POST",
        "/identity/v1/oauth2/token",
        {"grant_type": "client_credentials"},
        headers={"Authorization": client.basic()},
    )
    assert result.status == 400 and result.json()["error"] == "invalid_request"
    other = client.token_request({"grant_type": "password"})
    assert other.json()["error"] == "unsupported_grant_type"


def test_refresh_grant_mints_a_new_access_token(client):
    tokens = code_grant(client, consent(client)[1]["code"]).json()
    result = client.token_request(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert result.status == 200
    body = result.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}  # no new refresh token
    assert body["access_token"] != tokens["access_token"]
    assert client.rest("GET", POLICIES, token=body["access_token"]).status == 200
    narrower = client.token_request(
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "scope": f"{SCOPE_BASE}/sell.account",
        }
    )
    assert narrower.status == 200
    wider = client.token_request(
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "scope": f"{SCOPE_BASE}/sell.marketing",
        }
    )
    assert wider.json()["error"] == "invalid_scope"


def test_access_tokens_expire_after_their_lifetime(client):
    client.authorize()
    assert client.rest("GET", POLICIES).status == 200
    client.control("POST", "clock", {"advance": 7199})
    assert client.rest("GET", POLICIES).status == 200
    client.control("POST", "clock", {"advance": 2})
    expired = client.rest("GET", POLICIES)
    assert expired.status == 401
    assert expired.json()["errors"][0] == {
        "errorId": 1001,
        "domain": "OAuth",
        "category": "REQUEST",
        "message": "Invalid access token",
        "longMessage": "Invalid access token. Check the value of the Authorization HTTP "
        "request header.",
    }
    refreshed = client.token_request(
        {"grant_type": "refresh_token", "refresh_token": client.refresh_token}
    )
    assert client.rest("GET", POLICIES, token=refreshed.json()["access_token"]).status == 200


def test_the_token_lifetime_is_configurable(server):
    short = start_server(seed=True, access_token_ttl=60)
    try:
        client = EbayClient(short.url)
        assert client.authorize()["expires_in"] == 60
        client.control("POST", "clock", {"advance": 61})
        assert client.rest("GET", POLICIES).status == 401
    finally:
        short.stop()


def test_a_revoked_refresh_token_is_invalid_grant_and_its_tokens_stop(client):
    client.authorize()
    other = EbayClient(client.url)
    other.authorize()
    assert client.control("POST", "tokens/revoke", {"refresh_token": client.refresh_token}) == {
        "revoked": 1
    }
    assert client.rest("GET", POLICIES).error_ids() == [1001]
    refused = client.token_request(
        {"grant_type": "refresh_token", "refresh_token": client.refresh_token}
    )
    assert refused.status == 400
    assert refused.json() == {
        "error": "invalid_grant",
        "error_description": "the provided authorization refresh token is invalid or was "
        "issued to another client",
    }
    assert other.rest("GET", POLICIES).status == 200  # another consent is untouched
    state = client.state()["oauth"]["refresh_tokens"]
    assert [r["revoked"] for r in state if r["token"] == client.refresh_token] == [True]


def test_refresh_tokens_expire_after_18_months(client):
    client.authorize()
    client.control("POST", "clock", {"advance": 47304001})
    result = client.token_request(
        {"grant_type": "refresh_token", "refresh_token": client.refresh_token}
    )
    assert result.json()["error"] == "invalid_grant"


def test_missing_and_malformed_authorization_headers(client):
    missing = client.request("GET", POLICIES)
    assert (missing.status, missing.error_ids()) == (400, [1002])
    basic = client.request("GET", POLICIES, headers={"Authorization": "Basic abc"})
    assert (basic.status, basic.error_ids()) == (400, [1003])
    bogus = client.request("GET", POLICIES, headers={"Authorization": "Bearer v^1.1#nope"})
    assert (bogus.status, bogus.error_ids()) == (401, [1001])


def test_application_tokens_serve_taxonomy_not_the_sellers_apis(client):
    app_token = client.application_token()
    taxonomy = client.rest(
        "GET",
        "/commerce/taxonomy/v1/get_default_category_tree_id?marketplace_id=EBAY_MOTORS_US",
        token=app_token,
    )
    assert taxonomy.status == 200
    denied = client.rest("GET", POLICIES, token=app_token)
    assert (denied.status, denied.error_ids()) == (403, [1100])
    too_wide = client.token_request(
        {"grant_type": "client_credentials", "scope": f"{SCOPE_BASE}/sell.inventory"}
    )
    assert too_wide.json()["error"] == "invalid_scope"


def test_a_token_without_the_apis_scope_is_denied(client):
    tokens = client.control("POST", "tokens", {"scopes": [f"{SCOPE_BASE}/sell.account"]})
    token = tokens["access_token"]
    assert client.rest("GET", POLICIES, token=token).status == 200
    denied = client.rest("GET", "/sell/inventory/v1/inventory_item", token=token)
    assert denied.error_ids() == [1100]
    readonly = client.control(
        "POST", "tokens", {"scopes": [f"{SCOPE_BASE}/sell.inventory.readonly"]}
    )
    ro = readonly["access_token"]
    assert client.rest("GET", "/sell/inventory/v1/inventory_item", token=ro).status == 200
    write = client.rest("PUT", "/sell/inventory/v1/inventory_item/X-1", {}, token=ro)
    assert write.error_ids() == [1100]
