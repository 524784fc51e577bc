"""Who may see and do what: a case and its members, and the partnership (its roles and
agencies) as the database knows it."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from bot.partnership_config import PartnershipConfig
from bot.services.cases.schema import Audience
from bot.services.refusal import RefusedError
from storage.db import Database
from storage.models import (
    Agency,
    AgencyMember,
    Case,
    CaseAssignment,
    CaseMember,
    RoleAssignment,
)


def load_case(session: Session, case_id: int) -> Case:
    case = session.scalar(
        select(Case)
        .where(Case.id == case_id)
        # the agency joined in the case's own statement; its members in one more
        .options(joinedload(Case.referring_agency, innerjoin=True), selectinload(Case.members))
    )
    if case is None:
        raise LookupError(f"case {case_id} does not exist")
    return case


def case_by_id(session: Session, case_id: int) -> Case | None:
    return session.get(Case, case_id)


def case_by_channel(session: Session, channel_id: str) -> Case | None:
    return session.scalar(select(Case).where(Case.channel_id == channel_id))


def case_by_reference(session: Session, reference: str) -> Case | None:
    return session.scalar(select(Case).where(Case.reference == reference.strip().upper()))


def is_case_member(session: Session, case: Case, user_id: str) -> bool:
    return (
        session.scalar(
            select(CaseMember.id).where(
                CaseMember.case_id == case.id, CaseMember.slack_user_id == user_id
            )
        )
        is not None
    )


NOT_SHOWN = (
    "I can't show you that case. `/scr status` works in a case channel, or as "
    "`/scr status SCR-2026-001`, for members of that case."
)
"""The same words for a case that does not exist and one the person is not in."""

WHERE = (
    "This isn't a case channel. Use `/scr status` in a case channel, or give the case "
    "reference: `/scr status SCR-2026-001`."
)


def case_to_show(session: Session, user_id: str, *, channel_id: str, reference: str | None) -> Case:
    """The case asked about (by reference, else the channel's) if the user is a member of
    it; refused in the same words for an unknown case and someone else's, so that the
    answer reveals nothing."""
    case = (
        case_by_reference(session, reference) if reference else case_by_channel(session, channel_id)
    )
    if case is None or not is_case_member(session, case, user_id):
        in_case_channel = case_by_channel(session, channel_id) is not None
        raise RefusedError(NOT_SHOWN if reference or in_case_channel else WHERE)
    return case


class Role(StrEnum):
    BOARD_CHAIR = "board_chair"
    CPU = "cpu"
    ADMIN = "admins"
    REVIEW_CHAIR = "review_chairs"
    """Eligible to chair a review panel (as well as the CPU)."""
    LOCAL_AUTHORITY_LEAD = "partner_lead_local_authority"
    POLICE_LEAD = "partner_lead_police"
    HEALTH_LEAD = "partner_lead_health"
    DELEGATED_LEAD = "delegated_lead"


PARTNER_LEADS = (Role.LOCAL_AUTHORITY_LEAD, Role.POLICE_LEAD, Role.HEALTH_LEAD)
"""The three safeguarding partners' leads, in the order the partnership file names them."""


class AgencyRole(StrEnum):
    DESIGNATED_PERSON = "designated_person"
    REVIEW_LEAD = "review_lead"


def sync_partnership(session: Session, config: PartnershipConfig) -> None:
    """Make the database match the file; running it twice changes nothing the second time.

    Agencies missing from the file are deactivated, not deleted: cases refer to them."""
    leads, delegated = config.roles.partner_leads.named(), config.roles.delegated_lead
    wanted_roles = [
        (user, role.value)
        for role, users in (
            (Role.BOARD_CHAIR, config.roles.board_chair),
            (Role.CPU, config.roles.cpu),
            (Role.ADMIN, config.roles.admins),
            (Role.REVIEW_CHAIR, config.roles.review_chairs),
            *((Role(f"partner_lead_{partner}"), [user]) for partner, user in leads),
            (Role.DELEGATED_LEAD, [delegated] if delegated else []),
        )
        for user in users
    ]
    existing_roles = {(r.slack_user_id, r.role): r for r in session.scalars(select(RoleAssignment))}
    for key, row in existing_roles.items():
        if key not in wanted_roles:
            session.delete(row)
    for user, role in wanted_roles:
        if (user, role) not in existing_roles:
            session.add(RoleAssignment(slack_user_id=user, role=role))

    agencies = {
        a.name.casefold(): a
        for a in session.scalars(select(Agency).options(selectinload(Agency.members)))
    }
    named = set()
    for entry in config.agencies:
        named.add(entry.name.casefold())
        agency = agencies.get(entry.name.casefold())
        if agency is None:
            agency = Agency(name=entry.name, email=entry.email, active=True)
            session.add(agency)
        agency.name, agency.email, agency.active = entry.name, entry.email, True
        wanted = {(u, AgencyRole.DESIGNATED_PERSON.value) for u in entry.designated_persons} | {
            (u, AgencyRole.REVIEW_LEAD.value) for u in entry.review_leads
        }
        have = {(m.slack_user_id, m.role): m for m in agency.members}
        for key, member in have.items():
            if key not in wanted:
                agency.members.remove(member)
        for user, role in sorted(wanted - have.keys()):
            agency.members.append(AgencyMember(slack_user_id=user, role=role))
    for folded_name, agency in agencies.items():
        if folded_name not in named:
            agency.active = False
    session.flush()


def users_with_role(session: Session, role: Role) -> list[str]:
    return list(
        session.scalars(
            select(RoleAssignment.slack_user_id)
            .where(RoleAssignment.role == role.value)
            .order_by(RoleAssignment.id)
        )
    )


def users_with_roles(session: Session, roles: Iterable[Role]) -> dict[Role, list[str]]:
    """Who holds each of ``roles`` (in the order they were given it), read at once."""
    holders: dict[Role, list[str]] = {role: [] for role in roles}
    rows = session.execute(
        select(RoleAssignment.role, RoleAssignment.slack_user_id)
        .where(RoleAssignment.role.in_([role.value for role in holders]))
        .order_by(RoleAssignment.id)
    )
    for role, user in rows:
        holders[Role(role)].append(user)
    return holders


def roles_of(session: Session, user_id: str) -> set[Role]:
    rows = session.scalars(
        select(RoleAssignment.role).where(RoleAssignment.slack_user_id == user_id)
    )
    return {Role(r) for r in rows}


def agencies_of(session: Session, user_id: str) -> list[Agency]:
    return list(
        session.scalars(
            select(Agency)
            .join(AgencyMember)
            .where(AgencyMember.slack_user_id == user_id, Agency.active.is_(True))
            .distinct()
            .order_by(Agency.name)
        )
    )


def active_agencies(session: Session) -> list[Agency]:
    return list(
        session.scalars(
            select(Agency)
            .where(Agency.active.is_(True))
            .options(selectinload(Agency.members))
            .order_by(Agency.name)
        )
    )


def is_partnership_member(session: Session, user_id: str) -> bool:
    return bool(roles_of(session, user_id)) or bool(agencies_of(session, user_id))


def unique_in_order(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def partnership_rows(
    session: Session, user_id: str
) -> list[tuple[str, list[str], list[str]]] | None:
    """Each active agency with its designated persons and review leads, for a member of the
    partnership; None for anyone else."""
    if not is_partnership_member(session, user_id):
        return None
    return [
        (
            a.name,
            a.user_ids(AgencyRole.DESIGNATED_PERSON.value),
            a.user_ids(AgencyRole.REVIEW_LEAD.value),
        )
        for a in active_agencies(session)
    ]


ROLE_AUDIENCES: dict[Role, frozenset[Audience]] = {
    Role.CPU: frozenset({Audience.CPU, Audience.PANEL_CHAIR}),
    Role.ADMIN: frozenset({Audience.BUSINESS_UNIT}),
    Role.BOARD_CHAIR: frozenset({Audience.BOARD_CHAIR}),
    Role.REVIEW_CHAIR: frozenset(),
    **{lead: frozenset({Audience.PARTNERS}) for lead in PARTNER_LEADS},
    Role.DELEGATED_LEAD: frozenset(),
}
"""The CPU stands in for a review panel chair until one is appointed."""

AGENCY_ASSIGNMENTS = ("imr_author", "action_owner")


def audiences_of(session: Session, user_id: str) -> frozenset[Audience]:
    """Who ``user_id`` is, as `/scr help` sorts commands: their partnership roles, an
    agency's person, an author or action owner, a review panel chair on an open case."""
    found = {Audience.EVERYONE}
    for role in roles_of(session, user_id):
        found |= ROLE_AUDIENCES[role]
    held = set(
        session.scalars(
            select(CaseAssignment.role)
            .join(Case, Case.id == CaseAssignment.case_id)
            .where(CaseAssignment.slack_user_id == user_id, Case.closed_at.is_(None))
        )
    )
    if agencies_of(session, user_id) or held & set(AGENCY_ASSIGNMENTS):
        found.add(Audience.AGENCY)
    if "panel_chair" in held:
        found.add(Audience.PANEL_CHAIR)
    return frozenset(found)


def command_audiences(db: Database, user_id: str) -> frozenset[Audience]:
    with db.session() as session:
        return audiences_of(session, user_id)
