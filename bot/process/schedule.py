"""A task's deadline, from its definition and the instant of its anchor."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.process.definition import TaskDefinition
from bot.process.working_days import WorkingCalendar


def task_due(
    task: TaskDefinition, anchor: datetime, cal: WorkingCalendar, *, round_no: int = 1
) -> datetime:
    """When a task falls due (UTC), counted from the instant its anchor was recorded.

    A repeating task keeps a fixed timetable however late each return is: round ``k`` is
    due ``k - 1`` repeat intervals after round 1. When the deadline and the interval share a
    unit the whole span counts from the anchor in one step, so month ends do not drift
    (report agreed 31 Mar: due 30 Sep, 31 Mar, 30 Sep...).
    """
    if round_no < 1:
        raise ValueError("rounds are numbered from 1")
    if round_no == 1:
        return task.deadline.apply(anchor, cal)
    if task.repeat is None:
        raise ValueError(f"task {task.kind} does not repeat")
    extra = task.repeat.scaled(round_no - 1)
    if type(task.deadline) is type(extra):
        return replace(task.deadline, n=task.deadline.n + extra.n).apply(anchor, cal)
    first_date = cal.london_date(task.deadline.apply(anchor, cal))
    return cal.day_end(extra.due_date(first_date, cal))
