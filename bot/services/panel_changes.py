"""Changing, cancelling and holding a scheduled Initial Panel, and what each means for the
case's tasks. No Slack here; flows send what follows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update

from bot.services import audit, engine
from bot.services.panel import (
    ACTIVE,
    OUTCOME_TASK,
    PanelContext,
    PanelRefusedError,
    apply_override,
    apply_venue,
    case_task,
    load_meeting,
    may_mark_held,
    require_organiser,
    schedule_task,
    set_members,
    settle_date,
)
from bot.services.panel_form import SchedulePlan
from bot.services.panel_reminders import cancel_reminders
from bot.services.reminder_plans import plan_next_overdue
from storage.models import Case, PanelMeeting, Reminder


@dataclass(frozen=True)
class Changed:
    """What a change of the panel means for the people on it."""

    meeting_id: int
    changed: bool
    removed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    times_changed: bool = False


def change(
    ctx: PanelContext, meeting: PanelMeeting, plan: SchedulePlan, *, actor: str, view_id: str
) -> Changed:
    """New time, place or people: the next revision (same UID, next SEQUENCE). Answers to the
    invitation start again when the time moves."""
    if meeting.last_view_id == view_id:
        return Changed(meeting.id, changed=False)
    require_organiser(meeting, actor)
    if meeting.status != "scheduled":
        raise PanelRefusedError("Only a scheduled panel can be changed.")
    case = ctx.session.get(Case, meeting.case_id)
    assert case is not None
    times_changed = (meeting.start_at, meeting.end_at) != (plan.start, plan.end)
    meeting.sequence += 1
    meeting.start_at, meeting.end_at = plan.start, plan.end
    meeting.updated_at, meeting.last_view_id = ctx.now, view_id
    apply_venue(meeting, plan.venue)
    apply_override(ctx, meeting, plan, actor)
    added, removed = set_members(ctx, meeting, plan.people)
    if times_changed:
        for member in meeting.current_members():
            member.partstat, member.responded_at = "NEEDS-ACTION", None
    ctx.session.flush()
    settle_date(ctx, case, meeting, actor=actor)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="panel.changed",
        case_id=case.id,
        meeting_id=meeting.id,
        sequence=meeting.sequence,
        start=plan.start.isoformat(),
        added=sorted(added),
        removed=sorted(removed),
        override=plan.override_reason is not None,
    )
    return Changed(
        meeting.id, True, removed=tuple(removed), added=tuple(added), times_changed=times_changed
    )


def cancel(ctx: PanelContext, meeting_id: int, *, actor: str) -> bool:
    """Cancel (organiser only). False when it was cancelled already: a double click."""
    meeting = load_meeting(ctx.session, meeting_id)
    require_organiser(meeting, actor)
    result = ctx.session.execute(
        update(PanelMeeting)
        .where(PanelMeeting.id == meeting_id, PanelMeeting.status.in_(ACTIVE))
        .values(
            status="cancelled",
            sequence=PanelMeeting.sequence + 1,
            cancelled_at=ctx.now,
            cancelled_by=actor,
            updated_at=ctx.now,
        )
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    ctx.session.refresh(meeting)
    cancel_reminders(ctx.session, meeting.id)
    _reopen_schedule_task(ctx, meeting.case_id, actor)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="panel.cancelled",
        case_id=meeting.case_id,
        meeting_id=meeting.id,
        sequence=meeting.sequence,
    )
    return True


def _reopen_schedule_task(ctx: PanelContext, case_id: int, actor: str) -> None:
    """With no panel in the diary, scheduling one is an open task again: the nudges that
    completing it cancelled are planned again (or, once overdue, the next overdue one)."""
    task = schedule_task(ctx.session, case_id)
    case = ctx.session.get(Case, case_id)
    if task is None or case is None or task.status != "done":
        return
    task.status, task.completed_at, task.completed_by = "open", None, None
    revived = ctx.session.execute(
        update(Reminder)
        .where(Reminder.task_id == task.id, Reminder.status == "cancelled", Reminder.at > ctx.now)
        .values(status="planned", claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    if not revived.rowcount:  # type: ignore[attr-defined]
        definition = ctx.engine.process(case).task(task.kind)
        plan_next_overdue(ctx.session, task, definition, ctx.cal, ctx.now)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="task.reopened",
        case_id=case_id,
        task_id=task.id,
        kind=task.kind,
    )


def mark_held(ctx: PanelContext, meeting_id: int, *, actor: str, attended: set[str]) -> bool:
    """The meeting took place: attendance is kept, its reminders stop, and the panel's
    outcome task is open for its recommendation (which records ``initial_panel_held`` and
    opens the Board Chair's decision). False when it was marked held already."""
    meeting = load_meeting(ctx.session, meeting_id)
    if not may_mark_held(ctx.session, meeting, actor):
        raise PanelRefusedError("Only the CPU or the panel's organiser can mark it held.")
    if meeting.status == "held":
        return False
    if meeting.status != "scheduled" or meeting.start_at is None:
        raise PanelRefusedError("Only a scheduled panel can be marked held.")
    if meeting.start_at > ctx.now:
        raise PanelRefusedError("The panel has not met yet.")
    taken = ctx.session.execute(
        update(PanelMeeting)
        .where(PanelMeeting.id == meeting_id, PanelMeeting.status == "scheduled")
        .values(status="held", held_at=ctx.now, held_by=actor, updated_at=ctx.now)
        .execution_options(synchronize_session=False)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        return False
    ctx.session.refresh(meeting)
    present = attended & {m.slack_user_id for m in meeting.current_members()}
    for member in meeting.current_members():
        member.attended = member.slack_user_id in present
    cancel_reminders(ctx.session, meeting.id)
    case = ctx.session.get(Case, meeting.case_id)
    assert case is not None
    if case_task(ctx.session, case.id, OUTCOME_TASK) is None:
        engine.create_task(ctx.engine, case, OUTCOME_TASK)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="panel.held",
        case_id=case.id,
        meeting_id=meeting.id,
        attended=sorted(present),
    )
    return True
