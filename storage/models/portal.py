"""The web case room's sign-in: pending Sign in with Slack attempts and signed-in sessions.

Neither table holds a secret a browser carries: a login's ``state`` and a session's token are
kept as SHA-256 hashes, so that a copy of the database opens no session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
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


class PendingReferral(Base):
    """A referral whose Slack part is in and whose identifying part (the child's names, date
    of birth, address, family, telephone) is still to be entered on the web. It holds nothing
    that identifies anyone: the agency, the dates, the criteria and two answers, and the
    one-time link's token as a SHA-256 hash. The web part opens the case and deletes the row;
    so does expiry (``expires_at``, 7 days)."""

    __tablename__ = "pending_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    referrer: Mapped[str] = mapped_column(String(32), index=True)
    referring_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    source_view_id: Mapped[str] = mapped_column(String(64), unique=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    remind_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
