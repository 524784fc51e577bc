"""Changes to one task: done, waived, its deadline moved, or handed back. Each cancels or
re-plans the task's reminders and lets the engine see whether the stage has ended."""

from __future__ import annotations

from datetime import datetime

from bot.crypto import FieldCipher
from bot.services.cases import audit
from bot.services.engine import EngineContext, TaskRefusedError, after_task_change
from bot.services.owners import may_act_on, role_holders
from bot.services.reminder_plans import cancel_planned, replan
from storage.models import Case, Task
from storage.states import TaskStatus


def complete_task(
    ctx: EngineContext,
    task: Task,
    *,
    actor: str,
    note: bytes | None = None,
    check_permission: bool = True,
) -> bool:
    """Mark done. Returns False (and changes nothing) when it was already closed, so a
    double click has one effect."""
    if check_permission and not may_act_on(ctx.session, task, actor):
        raise TaskRefusedError("This task belongs to someone else.")
    if task.status != TaskStatus.OPEN:
        return False
    task.status, task.completed_at, task.completed_by, task.note = (
        TaskStatus.DONE,
        ctx.now,
        actor,
        note,
    )
    cancel_planned(ctx.session, task.id)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="task.done",
        case_id=task.case_id,
        task_id=task.id,
        kind=task.kind,
        agency_id=task.agency_id,
    )
    after_task_change(ctx, task, actor)
    return True


def waive_task(
    ctx: EngineContext, task: Task, *, actor: str, reason: str, cipher: FieldCipher
) -> bool:
    case = ctx.session.get(Case, task.case_id)
    assert case is not None
    definition = ctx.process(case).task(task.kind)
    if not reason.strip():
        raise TaskRefusedError("Please give a reason for waiving this task.")
    if not any(
        actor in role_holders(ctx.session, case.id, role) for role in definition.waivable_by
    ):
        raise TaskRefusedError("You cannot waive this task.")
    if task.status != TaskStatus.OPEN:
        return False
    task.status, task.completed_at, task.completed_by = TaskStatus.WAIVED, ctx.now, actor
    task.waive_reason = cipher.encrypt_text(reason.strip())
    cancel_planned(ctx.session, task.id)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="task.waived",
        case_id=task.case_id,
        task_id=task.id,
        kind=task.kind,
    )
    after_task_change(ctx, task, actor)
    return True


def move_deadline(
    ctx: EngineContext, task: Task, *, new_due: datetime, actor: str, reason: str
) -> None:
    """An agreed extension: the deadline moves and its reminders are planned again."""
    case = ctx.session.get(Case, task.case_id)
    assert case is not None
    if task.status != TaskStatus.OPEN:
        raise TaskRefusedError("Only an open task's deadline can move.")
    previous = task.due_at
    task.due_at, task.extension_reason = new_due, reason
    replan(ctx.session, task, ctx.process(case).task(task.kind), ctx.cal, ctx.now)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="task.deadline_moved",
        case_id=task.case_id,
        task_id=task.id,
        previous=previous.isoformat(),
        due=new_due.isoformat(),
    )


def reopen_task(ctx: EngineContext, task: Task, *, new_due: datetime, actor: str) -> bool:
    """Hand a done task back (a management review returned for changes): open again, with a
    new deadline and its reminders planned afresh. False when it is open already."""
    case = ctx.session.get(Case, task.case_id)
    assert case is not None
    if task.status == TaskStatus.OPEN:
        return False
    task.status, task.completed_at, task.completed_by = TaskStatus.OPEN, None, None
    task.due_at = new_due
    replan(ctx.session, task, ctx.process(case).task(task.kind), ctx.cal, ctx.now)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="task.reopened",
        case_id=task.case_id,
        task_id=task.id,
        due=new_due.isoformat(),
    )
    return True
