"""Which agencies a case involves: adding and removing them (CPU and Board admins), and
which involved agency a person acts for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.services.cases import case_by_channel, is_case_member
from bot.services.engine import (
    EngineContext,
    TaskRefusedError,
    add_agency,
    involved_agencies,
    remove_agency,
)
from bot.services.partnership import (
    AgencyRole,
    Role,
    active_agencies,
    agencies_of,
    roles_of,
)
from storage.models import Agency, Case, CaseMember, Task

MANAGERS = frozenset({Role.CPU, Role.ADMIN})
NOT_A_MANAGER = "Only the CPU or the Board business unit can change which agencies are involved."
MAX_REASON = 500
CASE_CHANNEL_ONLY = "Use this in the case channel of a case you are a member of."


class AgencyChangeRefusedError(Exception):
    """Raised with a message that is safe to show the person who tried."""

    def __init__(self, message: str, *, about_reason: bool = False) -> None:
        super().__init__(message)
        self.about_reason = about_reason


@dataclass(frozen=True)
class AgencyChange:
    case_id: int
    reference: str
    agency_id: int
    agency_name: str
    new_members: tuple[str, ...] = ()
    already: bool = False
    """Involved before this request: nothing changed, Slack is only brought in step."""


def may_manage_agencies(session: Session, user_id: str) -> bool:
    return bool(roles_of(session, user_id) & MANAGERS)


def match_agency(agencies: Sequence[Agency], words: Sequence[str]) -> tuple[Agency, list[str]]:
    """The agency named by the longest run of leading words (case-insensitive), and the
    words after it: `/scr agency remove Children's Services no longer involved`."""
    by_name = {a.name.casefold(): a for a in agencies}
    for size in range(len(words), 0, -1):
        agency = by_name.get(" ".join(words[:size]).casefold())
        if agency is not None:
            return agency, list(words[size:])
    names = ", ".join(a.name for a in agencies) or "none"
    raise AgencyChangeRefusedError(f"I don't know that agency. The partnership's are: {names}.")


def involved_agency_rows(session: Session, case_id: int) -> list[Agency]:
    rows = []
    for involvement in involved_agencies(session, case_id):
        agency = session.get(Agency, involvement.agency_id)
        if agency is not None:
            rows.append(agency)
    return rows


def addable_agencies(session: Session, case_id: int) -> list[Agency]:
    involved = {a.id for a in involved_agency_rows(session, case_id)}
    return [a for a in active_agencies(session) if a.id not in involved]


def involve_agency(ctx: EngineContext, case: Case, agency_id: int, *, actor: str) -> AgencyChange:
    """Involve an agency: its tasks begin (engine), and its designated persons become case
    members, to be invited to the channel and told what to do."""
    session = ctx.session
    if not may_manage_agencies(session, actor):
        raise AgencyChangeRefusedError(NOT_A_MANAGER)
    if case.closed_at is not None:
        raise AgencyChangeRefusedError(f"{case.reference} is closed.")
    agency = session.get(Agency, agency_id)
    if agency is None or not agency.active:
        raise AgencyChangeRefusedError("That agency is not part of the partnership.")
    if agency.id in {a.id for a in involved_agency_rows(session, case.id)}:
        return AgencyChange(case.id, case.reference, agency.id, agency.name, already=True)
    add_agency(ctx, case, agency.id, actor=actor)
    members = {
        m.slack_user_id
        for m in session.scalars(select(CaseMember).where(CaseMember.case_id == case.id))
    }
    added = []
    for user in agency.user_ids(AgencyRole.DESIGNATED_PERSON.value):
        if user not in members:
            session.add(CaseMember(case_id=case.id, slack_user_id=user, reason="designated_person"))
            added.append(user)
    session.flush()
    return AgencyChange(case.id, case.reference, agency.id, agency.name, tuple(added))


def withdraw_agency(
    ctx: EngineContext,
    case: Case,
    agency_id: int,
    *,
    actor: str,
    reason: str,
    cipher: FieldCipher,
) -> AgencyChange:
    """End an agency's involvement; its open tasks close with their reminders (engine).
    Its people stay in the channel: they may still hold what the panel needs."""
    session = ctx.session
    if not may_manage_agencies(session, actor):
        raise AgencyChangeRefusedError(NOT_A_MANAGER)
    if case.closed_at is not None:
        raise AgencyChangeRefusedError(f"{case.reference} is closed.")
    reason = reason.strip()
    if not reason:
        raise AgencyChangeRefusedError(
            "Please give a reason for removing the agency.", about_reason=True
        )
    if len(reason) > MAX_REASON:
        raise AgencyChangeRefusedError(
            f"Please keep the reason under {MAX_REASON} characters.", about_reason=True
        )
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise AgencyChangeRefusedError("That agency is not part of the partnership.")
    if agency.id == case.referring_agency_id:
        raise AgencyChangeRefusedError(
            f"{agency.name} referred {case.reference}; it stays involved."
        )
    try:
        remove_agency(ctx, case, agency.id, actor=actor, reason=cipher.encrypt_text(reason))
    except TaskRefusedError as exc:
        raise AgencyChangeRefusedError(str(exc)) from exc
    return AgencyChange(case.id, case.reference, agency.id, agency.name)


def acting_agencies(session: Session, case: Case, user_id: str) -> list[Agency]:
    """The involved agencies the user acts for (as designated person or review lead)."""
    involved = {a.id for a in involved_agency_rows(session, case.id)}
    return [a for a in agencies_of(session, user_id) if a.id in involved]


def lock_case(session: Session, case_id: int) -> Case:
    """The case, read after taking the write lock (a no-op UPDATE), so that two changes to
    its agencies at once are made one after the other."""
    session.execute(
        update(Case)
        .where(Case.id == case_id)
        .values(stage=Case.stage)
        .execution_options(synchronize_session=False)
    )
    case = session.get(Case, case_id, populate_existing=True)
    if case is None:
        raise AgencyChangeRefusedError("That case does not exist.")
    return case


def case_in_channel(session: Session, channel_id: str, user_id: str) -> Case | None:
    """The case whose channel this is, if the user is one of its members."""
    case = case_by_channel(session, channel_id)
    return case if case is not None and is_case_member(session, case, user_id) else None


def clicked_case(session: Session, value: str | None, user_id: str) -> Case | None:
    """The case a button names (its value is the case id), if the clicker is a member."""
    if not value or not value.isdigit():
        return None
    case = session.get(Case, int(value))
    return case if case is not None and is_case_member(session, case, user_id) else None


def own_task(session: Session, value: str | None, user_id: str, kind: str | None) -> int | None:
    """The open task of ``kind`` of an involved agency the user acts for, in the case a
    button names; the soonest due when they act for several."""
    if kind is None or not value or not value.isdigit():
        return None
    case = session.get(Case, int(value))
    if case is None:
        return None
    agencies = [a.id for a in acting_agencies(session, case, user_id)]
    if not agencies:
        return None
    return session.scalar(
        select(Task.id)
        .where(
            Task.case_id == case.id,
            Task.kind == kind,
            Task.agency_id.in_(agencies),
            Task.status == "open",
        )
        .order_by(Task.due_at, Task.id)
        .limit(1)
    )


def agency_case(
    session: Session, value: str | None, user_id: str
) -> tuple[Case, list[Agency]] | None:
    """The case a button names, with the involved agencies the clicker acts for; None when
    they act for none of them."""
    if not value or not value.isdigit():
        return None
    case = session.get(Case, int(value))
    if case is None or case.closed_at is not None:
        return None
    agencies = acting_agencies(session, case, user_id)
    return (case, agencies) if agencies else None
