"""Sign in with Slack (OpenID Connect): the authorize URL, the code exchanged with
`openid.connect.token`, the person read with `openid.connect.userInfo`, and the session's
signed cookie.

The ID token comes straight from Slack over TLS in answer to our own request, so its claims
are read without checking its signature (OpenID Connect Core 3.1.3.7); its audience and the
nonce sent with this sign-in are checked, and the team from `userInfo` must be this bot's
workspace."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from slack_sdk import WebClient
from slack_sdk.oauth import OpenIDConnectAuthorizeUrlGenerator

from bot.gateway import SlackError, call_api
from bot.runtime import Runtime
from bot.services.portal.sessions import LOGIN_TTL, SESSION_TTL
from bot.slack_client import retry_handlers
from bot.slack_identity import BotIdentity

SCOPES = ("openid", "profile", "email")
CALLBACK_PATH = "/portal/oidc/callback"
SESSION_COOKIE = "scr_portal"
LOGIN_COOKIE = "scr_portal_login"


class SignInRefusedError(Exception):
    """Why a sign-in did not go through, in words for the person (never a token or code)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Person:
    user_id: str
    team_id: str
    name: str


def session_secret(runtime: Runtime) -> bytes:
    """SCR_SESSION_SECRET, else a key derived from the master key (so that sessions outlive a
    restart), else (development without a key) one made for this process."""
    settings = runtime.settings
    if settings.session_secret is not None and settings.session_secret.get_secret_value():
        return settings.session_secret.get_secret_value().encode("utf-8")
    if settings.encryption_key is not None and settings.encryption_key.get_secret_value():
        first = settings.encryption_key.get_secret_value().split(",")[0].encode("ascii")
        return hmac.new(first, b"scr-bot portal session cookies", hashlib.sha256).digest()
    return secrets.token_bytes(32)


class SignIn:
    """One per app: knows the Slack app, this workspace and how to sign cookies."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        settings = runtime.settings
        self.client_id = settings.slack_client_id
        self.redirect_uri = f"{settings.public_url}{CALLBACK_PATH}"
        self.secure_cookies = True
        self._urls = OpenIDConnectAuthorizeUrlGenerator(
            client_id=self.client_id,
            redirect_uri=self.redirect_uri,
            scopes=list(SCOPES),
            authorization_url=settings.oidc_authorize_url,
        )
        secret = session_secret(runtime)
        self._sessions = URLSafeTimedSerializer(secret, salt="scr-portal-session")
        self._logins = URLSafeTimedSerializer(secret, salt="scr-portal-login")
        self._team_id: str | None = runtime.team_id

    # the authorize page and its cookie ----------------------------------------------------

    def authorize_url(self, state: str, nonce: str) -> str:
        return self._urls.generate(state=state, nonce=nonce)

    def login_cookie(self, state: str, next_path: str) -> str:
        """Binds the sign-in to this browser: the callback must come back with the same state."""
        return self._logins.dumps({"state": state, "next": next_path})

    def read_login_cookie(self, value: str | None) -> dict[str, str] | None:
        if not value:
            return None
        try:
            data = self._logins.loads(value, max_age=int(LOGIN_TTL.total_seconds()))
        except BadSignature:
            return None
        return data if isinstance(data, dict) else None

    # the session's cookie ---------------------------------------------------------------

    def session_cookie(self, token: str) -> str:
        return self._sessions.dumps(token)

    def read_session_cookie(self, value: str | None) -> str | None:
        """The session token in a cookie this app signed within a working day; None for a
        forged, altered or stale one."""
        if not value:
            return None
        try:
            token = self._sessions.loads(value, max_age=int(SESSION_TTL.total_seconds()))
        except BadSignature:
            return None
        return token if isinstance(token, str) else None

    # Slack ------------------------------------------------------------------------------

    def _client(self, token: str | None = None) -> WebClient:
        settings = self.runtime.settings
        return WebClient(
            token=token,
            base_url=settings.slack_api_base_url,
            timeout=settings.slack_timeout_seconds,
            retry_handlers=retry_handlers(),
        )

    def workspace_team_id(self) -> str:
        if self._team_id is None:
            settings = self.runtime.settings
            identity = BotIdentity(
                self.runtime.web_client(), settings.slack_bot_token.get_secret_value()
            )
            self._team_id = identity.authorize().team_id
        return self._team_id or ""

    def identify(self, code: str, nonce: str) -> Person:
        """Exchange ``code`` for the person it signs in; refused unless Slack agrees, the ID
        token carries ``nonce`` and the person is of this workspace."""
        secret = self.runtime.settings.slack_client_secret.get_secret_value()
        try:
            tokens = call_api(
                self._client(),
                "openid.connect.token",
                client_id=self.client_id,
                client_secret=secret,
                code=code,
                redirect_uri=self.redirect_uri,
                grant_type="authorization_code",
            )
        except SlackError as exc:
            raise SignInRefusedError(
                "Slack did not accept this sign-in (it may have been used already). "
                "Please sign in again."
            ) from exc
        claims = _claims(str(tokens.get("id_token") or ""))
        if claims.get("nonce") != nonce or claims.get("aud") != self.client_id:
            raise SignInRefusedError("This sign-in does not match the one started here.")
        try:
            info = call_api(
                self._client(str(tokens.get("access_token") or "")), "openid.connect.userInfo"
            )
        except SlackError as exc:
            raise SignInRefusedError(
                "Slack did not say who you are. Please sign in again."
            ) from exc
        user_id = str(info.get("https://slack.com/user_id") or "")
        team_id = str(info.get("https://slack.com/team_id") or "")
        if not user_id or claims.get("sub") not in (None, info.get("sub")):
            raise SignInRefusedError("Slack did not say who you are. Please sign in again.")
        try:
            ours = self.workspace_team_id()
        except SlackError as exc:
            raise SignInRefusedError(
                "Slack cannot be reached just now. Please try again.", 503
            ) from exc
        if team_id != ours:
            raise SignInRefusedError(
                "You signed in to another Slack workspace. Sign in with your account in the "
                "Board's workspace.",
                403,
            )
        return Person(user_id, team_id, str(info.get("name") or user_id))


def _claims(id_token: str) -> dict[str, Any]:
    """The claims of a JWT (header.payload.signature), or {} for anything else."""
    parts = id_token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}
