"""The deadline engine's rows: case events (deadline anchors), involved agencies,
per-case role holders, tasks and their planned reminders."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.states import ReminderStatus, TaskStatus
from storage.types import UTCDateTime, state_type


class CaseEvent(Base):
    """A named moment in a case (referral, panel_date, decision, ...): deadlines count from it."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CaseAgency(Base):
    """An agency involved in a case. `removed_at` ends its involvement (its tasks close)."""

    __tablename__ = "case_agencies"
    __table_args__ = (UniqueConstraint("case_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    added_by: Mapped[str] = mapped_column(String(32))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by: Mapped[str | None] = mapped_column(String(32))
    removal_reason: Mapped[bytes | None] = mapped_column()


class CaseAssignment(Base):
    """Who holds a per-case role: the panel chair, an agency's IMR author, an action owner."""

    __tablename__ = "case_assignments"
    __table_args__ = (
        UniqueConstraint("case_id", "role", "agency_id", "subject_key", "slack_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    subject_key: Mapped[str | None] = mapped_column(String(40))
    slack_user_id: Mapped[str] = mapped_column(String(32), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Task(Base):
    """One obligation. Overdue is never stored: it is open and past `due_at`. Snoozed is not
    a status either: an open task whose `snoozed_until` is still ahead (no nudges till then).
    `assignee`: the one person it was handed over to, who owns it from then on."""

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("case_id", "kind", "agency_id", "subject_key", "round_no"),
        Index("ix_tasks_status_due_at", "status", "due_at"),
        # The Board's dashboard: a case's next deadline; progress returns by round.
        Index("ix_tasks_status_case_id_due_at", "status", "case_id", "due_at", "kind", "agency_id"),
        # The cases waiting on a task of one kind (the tick: the partners' decisions due).
        Index("ix_tasks_kind_status_case_id", "kind", "status", "case_id"),
        Index(
            "ix_tasks_kind_round_no",
            "kind",
            "round_no",
            "status",
            "due_at",
            "completed_at",
            "completed_by",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(40))
    owner_role: Mapped[str] = mapped_column(String(32))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    subject_key: Mapped[str | None] = mapped_column(String(40))
    round_no: Mapped[int] = mapped_column(Integer, default=1)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[TaskStatus] = mapped_column(
        state_type(TaskStatus, "task_status", 10), default=TaskStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(32))
    waive_reason: Mapped[bytes | None] = mapped_column()
    note: Mapped[bytes | None] = mapped_column()
    extension_reason: Mapped[str | None] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(32), index=True)
    snoozed_until: Mapped[date | None] = mapped_column(Date)
    snooze_reason: Mapped[bytes | None] = mapped_column()
    snoozed_by: Mapped[str | None] = mapped_column(String(32))
    overdue_nudges: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Overdue nudges sent since the task's reminders were last planned: at its policy's
    ``stop_after`` the nudging stops and the task is stuck. Re-planning resets it."""


class Reminder(Base):
    """A planned nudge about a task, unique per moment so that planning twice adds nothing.
    The worker claims due rows (`claimed_until`), sends, and records `sent_at`/`slack_ts`;
    a failed send is retried later with backoff."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("task_id", "kind", "sequence", "at"),
        Index("ix_reminders_status_at", "status", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(10))
    sequence: Mapped[int] = mapped_column(Integer)
    escalate_to: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[ReminderStatus] = mapped_column(
        state_type(ReminderStatus, "reminder_status", 10), default=ReminderStatus.PLANNED
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(80))
