"""What a case sent the national Child Safeguarding Practice Review Panel: the serious
incident notification (on what date, with the reference the national panel gave it) and the
rapid review report (on what date). One row of each kind a case at most."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class NationalPanelNotice(Base):
    """``kind`` is ``notification`` or ``rapid_review_report``; ``reference`` (the national
    panel's notification reference, screened for child-identifying text) is the
    notification's only."""

    __tablename__ = "national_panel_notices"
    __table_args__ = (UniqueConstraint("case_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    sent_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(60))
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
