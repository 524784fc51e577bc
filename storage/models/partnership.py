"""The partnership: agencies, the people who act for them, and Board roles."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    members: Mapped[list[AgencyMember]] = relationship(
        back_populates="agency", cascade="all, delete-orphan", order_by="AgencyMember.id"
    )

    def user_ids(self, role: str) -> list[str]:
        return [m.slack_user_id for m in self.members if m.role == role]


class AgencyMember(Base):
    __tablename__ = "agency_members"
    __table_args__ = (UniqueConstraint("agency_id", "slack_user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    slack_user_id: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(32))
    agency: Mapped[Agency] = relationship(back_populates="members")


class RoleAssignment(Base):
    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("slack_user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(32))
