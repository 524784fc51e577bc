"""Signing in to the web case room through Flask's test client and the stand-in's Sign in
with Slack page."""

from __future__ import annotations

import http.client
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

from bot.testing.harness import Harness, make_settings, start_harness
from bot.testing.standin import SlackStandIn

HOST = "case-room.test"
PUBLIC_URL = f"https://{HOST}"


def portal_settings(standin: SlackStandIn, database_url: str, **overrides: Any):
    return make_settings(
        standin,
        database_url,
        SCR_PUBLIC_URL=PUBLIC_URL,
        SLACK_CLIENT_ID=standin.oidc_client_id,
        SLACK_CLIENT_SECRET=standin.oidc_client_secret,
        **overrides,
    )


def start_portal(standin, database, clock) -> Harness:
    url = database.engine.url.render_as_string(hide_password=False)
    return start_harness(standin, database, clock, settings=portal_settings(standin, url))


class PortalClient(FlaskClient):
    """A browser at the case room's public (https) address, so Secure cookies come back."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], str):
            kwargs.setdefault("base_url", PUBLIC_URL)
        return super().open(*args, **kwargs)


def client_of(harness: Harness) -> FlaskClient:
    return PortalClient(harness.flask, harness.flask.response_class, use_cookies=True)


def raw_get(url: str) -> tuple[int, dict[str, str], str]:
    """A GET that does not follow redirects (the stand-in's authorize page answers with one)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", f"{parts.path}?{parts.query}")
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def authorize_redirect(client: FlaskClient, next_path: str = "/portal/") -> str:
    """Start a sign-in: the URL of Slack's (the stand-in's) authorize page."""
    response = client.get("/portal/login", query_string={"next": next_path})
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def callback_for(authorize_url: str, user_id: str) -> str:
    """What the authorize page sends the browser back to when ``user_id`` signs in: the
    callback's path and query."""
    status, headers, body = raw_get(f"{authorize_url}&login_hint={user_id}")
    assert status == 302, body
    back = urlsplit(headers["Location"])
    assert f"{back.scheme}://{back.netloc}" == PUBLIC_URL or back.hostname == "localhost"
    return f"{back.path}?{back.query}"


def sign_in(client: FlaskClient, user_id: str, next_path: str = "/portal/"):
    callback = callback_for(authorize_redirect(client, next_path), user_id)
    return client.get(callback)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def csrf_of(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]
