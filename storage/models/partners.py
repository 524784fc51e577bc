"""The safeguarding partners' decision on a local review (Child Safeguarding Practice
Reviews): each partner's answer, given by its lead; the decision, once the three agree; and
the national panel's view of it. The view's reason is free text, stored encrypted (bytes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class PartnerAnswer(Base):
    """One partner's answer on a case (local_authority, police or health): what its lead
    confirmed, changed while the partners still disagree, fixed once they have decided."""

    __tablename__ = "partner_answers"
    __table_args__ = (UniqueConstraint("case_id", "partner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    partner: Mapped[str] = mapped_column(String(24))
    outcome: Mapped[str] = mapped_column(String(24))
    answered_by: Mapped[str] = mapped_column(String(32))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LocalReviewDecision(Base):
    """The partners' decision, one per case: made when the third lead's answer agrees."""

    __tablename__ = "local_review_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[str] = mapped_column(String(24))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NationalPanelView(Base):
    """The national panel's view of the partners' decision (agrees, disagrees, not yet
    given), with its reason (encrypted); changed in place when the panel answers."""

    __tablename__ = "national_panel_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    view: Mapped[str] = mapped_column(String(12))
    reason: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
