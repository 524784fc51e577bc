"""A task's deadline, from its definition and the instant of its anchor, or before a meeting
once it is booked; and the latest a step can be done on time counted from a case's start,
for timeliness figures."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from bot.process.deadlines import DateRule, Hours, WorkingDays
from bot.process.definition import ProcessDefinition, TaskDefinition
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


def due_before_event(
    task: TaskDefinition, event_at: datetime, cal: WorkingCalendar, *, days: int | None = None
) -> datetime:
    """When a task wanted before a meeting (``task.due_before``) falls due once the meeting
    is booked at ``event_at``: the close of business ``days`` working days (the definition's
    when None) before the meeting's London date. A panel on Thu 31 Dec 2026, 5 working days:
    Tue 22 Dec (Christmas Day and the Boxing Day holiday on Mon 28 Dec are not counted)."""
    if task.due_before is None:
        raise ValueError(f"task {task.kind} is not due before a meeting")
    rule = task.due_before.days if days is None else WorkingDays(days)
    return cal.day_end(rule.back_from(cal.london_date(event_at), cal))


def _recorder(process: ProcessDefinition, event: str) -> TaskDefinition | None:
    """The task whose completion records ``event``, if one does."""
    return next((task for task in process.all_tasks if task.records_event == event), None)


def limit_rules(
    process: ProcessDefinition, kind: str, since: str | None = None
) -> tuple[DateRule, ...] | None:
    """The deadline rules from the event ``since`` (the process's start event unless named)
    to a task of ``kind``, in the order they apply: the deadline of the task recording the
    task's anchor (and so on back to that event), then the task's own. The Chair's decision
    is due 5 working days after the Initial Panel, which is due within a calendar month of
    the referral. None when a link is missing (no such task, an anchor no task records, a
    rule counted in hours)."""
    start = since or process.start_event
    chain: list[DateRule] = []
    task = next((t for t in process.all_tasks if t.kind == kind), None)
    while task is not None:
        if isinstance(task.deadline, Hours) or len(chain) > len(process.all_tasks):
            return None
        chain.insert(0, task.deadline)
        if task.anchor == start:
            return tuple(chain)
        task = _recorder(process, task.anchor)
    return None


def limit_from_start(rules: tuple[DateRule, ...], start: date, cal: WorkingCalendar) -> date:
    """The latest date the last step of ``rules`` (from ``limit_rules``) is on time when
    every step before it took as long as the process allows, counted from ``start``."""
    for rule in rules:
        start = rule.due_date(start, cal)
    return start


def limit_words(rules: tuple[DateRule, ...]) -> str:
    """``rules`` in words: "1 calendar month, then 5 working days"."""
    return ", then ".join(rule.describe() for rule in rules)
