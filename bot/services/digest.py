"""The Board business unit's daily digest: open tasks across open cases that are overdue
or due within the week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.process.calendar import WorkingCalendar
from bot.process.registry import get_process
from bot.views.reminders import TaskLine
from storage.models import Agency, Case, Task
from storage.states import TaskStatus

WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Digest:
    overdue: list[TaskLine]
    upcoming: list[TaskLine]

    @property
    def empty(self) -> bool:
        return not self.overdue and not self.upcoming


def build_digest(session: Session, now: datetime, cal: WorkingCalendar) -> Digest:
    rows = session.execute(
        select(Task, Case.reference, Case.process_key, Case.channel_id, Agency.name)
        .join(Case, Case.id == Task.case_id)
        .outerjoin(Agency, Agency.id == Task.agency_id)
        .where(
            Task.status == TaskStatus.OPEN, Task.due_at <= now + WINDOW, Case.closed_at.is_(None)
        )
        .order_by(Task.due_at, Case.reference, Task.id)
    )
    overdue: list[TaskLine] = []
    upcoming: list[TaskLine] = []
    for task, reference, process_key, channel_id, agency in rows:
        line = TaskLine(
            task_id=task.id,
            reference=reference,
            title=get_process(process_key).task(task.kind).title,
            agency=agency,
            due=cal.london_date(task.due_at),
            overdue=task.due_at < now,
            channel_id=channel_id,
        )
        (overdue if line.overdue else upcoming).append(line)
    return Digest(overdue, upcoming)
