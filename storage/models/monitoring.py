"""Monitoring after the overview report: the action plan's recommendations, the progress
returned on each in six-monthly rounds, the Board's sign-off, and the people who have left.

Free text that may describe the child or family (the action, the expected outcome, progress,
reasons, evidence) is stored encrypted. The owner of a recommendation is a
`CaseAssignment(role="action_owner", subject_key="rec:<id>")`, so that the engine finds it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime

UNARCHIVED = "archived_at IS NULL"


class Recommendation(Base):
    """One line of the action plan. `status` is open, implemented or closed (with a reason)."""

    __tablename__ = "recommendations"
    __table_args__ = (UniqueConstraint("case_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    source: Mapped[str] = mapped_column(String(20))
    action: Mapped[bytes] = mapped_column(LargeBinary)
    target_date: Mapped[date] = mapped_column(Date)
    expected_outcome: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(12), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(32))
    closure_reason: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source_view_id: Mapped[str | None] = mapped_column(String(64), index=True)


class ProgressReturn(Base):
    """What an owner reported on one recommendation in one round; amended in place."""

    __tablename__ = "progress_returns"
    __table_args__ = (UniqueConstraint("recommendation_id", "round_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    round_no: Mapped[int] = mapped_column(Integer)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[bytes] = mapped_column(LargeBinary)
    reason: Mapped[bytes | None] = mapped_column(LargeBinary)
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary)
    as_of: Mapped[date] = mapped_column(Date)
    submitted_by: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source_view_id: Mapped[str | None] = mapped_column(String(64))


class MonitoringRound(Base):
    """A round of returns. The Board is told once when it is complete and, if it was not
    complete by its deadline, once at the deadline; `claimed_until` keeps two workers from
    both telling it."""

    __tablename__ = "monitoring_rounds"
    __table_args__ = (UniqueConstraint("case_id", "round_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    round_no: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline_summary_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    complete_summary_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CaseSignOff(Base):
    """The Board's sign-off of a case whose recommendations are all closed. The channel is
    archived afterwards; `archived_at` stays empty until Slack has done it."""

    __tablename__ = "case_sign_offs"
    __table_args__ = (
        Index(
            "ix_case_sign_offs_unarchived",
            "case_id",
            sqlite_where=text(UNARCHIVED),
            postgresql_where=text(UNARCHIVED),
        ),
    )

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    signed_off_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    signed_off_by: Mapped[str] = mapped_column(String(32))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archive_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(80))


class DeactivatedUser(Base):
    """Someone who has left: deactivated in Slack (`source` slack or users_info) or marked
    as left by the Board business unit (admin). Nothing is assigned or sent to them."""

    __tablename__ = "deactivated_users"

    slack_user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16))
    recorded_by: Mapped[str] = mapped_column(String(32))


class MonitoringInterval(Base):
    """How often the Board wants progress returns, in months, from round `from_round` on:
    set when it agrees the action plan, changed later by a newer row."""

    __tablename__ = "monitoring_intervals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    months: Mapped[int] = mapped_column(Integer)
    from_round: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())
