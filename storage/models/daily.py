"""Once-a-day messages per person (the business unit's digest): who has had today's."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.states import DailyStatus
from storage.types import UTCDateTime, state_type


class DailyDelivery(Base):
    """One row per kind of daily message, London day and recipient: the unique key is what
    makes two workers agree on who sends it. A pending row is held by the worker whose lease
    (`claimed_until`) has not run out; any worker may take it after that."""

    __tablename__ = "daily_deliveries"
    __table_args__ = (UniqueConstraint("kind", "day", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date)
    recipient: Mapped[str] = mapped_column(String(32))
    status: Mapped[DailyStatus] = mapped_column(
        state_type(DailyStatus, "daily_status", 10), default=DailyStatus.PENDING
    )
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
