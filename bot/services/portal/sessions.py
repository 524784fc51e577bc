"""Sign in with Slack's single-use login state, and the sessions of people signed in.

A login state is written when the browser is sent to Slack and deleted by the one callback that
uses it (a `DELETE` counted by the database, so two callbacks racing with one state cannot both
win). A session lasts a working day from sign-in and ends for good on sign-out; its CSRF token
is one per session. Secrets the browser carries are stored hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.services.cases import audit
from storage.models import PortalLoginState, PortalSession

SIGNED_IN = "portal.signed_in"
SIGNED_OUT = "portal.signed_out"

LOGIN_TTL = timedelta(minutes=10)
"""How long Slack's authorize page may take before its answer is refused."""

SESSION_TTL = timedelta(hours=10)
"""A working day: after it, the person signs in again."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LoginState:
    state: str
    nonce: str


def issue_login_state(session: Session, now: datetime) -> LoginState:
    """A fresh state and nonce; expired ones left by abandoned sign-ins are cleared."""
    session.execute(delete(PortalLoginState).where(PortalLoginState.expires_at <= now))
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        PortalLoginState(
            state_hash=_hash(state), nonce=nonce, created_at=now, expires_at=now + LOGIN_TTL
        )
    )
    session.flush()
    return LoginState(state, nonce)


def consume_login_state(session: Session, state: str, now: datetime) -> str | None:
    """The nonce of ``state`` if it was issued, has not expired and is used now for the first
    time; None otherwise. Either way the state cannot be used again."""
    row = session.scalar(
        select(PortalLoginState).where(PortalLoginState.state_hash == _hash(state))
    )
    if row is None:
        return None
    taken = session.execute(delete(PortalLoginState).where(PortalLoginState.id == row.id))
    if getattr(taken, "rowcount", 0) != 1 or row.expires_at <= now:
        return None
    return row.nonce


@dataclass(frozen=True)
class SignedIn:
    """A live session as the pages need it."""

    id: int
    user_id: str
    team_id: str
    csrf_token: str
    expires_at: datetime


def open_session(
    session: Session, user_id: str, team_id: str, now: datetime
) -> tuple[str, SignedIn]:
    """A new session for ``user_id``: the token for the browser's cookie, and the session.
    Sessions over for a day are cleared (their audit entries stay)."""
    stale = now - timedelta(days=1)
    session.execute(
        delete(PortalSession).where(
            (PortalSession.expires_at <= stale) | (PortalSession.ended_at <= stale)
        )
    )
    token = secrets.token_urlsafe(32)
    row = PortalSession(
        token_hash=_hash(token),
        slack_user_id=user_id,
        team_id=team_id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + SESSION_TTL,
    )
    session.add(row)
    session.flush()
    audit.record(session, at=now, actor=user_id, action=SIGNED_IN)
    return token, _signed_in(row)


def _signed_in(row: PortalSession) -> SignedIn:
    return SignedIn(row.id, row.slack_user_id, row.team_id, row.csrf_token, row.expires_at)


def live_session(session: Session, token: str, now: datetime) -> SignedIn | None:
    """The session of ``token`` while it has neither expired nor been signed out of."""
    row = session.scalar(select(PortalSession).where(PortalSession.token_hash == _hash(token)))
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    return _signed_in(row)


def csrf_matches(signed_in: SignedIn, offered: str | None) -> bool:
    return bool(offered) and hmac.compare_digest(signed_in.csrf_token, offered or "")


def end_session(session: Session, session_id: int, now: datetime) -> None:
    """Sign out: the session is dead from now on, whoever holds its cookie."""
    row = session.get(PortalSession, session_id)
    if row is not None and row.ended_at is None:
        row.ended_at = now
        audit.record(session, at=now, actor=row.slack_user_id, action=SIGNED_OUT)
