"""The Initial Panel: the meeting, who sits on it, the times proposed for it, its reminders,
and a ledger of the invitations delivered (so a retry never sends one twice)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.states import MeetingStatus, ReminderStatus
from storage.types import UTCDateTime, state_type


class PanelMeeting(Base):
    """One panel meeting. `status` is proposed (finding a time), scheduled, cancelled or held.
    `uid` never changes; `sequence` rises with every revision sent out (RFC 5545)."""

    __tablename__ = "panel_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[MeetingStatus] = mapped_column(
        state_type(MeetingStatus, "meeting_status", 12), index=True
    )
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    location: Mapped[str | None] = mapped_column(String(200))
    video_url: Mapped[str | None] = mapped_column(String(500))
    organiser: Mapped[str] = mapped_column(String(32))
    organiser_name: Mapped[str | None] = mapped_column(String(120))
    organiser_email: Mapped[str | None] = mapped_column(String(254))
    chair: Mapped[str] = mapped_column(String(32))
    override_reason: Mapped[bytes | None] = mapped_column(LargeBinary)
    override_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(32))
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    held_by: Mapped[str | None] = mapped_column(String(32))
    last_view_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    distributed_seq: Mapped[int | None] = mapped_column(Integer)
    distributing_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    time_sequence: Mapped[int | None] = mapped_column(Integer)
    """The SEQUENCE of the revision that set the current time (None: the first)."""
    purpose: Mapped[str] = mapped_column(String(12), default="initial", server_default="initial")
    """What the meeting is for: the Initial Panel ("initial") or the review panel ("review")."""

    members: Mapped[list[PanelMember]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="PanelMember.id"
    )
    slots: Mapped[list[PanelSlot]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="PanelSlot.position"
    )

    def current_members(self) -> list[PanelMember]:
        return [m for m in self.members if m.removed_at is None]


class PanelMember(Base):
    """A panel member or the chair: their answer to the invitation (RFC 5545 PARTSTAT) and
    whether they confirmed no previous involvement (or the CPU recorded an exception). A
    declaration and an exception's reason are stored encrypted."""

    __tablename__ = "panel_members"
    __table_args__ = (UniqueConstraint("meeting_id", "slack_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("panel_meetings.id", ondelete="CASCADE"), index=True
    )
    slack_user_id: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(12))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    partstat: Mapped[str] = mapped_column(String(16), default="NEEDS-ACTION")
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_email: Mapped[bool | None] = mapped_column(Boolean)
    involvement: Mapped[str] = mapped_column(String(12), default="unconfirmed")
    involvement_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    declaration: Mapped[bytes | None] = mapped_column(LargeBinary)
    exception_reason: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Why the CPU let them sit although they did not confirm no previous involvement."""
    excepted_by: Mapped[str | None] = mapped_column(String(32))
    excepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attended: Mapped[bool | None] = mapped_column(Boolean)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_seq: Mapped[int | None] = mapped_column(Integer)

    meeting: Mapped[PanelMeeting] = relationship(back_populates="members")


class PanelSlot(Base):
    """A time proposed while finding one that suits the panel."""

    __tablename__ = "panel_slots"
    __table_args__ = (UniqueConstraint("meeting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("panel_meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())

    meeting: Mapped[PanelMeeting] = relationship(back_populates="slots")


class PanelSlotAnswer(Base):
    __tablename__ = "panel_slot_answers"
    __table_args__ = (UniqueConstraint("slot_id", "slack_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("panel_slots.id", ondelete="CASCADE"), index=True
    )
    slack_user_id: Mapped[str] = mapped_column(String(32))
    available: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PanelReminder(Base):
    """A planned nudge about a meeting revision: a chase for answers, two working days
    before, one hour before. A newer revision cancels the older one's rows."""

    __tablename__ = "panel_reminders"
    __table_args__ = (
        UniqueConstraint("meeting_id", "kind", "sequence"),
        Index("ix_panel_reminders_status_at", "status", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("panel_meetings.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    sequence: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[ReminderStatus] = mapped_column(
        state_type(ReminderStatus, "reminder_status", 10), default=ReminderStatus.PLANNED
    )
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PanelDelivery(Base):
    """One invitation (or cancellation) of one revision delivered one way to one target:
    the `.ics` in the channel or a DM, or an e-mail."""

    __tablename__ = "panel_deliveries"
    __table_args__ = (UniqueConstraint("meeting_id", "sequence", "channel", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("panel_meetings.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str | None] = mapped_column(String(64))
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime())
