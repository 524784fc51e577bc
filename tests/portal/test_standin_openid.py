"""The stand-in's Sign in with Slack, held to Slack's reference: codes single-use, bound to
the client and the redirect_uri; userInfo only for the user token the code gave."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.portal.helpers import query_of, raw_get

REDIRECT = "https://case-room.test/portal/oidc/callback"


def authorize(standin, user: str | None = None, **overrides: str):
    query = {
        "response_type": "code",
        "client_id": standin.oidc_client_id,
        "scope": "openid,profile,email",
        "redirect_uri": REDIRECT,
        "state": "s1",
        "nonce": "n1",
        **overrides,
    }
    if user is not None:
        query["login_hint"] = user
    return raw_get(f"{standin.authorize_url}?{urlencode(query)}")


def code_for(standin, user: str) -> str:
    status, headers, _ = authorize(standin, user)
    assert status == 302
    assert headers["Location"].startswith(REDIRECT + "?")
    back = query_of(headers["Location"])
    assert back["state"] == "s1"
    return back["code"]


def exchange(standin, code: str, **overrides: str):
    client = WebClient(base_url=standin.api_url)
    args = {
        "client_id": standin.oidc_client_id,
        "client_secret": standin.oidc_client_secret,
        "code": code,
        "redirect_uri": REDIRECT,
        **overrides,
    }
    return client.openid_connect_token(**args)


def test_the_authorize_page_lists_the_people_to_sign_in_as(standin) -> None:
    status, _, page = authorize(standin)
    assert status == 200
    assert "Sign in as Dr Lee (Health DP)" in page
    assert "login_hint=U0DPH" in page
    assert "scr-bot" not in page  # not the bot


def test_a_code_signs_in_its_person_once(standin) -> None:
    response = exchange(standin, code_for(standin, "U0DPH"))
    assert response["token_type"] == "Bearer"
    assert response["access_token"].startswith("xoxp-")
    info = WebClient(token=response["access_token"], base_url=standin.api_url)
    me = info.openid_connect_userInfo()
    assert me["https://slack.com/user_id"] == "U0DPH"
    assert me["https://slack.com/team_id"] == standin.team_id
    assert me["email"] == "lee@health.example"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"client_secret": "wrong"}, "bad_client_secret"),
        ({"client_id": "1000.other"}, "invalid_client_id"),
        ({"redirect_uri": "https://elsewhere.test/callback"}, "bad_redirect_uri"),
        ({"code": "made-up"}, "invalid_code"),
    ],
)
def test_a_code_is_bound_to_its_client_and_redirect_uri(standin, overrides, error) -> None:
    overrides = dict(overrides)
    code = code_for(standin, "U0DPH")
    with pytest.raises(SlackApiError) as refused:
        exchange(standin, overrides.pop("code", code), **overrides)
    assert refused.value.response["error"] == error


def test_a_code_is_single_use(standin) -> None:
    code = code_for(standin, "U0DPH")
    exchange(standin, code)
    with pytest.raises(SlackApiError) as refused:
        exchange(standin, code)
    assert refused.value.response["error"] == "invalid_code"


def test_user_info_needs_the_user_token(standin) -> None:
    for token in ("xoxp-made-up", standin.bot_token):
        with pytest.raises(SlackApiError):
            WebClient(token=token, base_url=standin.api_url).openid_connect_userInfo()
    standin.violations.clear()  # the bot token is refused as a violation, as it should be


def test_an_unknown_client_gets_no_page(standin) -> None:
    status, _, body = authorize(standin, client_id="1000.other")
    assert status == 400
    assert urlsplit(body).scheme == ""
