"""The web case room's sign-in: pending Sign in with Slack attempts and signed-in sessions.

Neither table holds a secret a browser carries: a login's ``state`` and a session's token are
kept as SHA-256 hashes, so that a copy of the database opens no session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class PortalLoginState(Base):
    """A sign-in sent to Slack's authorize page and not yet back: its ``state`` (hashed) and
    the ``nonce`` the ID token must carry. Deleted when the callback uses it (single use)."""

    __tablename__ = "portal_login_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class PortalSession(Base):
    """A person signed in to the web case room. Ends at ``expires_at`` (a working day after
    sign-in) or when ``ended_at`` is set by signing out: a copied cookie is dead after that."""

    __tablename__ = "portal_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), index=True)
    team_id: Mapped[str] = mapped_column(String(32))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
