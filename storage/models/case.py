"""A referral and the review that follows it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.partnership import Agency
from storage.states import SetupStatus
from storage.types import UTCDateTime, state_type

SETUP_UNFINISHED = f"setup_status IN ('{SetupStatus.PENDING}', '{SetupStatus.RUNNING}')"
"""The cases whose Slack set-up is not complete: the condition of a partial index, and the very
words a query must use for SQLite to read that index."""
OPEN = "closed_at IS NULL"
DESTROYED_UNREPORTED = "destroyed_at IS NOT NULL AND erasure_reported_at IS NULL"


class Case(Base):
    """Slack-facing columns hold only the reference and workflow state; who the child is lives
    encrypted in `personal_data`."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("year", "number"),
        Index(
            "ix_cases_setup_unfinished",
            "id",
            sqlite_where=text(SETUP_UNFINISHED),
            postgresql_where=text(SETUP_UNFINISHED),
        ),
        Index(
            "ix_cases_open_stage",
            "stage",
            "process_key",
            sqlite_where=text(OPEN),
            postgresql_where=text(OPEN),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    process_key: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(40))
    referring_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    referred_by: Mapped[str] = mapped_column(String(32))
    referral_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    criteria: Mapped[list[str]] = mapped_column(JSON)
    personal_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    source_view_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    channel_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    channel_name: Mapped[str | None] = mapped_column(String(80))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    card_pinned: Mapped[bool] = mapped_column(default=False)
    setup_status: Mapped[SetupStatus] = mapped_column(
        state_type(SetupStatus, "setup_status", 16), default=SetupStatus.PENDING, index=True
    )
    setup_attempts: Mapped[int] = mapped_column(Integer, default=0)
    setup_last_error: Mapped[str | None] = mapped_column(String(80))
    setup_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    referring_agency: Mapped[Agency] = relationship()
    members: Mapped[list[CaseMember]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseMember.id"
    )


class CaseKey(Base):
    """A case's data key, wrapped (encrypted) by the master key (bot/crypto.py). Erasure under
    the retention policy destroys it: `wrapped_key` emptied, `destroyed_at` set; every value
    stored for the case is unreadable from then on (crypto-shredding)."""

    __tablename__ = "case_keys"
    __table_args__ = (
        Index(
            "ix_case_keys_unreported",
            "case_id",
            sqlite_where=text(DESTROYED_UNREPORTED),
            postgresql_where=text(DESTROYED_UNREPORTED),
        ),
    )

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erasure_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the business unit was told of the erasure (also in the audit trail)."""


class ReceivedReferral(Base):
    """A referral submitted in Slack and not yet opened as a case: what the referrer entered
    and what the check found (who joins the case), sealed under the master key, kept from
    the submission's short transaction until the outbox's job opens the case from it (and
    deletes it, in the same transaction). ``source_view_id`` makes a second delivery of the
    same modal a no-op."""

    __tablename__ = "received_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_view_id: Mapped[str] = mapped_column(String(64), unique=True)
    referrer: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class CaseReferenceCounter(Base):
    """The last number given out per year; incremented in the case's own transaction."""

    __tablename__ = "case_reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class CaseMember(Base):
    """Who the case needs; `invited_at` is set once Slack has them in the channel."""

    __tablename__ = "case_members"
    __table_args__ = (UniqueConstraint("case_id", "slack_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    case: Mapped[Case] = relationship(back_populates="members")


class SentMessage(Base):
    """A ledger of one-off Slack messages, keyed so that a retried step never sends twice."""

    __tablename__ = "sent_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PostAttempt(Base):
    """A one-off message sent to Slack whose answer has not come back yet: the row is written
    before `chat.postMessage` and removed when the message is in `sent_messages` (or Slack
    refused it outright). A row left behind means the post may have reached Slack, so the
    next attempt looks for it in the channel before posting again."""

    __tablename__ = "post_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """Append-only: who did, saw or exported what. `detail` never holds personal data. Each
    entry carries the hash of the one before (`scr-bot audit verify` checks the chain)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(60), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The hash chain (storage/audit_chain.py): the entry before's hash, unique so that the chain
    # cannot fork, and this entry's own hash over its fields and `prev_hash`.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64))
