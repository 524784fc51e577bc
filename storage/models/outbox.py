"""The outbox: Slack work a transaction asked for, queued in that same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.states import JobState
from storage.types import UTCDateTime, state_type


class OutboxJob(Base):
    """One job: its ``kind`` (a name in the bot's job registry) and ``args`` (ids only, never
    personal data). Written in the transaction that decided it, so it exists exactly when
    that decision does; a drainer takes it by a lease (`claimed_by`, `claimed_until`) and
    commits before calling Slack, so a crashed drainer's job is taken again once the lease
    runs out. ``dedupe_key``, when given, makes a second job of the same key a no-op."""

    __tablename__ = "outbox_jobs"
    __table_args__ = (
        Index("ix_outbox_jobs_due", "state", "next_attempt_at"),
        Index(
            "uq_outbox_jobs_running_subject",
            "subject",
            unique=True,
            postgresql_where=text("state = 'running'"),
            sqlite_where=text("state = 'running'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    subject: Mapped[str | None] = mapped_column(String(100))
    """What the job is about, from its ids (``case_id=12``): two jobs of one subject never
    run at once, whichever processes drain them (the partial unique index)."""
    state: Mapped[JobState] = mapped_column(
        state_type(JobState, "job_state", 10), default=JobState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
