"""People's view of their work: my open tasks and cases (App Home, `/scr my`), where a
case stands (`/scr status`), and marking a task done from a button."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.ids import TASK_FORMS
from bot.process.calendar import WorkingCalendar
from bot.process.registry import get_process
from bot.services.cases.access import agencies_of, roles_of
from bot.services.cases.card import stage_title
from bot.services.engine import EngineContext, TaskRefusedError, involved_agencies
from bot.services.owners import role_holders
from bot.services.task_changes import complete_task
from bot.views.cases import CaseStatus, TaskGroup
from bot.views.home import CaseLine
from bot.views.reminders import TaskLine
from storage.claim import claim
from storage.db import Database
from storage.models import Agency, Case, CaseAssignment, CaseMember, Task
from storage.states import TaskStatus

ROLE_GROUPS = {
    "cpu": "CPU",
    "board_chair": "Board Chair",
    "admins": "Board business unit",
    "panel_chair": "Panel chair",
}
NEXT_DEADLINES = 5
NOT_YOURS = "This task belongs to someone else."


def _line(
    task: Task, case: Case, agency: str | None, now: datetime, cal: WorkingCalendar
) -> TaskLine:
    definition = get_process(case.process_key).task(task.kind)
    return TaskLine(
        task_id=task.id,
        reference=case.reference,
        title=definition.title,
        agency=agency,
        due=cal.london_date(task.due_at),
        overdue=task.due_at < now,
        can_mark_done=definition.records_event is None and task.kind not in TASK_FORMS,
        form_action=TASK_FORMS.get(task.kind),
        channel_id=case.channel_id,
    )


def my_open_tasks(
    session: Session, user_id: str, now: datetime, cal: WorkingCalendar
) -> list[TaskLine]:
    """Open tasks the user owns across open cases, overdue first, then by due date.

    Candidates are narrowed in SQL by the user's roles, agencies and case assignments;
    ownership itself is then decided by ``role_holders``, as for reminders."""
    roles = {role.value for role in roles_of(session, user_id)}
    agency_ids = [agency.id for agency in agencies_of(session, user_id)]
    assigned = select(CaseAssignment.case_id).where(CaseAssignment.slack_user_id == user_id)
    owned_roles = roles | ({"panel_chair"} if "cpu" in roles else set())
    reach = [Task.owner_role.in_(owned_roles), Task.case_id.in_(assigned)]
    if agency_ids:
        reach.append(Task.agency_id.in_(agency_ids))
    rows = session.execute(
        select(Task, Case, Agency.name)
        .join(Case, Case.id == Task.case_id)
        .outerjoin(Agency, Agency.id == Task.agency_id)
        .where(Task.status == TaskStatus.OPEN, Case.closed_at.is_(None), or_(*reach))
    )
    holders: dict[tuple[int, str, int | None, str | None], list[str]] = {}
    lines = []
    for task, case, agency in rows:
        key = (task.case_id, task.owner_role, task.agency_id, task.subject_key)
        if key not in holders:
            holders[key] = role_holders(
                session, key[0], key[1], agency_id=key[2], subject_key=key[3]
            )
        if user_id in holders[key]:
            lines.append(_line(task, case, agency, now, cal))
    return sorted(lines, key=lambda t: (not t.overdue, t.due, t.reference, t.task_id))


def my_cases(session: Session, user_id: str) -> list[CaseLine]:
    """Open cases the user is a member of, and those where they own a recommendation (shown
    without a link to the channel, which they are not in)."""
    member = select(CaseMember.case_id).where(CaseMember.slack_user_id == user_id)
    assigned = select(CaseAssignment.case_id).where(CaseAssignment.slack_user_id == user_id)
    cases = session.execute(
        select(Case, Case.id.in_(member))
        .where(or_(Case.id.in_(member), Case.id.in_(assigned)), Case.closed_at.is_(None))
        .order_by(Case.year, Case.number)
    )
    return [CaseLine(c.reference, stage_title(c), c.channel_id if m else None) for c, m in cases]


def case_status(session: Session, case: Case, now: datetime, cal: WorkingCalendar) -> CaseStatus:
    involved = [a.agency_id for a in involved_agencies(session, case.id)]
    names = {
        agency_id: name
        for agency_id, name in session.execute(
            select(Agency.id, Agency.name).where(
                Agency.id.in_(select(Task.agency_id).where(Task.case_id == case.id))
            )
        )
    }
    tasks = list(
        session.scalars(
            select(Task)
            .where(Task.case_id == case.id, Task.status == TaskStatus.OPEN)
            .order_by(Task.due_at, Task.id)
        )
    )
    lines = [(task, _line(task, case, names.get(task.agency_id or 0), now, cal)) for task in tasks]
    grouped: dict[str, list[TaskLine]] = defaultdict(list)
    order = [names[a] for a in involved if a in names]
    for task, line in lines:
        if task.agency_id is not None:
            grouped[names[task.agency_id]].append(line)
        else:
            grouped[ROLE_GROUPS.get(task.owner_role, task.owner_role)].append(line)
    order += [name for name in grouped if name not in order]
    return CaseStatus(
        reference=case.reference,
        stage_title=stage_title(case),
        today=cal.london_date(now),
        next_deadlines=[line for _, line in lines[:NEXT_DEADLINES]],
        groups=[TaskGroup(name, grouped[name]) for name in order if grouped.get(name)],
        channel_id=case.channel_id,
    )


@dataclass(frozen=True)
class DoneOutcome:
    """``changed`` is False for a second click; ``refusal`` is safe to show."""

    changed: bool
    refusal: str | None = None
    case_id: int | None = None
    line: TaskLine | None = None


def mark_done(
    db: Database, cal: WorkingCalendar, now: datetime, task_id: int, actor: str
) -> DoneOutcome:
    """Complete a task from a button: state re-read under a write lock, permission
    re-checked, and a repeated click has no second effect."""
    with db.session() as session:
        claim(session, Task, Task.id == task_id, status=Task.status)
        task = session.get(Task, task_id)
        case = session.get(Case, task.case_id) if task is not None else None
        if task is None or case is None:
            return DoneOutcome(False, NOT_YOURS)
        agency = session.get(Agency, task.agency_id) if task.agency_id is not None else None
        line = _line(task, case, agency.name if agency else None, now, cal)
        if not line.can_mark_done:
            return DoneOutcome(False, "This task is completed from its own form.", case.id, line)
        try:
            changed = complete_task(EngineContext(session, cal, now), task, actor=actor)
        except TaskRefusedError as exc:
            return DoneOutcome(False, str(exc), case.id, line)
        return DoneOutcome(changed, None, case.id, line)
