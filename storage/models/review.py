"""From the Initial Panel's recommendation to the overview report: the Chair's decision, who
was told, the review panel chair, terms of reference, extensions, management reviews,
interviews with workers, the overview report's confirmations, and a "not met" path's
findings. Free text that may describe the child or family is stored encrypted (bytes)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.types import UTCDateTime


class PanelRecommendation(Base):
    """The Initial Panel's recommendation to the Board Chair; `rationale` is encrypted."""

    __tablename__ = "panel_recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    criteria_met: Mapped[bool] = mapped_column()
    criteria: Mapped[list[str]] = mapped_column(JSON)
    rationale: Mapped[bytes] = mapped_column(LargeBinary)
    questions: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The framework's questions answered (yes, no or unknown, with a note), encrypted JSON."""
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChairDecision(Base):
    """One per case: `outcome` is scr, audit or management_reviews; a "not met" outcome
    carries the Chair's reason (encrypted)."""

    __tablename__ = "chair_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[str] = mapped_column(String(24))
    reason: Mapped[bytes | None] = mapped_column(LargeBinary)
    decided_by: Mapped[str] = mapped_column(String(32))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DecisionNotice(Base):
    """That an audience outside Slack (OFSTED, the Board...) was told: on what date, by whom."""

    __tablename__ = "decision_notices"
    __table_args__ = (UniqueConstraint("case_id", "audience"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    audience: Mapped[str] = mapped_column(String(32))
    notified_on: Mapped[date] = mapped_column(Date)
    notified_by: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PanelChairAppointment(Base):
    """The review panel chair: pending until they confirm no previous involvement
    (confirmed), or declined when they declare one; replaced by a later appointment."""

    __tablename__ = "panel_chair_appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    slack_user_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12))
    appointed_by: Mapped[str] = mapped_column(String(32))
    appointed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReviewPanelMember(Base):
    """Someone the Initial Panel named for the review panel when it was held (``role`` chair
    or member) and whether they confirmed no previous involvement (``involvement``:
    unconfirmed, none, declared, excepted). A CPU exception's reason is stored encrypted."""

    __tablename__ = "review_panel_members"
    __table_args__ = (UniqueConstraint("case_id", "slack_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    slack_user_id: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(12))
    named_by: Mapped[str] = mapped_column(String(32))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime())
    involvement: Mapped[str] = mapped_column(String(12))
    involvement_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    exception_reason: Mapped[bytes | None] = mapped_column(LargeBinary)
    excepted_by: Mapped[str | None] = mapped_column(String(32))


class TermsOfReference(Base):
    """One version of the terms of reference; every edit adds a version. `content` holds the
    encrypted sections (key issues, period under review, family involvement...)."""

    __tablename__ = "terms_of_reference"
    __table_args__ = (UniqueConstraint("case_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    agency_ids: Mapped[list[int]] = mapped_column(JSON)
    proceedings: Mapped[list[str]] = mapped_column(JSON)
    completion_date: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewExtension(Base):
    """An extension of the completion date agreed with OFSTED (reason encrypted)."""

    __tablename__ = "review_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    agreed_on: Mapped[date] = mapped_column(Date)
    previous_completion: Mapped[date] = mapped_column(Date)
    new_completion: Mapped[date] = mapped_column(Date)
    reason: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ManagementReview(Base):
    """An agency's individual management review (IMR): requested, submitted, then accepted
    or returned with comments. `sections` (chronology, analysis, learning points) and
    `return_comments` are encrypted; recommendations are rows of their own."""

    __tablename__ = "management_reviews"
    __table_args__ = (UniqueConstraint("case_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    author: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    requested_by: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sections: Mapped[bytes | None] = mapped_column(LargeBinary)
    document_file_id: Mapped[str | None] = mapped_column(String(32))
    submissions: Mapped[int] = mapped_column(Integer, default=0)
    submitted_by: Mapped[str | None] = mapped_column(String(32))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    return_comments: Mapped[bytes | None] = mapped_column(LargeBinary)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    recommendations: Mapped[list[ImrRecommendation]] = relationship(
        cascade="all, delete-orphan", order_by="ImrRecommendation.number", lazy="selectin"
    )


class ImrRecommendation(Base):
    """One recommendation of a management review: action, by whom, expected outcome and the
    review of that outcome (encrypted together in `content`), and by when."""

    __tablename__ = "imr_recommendations"
    __table_args__ = (UniqueConstraint("review_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        ForeignKey("management_reviews.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    by_when: Mapped[date | None] = mapped_column(Date)


class WorkerInterview(Base):
    """An interview with a worker (Appendix 2): scheduled by the agency's reviewer (with the
    matters to cover, whether the briefing pack was sent and staff care arranged), moved or
    cancelled, then the summary shared and agreed, or disagreed (where, encrypted), with the
    matters covered. The interviewee's role, the supporter and the place are in `details`
    (encrypted). `uid`/`sequence` belong to its calendar invitation."""

    __tablename__ = "worker_interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    reviewer: Mapped[str] = mapped_column(String(32))
    interviewee: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[bytes] = mapped_column(LargeBinary)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    summary_shared_on: Mapped[date | None] = mapped_column(Date)
    disagreement: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by: Mapped[str | None] = mapped_column(String(32))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    matters: Mapped[list[str] | None] = mapped_column(JSON)
    matters_covered: Mapped[list[str] | None] = mapped_column(JSON)
    briefing_sent_on: Mapped[date | None] = mapped_column(Date)
    staff_care: Mapped[bool | None] = mapped_column(Boolean)
    cancelled_by: Mapped[str | None] = mapped_column(String(32))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OverviewDraft(Base):
    """A draft of the overview report put to the agencies; the Board's acceptance is
    recorded on the draft it accepted."""

    __tablename__ = "overview_drafts"
    __table_args__ = (UniqueConstraint("case_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    agency_ids: Mapped[list[int]] = mapped_column(JSON)
    document_file_id: Mapped[str | None] = mapped_column(String(32))
    marked_by: Mapped[str] = mapped_column(String(32))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_on: Mapped[date | None] = mapped_column(Date)
    accepted_by: Mapped[str | None] = mapped_column(String(32))


class OverviewConfirmation(Base):
    """An agency's answer on a draft: confirmed (its information fully and fairly
    represented) or disputed, with what is not (encrypted)."""

    __tablename__ = "overview_confirmations"
    __table_args__ = (UniqueConstraint("draft_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(
        ForeignKey("overview_drafts.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    status: Mapped[str] = mapped_column(String(12))
    detail: Mapped[bytes | None] = mapped_column(LargeBinary)
    answered_by: Mapped[str] = mapped_column(String(32))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewFindings(Base):
    """A "not met" path's findings (summary encrypted), shared with the panel; the case then
    closes."""

    __tablename__ = "review_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    summary: Mapped[bytes] = mapped_column(LargeBinary)
    shared_on: Mapped[date] = mapped_column(Date)
    document_file_id: Mapped[str | None] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewDirection(Base):
    """A review the Board did not decide on itself: directed by the Secretary of State or
    requested by OFSTED (`directed_by`), on `directed_on`; the review stage opens at once."""

    __tablename__ = "review_directions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    directed_by: Mapped[str] = mapped_column(String(24))
    directed_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReportFollowUp(Base):
    """One of the Board's steps after the overview report (who may see it, the debriefs,
    the copies sent): done on what date, by whom, with a note (encrypted)."""

    __tablename__ = "report_follow_ups"
    __table_args__ = (UniqueConstraint("case_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(60))
    done_on: Mapped[date] = mapped_column(Date)
    done_by: Mapped[str] = mapped_column(String(32))
    note: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
