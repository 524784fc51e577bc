"""Reminder rows: planned from a task's reminder policy and kept in step with it, then
taken for sending and their outcome recorded (no Slack here).

A tick claims due rows with a lease (``claimed_until``) in one short transaction whose
first statement is the claiming UPDATE. On PostgreSQL its rows are picked ``FOR UPDATE
SKIP LOCKED``, so two workers never pick the same row; on SQLite that UPDATE takes the
single write lock before it picks. A worker that dies mid-send leaves its lease to run out;
the sent-message ledger keeps the retry from repeating a DM already sent. Every later
change is conditional on the row still being claimable, so a late worker changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.process.definition import TaskDefinition
from bot.process.registry import get_process
from bot.process.reminders import NudgeKind, PlannedNudge, next_overdue_nudge, plan_reminders
from bot.process.working_days import WorkingCalendar
from storage import claim as conditional
from storage.claim import claim
from storage.db import Database
from storage.models import Case, Reminder, SentMessage, Task
from storage.states import ReminderStatus, TaskStatus


def _row(task: Task, nudge: PlannedNudge) -> Reminder:
    return Reminder(
        task_id=task.id,
        case_id=task.case_id,
        at=nudge.at,
        kind=nudge.kind,
        sequence=nudge.sequence,
        escalate_to=",".join(nudge.escalate_to),
        status=ReminderStatus.PLANNED,
        attempts=0,
    )


def plan_for_task(
    session: Session, task: Task, definition: TaskDefinition, cal: WorkingCalendar, now: datetime
) -> list[Reminder]:
    """Plan the finite part (before, on the day, first overdue). Nudges already in the past
    when the task is created are not planned; the first overdue one always is. A snoozed
    task's plan starts when its snooze ends, with a nudge at that moment."""
    resume = resume_at(task, cal)
    if resume is not None and resume > now:
        nudges = _plan_from(task, definition, cal, resume)
    else:
        nudges = plan_reminders(task.due_at, definition.reminders, cal, created_at=now)
        if not any(n.kind == "overdue" for n in nudges):
            first_overdue = next_overdue_nudge(task.due_at, definition.reminders, cal, now)
            if first_overdue is not None:
                nudges.append(first_overdue)
    return _store(session, task, nudges)


def _store(session: Session, task: Task, nudges: Sequence[PlannedNudge]) -> list[Reminder]:
    """The nudges as planned rows. A nudge planned before and cancelled since (a deadline
    moved back, a snooze ended early) is planned again in its own row; one already sent or
    skipped stays as it is."""
    earlier = {
        (row.kind, row.sequence, _utc(row.at)): row
        for row in session.scalars(
            select(Reminder)
            .where(Reminder.task_id == task.id)
            .execution_options(populate_existing=True)
        )
    }
    rows = []
    for nudge in nudges:
        row = earlier.get((nudge.kind, nudge.sequence, nudge.at))
        if row is None:
            row = _row(task, nudge)
            session.add(row)
        elif row.status == ReminderStatus.CANCELLED:
            row.status, row.attempts, row.claimed_until = ReminderStatus.PLANNED, 0, None
            row.escalate_to, row.last_error = ",".join(nudge.escalate_to), None
        else:
            continue
        rows.append(row)
    session.flush()
    return rows


def resume_at(task: Task, cal: WorkingCalendar) -> datetime | None:
    """When a snoozed task's nudges resume: the first working moment of its snooze date."""
    if task.snoozed_until is None:
        return None
    return cal.next_working_moment(cal.day_start(task.snoozed_until))


def _plan_from(
    task: Task, definition: TaskDefinition, cal: WorkingCalendar, resume: datetime
) -> list[PlannedNudge]:
    """The plan as if the task began at ``resume``, with its first nudge at ``resume``: the
    kind it would have then (overdue ones escalate, as ever)."""
    policy = definition.reminders
    nudges = plan_reminders(task.due_at, policy, cal, created_at=resume)
    if not any(n.kind == "overdue" for n in nudges):
        first_overdue = next_overdue_nudge(task.due_at, policy, cal, resume - _JUST_BEFORE)
        if first_overdue is not None:
            nudges.append(first_overdue)
    if not nudges or nudges[0].at > resume:
        kind = _kind_at(task, cal, resume)
        same = next((n for n in nudges if n.kind == kind), None)
        sequence = same.sequence if same is not None else 1
        escalate_to = policy.escalate_to if kind == "overdue" else ()
        nudges.insert(0, PlannedNudge(resume, kind, sequence, escalate_to))
    return nudges


def _kind_at(task: Task, cal: WorkingCalendar, at: datetime) -> NudgeKind:
    if at >= task.due_at:
        return "overdue"
    return "due" if cal.london_date(at) == cal.london_date(task.due_at) else "before"


_JUST_BEFORE = timedelta(microseconds=1)


def plan_next_overdue(
    session: Session,
    task: Task,
    definition: TaskDefinition,
    cal: WorkingCalendar,
    after: datetime,
) -> Reminder | None:
    nudge = next_overdue_nudge(task.due_at, definition.reminders, cal, after)
    if nudge is None:
        return None
    row = _row(task, nudge)
    session.add(row)
    session.flush()
    return row


def cancel_planned(session: Session, task_id: int) -> int:
    """Cancel what is still to be sent, a failed send waiting for its retry included."""
    return claim(
        session,
        Reminder,
        Reminder.task_id == task_id,
        Reminder.status.in_((ReminderStatus.PLANNED, ReminderStatus.FAILED)),
        status=ReminderStatus.CANCELLED,
        claimed_until=None,
    )


def replan(
    session: Session, task: Task, definition: TaskDefinition, cal: WorkingCalendar, now: datetime
) -> list[Reminder]:
    """After a deadline moves: what was planned is cancelled and the plan made afresh."""
    cancel_planned(session, task.id)
    session.flush()
    return plan_for_task(session, task, definition, cal, now)


CLAIMABLE = (ReminderStatus.PLANNED, ReminderStatus.FAILED)

LEASE = timedelta(minutes=10)
RETRY_BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class Claim:
    """A reminder this worker holds until ``lease_until``."""

    reminder_id: int
    task_id: int
    case_id: int
    kind: str
    sequence: int
    at: datetime
    escalate_to: tuple[str, ...]
    lease_until: datetime
    attempts: int = 1
    resumed: bool = False
    """An earlier attempt may have reached Slack before its worker stopped hearing back."""


def claimable_at(now: datetime) -> ColumnElement[bool]:
    return and_(
        Reminder.status.in_(CLAIMABLE),
        Reminder.at <= now,
        or_(Reminder.claimed_until.is_(None), Reminder.claimed_until <= now),
    )


def _take(session: Session, pick: Select[int], until: datetime) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    result = session.execute(
        update(Reminder)
        .where(Reminder.id.in_(pick.scalar_subquery()))
        .values(claimed_until=until, attempts=Reminder.attempts + 1)
        .returning(Reminder.id)
        .execution_options(synchronize_session=False)
    )
    return [int(row[0]) for row in result]


def claim_due(db: Database, now: datetime, *, limit: int = 50) -> list[Claim]:
    """Claim up to ``limit`` due reminders, with every other due one of the same tasks.

    Per task only the most recent due nudge is kept (a catch-up after downtime, not a
    replay); the older ones are marked skipped. Reminders of tasks that are no longer open
    are cancelled. Returns the claims to send, oldest first.
    """
    until = now + LEASE
    with db.session() as session:
        pick = (
            select(Reminder.id)
            .where(claimable_at(now))
            .order_by(Reminder.at, Reminder.id)
            .limit(limit)
        )
        ids = _take(session, pick, until)
        if not ids:
            return []
        task_ids = set(session.scalars(select(Reminder.task_id).where(Reminder.id.in_(ids))))
        ids += _take(
            session,
            select(Reminder.id).where(claimable_at(now), Reminder.task_id.in_(task_ids)),
            until,
        )
        rows = list(
            session.scalars(
                select(Reminder)
                .where(Reminder.id.in_(ids))
                .order_by(Reminder.at.desc(), Reminder.id.desc())
            )
        )
        keep, drop = _latest_per_task(session, rows, task_ids)
        live = _open_task_ids(session, task_ids)
        cancel = [r.id for r in keep if r.task_id not in live]
        keep = [r for r in keep if r.task_id in live]
        _set_status(session, [r.id for r in drop], ReminderStatus.SKIPPED)
        _set_status(session, cancel, ReminderStatus.CANCELLED)
        return [_claim(row, until) for row in sorted(keep, key=lambda r: (r.at, r.id))]


def _latest_per_task(
    session: Session, rows: Sequence[Reminder], task_ids: set[int]
) -> tuple[list[Reminder], list[Reminder]]:
    """Rows come newest first; a nudge older than one already sent is dropped too."""
    last_sent = {
        task_id: at
        for task_id, at in session.execute(
            select(Reminder.task_id, func.max(Reminder.at))
            .where(Reminder.task_id.in_(task_ids), Reminder.status == ReminderStatus.SENT)
            .group_by(Reminder.task_id)
        )
    }
    keep: list[Reminder] = []
    drop: list[Reminder] = []
    seen: set[int] = set()
    for row in rows:
        sent_at = last_sent.get(row.task_id)
        if row.task_id in seen or (sent_at is not None and _utc(sent_at) >= row.at):
            drop.append(row)
        else:
            seen.add(row.task_id)
            keep.append(row)
    return keep, drop


def _utc(value: datetime) -> datetime:
    """Aggregates bypass the column type, so SQLite's naive values come back as stored."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _open_task_ids(session: Session, task_ids: set[int]) -> set[int]:
    return set(
        session.scalars(
            select(Task.id)
            .join(Case, Case.id == Task.case_id)
            .where(Task.id.in_(task_ids), Task.status == TaskStatus.OPEN, Case.closed_at.is_(None))
        )
    )


def _set_status(session: Session, ids: Sequence[int], status: ReminderStatus) -> None:
    if ids:
        conditional.claim(
            session,
            Reminder,
            Reminder.id.in_(ids),
            Reminder.status.in_(CLAIMABLE),
            status=status,
            claimed_until=None,
        )


def _claim(row: Reminder, until: datetime) -> Claim:
    return Claim(
        reminder_id=row.id,
        task_id=row.task_id,
        case_id=row.case_id,
        kind=row.kind,
        sequence=row.sequence,
        at=row.at,
        escalate_to=tuple(role for role in row.escalate_to.split(",") if role),
        lease_until=until,
        attempts=row.attempts,
        resumed=row.attempts > 1,
    )


def _still_claimable(claim: Claim) -> tuple[ColumnElement[bool], ...]:
    return (Reminder.id == claim.reminder_id, Reminder.status.in_(CLAIMABLE))


def mark_sent(
    db: Database,
    claim: Claim,
    now: datetime,
    cal: WorkingCalendar,
    *,
    ts: str | None,
    note: str | None = None,
    last_dm: SentMessage | None = None,
) -> bool:
    """Record the send (with the ledger row of its last DM, in the same transaction);
    after an overdue nudge, plan the next one. False when another worker (or a completed
    task) got there first."""
    try:
        return _mark_sent(db, claim, now, cal, ts, note, last_dm)
    except IntegrityError:
        if last_dm is None:
            raise
        return _mark_sent(db, claim, now, cal, ts, note, None)


def _mark_sent(
    db: Database,
    claim: Claim,
    now: datetime,
    cal: WorkingCalendar,
    ts: str | None,
    note: str | None,
    last_dm: SentMessage | None,
) -> bool:
    with db.session() as session:
        if last_dm is not None:
            session.add(last_dm)
        if not conditional.claimed(
            session,
            Reminder,
            *_still_claimable(claim),
            status=ReminderStatus.SENT,
            sent_at=now,
            slack_ts=ts,
            claimed_until=None,
            last_error=note,
        ):
            return False
        if claim.kind == "overdue":
            _plan_next_overdue(session, claim, now, cal)
        return True


def _plan_next_overdue(session: Session, claim: Claim, now: datetime, cal: WorkingCalendar) -> None:
    task = session.get(Task, claim.task_id)
    if task is None or task.status != TaskStatus.OPEN:
        return
    after = max(now, claim.at)
    ahead = session.scalar(
        select(Reminder.id)
        .where(
            Reminder.task_id == task.id,
            Reminder.status == ReminderStatus.PLANNED,
            Reminder.kind == "overdue",
            Reminder.at > after,
        )
        .limit(1)
    )
    if ahead is not None:
        return
    case = session.get(Case, task.case_id)
    assert case is not None
    plan_next_overdue(session, task, get_process(case.process_key).task(task.kind), cal, after)


def mark_failed(
    db: Database, claim: Claim, now: datetime, error: str, *, not_before: datetime | None = None
) -> datetime | None:
    """Record a failed attempt (counted when claimed); returns when it will be retried
    (None: given up): after the backoff, and not before Slack asked (``Retry-After``)."""
    given_up = claim.attempts >= MAX_ATTEMPTS
    retry_at = None
    if not given_up:
        retry_at = now + RETRY_BACKOFF[min(claim.attempts, len(RETRY_BACKOFF)) - 1]
        retry_at = max(retry_at, not_before or retry_at)
    with db.session() as session:
        conditional.claim(
            session,
            Reminder,
            *_still_claimable(claim),
            status=ReminderStatus.ABANDONED if given_up else ReminderStatus.FAILED,
            claimed_until=retry_at,
            last_error=error[:80],
        )
    return retry_at


def mark_undeliverable(db: Database, claim: Claim, error: str) -> None:
    """Nobody could be sent it (no role holder, every recipient refused by Slack)."""
    with db.session() as session:
        conditional.claim(
            session,
            Reminder,
            *_still_claimable(claim),
            status=ReminderStatus.ABANDONED,
            claimed_until=None,
            last_error=error[:80],
        )


def cancel(db: Database, claim: Claim) -> None:
    with db.session() as session:
        _set_status(session, [claim.reminder_id], ReminderStatus.CANCELLED)


def postpone(db: Database, claims: Sequence[Claim], until: datetime) -> None:
    """Hand back claims not attempted (Slack asked us to slow down) until ``until``."""
    if not claims:
        return
    with db.session() as session:
        conditional.claim(
            session,
            Reminder,
            Reminder.id.in_([c.reminder_id for c in claims]),
            Reminder.status.in_(CLAIMABLE),
            claimed_until=until,
            attempts=Reminder.attempts - 1,
        )
