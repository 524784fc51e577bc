"""Reminder rows: planned from a task's reminder policy and kept in step with it, then
taken for sending and their outcome recorded (no Slack here).

A tick claims every due row with a lease (``claimed_until``), in batches of short
transactions whose first statement is the claiming UPDATE. On PostgreSQL its rows are
picked ``FOR UPDATE SKIP LOCKED``, so two workers never pick the same row; on SQLite that
UPDATE takes the single write lock before it picks. A worker that dies mid-send leaves its
lease to run out; the sent-message ledger (each person's message of the day, and which
reminders it carried to whom) keeps the retry from repeating a DM already sent. Every later
change is conditional on the row still being claimable, so a late worker changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.process.definition import TaskDefinition
from bot.process.registry import get_process
from bot.process.reminders import NudgeKind, PlannedNudge, next_overdue_nudge, plan_reminders
from bot.process.working_days import WorkingCalendar
from storage import claim as conditional
from storage.claim import claim
from storage.db import Database
from storage.models import Case, Reminder, Task, table_of
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
    return _store(session, task, _nudges(task, definition, cal, now))


def plan_for_new_tasks(
    session: Session,
    tasks: Sequence[tuple[Task, TaskDefinition]],
    cal: WorkingCalendar,
    now: datetime,
) -> int:
    """`plan_for_task` for tasks just created (so with no rows planned before): every
    task's nudges written in one bulk INSERT. Returns how many."""
    rows = [
        {
            "task_id": task.id,
            "case_id": task.case_id,
            "at": nudge.at,
            "kind": nudge.kind,
            "sequence": nudge.sequence,
            "escalate_to": ",".join(nudge.escalate_to),
            "status": ReminderStatus.PLANNED,
            "attempts": 0,
        }
        for task, definition in tasks
        for nudge in _nudges(task, definition, cal, now)
    ]
    if rows:  # the table's own insert: the session has nothing to flush first or read back
        session.execute(insert(table_of(Reminder)), rows)
    return len(rows)


def _nudges(
    task: Task, definition: TaskDefinition, cal: WorkingCalendar, now: datetime
) -> list[PlannedNudge]:
    resume = resume_at(task, cal)
    if resume is not None and resume > now:
        return _plan_from(task, definition, cal, resume)
    nudges = plan_reminders(task.due_at, definition.reminders, cal, created_at=now)
    if not any(n.kind == "overdue" for n in nudges):
        first_overdue = next_overdue_nudge(task.due_at, definition.reminders, cal, now)
        if first_overdue is not None:
            nudges.append(first_overdue)
    return nudges


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
    """After a deadline moves (or the task is snoozed, handed over, reopened): what was
    planned is cancelled and the plan made afresh. The count of overdue nudges starts again,
    so a stuck task is nudged again under its new plan."""
    cancel_planned(session, task.id)
    task.overdue_nudges = 0
    session.flush()
    return plan_for_task(session, task, definition, cal, now)


T = TypeVar("T")

CLAIMABLE = (ReminderStatus.PLANNED, ReminderStatus.FAILED)

LEASE = timedelta(minutes=10)
RETRY_BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)
MAX_ATTEMPTS = 10


TICK_BATCH = 500
TICK_LIMIT = 50_000
"""At most this many due reminders are taken by one tick, in batches of ``TICK_BATCH``."""


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
    return _claim_batch(db, now, limit)[0]


def claim_all_due(
    db: Database, now: datetime, *, batch: int = TICK_BATCH, limit: int = TICK_LIMIT
) -> list[Claim]:
    """Every reminder due now (up to ``limit``), as ``claim_due`` takes them: a person's
    items are all in hand before their one message of the day is written."""
    claims: list[Claim] = []
    taken = 0
    while taken < limit:
        found, picked = _claim_batch(db, now, min(batch, limit - taken))
        claims += found
        taken += picked
        if picked < batch:
            break
    return claims


def _claim_batch(db: Database, now: datetime, limit: int) -> tuple[list[Claim], int]:
    """The claims of one batch, and how many due rows the batch picked."""
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
            return [], 0
        picked = len(ids)
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
        claims = [_claim(row, until) for row in sorted(keep, key=lambda r: (r.at, r.id))]
        return claims, picked


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
    for chunk in chunked(ids):
        conditional.claim(
            session,
            Reminder,
            Reminder.id.in_(chunk),
            Reminder.status.in_(CLAIMABLE),
            status=status,
            claimed_until=None,
        )


IN_LIST = 900
"""Ids per ``IN (...)`` list: well under SQLite's limit on bound parameters."""


def chunked(ids: Sequence[T]) -> list[Sequence[T]]:
    return [ids[i : i + IN_LIST] for i in range(0, len(ids), IN_LIST)]


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
    )


def _still_claimable(claim: Claim) -> tuple[ColumnElement[bool], ...]:
    return (Reminder.id == claim.reminder_id, Reminder.status.in_(CLAIMABLE))


def _update_claimable(db: Database, claims: Sequence[Claim], **values: Any) -> None:
    """Set ``values`` on those of ``claims`` still claimable (a late worker changes nothing)."""
    with db.session() as session:
        for chunk in chunked(claims):
            conditional.claim(
                session,
                Reminder,
                Reminder.id.in_([c.reminder_id for c in chunk]),
                Reminder.status.in_(CLAIMABLE),
                **values,
            )


def extend_lease(db: Database, claims: Sequence[Claim], until: datetime) -> None:
    """Hold ``claims`` until ``until``: a long morning's sending, taken just after the claim."""
    _update_claimable(db, claims, claimed_until=until)


@dataclass(frozen=True)
class Delivered:
    """A claim whose people have all had it (or could not be sent it): ``ts`` of one DM
    that carried it, ``note`` a refusal for someone."""

    claim: Claim
    ts: str | None
    note: str | None = None


def mark_sent(
    db: Database, delivered: Sequence[Delivered], now: datetime, cal: WorkingCalendar
) -> list[Claim]:
    """Record the sends in one transaction; after overdue nudges, count them and plan the
    next ones. Returns the claims recorded: not those another worker (or a completed task)
    got to first."""
    groups: dict[tuple[str | None, str | None], list[Claim]] = defaultdict(list)
    for item in delivered:
        groups[(item.ts, item.note[:80] if item.note else None)].append(item.claim)
    recorded: list[Claim] = []
    with db.session() as session:
        for (ts, note), claims in groups.items():
            for chunk in chunked(claims):
                taken = set(
                    session.scalars(
                        update(Reminder)
                        .where(
                            Reminder.id.in_([c.reminder_id for c in chunk]),
                            Reminder.status.in_(CLAIMABLE),
                        )
                        .values(
                            status=ReminderStatus.SENT,
                            sent_at=now,
                            slack_ts=ts,
                            claimed_until=None,
                            last_error=note,
                        )
                        .returning(Reminder.id)
                        .execution_options(synchronize_session=False)
                    )
                )
                recorded += [c for c in chunk if c.reminder_id in taken]
        _count_overdue(session, [c for c in recorded if c.kind == "overdue"], now, cal)
    return recorded


def _count_overdue(
    session: Session, claims: Sequence[Claim], now: datetime, cal: WorkingCalendar
) -> None:
    """Count the overdue nudges sent, and plan each task's next one unless its policy's
    ``stop_after`` nudges have now been sent (the task is stuck) or one is planned already."""
    task_ids = sorted({c.task_id for c in claims})
    for chunk in chunked(task_ids):
        conditional.claim(session, Task, Task.id.in_(chunk), overdue_nudges=Task.overdue_nudges + 1)
        ahead = set(
            session.scalars(
                select(Reminder.task_id).where(
                    Reminder.task_id.in_(chunk),
                    Reminder.status == ReminderStatus.PLANNED,
                    Reminder.kind == "overdue",
                    Reminder.at > now,
                )
            )
        )
        rows = session.execute(
            select(Task, Case.process_key)
            .join(Case, Case.id == Task.case_id)
            .where(Task.id.in_(chunk), Task.status == TaskStatus.OPEN)
            .execution_options(populate_existing=True)
        )
        for task, process_key in rows:
            policy = get_process(process_key).task(task.kind).reminders
            stuck = policy.stop_after is not None and task.overdue_nudges >= policy.stop_after
            if stuck or task.id in ahead:
                continue
            nudge = next_overdue_nudge(task.due_at, policy, cal, now)
            if nudge is not None:
                session.add(_row(task, nudge))
    session.flush()


def mark_failed(
    db: Database, claims: Sequence[Claim], now: datetime, error: str, *, not_before: datetime
) -> datetime | None:
    """Record a failed attempt (counted when claimed) of each claim; returns when they will
    be retried: after the backoff, and not before ``not_before`` (Slack's ``Retry-After``).
    A claim out of attempts is given up."""
    retry_at: datetime | None = None
    with db.session() as session:
        for claim in claims:
            given_up = claim.attempts >= MAX_ATTEMPTS
            until = None
            if not given_up:
                until = now + RETRY_BACKOFF[min(claim.attempts, len(RETRY_BACKOFF)) - 1]
                until = max(until, not_before)
                retry_at = until if retry_at is None else min(retry_at, until)
            conditional.claim(
                session,
                Reminder,
                *_still_claimable(claim),
                status=ReminderStatus.ABANDONED if given_up else ReminderStatus.FAILED,
                claimed_until=until,
                last_error=error[:80],
            )
    return retry_at


def mark_undeliverable(db: Database, claims: Sequence[Claim], error: str) -> None:
    """Nobody could be sent these (no role holder, every recipient refused by Slack)."""
    _update_claimable(
        db, claims, status=ReminderStatus.ABANDONED, claimed_until=None, last_error=error[:80]
    )


def cancel(db: Database, claims: Sequence[Claim]) -> None:
    with db.session() as session:
        _set_status(session, [c.reminder_id for c in claims], ReminderStatus.CANCELLED)


def postpone(db: Database, claims: Sequence[Claim], until: datetime) -> None:
    """Hand back claims not attempted (Slack asked us to slow down, or someone's message of
    the day went already) until ``until``."""
    _update_claimable(db, claims, claimed_until=until, attempts=Reminder.attempts - 1)
