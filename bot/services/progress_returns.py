"""Six-monthly progress returns: the rounds, each open recommendation's return task per round,
and when a round is complete (the returns themselves: `return_submission`).

Round 1 falls due six months after the overview report was agreed, then every six months
(the process definition's deadline and repeat). A round's tasks exist for the
recommendations open when it began (and those added during it); a round's deadline passing
opens the next one while any recommendation is open. A return still missing when the next
round's deadline passes is superseded by that round's return.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.process.definition import TaskDefinition
from bot.process.registry import get_process, process_keys
from bot.process.schedule import task_due
from bot.services import audit
from bot.services.engine import EngineContext, create_task, event_time
from bot.services.reminder_plans import cancel_planned
from storage.models import (
    Case,
    MonitoringRound,
    ProgressReturn,
    Recommendation,
    Task,
)

KIND = "progress_return"
OPEN = "open"
MAX_ROUNDS = 200
LAPSED_BY = "bot"
LONG_TEXT = 3000
SHORT_TEXT = 1000


class ReturnStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    NOT_IMPLEMENTED = "not_implemented"


STATUS_LABELS = {
    ReturnStatus.NOT_STARTED: "Not started",
    ReturnStatus.IN_PROGRESS: "In progress",
    ReturnStatus.IMPLEMENTED: "Implemented",
    ReturnStatus.NOT_IMPLEMENTED: "Not implemented",
}


def subject_key(recommendation_id: int) -> str:
    return f"rec:{recommendation_id}"


def recommendation_id_of(key: str | None) -> int | None:
    if key is None or not key.startswith("rec:") or not key[4:].isdigit():
        return None
    return int(key[4:])


def definition(ctx: EngineContext, case: Case) -> TaskDefinition:
    return ctx.process(case).task(KIND)


def in_monitoring(ctx: EngineContext, case: Case) -> bool:
    return case.closed_at is None and case.stage == ctx.process(case).stage_of(KIND).key


def monitoring_began(ctx: EngineContext, case: Case) -> datetime | None:
    """When the report was agreed (the rounds' anchor), if it has been."""
    return event_time(ctx.session, case.id, definition(ctx, case).anchor)


def round_due(ctx: EngineContext, case: Case, round_no: int) -> datetime:
    anchor = monitoring_began(ctx, case)
    if anchor is None:
        raise LookupError(f"{case.reference}: the overview report is not agreed yet")
    return task_due(definition(ctx, case), anchor, ctx.cal, round_no=round_no)


def current_round(ctx: EngineContext, case: Case) -> int | None:
    """The round whose deadline is still ahead; None before the report is agreed."""
    if monitoring_began(ctx, case) is None:
        return None
    for round_no in range(1, MAX_ROUNDS):
        if round_due(ctx, case, round_no) > ctx.now:
            return round_no
    raise RuntimeError(f"{case.reference}: more than {MAX_ROUNDS} rounds")


def open_recommendations(session: Session, case_id: int) -> list[Recommendation]:
    return list(
        session.scalars(
            select(Recommendation)
            .where(Recommendation.case_id == case_id, Recommendation.status == OPEN)
            .order_by(Recommendation.number)
        )
    )


def round_row(session: Session, case_id: int, round_no: int) -> MonitoringRound | None:
    return session.scalar(
        select(MonitoringRound).where(
            MonitoringRound.case_id == case_id, MonitoringRound.round_no == round_no
        )
    )


def ensure_round(ctx: EngineContext, case: Case, round_no: int) -> MonitoringRound:
    """The round's row, and a return task for every open recommendation (made once)."""
    row = round_row(ctx.session, case.id, round_no)
    if row is None:
        row = MonitoringRound(
            case_id=case.id,
            round_no=round_no,
            due_at=round_due(ctx, case, round_no),
            opened_at=ctx.now,
        )
        ctx.session.add(row)
        ctx.session.flush()
        audit.record(
            ctx.session,
            at=ctx.now,
            actor="bot",
            action="progress.round_opened",
            case_id=case.id,
            round_no=round_no,
        )
    for rec in open_recommendations(ctx.session, case.id):
        ensure_task(ctx, case, rec, round_no)
    return row


def ensure_task(ctx: EngineContext, case: Case, rec: Recommendation, round_no: int) -> Task:
    return create_task(
        ctx,
        case,
        KIND,
        agency_id=rec.agency_id,
        subject_key=subject_key(rec.id),
        round_no=round_no,
    )


def start_returns_for(ctx: EngineContext, case: Case, rec: Recommendation) -> Task | None:
    """A new recommendation joins the current round, once the report is agreed."""
    round_no = current_round(ctx, case) if in_monitoring(ctx, case) else None
    if round_no is None:
        return None
    ensure_round(ctx, case, round_no)
    return ensure_task(ctx, case, rec, round_no)


def tasks_of(session: Session, case_id: int, *, rec_id: int | None = None) -> list[Task]:
    query = select(Task).where(Task.case_id == case_id, Task.kind == KIND)
    if rec_id is not None:
        query = query.where(Task.subject_key == subject_key(rec_id))
    return list(session.scalars(query.order_by(Task.round_no, Task.id)))


def close_tasks(ctx: EngineContext, tasks: list[Task], *, actor: str) -> int:
    """Close open return tasks that are no longer needed; their nudges stop."""
    closed = 0
    for task in tasks:
        if task.status == OPEN:
            task.status, task.completed_at, task.completed_by = "waived", ctx.now, actor
            cancel_planned(ctx.session, task.id)
            closed += 1
    return closed


def supersede_old_returns(ctx: EngineContext, case: Case, round_no: int) -> int:
    """Returns missing from rounds before the previous one are no longer chased."""
    stale = [t for t in tasks_of(ctx.session, case.id) if t.round_no <= round_no - 2]
    return close_tasks(ctx, stale, actor=LAPSED_BY)


def round_complete(session: Session, case_id: int, round_no: int) -> bool:
    return is_complete([t for t in tasks_of(session, case_id) if t.round_no == round_no])


def is_complete(tasks: Iterable[Task]) -> bool:
    """Every return of the round is in, or no longer asked for because the Board closed its
    recommendation, and at least one came in. A round whose missing returns lapsed when the
    next round's deadline passed (closed by the bot) never becomes complete."""
    states = [(task.status, task.completed_by) for task in tasks]
    return any(status == "done" for status, _ in states) and all(
        status == "done" or (status == "waived" and by != LAPSED_BY) for status, by in states
    )


def return_of(session: Session, rec_id: int, round_no: int) -> ProgressReturn | None:
    return session.scalar(
        select(ProgressReturn).where(
            ProgressReturn.recommendation_id == rec_id, ProgressReturn.round_no == round_no
        )
    )


def cases_in_monitoring(session: Session) -> list[Case]:
    """Open cases at the stage that asks for progress returns, in every process that has one."""
    stages = []
    for key in process_keys():
        try:
            stages.append((key, get_process(key).stage_of(KIND).key))
        except KeyError:
            continue
    if not stages:
        return []
    return list(
        session.scalars(
            select(Case)
            .where(
                Case.closed_at.is_(None),
                or_(*[(Case.process_key == p) & (Case.stage == s) for p, s in stages]),
            )
            .order_by(Case.id)
        )
    )
