"""Completing the first month's tasks through their short forms: the designated person's
notification, records secured, and the CPU's checklist. The answers are stored encrypted
beside the task; the engine marks the task done and stops its reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.ids import FirstMonthBlock as B
from bot.process.calendar import LONDON, WorkingCalendar
from bot.services.engine import EngineContext, TaskRefusedError
from bot.services.owners import may_act_on
from bot.services.partnership import active_agencies
from bot.services.referral_form import field_errors
from bot.services.task_changes import complete_task
from storage.db import Database
from storage.models import Agency, Case, Task, TaskAnswer

NOT_YOURS = "This task belongs to someone else."
NOTE = 2000


class CpPlan(StrEnum):
    CURRENT = "current"
    PREVIOUS = "previous"
    NEVER = "never"


CP_PLAN_LABELS = {
    CpPlan.CURRENT: "Currently subject of a child protection plan",
    CpPlan.PREVIOUS: "Previously subject of a plan",
    CpPlan.NEVER: "Never subject of a plan",
}

Note = Annotated[str, Field(max_length=NOTE)]


def _now(info: ValidationInfo) -> datetime:
    now = (info.context or {}).get("now")
    if not isinstance(now, datetime):
        raise RuntimeError("form validation needs context={'now': datetime}")
    return now.astimezone(LONDON)


class _Form(BaseModel):
    """Field aliases are the modal's block ids, so an error lands on its input."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", populate_by_name=True)


class _WhenForm(_Form):
    when_date: date = Field(alias=B.WHEN_DATE.value)
    when_time: time | None = Field(default=None, alias=B.WHEN_TIME.value)

    @field_validator("when_date")
    @classmethod
    def _not_in_future(cls, value: date, info: ValidationInfo) -> date:
        if value > _now(info).date():
            raise ValueError("This date is in the future.")
        return value

    @field_validator("when_time")
    @classmethod
    def _not_later_today(cls, value: time | None, info: ValidationInfo) -> time | None:
        now = _now(info)
        when = info.data.get("when_date")
        if value is not None and when == now.date() and value > now.time():
            raise ValueError("This time is later than now.")
        return value


class DpNotifiedForm(_WhenForm):
    by_whom: Annotated[str, Field(min_length=1, max_length=200)] = Field(alias=B.BY_WHOM.value)
    note: Note = Field(default="", alias=B.NOTE.value)


class RecordsSecuredForm(_WhenForm):
    systems: Annotated[str, Field(min_length=1, max_length=1000)] = Field(alias=B.SYSTEMS.value)
    note: Note = Field(default="", alias=B.NOTE.value)


class CpPlanForm(_Form):
    status: CpPlan = Field(alias=B.CP_PLAN.value)
    note: Note = Field(default="", alias=B.NOTE.value)


class OtherChildrenForm(_Form):
    considered: Annotated[str, Field(min_length=1, max_length=3000)] = Field(
        alias=B.OTHER_CHILDREN.value
    )


class OrganisationsForm(_Form):
    agencies: list[int] = Field(default_factory=list, alias=B.ORGANISATIONS.value)
    others: Note = Field(default="", alias=B.OTHER_ORGANISATIONS.value)


class ChairInformedForm(_WhenForm):
    how: Annotated[str, Field(max_length=200)] = Field(default="", alias=B.HOW.value)
    note: Note = Field(default="", alias=B.NOTE.value)


FORMS: dict[str, type[_Form]] = {
    "dp_notified": DpNotifiedForm,
    "records_secured": RecordsSecuredForm,
    "cpu_cp_plan_checked": CpPlanForm,
    "cpu_other_children_considered": OtherChildrenForm,
    "cpu_organisations_informed": OrganisationsForm,
    "cpu_chair_informed": ChairInformedForm,
}
"""The tasks completed through a form of their own, by kind."""


@dataclass(frozen=True)
class TaskView:
    """What a task's form needs to show: no answers, only the workflow."""

    task_id: int
    case_id: int
    reference: str
    kind: str
    agency_id: int | None
    agency: str | None
    due_at: datetime
    status: str
    partner_agencies: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class FormOutcome:
    changed: bool = False
    errors: dict[str, str] | None = None
    refusal: str | None = None
    view: TaskView | None = None


def lock_task(session: Session, task_id: int) -> Task | None:
    """Read a task after taking the write lock (a no-op UPDATE), so that two clicks at once
    are serialised on every backend and the second sees the first's result."""
    session.execute(
        update(Task)
        .where(Task.id == task_id)
        .values(status=Task.status)
        .execution_options(synchronize_session=False)
    )
    return session.get(Task, task_id, populate_existing=True)


def task_view(session: Session, task: Task) -> TaskView:
    case = session.get(Case, task.case_id)
    assert case is not None
    agency = session.get(Agency, task.agency_id) if task.agency_id is not None else None
    partners: tuple[tuple[int, str], ...] = ()
    if task.kind == "cpu_organisations_informed":
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


@dataclass(frozen=True)
class TaskTarget:
    kind: str
    case_id: int
    agency_id: int | None


def task_target(session: Session, task_id: int) -> TaskTarget | None:
    task = session.get(Task, task_id)
    return None if task is None else TaskTarget(task.kind, task.case_id, task.agency_id)


def form_for(session: Session, task_id: int, actor: str) -> FormOutcome:
    """May ``actor`` fill in this task's form now? The view of it if so."""
    task = session.get(Task, task_id)
    if task is None or task.kind not in FORMS or not may_act_on(session, task, actor):
        return FormOutcome(refusal=NOT_YOURS)
    view = task_view(session, task)
    if task.status != "open":
        return FormOutcome(refusal=already_text(view), view=view)
    return FormOutcome(view=view)


def already_text(view: TaskView) -> str:
    return f"{view.reference}: this was already recorded; nothing more is needed."


def _validate(kind: str, values: dict[str, Any], now: datetime) -> _Form | dict[str, str]:
    try:
        form = FORMS[kind].model_validate(values, context={"now": now})
    except ValidationError as exc:
        return field_errors(exc)
    if isinstance(form, OrganisationsForm) and not form.agencies and not form.others:
        return {B.ORGANISATIONS.value: "Choose the organisations informed, or name them below."}
    return form


def complete_with_form(
    db: Database,
    *,
    cal: WorkingCalendar,
    now: datetime,
    cipher: FieldCipher,
    task_id: int,
    actor: str,
    values: dict[str, Any],
) -> FormOutcome:
    """Check who is asking, validate, then complete the task and store the answers in one
    transaction. An invalid or refused submission stores nothing; a repeat changes nothing."""
    with db.session() as session:
        task = lock_task(session, task_id)
        if task is None or task.kind not in FORMS or not may_act_on(session, task, actor):
            return FormOutcome(refusal=NOT_YOURS)
        view = task_view(session, task)
        if task.status != "open":
            return FormOutcome(view=view)
        checked = _validate(task.kind, values, now)
        if isinstance(checked, dict):
            return FormOutcome(errors=checked, view=view)
        if isinstance(checked, OrganisationsForm):
            known = {a.id for a in active_agencies(session)}
            if not set(checked.agencies) <= known:
                return FormOutcome(errors={B.ORGANISATIONS.value: "Choose from the list."})
        try:
            changed = complete_task(EngineContext(session, cal, now), task, actor=actor)
        except TaskRefusedError as exc:
            return FormOutcome(refusal=str(exc))
        if changed:
            session.add(
                TaskAnswer(
                    task_id=task.id,
                    case_id=task.case_id,
                    answers=cipher.encrypt_json(checked.model_dump(mode="json")),
                    recorded_by=actor,
                    recorded_at=now,
                )
            )
        return FormOutcome(changed=changed, view=task_view(session, task))


def answers_of(session: Session, cipher: FieldCipher, task_id: int) -> dict[str, Any] | None:
    stored = session.scalar(select(TaskAnswer).where(TaskAnswer.task_id == task_id))
    return None if stored is None else dict(cipher.decrypt_json(stored.answers))
