"""What each person is asked to do: my open tasks and cases (App Home, `/scr my`), where
a case stands (`/scr status`), marking a task done from a button, and the Board business
unit's daily digest (stuck tasks first)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case as when_
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.ids import TASK_FORMS
from bot.process.bolton import COPY_SUBJECT
from bot.process.registry import get_process
from bot.process.working_days import WorkingCalendar
from bot.services.cases.access import (
    Role,
    agencies_of,
    case_by_channel,
    case_by_reference,
    is_case_member,
    roles_of,
)
from bot.services.cases.card import stage_title
from bot.services.monitoring.rounds import recommendation_id_of
from bot.services.reminders.owners import partnership_roles_of, present, role_holders
from bot.services.reminders.schema import (
    CaseLine,
    CaseOverview,
    CaseStatus,
    StuckLine,
    TaskGroup,
    TaskLine,
)
from bot.services.reminders.tasks import (
    EngineContext,
    TaskRefusedError,
    complete_task,
    involved_agencies,
    may_waive,
)
from storage.claim import claim
from storage.db import Database
from storage.models import (
    Agency,
    Case,
    CaseAssignment,
    CaseMember,
    Recommendation,
    Task,
)
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
    session: Session,
    task: Task,
    case: Case,
    agency: str | None,
    now: datetime,
    cal: WorkingCalendar,
    *,
    member: bool,
    can_waive: bool = False,
) -> TaskLine:
    """``member``: the reader is in the case channel (else the line carries no channel)."""
    definition = get_process(case.process_key).task(task.kind)
    due = cal.london_date(task.due_at)
    return TaskLine(
        task_id=task.id,
        reference=case.reference,
        title=definition.title,
        agency=agency,
        due=due,
        overdue=task.due_at < now,
        can_mark_done=definition.records_event is None and task.kind not in TASK_FORMS,
        form_action=TASK_FORMS.get(task.kind),
        last_working_day=cal.last_working_day(due),
        channel_id=case.channel_id if member else None,
        task_kind=task.kind,
        subject=subject_label(session, task),
        can_waive=can_waive,
        snoozed_until=snoozed_until(task, cal.london_date(now)),
    )


def snoozed_until(task: Task, today: date) -> date | None:
    """The date a snoozed task's nudges resume, while that is still ahead."""
    until = task.snoozed_until
    return until if until is not None and until > today else None


def task_line(
    session: Session, task: Task, now: datetime, cal: WorkingCalendar, viewer: str
) -> TaskLine:
    """``task`` as ``viewer`` sees it in a list (whether they may mark it not needed)."""
    case = session.get(Case, task.case_id)
    assert case is not None
    agency = session.get(Agency, task.agency_id) if task.agency_id is not None else None
    definition = get_process(case.process_key).task(task.kind)
    waives = may_waive(session, case.id, definition, viewer)
    name = agency.name if agency else None
    member = is_case_member(session, case, viewer)
    return _line(session, task, case, name, now, cal, member=member, can_waive=waives)


def my_open_tasks(
    session: Session, user_id: str, now: datetime, cal: WorkingCalendar
) -> list[TaskLine]:
    """Open tasks the user owns across open cases, overdue first, then by due date.

    Candidates are narrowed in SQL by the user's roles, agencies and case assignments;
    ownership itself is then decided as for reminders: the person a task was handed over
    to, else ``role_holders``."""
    roles = {role.value for role in roles_of(session, user_id)}
    agency_ids = [agency.id for agency in agencies_of(session, user_id)]
    assigned = select(CaseAssignment.case_id).where(CaseAssignment.slack_user_id == user_id)
    owned_roles = roles | ({"panel_chair"} if "cpu" in roles else set())
    owned_roles |= partnership_roles_of(session, user_id) if roles else set()
    reach = [
        Task.owner_role.in_(owned_roles),
        Task.case_id.in_(assigned),
        Task.assignee == user_id,
    ]
    if agency_ids:
        reach.append(Task.agency_id.in_(agency_ids))
    rows = session.execute(
        select(Task, Case, Agency.name)
        .join(Case, Case.id == Task.case_id)
        .outerjoin(Agency, Agency.id == Task.agency_id)
        .where(Task.status == TaskStatus.OPEN, Case.closed_at.is_(None), or_(*reach))
    )
    holders: dict[tuple[int, str, int | None, str | None], list[str]] = {}
    member_of = set(
        session.scalars(select(CaseMember.case_id).where(CaseMember.slack_user_id == user_id))
    )
    waivers: dict[tuple[int, str], bool] = {}
    lines = []
    for task, case, agency in rows:
        key = (task.case_id, task.owner_role, task.agency_id, task.subject_key)
        if task.assignee is not None and present(session, [task.assignee]):
            owners = [task.assignee]
        else:
            if key not in holders:
                holders[key] = role_holders(
                    session, key[0], key[1], agency_id=key[2], subject_key=key[3]
                )
            owners = holders[key]
        if user_id in owners:
            if (case.id, task.kind) not in waivers:
                definition = get_process(case.process_key).task(task.kind)
                waivers[case.id, task.kind] = may_waive(session, case.id, definition, user_id)
            waives = waivers[case.id, task.kind]
            lines.append(
                _line(
                    session,
                    task,
                    case,
                    agency,
                    now,
                    cal,
                    member=case.id in member_of,
                    can_waive=waives,
                )
            )
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


OVERSEERS = frozenset({Role.BOARD_CHAIR, Role.ADMIN})


def oversees_all(session: Session, user_id: str) -> bool:
    """The Board Chair and the business unit see every open case in App Home."""
    return bool(roles_of(session, user_id) & OVERSEERS)


def all_open_cases(
    session: Session, user_id: str, now: datetime, cal: WorkingCalendar
) -> list[CaseOverview]:
    """Every open case, soonest next deadline first (cases without an open task last): its
    stage, the earliest due date of its open tasks, how many are overdue, and its channel
    only where ``user_id`` is a member."""
    member = select(CaseMember.case_id).where(CaseMember.slack_user_id == user_id)
    tasks = (
        select(
            Task.case_id,
            func.min(Task.due_at).label("next_due"),
            func.sum(when_((Task.due_at < now, 1), else_=0)).label("overdue"),
        )
        .where(Task.status == TaskStatus.OPEN)
        .group_by(Task.case_id)
        .subquery()
    )
    rows = session.execute(
        select(Case, Case.id.in_(member), tasks.c.next_due, tasks.c.overdue)
        .outerjoin(tasks, tasks.c.case_id == Case.id)
        .where(Case.closed_at.is_(None))
    )
    lines = []
    for case, is_member, next_due, overdue in rows:
        next_day = cal.london_date(next_due) if next_due is not None else None
        lines.append(
            CaseOverview(
                reference=case.reference,
                stage_title=stage_title(case),
                next_due=next_day,
                overdue=int(overdue or 0),
                channel_id=case.channel_id if is_member else None,
                next_last_working_day=cal.last_working_day(next_day) if next_day else None,
            )
        )
    return sorted(lines, key=lambda c: (c.next_due is None, c.next_due, c.reference))


def visible_case(
    session: Session, user_id: str, *, channel_id: str | None, reference: str | None
) -> Case | None:
    """The case asked about, if the user is a member of it; None for an unknown case and
    for someone else's alike, so that the answer reveals nothing."""
    if reference:
        case = case_by_reference(session, reference)
    elif channel_id:
        case = case_by_channel(session, channel_id)
    else:
        return None
    if case is None or not is_case_member(session, case, user_id):
        return None
    return case


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
    lines = [
        (task, _line(session, task, case, names.get(task.agency_id or 0), now, cal, member=True))
        for task in tasks
    ]
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
        line = _line(session, task, case, agency.name if agency else None, now, cal, member=False)
        if not line.can_mark_done:
            return DoneOutcome(False, "This task is completed from its own form.", case.id, line)
        try:
            changed = complete_task(EngineContext(session, cal, now), task, actor=actor)
        except TaskRefusedError as exc:
            return DoneOutcome(False, str(exc), case.id, line)
        return DoneOutcome(changed, None, case.id, line)


WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Digest:
    overdue: list[TaskLine]
    upcoming: list[TaskLine]
    stuck: list[StuckLine] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.overdue and not self.upcoming and not self.stuck


def build_digest(session: Session, now: datetime, cal: WorkingCalendar) -> Digest:
    """Open tasks of open cases: those stuck (nudged as often as their policy allows), then
    the other overdue ones and those due in the next 7 days."""
    rows = session.execute(
        select(Task, Case.reference, Case.process_key, Case.channel_id, Agency.name)
        .join(Case, Case.id == Task.case_id)
        .outerjoin(Agency, Agency.id == Task.agency_id)
        .where(
            Task.status == TaskStatus.OPEN,
            or_(Task.due_at <= now + WINDOW, Task.overdue_nudges > 0),
            Case.closed_at.is_(None),
        )
        .order_by(Task.due_at, Case.reference, Task.id)
    )
    digest = Digest([], [])
    today = cal.london_date(now)
    for task, reference, process_key, channel_id, agency in rows:
        definition = get_process(process_key).task(task.kind)
        due = cal.london_date(task.due_at)
        stop_after = definition.reminders.stop_after
        snoozed = snoozed_until(task, today) is not None
        if stop_after is not None and task.overdue_nudges >= stop_after and not snoozed:
            owner = agency or ROLE_GROUPS.get(task.owner_role, task.owner_role)
            late = cal.working_days_between(due, today)
            digest.stuck.append(
                StuckLine(
                    task.id, reference, definition.title, owner, due, late, task.overdue_nudges
                )
            )
            continue
        if task.due_at > now + WINDOW:
            continue
        line = TaskLine(
            task_id=task.id,
            reference=reference,
            title=definition.title,
            agency=agency,
            due=due,
            overdue=task.due_at < now,
            channel_id=channel_id,
            last_working_day=cal.last_working_day(due),
            task_kind=task.kind,
            snoozed_until=snoozed_until(task, cal.london_date(now)),
        )
        (digest.overdue if line.overdue else digest.upcoming).append(line)
    return digest


def subject_label(session: Session, task: Task) -> str | None:
    if task.subject_key and task.subject_key.startswith(COPY_SUBJECT):
        return f"to {task.subject_key.removeprefix(COPY_SUBJECT)}"
    recommendation_id = recommendation_id_of(task.subject_key)
    if recommendation_id is None:
        return None
    recommendation = session.get(Recommendation, recommendation_id)
    return None if recommendation is None else f"recommendation {recommendation.number}"
