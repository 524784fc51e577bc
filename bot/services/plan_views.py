"""What people see of an action plan: the lines of `/scr actions`, and the case card's
monitoring lines (recommendations, the current round, the sign-off)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.process.calendar import LONDON
from bot.services import progress_returns as returns
from bot.services.action_plan import owner_of, recommendations
from bot.services.review.report import ReportRecommendation, report_recommendations
from storage.models import Agency, Case, CaseSignOff, MonitoringRound, ProgressReturn, Task


@dataclass(frozen=True)
class LatestReturn:
    round_no: int
    status: str
    as_of: date


@dataclass(frozen=True)
class PlanLine:
    """One recommendation as people see it. ``action`` is decrypted for the few surfaces that
    show it to the case's members; the card and the DMs leave it out."""

    id: int
    number: int
    agency: str
    owner: str | None
    target_date: date
    status: str
    source: str
    action: str
    latest: LatestReturn | None
    open_task_id: int | None


def plan_lines(session: Session, case: Case, cipher: FieldCipher | None) -> list[PlanLine]:
    names = {agency_id: name for agency_id, name in session.execute(select(Agency.id, Agency.name))}
    latest: dict[int, LatestReturn] = {}
    for row in session.scalars(
        select(ProgressReturn)
        .where(ProgressReturn.case_id == case.id)
        .order_by(ProgressReturn.round_no)
    ):
        latest[row.recommendation_id] = LatestReturn(row.round_no, row.status, row.as_of)
    open_tasks = {
        returns.recommendation_id_of(t.subject_key): t.id
        for t in session.scalars(
            select(Task)
            .where(Task.case_id == case.id, Task.kind == returns.KIND, Task.status == "open")
            .order_by(Task.round_no.desc())
        )
    }
    return [
        PlanLine(
            id=rec.id,
            number=rec.number,
            agency=names.get(rec.agency_id, "?"),
            owner=owner_of(session, rec),
            target_date=rec.target_date,
            status=rec.status,
            source=rec.source,
            action=cipher.decrypt_text(rec.action) if cipher is not None else "",
            latest=latest.get(rec.id),
            open_task_id=open_tasks.get(rec.id),
        )
        for rec in recommendations(session, case.id)
    ]


@dataclass(frozen=True)
class RoundState:
    round_no: int
    due: date
    returns_in: int
    returns_asked: int


@dataclass(frozen=True)
class SignedOff:
    by: str
    on: date
    archived: bool


@dataclass(frozen=True)
class MonitoringState:
    """What the case card shows of monitoring."""

    lines: list[PlanLine]
    current: RoundState | None
    overdue_earlier: int
    signed_off: SignedOff | None


def monitoring_state(session: Session, case: Case, today: date) -> MonitoringState:
    signed = session.get(CaseSignOff, case.id)
    if signed is not None:
        done = SignedOff(
            signed.signed_off_by,
            signed.signed_off_at.astimezone(LONDON).date(),
            signed.archived_at is not None,
        )
        return MonitoringState([], None, 0, done)
    lines = plan_lines(session, case, None)
    row = session.scalar(
        select(MonitoringRound)
        .where(MonitoringRound.case_id == case.id)
        .order_by(MonitoringRound.round_no.desc())
        .limit(1)
    )
    if row is None:
        return MonitoringState(lines, None, 0, None)
    tasks = returns.tasks_of(session, case.id)
    this_round = [t for t in tasks if t.round_no == row.round_no and t.status != "waived"]
    current = RoundState(
        row.round_no,
        row.due_at.astimezone(LONDON).date(),
        sum(1 for t in this_round if t.status == "done"),
        len(this_round),
    )
    overdue = sum(
        1
        for t in tasks
        if t.round_no < row.round_no
        and t.status == "open"
        and t.due_at.astimezone(LONDON).date() < today
    )
    return MonitoringState(lines, current, overdue, None)


def carried_pending(session: Session, cipher: FieldCipher, case: Case) -> list[Carried]:
    """The accepted management reviews' recommendations whose action is not in the plan yet,
    each with the number it would take (its own, or the next free one)."""
    plan = recommendations(session, case.id)
    actions = {cipher.decrypt_text(rec.action).strip() for rec in plan}
    taken = {rec.number for rec in plan}
    pending = []
    for rec in report_recommendations(session, cipher, case.id):
        if rec.action.strip() in actions:
            continue
        number = rec.number if rec.number not in taken else max(taken | {0}) + 1
        taken.add(number)
        pending.append(Carried(number, rec))
    return pending


@dataclass(frozen=True)
class Carried:
    number: int
    recommendation: ReportRecommendation
