"""The Board's steps once it has agreed the overview report (`bot.process.bolton.REPORT_STEPS`):
deciding who may see the report, debriefing the staff involved, the family and the media,
and sending copies to OFSTED and to whoever the partnership file names. Each is a business
unit task with its deadline and reminders; recording one (on what date, by whom, a note)
completes it. The note is stored encrypted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.process.bolton import COPY_SUBJECT, REPORT_STEPS
from bot.process.states import TaskKind
from bot.process.working_days import WorkingCalendar, london_date
from bot.services.cases import audit
from bot.services.cases.identifying import screen
from bot.services.refusal import RefusedError
from bot.services.reminders.owners import may_act_on
from bot.services.reminders.tasks import EngineContext, complete_task, create_task
from bot.services.review.schema import ReportStepForm, StepLine
from storage.models import Case, ReportFollowUp, Task
from storage.states import TaskStatus

STEP_TITLES = {step.kind: step.title for step in REPORT_STEPS}
STEP_KINDS = frozenset(STEP_TITLES)
BUSINESS_UNIT_RECORDS = "The Board business unit records the steps after the report."
NOT_OPEN = "This step is recorded already, or no longer asked for."


def copy_key(recipient: str) -> str:
    return f"{COPY_SUBJECT}{recipient}"


def start_copies(ctx: EngineContext, case: Case, recipients: Sequence[str]) -> list[Task]:
    """A task to send a copy of the report to each recipient the partnership names."""
    return [
        create_task(ctx, case, TaskKind.REPORT_COPY_SENT, subject_key=copy_key(name))
        for name in recipients
    ]


def step_title(task: Task) -> str:
    """The step in words: "Send a copy of the report to the Department for Education"."""
    title = STEP_TITLES[TaskKind(task.kind)]
    if task.subject_key and task.subject_key.startswith(COPY_SUBJECT):
        return f"{title} to {task.subject_key.removeprefix(COPY_SUBJECT)}"
    return title


def step_key(task: Task) -> str:
    return f"{task.kind}:{task.subject_key}" if task.subject_key else str(task.kind)


def steps(session: Session, case_id: int) -> list[StepLine]:
    """Every step after the report, in deadline order, with when and by whom it was done."""
    tasks = list(
        session.scalars(
            select(Task)
            .where(Task.case_id == case_id, Task.kind.in_(STEP_KINDS))
            .order_by(Task.due_at, Task.id)
        )
    )
    done = {
        row.step: row
        for row in session.scalars(select(ReportFollowUp).where(ReportFollowUp.case_id == case_id))
    }
    lines = []
    for task in tasks:
        row = done.get(step_key(task))
        done_on = row.done_on if row else None
        if row is None and task.status == TaskStatus.DONE and task.completed_at is not None:
            done_on = london_date(task.completed_at)
        lines.append(
            StepLine(
                task.id,
                step_title(task),
                london_date(task.due_at),
                done_on,
                row.done_by if row else task.completed_by if done_on else None,
                task.status in (TaskStatus.WAIVED, TaskStatus.SUPERSEDED),
            )
        )
    return lines


@dataclass(frozen=True)
class StepToRecord:
    reference: str
    task_id: int
    title: str


def step_to_record(session: Session, task_id: int, actor: str) -> StepToRecord:
    """The open step ``actor`` may record; else a refusal."""
    task = session.get(Task, task_id)
    case = session.get(Case, task.case_id) if task is not None else None
    if task is None or case is None or task.kind not in STEP_KINDS:
        raise RefusedError(NOT_OPEN)
    if not may_act_on(session, task, actor):
        raise RefusedError(BUSINESS_UNIT_RECORDS)
    if task.status != TaskStatus.OPEN or case.closed_at is not None:
        raise RefusedError(NOT_OPEN)
    return StepToRecord(case.reference, task.id, step_title(task))


def record_step(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    cipher: FieldCipher,
    task_id: int,
    form: ReportStepForm,
    *,
    actor: str,
) -> int | None:
    """Record the step and complete its task; the case id, or None when it was recorded
    already (a double submission). Refused inline to anyone but the business unit."""
    field = "step_done_on"
    task = session.get(Task, task_id)
    if task is None or task.kind not in STEP_KINDS:
        raise RefusedError(NOT_OPEN, field=field)
    if form.step_note:
        screen(session, cipher, task.case_id, {"step_note": form.step_note}, {"step_note": "note"})
    if not may_act_on(session, task, actor):
        raise RefusedError(BUSINESS_UNIT_RECORDS, field=field)
    key = step_key(task)
    existing = session.scalar(
        select(ReportFollowUp).where(
            ReportFollowUp.case_id == task.case_id, ReportFollowUp.step == key
        )
    )
    if existing is not None:
        return None
    if task.status != TaskStatus.OPEN:
        raise RefusedError(NOT_OPEN, field=field)
    sealed = cipher.for_case(session, task.case_id)
    session.add(
        ReportFollowUp(
            case_id=task.case_id,
            step=key,
            done_on=form.step_done_on,
            done_by=form.step_done_by,
            note=sealed.encrypt_text(form.step_note) if form.step_note else None,
            recorded_by=actor,
            recorded_at=now,
        )
    )
    complete_task(EngineContext(session, cal, now), task, actor=actor)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="report.step_recorded",
        case_id=task.case_id,
        step=str(task.kind),
        done_on=form.step_done_on.isoformat(),
    )
    return task.case_id
