"""A reminder item's actions besides doing it: snooze it until a date (its nudges pause, and
resume that morning), mark it not needed (a waiver, by a role allowed to waive), hand it over
to another person of the same agency or case role (who owns it from then on, and is told).

The actor is checked when the form is opened and again when it is submitted, on the task
re-read under a write lock, so that a repeated submission has no second effect. Refusals
are `RefusedError`s: inline on the form's field where they name one."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.ids import ItemBlock
from bot.process.definition import TaskDefinition
from bot.process.working_days import short_day
from bot.services.cases import audit
from bot.services.cases.identifying import screen
from bot.services.refusal import RefusedError
from bot.services.reminders.delivery import replan
from bot.services.reminders.my_tasks import task_line
from bot.services.reminders.owners import agency_team, may_act_on, role_holders
from bot.services.reminders.schema import (
    HandOverAnswers,
    ItemAction,
    ItemDone,
    ItemForm,
    NotNeededAnswers,
    SnoozeAnswers,
)
from bot.services.reminders.tasks import (
    EngineContext,
    TaskRefusedError,
    may_waive,
    waive_task,
)
from storage.claim import claim
from storage.models import Agency, Case, Task
from storage.states import TaskStatus

NOT_YOURS = "This task belongs to someone else."
CLOSED = "This task is closed already: there is nothing left to do."
NOT_WAIVABLE = "This task cannot be marked not needed: the process requires it."
SNOOZE_WORKING_DAYS = 10
"""How far an overdue task may be snoozed when its case has no deadline ahead."""

ROLE_WORDS = {
    "cpu": "the CPU",
    "admins": "the Board business unit",
    "board_chair": "the Board Chair",
    "panel_chair": "the panel chair",
}
TEAM_WORDS = {
    "cpu": "in the CPU",
    "admins": "in the Board business unit",
    "board_chair": "who is a Board Chair",
    "panel_chair": "who can chair the panel",
}


def item_form(ctx: EngineContext, task_id: int, actor: str, action: ItemAction) -> ItemForm:
    """What the form for ``action`` on the task shows, once ``actor`` may take it; else the
    refusal to show them (an old message forwarded, a task closed since)."""
    task, case, definition = _task(ctx, task_id, lock=False)
    if action is ItemAction.NOT_NEEDED:
        _check_waiver(ctx.session, case, definition, actor)
    elif not may_act_on(ctx.session, task, actor):
        raise RefusedError(NOT_YOURS)
    if task.status != TaskStatus.OPEN:
        raise RefusedError(CLOSED)
    today = ctx.cal.london_date(ctx.now)
    line = task_line(ctx.session, task, ctx.now, ctx.cal, actor)
    if action is ItemAction.SNOOZE:
        latest, why = snooze_limit(ctx, task)
        if latest <= today:
            raise RefusedError(f"It is due today: there is no later day to snooze it to ({why}).")
        return ItemForm(action, line, today, latest=latest)
    if action is ItemAction.HAND_OVER:
        if not [person for person in hand_over_team(ctx.session, task) if person != actor]:
            raise RefusedError(
                f"There is nobody else {team_words(ctx.session, task)} to hand it to."
            )
        return ItemForm(action, line, today, team=team_words(ctx.session, task))
    return ItemForm(action, line, today, waivers=waivers_words(definition))


# Snooze -------------------------------------------------------------------------------------


def snooze_limit(ctx: EngineContext, task: Task) -> tuple[date, str]:
    """The last date ``task`` may be snoozed to, and why: its deadline while that is ahead;
    once overdue, the case's next deadline (of its open tasks), or failing that
    `SNOOZE_WORKING_DAYS` working days ahead."""
    if task.due_at > ctx.now:
        return ctx.cal.london_date(task.due_at), "its deadline"
    next_due = ctx.session.scalar(
        select(Task.due_at)
        .where(
            Task.case_id == task.case_id,
            Task.status == TaskStatus.OPEN,
            Task.due_at > ctx.now,
        )
        .order_by(Task.due_at)
        .limit(1)
    )
    if next_due is not None:
        return ctx.cal.london_date(next_due), "the case's next deadline"
    today = ctx.cal.london_date(ctx.now)
    return ctx.cal.add_working_days(today, SNOOZE_WORKING_DAYS), (
        f"{SNOOZE_WORKING_DAYS} working days ahead"
    )


def snooze(
    ctx: EngineContext, cipher: FieldCipher, task_id: int, actor: str, answers: SnoozeAnswers
) -> ItemDone:
    """Pause the task's nudges until ``answers.snooze_until``: what was planned is
    cancelled, and planned again from that date's first working moment."""
    task, case, definition = _task(ctx, task_id, lock=True)
    if not may_act_on(ctx.session, task, actor):
        raise RefusedError(NOT_YOURS)
    if task.status != TaskStatus.OPEN:
        raise RefusedError(CLOSED)
    until = answers.snooze_until
    today = ctx.cal.london_date(ctx.now)
    latest, why = snooze_limit(ctx, task)
    if not today < until <= latest:
        raise RefusedError(
            f"Choose a date after today and no later than {short_day(latest)} ({why}).",
            field=ItemBlock.SNOOZE_UNTIL.value,
        )
    reason_block, reason = ItemBlock.SNOOZE_REASON.value, answers.snooze_reason
    screen(ctx.session, cipher, case.id, {reason_block: reason}, {reason_block: "reason"})
    if task.snoozed_until == until:
        return _done(ctx, ItemAction.SNOOZE, task, actor, changed=False)
    task.snoozed_until, task.snoozed_by = until, actor
    task.snooze_reason = cipher.for_case(ctx.session, case.id).encrypt_text(reason)
    replan(ctx.session, task, definition, ctx.cal, ctx.now)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="task.snoozed",
        case_id=case.id,
        task_id=task.id,
        kind=task.kind,
        until=until.isoformat(),
    )
    return _done(ctx, ItemAction.SNOOZE, task, actor, changed=True)


# Not needed ---------------------------------------------------------------------------------


def waivers_words(definition: TaskDefinition) -> str:
    """Who may mark a task of this definition not needed, in words ("the CPU")."""
    words = [ROLE_WORDS.get(role, role.replace("_", " ")) for role in definition.waivable_by]
    return " or ".join(words)


def _check_waiver(session: Session, case: Case, definition: TaskDefinition, actor: str) -> None:
    if not definition.waivable_by:
        raise RefusedError(NOT_WAIVABLE)
    if not may_waive(session, case.id, definition, actor):
        raise RefusedError(f"Only {waivers_words(definition)} can mark this task not needed.")


def mark_not_needed(
    ctx: EngineContext,
    cipher: FieldCipher,
    task_id: int,
    actor: str,
    answers: NotNeededAnswers,
) -> ItemDone:
    """Waive the task with a reason (screened, then stored encrypted); its nudges stop."""
    task, case, definition = _task(ctx, task_id, lock=True)
    _check_waiver(ctx.session, case, definition, actor)
    if task.status == TaskStatus.WAIVED:
        return _done(ctx, ItemAction.NOT_NEEDED, task, actor, changed=False)
    if task.status != TaskStatus.OPEN:
        raise RefusedError(CLOSED)
    reason_block = ItemBlock.NOT_NEEDED_REASON.value
    reason = answers.not_needed_reason
    screen(ctx.session, cipher, case.id, {reason_block: reason}, {reason_block: "reason"})
    try:
        waive_task(ctx, task, actor=actor, reason=reason, cipher=cipher)
    except TaskRefusedError as exc:
        raise RefusedError(str(exc)) from None
    return _done(ctx, ItemAction.NOT_NEEDED, task, actor, changed=True)


# Hand over ----------------------------------------------------------------------------------


def hand_over_team(session: Session, task: Task) -> list[str]:
    """Who a task may be handed to: the people of its agency (from the partnership
    configuration); for a case role's task (the CPU's, the Board Chair's...), that role's
    holders."""
    if task.agency_id is not None:
        return agency_team(session, task.agency_id)
    return role_holders(session, task.case_id, task.owner_role)


def team_words(session: Session, task: Task) -> str:
    """Whose people ``hand_over_team`` names, in words: "at Health", "in the CPU"."""
    if task.agency_id is not None:
        agency = session.get(Agency, task.agency_id)
        return f"at {agency.name}" if agency is not None else "at the agency"
    return TEAM_WORDS.get(task.owner_role, f"who holds the {task.owner_role} role")


def hand_over(ctx: EngineContext, task_id: int, actor: str, answers: HandOverAnswers) -> ItemDone:
    """Make ``answers.hand_to`` the task's owner: its nudges go to them from then on, planned
    afresh (a task stuck with its former owner is no longer stuck)."""
    task, case, definition = _task(ctx, task_id, lock=True)
    if not may_act_on(ctx.session, task, actor):
        raise RefusedError(NOT_YOURS)
    if task.status != TaskStatus.OPEN:
        raise RefusedError(CLOSED)
    to, field = answers.hand_to, ItemBlock.HAND_TO.value
    if to == task.assignee:
        return _done(ctx, ItemAction.HAND_OVER, task, to, changed=False)
    if to == actor:
        raise RefusedError("Choose someone other than yourself.", field=field)
    if to not in hand_over_team(ctx.session, task):
        words = team_words(ctx.session, task)
        raise RefusedError(f"You can hand this task only to someone else {words}.", field=field)
    task.assignee = to
    replan(ctx.session, task, definition, ctx.cal, ctx.now)  # a stuck task is nudged afresh
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="task.handed_over",
        case_id=case.id,
        task_id=task.id,
        kind=task.kind,
        to=to,
    )
    return _done(ctx, ItemAction.HAND_OVER, task, to, changed=True)


# Shared -------------------------------------------------------------------------------------


def _task(ctx: EngineContext, task_id: int, *, lock: bool) -> tuple[Task, Case, TaskDefinition]:
    """The task and its open case, re-read (under a write lock with ``lock``, so that two
    submissions at once take turns), or the refusal that reveals nothing."""
    if lock:
        claim(ctx.session, Task, Task.id == task_id, status=Task.status)
    task = ctx.session.get(Task, task_id, populate_existing=lock)
    case = ctx.session.get(Case, task.case_id) if task is not None else None
    if task is None or case is None or case.closed_at is not None:
        raise RefusedError(NOT_YOURS)
    return task, case, ctx.process(case).task(task.kind)


def _done(
    ctx: EngineContext, action: ItemAction, task: Task, viewer: str, *, changed: bool
) -> ItemDone:
    """The outcome; ``line`` is the task as ``viewer`` (the new owner, for a hand over)
    sees it now."""
    line = task_line(ctx.session, task, ctx.now, ctx.cal, viewer)
    handed_to = viewer if action is ItemAction.HAND_OVER else None
    return ItemDone(action, line, task.case_id, changed, handed_to=handed_to)
