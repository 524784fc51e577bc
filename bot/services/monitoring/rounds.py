"""Six-monthly progress returns: the rounds, each open recommendation's return task per round,
when a round is complete, and the owners' returns themselves (who may send one, what its
form shows, storing it encrypted and completing its task).

Round 1 falls due one interval after the overview report was agreed, then every interval:
the process definition's six months (its deadline and repeat) unless the Board agreed
another interval with the action plan or changed it since (`set_interval`). A changed
interval applies from the round still ahead, counted from the deadline of the round
before it, unless that date has passed already: then from the round after it. A round's
tasks exist for the
recommendations open when it began (and those added during it); a round's deadline passing
opens the next one while any recommendation is open. A return still missing when the next
round's deadline passes is superseded by that round's return.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.crypto import CaseCipher, FieldCipher
from bot.ids import MonitoringBlock
from bot.process.deadlines import CalendarMonths
from bot.process.definition import TaskDefinition
from bot.process.registry import get_process, process_keys
from bot.process.schedule import task_due
from bot.process.states import TaskKind
from bot.process.working_days import LONDON, WorkingCalendar
from bot.services.cases import audit
from bot.services.cases.access import AgencyRole, Role, roles_of
from bot.services.cases.identifying import screen
from bot.services.monitoring.schema import (
    DEFAULT_INTERVAL_MONTHS,
    RecStatus,
    ReturnForm,
    ReturnSubject,
    ReturnValues,
    interval_words,
)
from bot.services.refusal import RefusedError
from bot.services.reminders.delivery import cancel_planned, replan
from bot.services.reminders.owners import may_act_on
from bot.services.reminders.tasks import EngineContext, complete_task, create_task, event_time
from storage.db import Database
from storage.models import (
    Agency,
    AgencyMember,
    Case,
    MonitoringInterval,
    MonitoringRound,
    ProgressReturn,
    Recommendation,
    Task,
)
from storage.states import TaskStatus

KIND = TaskKind.PROGRESS_RETURN
MAX_ROUNDS = 200
LAPSED_BY = "bot"
NOT_YOURS = "This progress return is not yours to send."


def subject_key(recommendation_id: int) -> str:
    return f"rec:{recommendation_id}"


def recommendation_id_of(key: str | None) -> int | None:
    if key is None or not key.startswith("rec:") or not key[4:].isdigit():
        return None
    return int(key[4:])


# Rounds -----------------------------------------------------------------------------------


def definition(ctx: EngineContext, case: Case) -> TaskDefinition:
    return ctx.process(case).task(KIND)


def in_monitoring(ctx: EngineContext, case: Case) -> bool:
    return case.closed_at is None and case.stage == ctx.process(case).stage_of(KIND).key


def monitoring_began(ctx: EngineContext, case: Case) -> datetime | None:
    """When the report was agreed (the rounds' anchor), if it has been."""
    return event_time(ctx.session, case.id, definition(ctx, case).anchor)


def intervals(session: Session, case_id: int) -> list[MonitoringInterval]:
    """The intervals the Board set, the earliest first (a later one wins from its round)."""
    return list(
        session.scalars(
            select(MonitoringInterval)
            .where(MonitoringInterval.case_id == case_id)
            .order_by(MonitoringInterval.id)
        )
    )


def interval_months(session: Session, case: Case, round_no: int | None = None) -> int:
    """The interval, in months, that round ``round_no`` (the latest set, if None) follows."""
    rows = [r for r in intervals(session, case.id) if round_no is None or r.from_round <= round_no]
    if rows:
        return rows[-1].months
    repeat = get_process(case.process_key).task(KIND).repeat
    return repeat.n if isinstance(repeat, CalendarMonths) else DEFAULT_INTERVAL_MONTHS


def _due(
    ctx: EngineContext, case: Case, anchor: datetime, rows: list[MonitoringInterval], n: int
) -> datetime:
    """Round ``n``'s deadline under the intervals ``rows`` (in the order they were set)."""
    applying = [r for r in rows if r.from_round <= n]
    if not applying:
        return task_due(definition(ctx, case), anchor, ctx.cal, round_no=n)
    row = applying[-1]
    base = anchor if row.from_round == 1 else _due(ctx, case, anchor, rows, row.from_round - 1)
    months = CalendarMonths(row.months * (n - row.from_round + 1))
    return months.apply(base, ctx.cal)


def round_due(ctx: EngineContext, case: Case, round_no: int) -> datetime:
    anchor = monitoring_began(ctx, case)
    if anchor is None:
        raise LookupError(f"{case.reference}: the overview report is not agreed yet")
    return _due(ctx, case, anchor, intervals(ctx.session, case.id), round_no)


def agree_interval(ctx: EngineContext, case: Case, months: int, *, actor: str) -> None:
    """The interval agreed with the action plan, as the overview report is accepted."""
    ctx.session.add(
        MonitoringInterval(
            case_id=case.id, months=months, from_round=1, set_by=actor, set_at=ctx.now
        )
    )
    ctx.session.flush()
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="progress.interval_agreed",
        case_id=case.id,
        months=months,
    )


def set_interval(ctx: EngineContext, case: Case, months: int, *, actor: str) -> int:
    """The Board's interval between progress returns: agreed with the action plan (before
    monitoring begins it applies from round 1), or changed later. Returns the first round
    that follows it; open returns of that round and later move with their reminders."""
    if months == interval_months(ctx.session, case):
        raise RefusedError(
            f"Progress returns are already due {interval_words(months)}.",
            field=MonitoringBlock.INTERVAL,
        )
    first = 1
    if monitoring_began(ctx, case) is not None:
        first = current_round(ctx, case) or 1
        row = MonitoringInterval(
            case_id=case.id, months=months, from_round=first, set_by=actor, set_at=ctx.now
        )
        ctx.session.add(row)
        ctx.session.flush()
        if round_due(ctx, case, first) <= ctx.now:
            row.from_round = first = first + 1
    else:
        ctx.session.add(
            MonitoringInterval(
                case_id=case.id, months=months, from_round=1, set_by=actor, set_at=ctx.now
            )
        )
    ctx.session.flush()
    _follow_interval(ctx, case, first)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="progress.interval_set",
        case_id=case.id,
        months=months,
        from_round=first,
    )
    return first


@dataclass(frozen=True)
class IntervalChange:
    """A changed interval, as the case channel is told of it."""

    case_id: int
    reference: str
    channel: str | None
    months: int
    first_round: int
    due: date | None
    version: int
    """How many intervals the case has had: a key for the channel's one message of it."""


ONLY_THE_BOARD = "Only the Board (its business unit or Chair) can change the interval of returns."


def interval_to_change(session: Session, case: Case, actor: str) -> int:
    """The interval in force, once ``actor`` may change it (the Board, on an open case)."""
    if not roles_of(session, actor) & {Role.ADMIN, Role.BOARD_CHAIR}:
        raise RefusedError(ONLY_THE_BOARD)
    if case.closed_at is not None:
        raise RefusedError(f"{case.reference} is closed.")
    return interval_months(session, case)


def change_interval(ctx: EngineContext, case_id: int, months: int, *, actor: str) -> IntervalChange:
    """The Board changes the interval (refused inline to anyone else)."""
    case = ctx.session.get(Case, case_id)
    if case is None:
        raise RefusedError(ONLY_THE_BOARD, field=MonitoringBlock.INTERVAL)
    try:
        interval_to_change(ctx.session, case, actor)
    except RefusedError as exc:
        raise RefusedError(exc.message, field=MonitoringBlock.INTERVAL) from None
    first = set_interval(ctx, case, months, actor=actor)
    due = None
    if monitoring_began(ctx, case) is not None:
        due = ctx.cal.london_date(round_due(ctx, case, first))
    version = len(intervals(ctx.session, case.id))
    return IntervalChange(case.id, case.reference, case.channel_id, months, first, due, version)


def _follow_interval(ctx: EngineContext, case: Case, first: int) -> None:
    """Rounds from ``first`` on take their new deadlines; so do their open return tasks."""
    if monitoring_began(ctx, case) is None:
        return
    for row in ctx.session.scalars(
        select(MonitoringRound).where(
            MonitoringRound.case_id == case.id, MonitoringRound.round_no >= first
        )
    ):
        row.due_at = round_due(ctx, case, row.round_no)
    for task in tasks_of(ctx.session, case.id):
        if task.round_no >= first and task.status == TaskStatus.OPEN:
            _keep_to_round(ctx, case, task)


def _keep_to_round(ctx: EngineContext, case: Case, task: Task) -> None:
    due = round_due(ctx, case, task.round_no)
    if task.due_at != due:
        task.due_at = due
        replan(ctx.session, task, definition(ctx, case), ctx.cal, ctx.now)


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
            .where(Recommendation.case_id == case_id, Recommendation.status == RecStatus.OPEN)
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
        ensure_task(ctx, case, rec, round_no, row.due_at)
    return row


def ensure_task(
    ctx: EngineContext, case: Case, rec: Recommendation, round_no: int, due: datetime
) -> Task:
    """The recommendation's return task for the round, due with the round (``due``)."""
    task = create_task(
        ctx,
        case,
        KIND,
        agency_id=rec.agency_id,
        subject_key=subject_key(rec.id),
        round_no=round_no,
    )
    if task.status == TaskStatus.OPEN and task.due_at != due:
        task.due_at = due
        replan(ctx.session, task, definition(ctx, case), ctx.cal, ctx.now)
    return task


def start_returns_for(ctx: EngineContext, case: Case, rec: Recommendation) -> Task | None:
    """A new recommendation joins the current round, once the report is agreed."""
    round_no = current_round(ctx, case) if in_monitoring(ctx, case) else None
    if round_no is None:
        return None
    row = ensure_round(ctx, case, round_no)
    return ensure_task(ctx, case, rec, round_no, row.due_at)


def open_round(db: Database, cal: WorkingCalendar, now: datetime, case_id: int) -> bool:
    """Open the case's current round if its previous deadline has passed (returns still
    missing from the round before that lapse). False when there is nothing to open, or
    another worker opened it first."""
    try:
        with db.session() as session:
            ctx = EngineContext(session, cal, now)
            case = session.get(Case, case_id)
            round_no = current_round(ctx, case) if case is not None else None
            if case is None or round_no is None:
                return False
            if round_row(session, case_id, round_no) is not None:
                return False
            if not open_recommendations(session, case_id):
                return False
            ensure_round(ctx, case, round_no)
            supersede_old_returns(ctx, case, round_no)
            return True
    except IntegrityError:
        return False


def tasks_of(session: Session, case_id: int, *, rec_id: int | None = None) -> list[Task]:
    query = select(Task).where(Task.case_id == case_id, Task.kind == KIND)
    if rec_id is not None:
        query = query.where(Task.subject_key == subject_key(rec_id))
    return list(session.scalars(query.order_by(Task.round_no, Task.id)))


def close_tasks(ctx: EngineContext, tasks: list[Task], *, actor: str) -> int:
    """Close open return tasks that are no longer needed; their nudges stop."""
    closed = 0
    for task in tasks:
        if task.status == TaskStatus.OPEN:
            task.status, task.completed_at, task.completed_by = TaskStatus.WAIVED, ctx.now, actor
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
    return any(status == TaskStatus.DONE for status, _ in states) and all(
        status == TaskStatus.DONE or (status == TaskStatus.WAIVED and by != LAPSED_BY)
        for status, by in states
    )


def return_of(session: Session, rec_id: int, round_no: int) -> ProgressReturn | None:
    return session.scalar(
        select(ProgressReturn).where(
            ProgressReturn.recommendation_id == rec_id, ProgressReturn.round_no == round_no
        )
    )


def rounds_to_check(session: Session, now: datetime) -> list[int]:
    """Open cases at the stage that asks for progress returns, in every process that has one,
    that have a recommendation still open and no round whose deadline is ahead: the ones
    whose current round may need opening. Read through the index of open cases by stage,
    never the case rows (nor what they hold about the child)."""
    stages: dict[str, list[str]] = {}
    for key in process_keys():
        try:
            stages.setdefault(get_process(key).stage_of(KIND).key, []).append(key)
        except KeyError:
            continue
    if not stages:
        return []
    ahead = select(MonitoringRound.id).where(
        MonitoringRound.case_id == Case.id, MonitoringRound.due_at > now
    )
    still_open = select(Recommendation.id).where(
        Recommendation.case_id == Case.id, Recommendation.status == RecStatus.OPEN
    )
    return list(
        session.scalars(
            select(Case.id)
            .where(
                Case.closed_at.is_(None),
                # A stage's processes together, so that processes sharing the stage (a
                # review's monitoring) are one range of the index.
                or_(
                    *[(Case.stage == s) & Case.process_key.in_(keys) for s, keys in stages.items()]
                ),
                ~ahead.exists(),
                still_open.exists(),
            )
            .order_by(Case.id)
        )
    )


# Returns ----------------------------------------------------------------------------------


def _values(row: ProgressReturn | None, cipher: CaseCipher) -> ReturnValues | None:
    if row is None:
        return None
    return ReturnValues(
        status=row.status,
        progress=cipher.decrypt_text(row.progress),
        reason=cipher.decrypt_text(row.reason) if row.reason else "",
        evidence=cipher.decrypt_text(row.evidence) if row.evidence else "",
        as_of=row.as_of,
    )


def may_submit(session: Session, task: Task, user_id: str) -> bool:
    """The owner, or anyone who acts for the recommendation's agency."""
    if may_act_on(session, task, user_id):
        return True
    if task.agency_id is None:
        return False
    return (
        session.scalar(
            select(AgencyMember.id).where(
                AgencyMember.agency_id == task.agency_id,
                AgencyMember.slack_user_id == user_id,
                AgencyMember.role.in_(
                    [AgencyRole.REVIEW_LEAD.value, AgencyRole.DESIGNATED_PERSON.value]
                ),
            )
        )
        is not None
    )


def _return_task(
    session: Session, task_id: int | None, user_id: str
) -> tuple[Task, Recommendation, Case]:
    """The return's task, recommendation and case, once ``user_id`` may send it now."""
    task = session.get(Task, task_id) if task_id else None
    rec_id = recommendation_id_of(task.subject_key) if task is not None else None
    rec = session.get(Recommendation, rec_id) if rec_id is not None else None
    case = session.get(Case, task.case_id) if task is not None else None
    if task is None or task.kind != KIND or rec is None or case is None:
        raise RefusedError(NOT_YOURS, field=MonitoringBlock.PROGRESS.value)
    if not may_submit(session, task, user_id):
        raise RefusedError(NOT_YOURS, field=MonitoringBlock.PROGRESS.value)
    if case.closed_at is not None or task.status not in (TaskStatus.OPEN, TaskStatus.DONE):
        message = f"{case.reference}: this return is no longer needed."
        raise RefusedError(message, field=MonitoringBlock.PROGRESS.value)
    return task, rec, case


def subject_for(
    session: Session, task_id: int, user_id: str, cipher: FieldCipher, *, now: datetime
) -> ReturnSubject:
    """The form's content, after checking that ``user_id`` may send this return now."""
    task, rec, case = _return_task(session, task_id, user_id)
    previous = session.scalar(
        select(ProgressReturn)
        .where(ProgressReturn.recommendation_id == rec.id, ProgressReturn.round_no < task.round_no)
        .order_by(ProgressReturn.round_no.desc())
        .limit(1)
    )
    agency = session.get(Agency, rec.agency_id)
    sealed = cipher.for_case(session, case.id)
    audit.record(
        session,
        at=now,
        actor=user_id,
        action="progress.form_opened",
        case_id=case.id,
        task_id=task.id,
    )
    return ReturnSubject(
        task_id=task.id,
        case_id=case.id,
        reference=case.reference,
        round_no=task.round_no,
        due_date=task.due_at.astimezone(LONDON).date(),
        number=rec.number,
        agency=agency.name if agency is not None else "?",
        action=sealed.decrypt_text(rec.action),
        target_date=rec.target_date,
        previous_status=previous.status if previous else None,
        current=_values(return_of(session, rec.id, task.round_no), sealed),
    )


@dataclass(frozen=True)
class SubmitOutcome:
    case_id: int
    reference: str
    number: int
    round_no: int
    changed: bool
    amended: bool
    round_complete: bool


RETURN_LABELS = {
    MonitoringBlock.PROGRESS.value: "progress",
    MonitoringBlock.REASON.value: "reason",
    MonitoringBlock.EVIDENCE.value: "evidence",
}


def _return_texts(form: ReturnForm) -> dict[str, str]:
    return {
        MonitoringBlock.PROGRESS.value: form.progress,
        MonitoringBlock.REASON.value: form.reason,
        MonitoringBlock.EVIDENCE.value: form.evidence,
    }


def submit_return(
    ctx: EngineContext,
    task_id: int | None,
    form: ReturnForm,
    *,
    actor: str,
    cipher: FieldCipher,
    view_id: str,
) -> SubmitOutcome:
    """Store the return and complete its task. A second submission of the same modal
    changes nothing; a later one amends the round's return."""
    task, rec, case = _return_task(ctx.session, task_id, actor)
    screen(ctx.session, cipher, case.id, _return_texts(form), RETURN_LABELS)
    row = return_of(ctx.session, rec.id, task.round_no)
    if row is not None and row.source_view_id == view_id:
        return SubmitOutcome(
            case.id, case.reference, rec.number, task.round_no, False, False, False
        )
    amended = row is not None
    if row is None:
        row = ProgressReturn(
            case_id=case.id,
            recommendation_id=rec.id,
            round_no=task.round_no,
            task_id=task.id,
            submitted_by=actor,
            submitted_at=ctx.now,
        )
        ctx.session.add(row)
    sealed = cipher.for_case(ctx.session, case.id)
    row.status = form.status.value
    row.progress = sealed.encrypt_text(form.progress)
    row.reason = sealed.encrypt_text(form.reason) if form.reason else None
    row.evidence = sealed.encrypt_text(form.evidence) if form.evidence else None
    row.as_of, row.updated_at, row.source_view_id = form.as_of, ctx.now, view_id
    ctx.session.flush()
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="progress.amended" if amended else "progress.returned",
        case_id=case.id,
        recommendation_id=rec.id,
        round_no=task.round_no,
        status=form.status.value,
    )
    completed = complete_task(ctx, task, actor=actor, check_permission=False)
    complete = completed and round_complete(ctx.session, case.id, task.round_no)
    return SubmitOutcome(
        case.id, case.reference, rec.number, task.round_no, True, amended, complete
    )
