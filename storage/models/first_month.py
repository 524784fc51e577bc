"""The first month of a review: what people recorded when completing their tasks, each
agency's chronology and synopsis, the period under review, and chronology exports.

Free text that may describe the child, the family or the workers is stored encrypted
(``bytes`` columns hold Fernet tokens)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class TaskAnswer(Base):
    """The answers given when a task was completed through its form (when, by whom, which
    systems, the CPU's checks), as one encrypted JSON document."""

    __tablename__ = "task_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    answers: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChronologyBatch(Base):
    """One submission of chronology entries: a modal or an uploaded file. `source_key` (the
    view or file id) is unique, so a repeated delivery stores nothing twice. A rejected file
    keeps its row, with no entries, for the same reason."""

    __tablename__ = "chronology_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    source: Mapped[str] = mapped_column(String(10))
    source_key: Mapped[str] = mapped_column(String(80), unique=True)
    submitted_by: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12))
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)


class ChronologyEntry(Base):
    """One line of an agency's chronology (Appendix 1). The date stays clear for ordering;
    the worker's name and the event are encrypted."""

    __tablename__ = "chronology_entries"
    __table_args__ = (Index("ix_chronology_entries_case_date", "case_id", "entry_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("chronology_batches.id", ondelete="CASCADE"), index=True
    )
    row_no: Mapped[int] = mapped_column(Integer)
    entry_date: Mapped[date] = mapped_column(Date)
    worker: Mapped[bytes] = mapped_column(LargeBinary)
    event: Mapped[bytes] = mapped_column(LargeBinary)
    child_seen: Mapped[bool | None] = mapped_column()
    wishes_sought: Mapped[bool | None] = mapped_column()


class AgencySynopsis(Base):
    """An agency's brief synopsis of its involvement; a revision replaces the text."""

    __tablename__ = "agency_synopses"
    __table_args__ = (UniqueConstraint("case_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    text: Mapped[bytes] = mapped_column(LargeBinary)
    submitted_by: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revision: Mapped[int] = mapped_column(Integer, default=1)


class ReviewPeriod(Base):
    """The period under review: chronology entries must fall inside it once it is set."""

    __tablename__ = "review_periods"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChronologyExport(Base):
    """An export of the integrated chronology, one row per state of the chronology
    (`fingerprint`), so that a double click uploads the files once."""

    __tablename__ = "chronology_exports"
    __table_args__ = (UniqueConstraint("case_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
