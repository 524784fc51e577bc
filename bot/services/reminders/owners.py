"""Who holds a role on a case, and so who owns a task or is told when it is overdue.
People who have left (`DeactivatedUser`) hold no role: nothing is given or sent to them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from bot.services.cases.access import PARTNER_LEADS, AgencyRole, Role, users_with_role
from bot.services.reminders.delivery import chunked
from storage.models import AgencyMember, CaseAssignment, DeactivatedUser, Task

PARTNERSHIP_ROLES: dict[str, tuple[Role, ...]] = {
    "cpu": (Role.CPU,),
    "board_chair": (Role.BOARD_CHAIR,),
    "admins": (Role.ADMIN,),
    "partner_leads": PARTNER_LEADS,
    "delegated_lead": (Role.DELEGATED_LEAD,),
}
"""A process role held by the same people on every case, and the partnership file's roles
it names."""
FALLBACK: dict[str, str] = {"partner_leads": "delegated_lead", "delegated_lead": "board_chair"}
"""Who holds a partners' role when the partnership file names nobody for it, so that a task
never goes unowned: the delegated lead for the partners, else the Board Chair."""


def partnership_people(session: Session, role: str) -> list[str]:
    """The people the partnership file names for process role ``role`` (falling back as
    ``FALLBACK`` says when it names nobody), those who have left excepted."""
    people: list[str] = []
    for each in PARTNERSHIP_ROLES[role]:
        people += [user for user in users_with_role(session, each) if user not in people]
    if not people and role in FALLBACK:
        return partnership_people(session, FALLBACK[role])
    return present(session, people) if people else people


LEFT = select(DeactivatedUser.slack_user_id)


def present(session: Session, people: list[str]) -> list[str]:
    gone = set(session.scalars(LEFT.where(DeactivatedUser.slack_user_id.in_(people))))
    return [person for person in people if person not in gone] if gone else people


def agency_people(session: Session, agency_id: int, role: AgencyRole) -> list[str]:
    return list(
        session.scalars(
            select(AgencyMember.slack_user_id)
            .where(AgencyMember.agency_id == agency_id, AgencyMember.role == role.value)
            .where(AgencyMember.slack_user_id.not_in(LEFT))
            .order_by(AgencyMember.id)
        )
    )


def assigned(
    session: Session,
    case_id: int,
    role: str,
    *,
    agency_id: int | None = None,
    subject_key: str | None = None,
) -> list[str]:
    query = select(CaseAssignment.slack_user_id).where(
        CaseAssignment.case_id == case_id,
        CaseAssignment.role == role,
        CaseAssignment.slack_user_id.not_in(LEFT),
    )
    if agency_id is not None:
        query = query.where(CaseAssignment.agency_id == agency_id)
    if subject_key is not None:
        query = query.where(CaseAssignment.subject_key == subject_key)
    return list(session.scalars(query.order_by(CaseAssignment.id)))


def partnership_roles_of(session: Session, user_id: str) -> set[str]:
    """The process roles held by the same people on every case that ``user_id`` holds."""
    return {role for role in PARTNERSHIP_ROLES if user_id in partnership_people(session, role)}


def role_holders(
    session: Session,
    case_id: int,
    role: str,
    *,
    agency_id: int | None = None,
    subject_key: str | None = None,
) -> list[str]:
    """The people holding `role` on the case; an agency role falls back to the agency's
    designated persons so that a task never goes unowned."""
    if role in PARTNERSHIP_ROLES:
        return partnership_people(session, role)
    if role == "panel_chair":
        return assigned(session, case_id, role) or present(
            session, users_with_role(session, Role.CPU)
        )
    if agency_id is None:
        return []
    if role == "designated_persons":
        return agency_people(session, agency_id, AgencyRole.DESIGNATED_PERSON)
    if role == "review_leads":
        people = agency_people(session, agency_id, AgencyRole.REVIEW_LEAD)
    else:
        people = assigned(session, case_id, role, agency_id=agency_id, subject_key=subject_key)
        if not people:
            people = agency_people(session, agency_id, AgencyRole.REVIEW_LEAD)
    return people or agency_people(session, agency_id, AgencyRole.DESIGNATED_PERSON)


HolderKey = tuple[int | str | None, ...]
AGENCY_WIDE = frozenset({"designated_persons", "review_leads"})
"""Agency roles held by the agency's people, the same on every case."""


def holders_key(
    case_id: int, role: str, *, agency_id: int | None = None, subject_key: str | None = None
) -> HolderKey:
    """What ``role_holders`` depends on: asked with equal keys, it names the same people
    (the partnership's roles are the same on every case, an agency's people on every case)."""
    if role in PARTNERSHIP_ROLES:
        return (role,)
    if role == "panel_chair":
        return (role, case_id)
    if role in AGENCY_WIDE or agency_id is None:
        return (role, agency_id)
    return (role, case_id, agency_id, subject_key)


class RoleHolders:
    """``role_holders`` asked about many tasks at once (a morning's reminders): the case
    assignments of ``case_ids`` are read in one query, and each distinct answer once."""

    def __init__(self, session: Session, case_ids: Iterable[int]) -> None:
        self.session = session
        self.known: dict[HolderKey, list[str]] = {}
        self.assigned: dict[tuple[int, str, int], list[tuple[str | None, str]]] = defaultdict(list)
        for chunk in chunked(sorted(set(case_ids))):
            rows = session.execute(
                select(
                    CaseAssignment.case_id,
                    CaseAssignment.role,
                    CaseAssignment.agency_id,
                    CaseAssignment.subject_key,
                    CaseAssignment.slack_user_id,
                )
                .where(CaseAssignment.case_id.in_(chunk), CaseAssignment.slack_user_id.not_in(LEFT))
                .order_by(CaseAssignment.id)
            )
            for case_id, role, agency_id, subject_key, user in rows:
                if agency_id is not None:
                    self.assigned[(case_id, role, agency_id)].append((subject_key, user))

    def of(
        self, case_id: int, role: str, agency_id: int | None, subject_key: str | None
    ) -> list[str]:
        key = holders_key(case_id, role, agency_id=agency_id, subject_key=subject_key)
        if key not in self.known:
            self.known[key] = self._assigned(case_id, role, agency_id, subject_key) or (
                role_holders(
                    self.session, case_id, role, agency_id=agency_id, subject_key=subject_key
                )
            )
        return self.known[key]

    def _assigned(
        self, case_id: int, role: str, agency_id: int | None, subject_key: str | None
    ) -> list[str]:
        """The people assigned an agency's role on the case, as ``assigned`` finds them."""
        if agency_id is None or role in PARTNERSHIP_ROLES or role in AGENCY_WIDE:
            return []  # role_holders asks no agency's assignments for these
        if role == "panel_chair":
            return []
        return [
            user
            for subject, user in self.assigned.get((case_id, role, agency_id), [])
            if subject_key is None or subject == subject_key
        ]


def holders_of(session: Session, task: Task) -> list[str]:
    """The holders of ``task``'s role on its case (for an agency's task, of that agency)."""
    return role_holders(
        session,
        task.case_id,
        task.owner_role,
        agency_id=task.agency_id,
        subject_key=task.subject_key,
    )


def task_owners(session: Session, task: Task) -> list[str]:
    """Who is asked to do ``task``: the person it was handed over to (while they are still
    here), else the holders of its role."""
    if task.assignee is not None and present(session, [task.assignee]):
        return [task.assignee]
    return holders_of(session, task)


def may_act_on(session: Session, task: Task, user_id: str) -> bool:
    """The owners may complete a task, and so may the holders of its role after it was
    handed over; for an agency's task, anyone who acts for that agency."""
    if user_id == task.assignee and present(session, [user_id]):
        return True
    if user_id in holders_of(session, task):
        return True
    if task.agency_id is not None and task.owner_role in {"designated_persons", "review_leads"}:
        return user_id in agency_team(session, task.agency_id)
    return False


def agency_team(session: Session, agency_id: int) -> list[str]:
    """The people who act for an agency (its designated persons, then its review leads),
    each once, in the order they were named; read in one statement."""
    roles = (AgencyRole.DESIGNATED_PERSON.value, AgencyRole.REVIEW_LEAD.value)
    people = session.scalars(
        select(AgencyMember.slack_user_id)
        .where(AgencyMember.agency_id == agency_id, AgencyMember.role.in_(roles))
        .where(AgencyMember.slack_user_id.not_in(LEFT))
        .order_by(case((AgencyMember.role == roles[0], 0), else_=1), AgencyMember.id)
    )
    return list(dict.fromkeys(people))
