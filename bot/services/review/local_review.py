"""A local review's steps completed through their own forms or buttons: the reviewer's
appointment (a name and an organisation, stored encrypted beside the task) and the review
recorded published (the task records the event that ends the stage). The planned date and
its extension are `bot.services.review.publication` and `bot.services.review.frame`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.process.states import TaskKind
from bot.services.cases.identifying import screen
from bot.services.first_month.tasks import lock_task
from bot.services.refusal import RefusedError
from bot.services.reminders.owners import may_act_on
from bot.services.reminders.tasks import EngineContext, complete_task
from bot.services.review.schema import REVIEWER_LABELS, ReviewerForm
from storage.models import Case, Task, TaskAnswer
from storage.states import TaskStatus

NOT_YOURS = "That is not yours to record, or it is no longer open."


@dataclass(frozen=True)
class StepDone:
    """A step recorded: its case, and whether this click or form changed anything."""

    case_id: int
    reference: str
    changed: bool


def _task(session: Session, task_id: int, kind: TaskKind, actor: str) -> tuple[Task, Case]:
    """The task (its row locked), when ``actor`` may complete it."""
    task = lock_task(session, task_id)
    case = session.get(Case, task.case_id) if task is not None else None
    if task is None or case is None or task.kind != kind or not may_act_on(session, task, actor):
        raise RefusedError(NOT_YOURS)
    return task, case


def reviewer_task(session: Session, task_id: int, actor: str) -> tuple[Task, Case]:
    """The open task whose form names the reviewer, for the button that opens it."""
    task, case = _task(session, task_id, TaskKind.REVIEWER_APPOINTED, actor)
    if task.status != TaskStatus.OPEN:
        raise RefusedError(f"{case.reference}: the reviewer is recorded already.")
    return task, case


def appoint_reviewer(
    ctx: EngineContext, cipher: FieldCipher, task_id: int, form: ReviewerForm, *, actor: str
) -> StepDone:
    """Screen the answers, then complete the task and store them encrypted beside it. A
    second submission changes nothing."""
    session = ctx.session
    task, case = _task(session, task_id, TaskKind.REVIEWER_APPOINTED, actor)
    if task.status != TaskStatus.OPEN:
        return StepDone(case.id, case.reference, False)
    screen(session, cipher, case.id, form.texts(), REVIEWER_LABELS)
    complete_task(ctx, task, actor=actor)
    session.add(
        TaskAnswer(
            task_id=task.id,
            case_id=case.id,
            answers=cipher.for_case(session, case.id).encrypt_json(form.model_dump()),
            recorded_by=actor,
            recorded_at=ctx.now,
        )
    )
    return StepDone(case.id, case.reference, True)


def record_published(ctx: EngineContext, task_id: int, *, actor: str) -> StepDone:
    """The review published: its task done records the event that ends the stage."""
    task, case = _task(ctx.session, task_id, TaskKind.REVIEW_REPORT, actor)
    changed = complete_task(ctx, task, actor=actor)
    return StepDone(case.id, case.reference, changed)
