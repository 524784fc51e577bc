"""Turning a task's reminder policy into reminder rows, and keeping them in step with it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.process.calendar import WorkingCalendar
from bot.process.definition import TaskDefinition
from bot.process.reminders import PlannedNudge, next_overdue_nudge, plan_reminders
from storage.claim import claim
from storage.models import Reminder, Task
from storage.states import ReminderStatus


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
    when the task is created are not planned; the first overdue one always is."""
    nudges = plan_reminders(task.due_at, definition.reminders, cal, created_at=now)
    if not any(n.kind == "overdue" for n in nudges):
        first_overdue = next_overdue_nudge(task.due_at, definition.reminders, cal, now)
        if first_overdue is not None:
            nudges.append(first_overdue)
    rows = [_row(task, n) for n in nudges]
    session.add_all(rows)
    session.flush()
    return rows


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
