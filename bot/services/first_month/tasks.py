"""Completing the first month's tasks through their short forms: the designated person's
notification, records secured, and the CPU's checklist. The answers are stored encrypted
beside the task; the engine marks the task done and stops its reminders. Also what the
designated persons' briefing DMs and the case card show of these tasks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.ids import FirstMonthBlock
from bot.process.states import Stage, TaskKind
from bot.process.working_days import LONDON, WorkingCalendar
from bot.services.cases.access import active_agencies
from bot.services.cases.identifying import screen
from bot.services.first_month.schema import (
    AGENCY_FORM_KINDS,
    CHRONOLOGY_KINDS,
    FORMS,
    NOT_YOURS,
    Briefing,
    BriefingItem,
    CardActions,
    CpuItem,
    OrganisationsForm,
    TaskForm,
    TaskView,
)
from bot.services.referral.schema import field_errors
from bot.services.refusal import InvalidFormError, RefusedError
from bot.services.reminders.owners import agency_team, may_act_on
from bot.services.reminders.tasks import (
    EngineContext,
    TaskRefusedError,
    case_tasks,
    complete_task,
    involved_agencies,
)
from bot.words import plural
from storage.claim import claim
from storage.models import Agency, Case, Task, TaskAnswer
from storage.states import TaskStatus

BRIEFED_KINDS = (
    TaskKind.DP_NOTIFIED,
    TaskKind.CPU_OTHER_CHILDREN_CONSIDERED,
    TaskKind.RECORDS_SECURED,
    TaskKind.CHRONOLOGY_SUBMITTED,
    TaskKind.SYNOPSIS_SUBMITTED,
)


@dataclass(frozen=True)
class Recorded:
    """A form's submission: the task, and whether this submission completed it (False: it
    was already recorded, and nothing changed)."""

    view: TaskView
    changed: bool


def lock_task(session: Session, task_id: int) -> Task | None:
    """Read a task after taking the write lock (a no-op UPDATE), so that two clicks at once
    are serialised on every backend and the second sees the first's result."""
    claim(session, Task, Task.id == task_id, status=Task.status)
    return session.get(Task, task_id, populate_existing=True)


def task_view(session: Session, task: Task) -> TaskView:
    case = session.get(Case, task.case_id)
    assert case is not None
    agency = session.get(Agency, task.agency_id) if task.agency_id is not None else None
    partners: tuple[tuple[int, str], ...] = ()
    if task.kind == TaskKind.CPU_ORGANISATIONS_INFORMED:
        partners = tuple((a.id, a.name) for a in active_agencies(session))
    return TaskView(
        task_id=task.id,
        case_id=case.id,
        reference=case.reference,
        kind=task.kind,
        agency_id=task.agency_id,
        agency=agency.name if agency else None,
        due_at=task.due_at,
        status=task.status,
        partner_agencies=partners,
    )


def form_for(session: Session, task_id: int, actor: str) -> TaskView:
    """The view of the task's form, when ``actor`` may fill it in now; else a refusal."""
    task = session.get(Task, task_id)
    if task is None or task.kind not in FORMS or not may_act_on(session, task, actor):
        raise RefusedError(NOT_YOURS)
    view = task_view(session, task)
    if task.status != TaskStatus.OPEN:
        raise RefusedError(already_text(view))
    return view


def already_text(view: TaskView) -> str:
    return f"{view.reference}: this was already recorded; nothing more is needed."


def _validate(kind: str, values: dict[str, Any], now: datetime) -> TaskForm:
    try:
        form = FORMS[kind].model_validate(values, context={"now": now})
    except ValidationError as exc:
        raise InvalidFormError(field_errors(exc)) from None
    if isinstance(form, OrganisationsForm) and not form.agencies and not form.others:
        raise RefusedError(
            "Choose the organisations informed, or name them below.",
            field=FirstMonthBlock.ORGANISATIONS.value,
        )
    return form


def _free_texts(form: TaskForm) -> dict[str, str]:
    """The form's free text (notes, reasons, who and how), by block id."""
    texts = form.model_dump(by_alias=True)
    return {block: value for block, value in texts.items() if isinstance(value, str) and value}


def complete_with_form(
    ctx: EngineContext, cipher: FieldCipher, task_id: int, *, actor: str, values: dict[str, Any]
) -> Recorded:
    """Check who is asking, validate, then complete the task and store the answers. An
    invalid or refused submission is refused (`RefusedError`: nothing stored); a repeat
    changes nothing."""
    session = ctx.session
    task = lock_task(session, task_id)
    if task is None or task.kind not in FORMS or not may_act_on(session, task, actor):
        raise RefusedError(NOT_YOURS)
    if task.status != TaskStatus.OPEN:
        return Recorded(task_view(session, task), changed=False)
    checked = _validate(task.kind, values, ctx.now)
    screen(session, cipher, task.case_id, _free_texts(checked))
    if isinstance(checked, OrganisationsForm):
        known = {a.id for a in active_agencies(session)}
        if not set(checked.agencies) <= known:
            raise RefusedError("Choose from the list.", field=FirstMonthBlock.ORGANISATIONS.value)
    try:
        changed = complete_task(ctx, task, actor=actor)
    except TaskRefusedError as exc:
        raise RefusedError(str(exc)) from exc
    if changed:
        session.add(
            TaskAnswer(
                task_id=task.id,
                case_id=task.case_id,
                answers=cipher.for_case(session, task.case_id).encrypt_json(
                    checked.model_dump(mode="json")
                ),
                recorded_by=actor,
                recorded_at=ctx.now,
            )
        )
    return Recorded(task_view(session, task), changed)


def done_by_referral(
    referring_agency_id: int, actor: str, designated: Sequence[str]
) -> set[tuple[str, int | None]]:
    """A designated person who refers the case has notified the CPU by doing so: their
    agency's confirmation is recorded from the referral, not asked for. The tasks (kind,
    agency) the referral does, for `start_case`: none when the referrer is not one of the
    referring agency's ``designated`` persons."""
    if actor not in designated:
        return set()
    return {(TaskKind.DP_NOTIFIED, referring_agency_id)}


def answers_of(session: Session, cipher: FieldCipher, task_id: int) -> dict[str, Any] | None:
    stored = session.scalar(select(TaskAnswer).where(TaskAnswer.task_id == task_id))
    if stored is None:
        return None
    return dict(cipher.for_case(session, stored.case_id).decrypt_json(stored.answers))


# The designated persons' briefing -------------------------------------------------------


@dataclass(frozen=True)
class TaskTarget:
    kind: str
    case_id: int
    agency_id: int | None


def task_target(session: Session, task_id: int) -> TaskTarget | None:
    task = session.get(Task, task_id)
    return None if task is None else TaskTarget(task.kind, task.case_id, task.agency_id)


def _london(value: datetime | None) -> date | None:
    return value.astimezone(LONDON).date() if value is not None else None


def briefing_for(
    session: Session,
    case_id: int,
    agency_id: int,
    cal: WorkingCalendar,
    today: date,
    tasks: Sequence[Task] | None = None,
) -> Briefing:
    """The agency's first-month items; one the case has moved past (superseded) is left out.
    ``tasks``: the case's (`case_tasks`), when the caller has read them already."""
    case = session.get(Case, case_id)
    agency = session.get(Agency, agency_id)
    assert case is not None and agency is not None
    briefed = [
        task
        for task in (case_tasks(session, case_id) if tasks is None else tasks)
        if task.agency_id == agency_id
        and task.kind in BRIEFED_KINDS
        and task.status != TaskStatus.SUPERSEDED
    ]
    latest: dict[str, Task] = {}
    for task in sorted(briefed, key=lambda t: (t.round_no, t.id)):
        latest[task.kind] = task
    items = []
    for task in latest.values():
        due = cal.london_date(task.due_at)
        items.append(
            BriefingItem(
                kind=task.kind,
                task_id=task.id,
                due=due,
                done_on=_london(task.completed_at) if task.status != TaskStatus.OPEN else None,
                last_working_day=cal.last_working_day(due),
            )
        )
    members = frozenset(member.slack_user_id for member in case.members)
    return Briefing(
        case.id, case.reference, agency.id, agency.name, case.channel_id, items, today, members
    )


def agency_briefings(
    session: Session,
    case_id: int,
    agencies: Sequence[int] | None,
    cal: WorkingCalendar,
    today: date,
    tasks: Sequence[Task] | None = None,
) -> list[tuple[Briefing, list[str]]]:
    """The briefings of ``agencies`` (None: every agency involved), each with who it goes
    to (`agency_team`). Read in the caller's session: the set-up builds them from the load
    of the case its card is built from (and from its ``tasks``, `case_tasks`)."""
    if agencies is None:
        agencies = [row.agency_id for row in involved_agencies(session, case_id)]
    tasks = case_tasks(session, case_id) if tasks is None else tasks
    return [
        (
            briefing_for(session, case_id, agency_id, cal, today, tasks),
            agency_team(session, agency_id),
        )
        for agency_id in agencies
    ]


# The case card --------------------------------------------------------------------------


def card_actions(case: Case, open_tasks: Sequence[Task]) -> CardActions | None:
    """None once the case is closed; else the CPU's open checks, the agency buttons while any
    of their first-month tasks (``open_tasks``: the case's, soonest first) is open; adding
    agencies and exporting always."""
    if case.closed_at is not None:
        return None
    cpu_items = [
        CpuItem(task.id, task.kind)
        for task in open_tasks
        if task.kind in FORMS and task.agency_id is None
    ]
    referrer_items = [
        CpuItem(task.id, task.kind)
        for task in open_tasks
        if task.kind == TaskKind.CPU_OTHER_CHILDREN_CONSIDERED
    ]
    kinds = {task.kind for task in open_tasks if task.agency_id is not None}
    return CardActions(
        case_id=case.id,
        cpu_items=cpu_items,
        referrer_items=referrer_items,
        agency_forms=[kind for kind in AGENCY_FORM_KINDS if kind in kinds],
        chronology_open=bool(kinds & set(CHRONOLOGY_KINDS)) or case.stage == Stage.REFERRAL,
    )


def with_entry_count(counts: dict[int, int], agency_id: int, kind: str, cell: str) -> str:
    """The chronology cell of an agency's row, with its number of entries: "14 entries ·
    ✓ 30 Nov"."""
    n = counts.get(agency_id, 0)
    if kind != TaskKind.CHRONOLOGY_SUBMITTED or n == 0:
        return cell
    return f"{plural(n, 'entry', 'entries')} · {cell}"
