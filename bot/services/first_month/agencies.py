"""Which agencies a case involves: adding and removing them (CPU and Board admins), and
which involved agency a person acts for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.ids import FirstMonthBlock
from bot.services.cases.access import (
    AgencyRole,
    Role,
    active_agencies,
    agencies_of,
    case_by_channel,
    case_by_reference,
    is_case_member,
    roles_of,
)
from bot.services.cases.identifying import screen
from bot.services.first_month.schema import MAX_REASON, Choice
from bot.services.refusal import RefusedError
from bot.services.reminders.tasks import (
    EngineContext,
    TaskRefusedError,
    add_agency,
    involved_agencies,
    remove_agency,
)
from storage.claim import claim
from storage.models import Agency, Case, CaseMember, Task
from storage.states import TaskStatus

MANAGERS = frozenset({Role.CPU, Role.ADMIN})
NOT_A_MANAGER = "Only the CPU or the Board business unit can change which agencies are involved."
_REASON_LABEL = {FirstMonthBlock.REASON.value: "reason"}
CASE_CHANNEL_ONLY = "Use this in the case channel of a case you are a member of."


class AgencyChangeRefusedError(RefusedError):
    """A change of the involved agencies refused: on the form's agency input, unless it is
    about the reason."""

    def __init__(self, message: str, *, about_reason: bool = False) -> None:
        field = FirstMonthBlock.REASON if about_reason else FirstMonthBlock.AGENCY
        super().__init__(message, field=field.value)


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
    screen(session, cipher, case.id, {FirstMonthBlock.REASON.value: reason}, _REASON_LABEL)
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise AgencyChangeRefusedError("That agency is not part of the partnership.")
    if agency.id == case.referring_agency_id:
        raise AgencyChangeRefusedError(
            f"{agency.name} referred {case.reference}; it stays involved."
        )
    try:
        sealed = cipher.for_case(session, case.id).encrypt_text(reason)
        remove_agency(ctx, case, agency.id, actor=actor, reason=sealed)
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
    claim(session, Case, Case.id == case_id, stage=Case.stage)
    case = session.get(Case, case_id, populate_existing=True)
    if case is None:
        raise AgencyChangeRefusedError("That case does not exist.")
    return case


def case_in_channel(session: Session, channel_id: str, user_id: str) -> Case:
    """The case whose channel this is, if the user is one of its members; else refused."""
    case = case_by_channel(session, channel_id)
    if case is None or not is_case_member(session, case, user_id):
        raise RefusedError(CASE_CHANNEL_ONLY)
    return case


def may_manage_case_agencies(session: Session, case: Case, user_id: str) -> bool:
    """A case member who may change which agencies it involves."""
    return is_case_member(session, case, user_id) and may_manage_agencies(session, user_id)


def agency_choices(session: Session, case: Case, *, removing: bool) -> list[Choice]:
    """The agencies the add (or remove) form offers: the referring agency stays."""
    rows = (
        involved_agency_rows(session, case.id) if removing else addable_agencies(session, case.id)
    )
    return [
        Choice(a.id, a.name) for a in rows if not (removing and a.id == case.referring_agency_id)
    ]


def own_task(session: Session, case_id: int, user_id: str, kind: str) -> int | None:
    """The open task of ``kind`` of an involved agency the user acts for, in the case a
    button names; the soonest due when they act for several."""
    case = session.get(Case, case_id)
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
            Task.status == TaskStatus.OPEN,
        )
        .order_by(Task.due_at, Task.id)
        .limit(1)
    )


def change_agency(
    ctx: EngineContext,
    cipher: FieldCipher,
    case_id: int,
    agency_id: int,
    *,
    actor: str,
    reason: str | None,
) -> AgencyChange:
    """Involve the agency (``reason`` None) or end its involvement, the case locked."""
    case = lock_case(ctx.session, case_id)
    if reason is None:
        return involve_agency(ctx, case, agency_id, actor=actor)
    return withdraw_agency(ctx, case, agency_id, actor=actor, reason=reason, cipher=cipher)


def agency_by_words(
    session: Session, case: Case, words: Sequence[str], *, removing: bool
) -> tuple[Agency, str | None]:
    """`/scr agency add|remove <agency> [reason]`: the agency named, and the reason."""
    candidates = involved_agency_rows(session, case.id) if removing else active_agencies(session)
    agency, rest = match_agency(candidates, words)
    reason = " ".join(rest) if removing else None
    if removing and not reason:
        raise AgencyChangeRefusedError("Please give a reason after the agency's name.")
    return agency, reason


def case_named_or_here(
    session: Session, reference: str | None, channel_id: str, user_id: str
) -> Case:
    """The case ``reference`` names (else the case of this channel), if the user is one of
    its members; else refused."""
    if reference is None:
        return case_in_channel(session, channel_id, user_id)
    case = case_by_reference(session, reference)
    if case is None or not is_case_member(session, case, user_id):
        raise RefusedError(CASE_CHANNEL_ONLY)
    return case
