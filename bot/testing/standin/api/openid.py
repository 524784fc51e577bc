"""Sign in with Slack: `openid.connect.token` (a code from the authorize page for a user token
and an ID token) and `openid.connect.userInfo` (who that token is). The authorize page itself
is served by ``server.py`` (``authorize_page`` below builds it)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import secrets
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from ..args import Args, SlackError
from ..models import JSON, User
from ..workspace import OIDC_CODE_TTL, OidcCode, Workspace

if TYPE_CHECKING:
    from . import Handler

ISSUER = "https://slack.com"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _claims(ws: Workspace, user: User) -> JSON:
    team = user.home_team_id or ws.team_id
    claims: JSON = {
        "sub": user.id,
        "https://slack.com/user_id": user.id,
        "https://slack.com/team_id": team,
        "name": user.name,
        "https://slack.com/team_name": ws.team_name,
        "https://slack.com/team_domain": ws.domain,
        "locale": "en-GB",
    }
    if user.email:
        claims |= {"email": user.email, "email_verified": True}
    return claims


def _id_token(ws: Workspace, user: User, client_id: str, nonce: str | None) -> str:
    """A JWT as Slack sends one (signed here with HS256 under the client secret)."""
    now = int(ws.wall())
    payload: JSON = {"iss": ISSUER, "aud": client_id, "iat": now, "exp": now + 3600}
    payload |= _claims(ws, user)
    if nonce is not None:
        payload["nonce"] = nonce
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(payload).encode())
    mac = hmac.new(ws.oidc_client_secret.encode(), f"{head}.{body}".encode(), hashlib.sha256)
    return f"{head}.{body}.{_b64(mac.digest())}"


def token(ws: Workspace, a: Args) -> JSON:
    if a.opt("client_id") != ws.oidc_client_id:
        raise SlackError("invalid_client_id")
    if a.opt("client_secret") != ws.oidc_client_secret:
        raise SlackError("bad_client_secret")
    grant = a.opt("grant_type") or "authorization_code"
    if grant != "authorization_code":
        raise SlackError("unsupported_grant_type", violation=f"grant_type {grant} not issued")
    code = ws.oidc_codes.get(a.text("code"))
    if code is None or code.used or ws.wall() - code.issued_at > OIDC_CODE_TTL:
        raise SlackError("invalid_code")
    if code.client_id != ws.oidc_client_id:
        raise SlackError("invalid_code")
    if a.opt("redirect_uri") != code.redirect_uri:
        raise SlackError("bad_redirect_uri")
    code.used = True
    access = f"xoxp-{secrets.token_hex(12)}"
    ws.user_tokens[access] = code.user
    user = ws.users[code.user]
    return {
        "access_token": access,
        "token_type": "Bearer",
        "id_token": _id_token(ws, user, code.client_id, code.nonce),
    }


def user_info(ws: Workspace, a: Args) -> JSON:
    user = ws.users.get(ws.user_tokens.get(a.text("token"), ""))
    if user is None:
        raise SlackError("invalid_auth")
    return _claims(ws, user)


HANDLERS: dict[str, Handler] = {
    "openid.connect.token": token,
    "openid.connect.userInfo": user_info,
}


# The authorize page -----------------------------------------------------------------------


def issue_code(
    ws: Workspace, user_id: str, client_id: str, redirect_uri: str, nonce: str | None
) -> str:
    code = f"{int(ws.wall())}.{secrets.token_hex(16)}"
    ws.oidc_codes[code] = OidcCode(user_id, client_id, redirect_uri, nonce, ws.wall())
    return code


def _signs_in(query: dict[str, str], user_id: str) -> str:
    return html.escape(f"/openid/connect/authorize?{urlencode({**query, 'login_hint': user_id})}")


def authorize(ws: Workspace, query: dict[str, str]) -> tuple[int, str, str]:
    """(status, content type, body or redirect location) for GET /openid/connect/authorize.

    With ``login_hint`` naming a member of the workspace, that person signs in at once (a
    302 to ``redirect_uri`` with ``code`` and ``state``); without it the page lists the
    workspace's people, each a link that signs them in."""
    client_id = query.get("client_id", "")
    redirect_uri = query.get("redirect_uri", "")
    scopes = set(query.get("scope", "").replace(",", " ").split())
    if client_id != ws.oidc_client_id:
        return 400, "text/plain", "invalid_client_id"
    if query.get("response_type") != "code" or "openid" not in scopes or not redirect_uri:
        ws.violations.append(
            "openid/connect/authorize: needs response_type=code, scope openid, redirect_uri"
        )
        return 400, "text/plain", "invalid_request"
    hint = query.get("login_hint")
    if hint:
        user = ws.users.get(hint)
        if user is None or user.deleted or user.is_bot:
            return 400, "text/plain", "unknown login_hint"
        code = issue_code(ws, user.id, client_id, redirect_uri, query.get("nonce"))
        back = {"code": code, "state": query.get("state", "")}
        separator = "&" if "?" in redirect_uri else "?"
        return 302, "text/plain", f"{redirect_uri}{separator}{urlencode(back)}"
    people = [u for u in ws.users.values() if not u.deleted and not u.is_bot]
    links = "\n".join(
        f'<li><a href="{_signs_in(query, u.id)}">Sign in as {html.escape(u.name)}</a></li>'
        for u in people
    )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Sign in to {html.escape(ws.team_name)}</title></head><body><main>"
        f"<h1>Sign in to {html.escape(ws.team_name)}</h1><ul>{links}</ul></main></body></html>"
    )
    return 200, "text/html; charset=utf-8", page
