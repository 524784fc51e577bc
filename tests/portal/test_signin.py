"""Sign in with Slack and the session: each failure refused, nothing opened by it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.portal.app import CSP
from bot.portal.signin import LOGIN_COOKIE, SESSION_COOKIE
from storage.models import AuditEvent, PortalSession
from tests.portal.helpers import (
    HOST,
    PUBLIC_URL,
    authorize_redirect,
    callback_for,
    client_of,
    csrf_of,
    query_of,
    sign_in,
)

CALLBACK = "/portal/oidc/callback"


def _sessions(harness) -> int:
    with harness.runtime.db.session() as session:
        return session.scalar(select(func.count(PortalSession.id))) or 0


def test_login_sends_the_browser_to_slacks_authorize_page_with_state_and_nonce(portal) -> None:
    client = client_of(portal)
    url = authorize_redirect(client)
    assert url.startswith(portal.standin.authorize_url + "?")
    query = query_of(url)
    assert query["client_id"] == portal.standin.oidc_client_id
    assert query["response_type"] == "code"
    assert set(query["scope"].split(",")) == {"openid", "profile", "email"}
    assert query["redirect_uri"] == f"{PUBLIC_URL}/portal/oidc/callback"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    cookie = client.get_cookie(LOGIN_COOKIE, domain=HOST, path="/portal/oidc/")
    assert cookie is not None and cookie.http_only and cookie.secure


@pytest.mark.postgres
def test_signing_in_opens_a_session_and_shows_the_persons_cases(portal) -> None:
    client = client_of(portal)
    response = sign_in(client, "U0DPH")
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/"
    cookie = client.get_cookie(SESSION_COOKIE, domain=HOST, path="/portal/")
    assert cookie is not None
    assert cookie.secure and cookie.http_only and cookie.same_site == "Lax"
    assert cookie.max_age == 10 * 3600
    home = client.get("/portal/")
    assert home.status_code == 200
    assert "Dr Lee (Health DP)" in home.text
    assert home.headers["Content-Security-Policy"] == CSP
    assert home.headers["X-Content-Type-Options"] == "nosniff"
    assert home.headers["Referrer-Policy"] == "no-referrer"
    assert home.headers["Cache-Control"] == "no-store"
    assert "<script" not in home.text and "style=" not in home.text
    with portal.runtime.db.session() as session:
        actions = list(session.scalars(select(AuditEvent.action)))
    assert "portal.signed_in" in actions
    assert portal.standin.calls_to("openid.connect.token")[0].ok
    assert portal.standin.calls_to("openid.connect.userInfo")[0].ok


def test_a_page_without_a_session_sends_the_browser_to_sign_in(portal) -> None:
    response = client_of(portal).get("/portal/cases/SCR-2026-001")
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/login?next=/portal/cases/SCR-2026-001"


def test_a_bad_state_is_refused(portal) -> None:
    client = client_of(portal)
    callback = callback_for(authorize_redirect(client), "U0DPH")
    forged = callback.replace("state=", "state=x")
    response = client.get(forged)
    assert response.status_code == 400
    assert "sign in again" in response.text.lower()
    assert _sessions(portal) == 0
    assert portal.standin.calls_to("openid.connect.token") == []


def test_a_state_from_another_browser_is_refused(portal) -> None:
    """Login CSRF: a callback carrying someone else's state does not sign this browser in."""
    attacker, victim = client_of(portal), client_of(portal)
    callback = callback_for(authorize_redirect(attacker), "U0OUTSIDER")
    response = victim.get(callback)
    assert response.status_code == 400
    assert _sessions(portal) == 0


@pytest.mark.postgres
def test_a_reused_code_is_refused(portal) -> None:
    client = client_of(portal)
    callback = callback_for(authorize_redirect(client), "U0DPH")
    assert client.get(callback).status_code == 302
    # the same callback again: the state is spent
    assert client.get(callback).status_code == 400
    # the same code with a fresh state: Slack refuses the spent code
    again = client_of(portal)
    fresh = query_of("?" + callback_for(authorize_redirect(again), "U0DPH").split("?", 1)[1])
    code = query_of("?" + callback.split("?", 1)[1])["code"]
    response = again.get(CALLBACK, query_string={"state": fresh["state"], "code": code})
    assert response.status_code == 400
    assert "used already" in response.text
    exchanges = portal.standin.calls_to("openid.connect.token")
    assert [c.error for c in exchanges] == [None, "invalid_code"]
    assert _sessions(portal) == 1


def test_a_person_of_another_workspace_is_refused(portal) -> None:
    portal.standin.add_user("U0ELSEWHERE", "Someone Else", home_team_id="T0OTHER")
    client = client_of(portal)
    response = sign_in(client, "U0ELSEWHERE")
    assert response.status_code == 403
    assert "another Slack workspace" in response.text
    assert _sessions(portal) == 0
    assert client.get_cookie(SESSION_COOKIE, domain=HOST, path="/portal/") is None


def test_a_cancelled_sign_in_is_refused(portal) -> None:
    client = client_of(portal)
    state = query_of(authorize_redirect(client))["state"]
    response = client.get(CALLBACK, query_string={"error": "access_denied", "state": state})
    assert response.status_code == 400
    assert _sessions(portal) == 0


def test_an_expired_session_is_refused(portal) -> None:
    client = client_of(portal)
    sign_in(client, "U0DPH")
    assert client.get("/portal/").status_code == 200
    portal.clock.advance(timedelta(hours=10, minutes=1))
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/portal/login")


def test_an_expired_login_is_refused(portal) -> None:
    client = client_of(portal)
    callback = callback_for(authorize_redirect(client), "U0DPH")
    portal.clock.advance(timedelta(minutes=11))
    assert client.get(callback).status_code == 400
    assert _sessions(portal) == 0


def test_a_forged_cookie_is_refused(portal) -> None:
    client = client_of(portal)
    sign_in(client, "U0DPH")
    real = client.get_cookie(SESSION_COOKIE, domain=HOST, path="/portal/").value
    for forged in ("made-up", real[:-2] + ("AA" if not real.endswith("AA") else "BB")):
        other = client_of(portal)
        other.set_cookie(SESSION_COOKIE, forged, path="/portal/", domain=HOST)
        response = other.get("/portal/")
        assert response.status_code == 302, forged


@pytest.mark.postgres
def test_signing_out_kills_the_session_and_any_copy_of_its_cookie(portal) -> None:
    client = client_of(portal)
    sign_in(client, "U0DPH")
    home = client.get("/portal/")
    copied = client.get_cookie(SESSION_COOKIE, domain=HOST, path="/portal/").value
    response = client.post("/portal/logout", data={"csrf_token": csrf_of(home.text)})
    assert response.status_code == 200
    assert "You have signed out" in response.text
    assert client.get_cookie(SESSION_COOKIE, domain=HOST, path="/portal/") is None
    thief = client_of(portal)
    thief.set_cookie(SESSION_COOKIE, copied, path="/portal/", domain=HOST)
    assert thief.get("/portal/").status_code == 302
    with portal.runtime.db.session() as session:
        assert session.scalar(select(PortalSession.ended_at)) is not None
        assert "portal.signed_out" in set(session.scalars(select(AuditEvent.action)))


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(portal) -> None:
    client = client_of(portal)
    sign_in(client, "U0DPH")
    home = client.get("/portal/")
    for data in ({}, {"csrf_token": "not-the-token"}):
        response = client.post("/portal/logout", data=data)
        assert response.status_code == 400
        assert "Nothing was changed" in response.text
        assert client.get("/portal/").status_code == 200
    with portal.runtime.db.session() as session:
        assert session.scalar(select(PortalSession.ended_at)) is None
    other = client_of(portal)
    sign_in(other, "U0CPU1")
    # another session's token is not this session's
    response = other.post("/portal/logout", data={"csrf_token": csrf_of(home.text)})
    assert response.status_code == 400


def test_next_only_leads_within_the_case_room(portal) -> None:
    client = client_of(portal)
    response = sign_in(client, "U0DPH", next_path="https://evil.example/")
    assert response.headers["Location"] == "/portal/"
    client = client_of(portal)
    response = sign_in(client, "U0DPH", next_path="/portal/cases/SCR-2026-001")
    assert response.headers["Location"] == "/portal/cases/SCR-2026-001"


def test_the_portal_is_not_served_unless_configured(harness) -> None:
    assert harness.flask.test_client().get("/portal/").status_code == 404


def test_sessions_over_for_a_day_are_cleared(portal) -> None:
    sign_in(client_of(portal), "U0DPH")
    portal.clock.advance(timedelta(hours=35))
    sign_in(client_of(portal), "U0DPH")
    assert _sessions(portal) == 1


def test_the_authorize_page_is_slacks_unless_the_api_is_elsewhere() -> None:
    from bot.settings import Settings

    assert Settings.model_validate({}).oidc_authorize_url == (
        "https://slack.com/openid/connect/authorize"
    )
    local = Settings.model_validate({"SLACK_API_URL": "http://127.0.0.1:8123/api/"})
    assert local.oidc_authorize_url == "http://127.0.0.1:8123/openid/connect/authorize"
    assert not local.portal_enabled
    on = Settings.model_validate({"SCR_PUBLIC_URL": "https://scr.example/", "SLACK_CLIENT_ID": "1"})
    assert on.portal_enabled and on.public_url == "https://scr.example"
