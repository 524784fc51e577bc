"""Guarded case channels: only the people on a case stay in its channel, and the channel
keeps the name the bot gave it. The decisions and their audit; the Slack steps are the
flow's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.cases import audit
from bot.services.cases.access import (
    Role,
    case_by_channel,
    is_case_member,
    is_partnership_member,
    users_with_role,
)
from storage.models import Agency, AgencyMember, Case, CaseMember, RoleAssignment


@dataclass(frozen=True)
class Intruder:
    """Someone in a case channel who is not on the case: to be removed, the business unit
    told who added them."""

    case_id: int
    reference: str
    channel_id: str
    user: str
    inviter: str | None
    admins: tuple[str, ...]


@dataclass(frozen=True)
class Rename:
    """A case channel renamed by someone: to be given its name back."""

    case_id: int
    channel_id: str
    name: str


def joined(
    session: Session, channel_id: str, user: str, inviter: str | None, *, now: datetime
) -> Intruder | None:
    """``user`` joined ``channel_id``: an intruder if it is a case channel and they are not
    on the case (the bot itself never joins this way: its events are dropped earlier)."""
    case = case_by_channel(session, channel_id)
    if case is None or is_case_member(session, case, user):
        return None
    audit.record(
        session,
        at=now,
        actor=inviter or "slack",
        action="case.channel_intruder_removed",
        case_id=case.id,
        channel=channel_id,
        user=user,
        inviter=inviter,
    )
    admins = tuple(users_with_role(session, Role.ADMIN))
    return Intruder(case.id, case.reference, channel_id, user, inviter, admins)


def renamed(session: Session, channel_id: str, name: str, *, now: datetime) -> Rename | None:
    """A channel was renamed to ``name``: a case channel gets its own name back. The name
    typed is not kept: it could say anything."""
    case = case_by_channel(session, channel_id)
    if case is None or not case.channel_name or case.channel_name == name:
        return None
    audit.record(
        session,
        at=now,
        actor="slack",
        action="case.channel_renamed_back",
        case_id=case.id,
        channel=channel_id,
    )
    return Rename(case.id, channel_id, case.channel_name)


def open_channels_of(session: Session, user: str) -> list[tuple[int, str]]:
    """The open cases (id, channel) whose channel ``user`` is in as a member of the case."""
    rows = session.execute(
        select(Case.id, Case.channel_id)
        .join(CaseMember, CaseMember.case_id == Case.id)
        .where(
            CaseMember.slack_user_id == user,
            Case.closed_at.is_(None),
            Case.channel_id.is_not(None),
        )
        .order_by(Case.id)
    )
    return [(case_id, channel) for case_id, channel in rows if channel is not None]


PARTNERSHIP_REASONS = ("referrer", "cpu", "admin", "designated_person")
"""Why someone is on a case because of the partnership file (a panel member, panel chair or
IMR author may come from outside it and is kept)."""


@dataclass(frozen=True)
class Leaver:
    """Someone on an open case through the partnership file who is no longer in it."""

    case_id: int
    channel_id: str | None
    user: str


def partnership_people(session: Session) -> frozenset[str]:
    """Everyone the partnership names now (Board roles and active agencies' people): what the
    search for leavers depends on, read from the partnership's own small tables."""
    roles = session.scalars(select(RoleAssignment.slack_user_id))
    agencies = session.scalars(
        select(AgencyMember.slack_user_id)
        .join(Agency, Agency.id == AgencyMember.agency_id)
        .where(Agency.active.is_(True))
    )
    return frozenset([*roles, *agencies])


def partnership_leavers(session: Session) -> list[Leaver]:
    rows = session.execute(
        select(CaseMember.case_id, Case.channel_id, CaseMember.slack_user_id)
        .join(Case, Case.id == CaseMember.case_id)
        .where(Case.closed_at.is_(None), CaseMember.reason.in_(PARTNERSHIP_REASONS))
        .order_by(CaseMember.case_id, CaseMember.slack_user_id)
    )
    still: dict[str, bool] = {}
    leavers = []
    for case_id, channel, user in rows:
        if user not in still:
            still[user] = is_partnership_member(session, user)
        if not still[user]:
            leavers.append(Leaver(case_id, channel, user))
    return leavers


def drop_leaver(session: Session, leaver: Leaver, *, now: datetime) -> None:
    """Take a partnership leaver off the case (out of its channel already), audited."""
    member = session.scalar(
        select(CaseMember).where(
            CaseMember.case_id == leaver.case_id, CaseMember.slack_user_id == leaver.user
        )
    )
    if member is None:
        return
    session.delete(member)
    audit.record(
        session,
        at=now,
        actor="partnership",
        action="case.member_left_partnership",
        case_id=leaver.case_id,
        channel=leaver.channel_id,
        user=leaver.user,
    )
