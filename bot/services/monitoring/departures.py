"""People who leave: a Slack account deactivated (seen in a `user_change` event, or by
`users.info` just before a nudge) or someone the Board business unit marks as left. Their
open recommendations go to the agency's review lead (the designated person when there is
none), and nothing is sent to them any more (`owners` leaves them out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.services.cases import audit
from bot.services.cases.access import AgencyRole
from bot.services.monitoring import rounds
from bot.services.monitoring.plan import ACTION_OWNER, has_left, is_board, set_owner
from bot.services.monitoring.schema import RecStatus
from bot.services.refusal import RefusedError
from bot.services.reminders.owners import agency_people, task_owners
from bot.services.reminders.tasks import EngineContext
from storage.models import (
    Agency,
    Case,
    CaseAssignment,
    DeactivatedUser,
    Recommendation,
    Reminder,
    Task,
)
from storage.states import ReminderStatus, TaskStatus

ONLY_THE_BOARD = "Only the Board (its business unit or Chair) can reassign someone's work."


class LeftVia(StrEnum):
    SLACK = "slack"
    """A `user_change` event said the account was deactivated."""
    USERS_INFO = "users_info"
    """`users.info` said so when a nudge was about to go."""
    ADMIN = "admin"
    """The Board business unit said they have left or been replaced."""
    PARTNERSHIP = "partnership"
    """The partnership file no longer names them."""


@dataclass(frozen=True)
class Reassignment:
    case_id: int
    reference: str
    recommendation_id: int
    number: int
    agency: str
    previous: str
    owner: str | None
    """None when the agency has nobody left to take it: the Board must choose someone."""


def record_departure(
    session: Session, user_id: str, *, via: LeftVia, actor: str, now: datetime
) -> bool:
    """Remember that ``user_id`` has left; False when it was known already."""
    if has_left(session, user_id):
        return False
    session.add(DeactivatedUser(slack_user_id=user_id, at=now, source=via.value, recorded_by=actor))
    session.flush()
    audit.record(session, at=now, actor=actor, action="user.left", user=user_id, via=via.value)
    return True


def record_return(session: Session, user_id: str, *, actor: str, now: datetime) -> bool:
    """A reactivated account receives nudges again (what was reassigned stays reassigned)."""
    row = session.get(DeactivatedUser, user_id)
    if row is None or row.source == LeftVia.ADMIN:
        return False
    session.execute(delete(DeactivatedUser).where(DeactivatedUser.slack_user_id == user_id))
    audit.record(session, at=now, actor=actor, action="user.returned", user=user_id)
    return True


def successor(session: Session, agency_id: int) -> str | None:
    """Who takes over an agency's recommendations: its first review lead still here, else
    its first designated person still here."""
    for role in (AgencyRole.REVIEW_LEAD, AgencyRole.DESIGNATED_PERSON):
        for person in agency_people(session, agency_id, role):
            if not has_left(session, person):
                return person
    return None


def reassign_from(ctx: EngineContext, user_id: str, *, actor: str) -> list[Reassignment]:
    """Hand every open recommendation ``user_id`` owns, in open cases, to a successor."""
    keys = ctx.session.scalars(
        select(CaseAssignment.subject_key).where(
            CaseAssignment.role == ACTION_OWNER, CaseAssignment.slack_user_id == user_id
        )
    )
    rec_ids = [rid for rid in map(rounds.recommendation_id_of, keys) if rid is not None]
    rows = ctx.session.execute(
        select(Recommendation, Case, Agency.name)
        .join(Case, Case.id == Recommendation.case_id)
        .join(Agency, Agency.id == Recommendation.agency_id)
        .where(
            Recommendation.id.in_(rec_ids),
            Recommendation.status == RecStatus.OPEN.value,
            Case.closed_at.is_(None),
        )
        .order_by(Case.id, Recommendation.number)
    )
    moved = []
    for rec, case, agency in rows:
        owner = successor(ctx.session, rec.agency_id)
        if owner is not None:
            set_owner(ctx, rec, owner)
        audit.record(
            ctx.session,
            at=ctx.now,
            actor=actor,
            action="recommendation.reassigned",
            case_id=case.id,
            recommendation_id=rec.id,
            previous=user_id,
            owner=owner,
        )
        moved.append(
            Reassignment(case.id, case.reference, rec.id, rec.number, agency, user_id, owner)
        )
    return moved


def user_left(ctx: EngineContext, user_id: str, *, via: LeftVia, actor: str) -> list[Reassignment]:
    """Record the departure and hand their recommendations on (a repeat finds none to move)."""
    record_departure(ctx.session, user_id, via=via, actor=actor, now=ctx.now)
    return reassign_from(ctx, user_id, actor=actor)


def check_board(session: Session, user_id: str) -> None:
    """Only the Board may say that someone has left."""
    if not is_board(session, user_id):
        raise RefusedError(ONLY_THE_BOARD)


def board_says_left(ctx: EngineContext, person: str, *, actor: str) -> list[Reassignment]:
    """`/scr owner left`: the Board business unit says ``person`` has left or been replaced."""
    check_board(ctx.session, actor)
    if person == actor or not person:
        raise RefusedError("Choose someone else.")
    return user_left(ctx, person, via=LeftVia.ADMIN, actor=actor)


CHUNK = 500


def owners_about_to_be_nudged(session: Session, now: datetime) -> list[str]:
    """The owners of return tasks with a nudge due now, not yet known to have left. Read from
    the due nudges first, so an idle tick reads no task."""
    due = set(
        session.scalars(
            select(Reminder.task_id).where(
                Reminder.status.in_((ReminderStatus.PLANNED, ReminderStatus.FAILED)),
                Reminder.at <= now,
            )
        )
    )
    case_open = select(Case.id).where(Case.id == Task.case_id, Case.closed_at.is_(None))
    ordered = sorted(due)
    tasks = [
        task
        for start in range(0, len(ordered), CHUNK)
        for task in session.scalars(
            select(Task).where(
                Task.id.in_(ordered[start : start + CHUNK]),
                Task.kind == rounds.KIND,
                Task.status == TaskStatus.OPEN,
                case_open.exists(),
            )
        )
    ]
    people: dict[str, None] = {}
    for task in tasks:
        for person in task_owners(session, task):
            people.setdefault(person)
    return list(people)
