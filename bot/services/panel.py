"""The Initial Panel's workflow: who may arrange it, scheduling, changing, cancelling and
holding it, and how that moves the case on. No Slack here; flows send what follows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.crypto import FieldCipher
from bot.process.calendar import LONDON, WorkingCalendar, add_calendar_months
from bot.process.registry import get_process
from bot.process.schedule import task_due
from bot.services import audit, engine, task_changes
from bot.services.engine import EngineContext
from bot.services.panel_form import PanelPeople, SchedulePlan, Venue
from bot.services.panel_reminders import plan_reminders
from bot.services.partnership import Role, agencies_of, roles_of
from storage.models import Agency, Case, CaseEvent, PanelMeeting, PanelMember, Task

SCHEDULE_TASK = "schedule_initial_panel"
OUTCOME_TASK = "initial_panel_outcome"
PANEL_EVENT = "panel_date"
ACTIVE = ("proposed", "scheduled")
NOT_AN_ORGANISER = "Only the CPU or the Board business unit can arrange the Initial Panel."
NOT_THE_ORGANISER = "Only the panel's organiser ({who}) can change or cancel it."


class PanelRefusedError(Exception):
    """Raised with a message that is safe to show the person who tried."""


@dataclass(frozen=True)
class PanelContext:
    session: Session
    cal: WorkingCalendar
    now: datetime
    cipher: FieldCipher

    @property
    def engine(self) -> EngineContext:
        return EngineContext(self.session, self.cal, self.now)


def may_organise(session: Session, user_id: str) -> bool:
    return bool(roles_of(session, user_id) & {Role.CPU, Role.ADMIN})


def may_mark_held(session: Session, meeting: PanelMeeting, user_id: str) -> bool:
    return user_id == meeting.organiser or Role.CPU in roles_of(session, user_id)


def require_organiser(meeting: PanelMeeting, user_id: str) -> None:
    if user_id != meeting.organiser:
        raise PanelRefusedError(NOT_THE_ORGANISER.format(who=f"<@{meeting.organiser}>"))


def has_panel(case: Case) -> bool:
    return any(t.kind == SCHEDULE_TASK for t in get_process(case.process_key).tasks)


def case_task(session: Session, case_id: int, kind: str) -> Task | None:
    return session.scalar(
        select(Task).where(Task.case_id == case_id, Task.kind == kind).order_by(Task.id)
    )


def schedule_task(session: Session, case_id: int) -> Task | None:
    return case_task(session, case_id, SCHEDULE_TASK)


def panel_deadline(session: Session, case: Case) -> date:
    """The date the Initial Panel must be held by: the scheduling task's deadline (which an
    agreed extension moves), else one calendar month from the referral."""
    task = schedule_task(session, case.id)
    if task is not None:
        return task.due_at.astimezone(LONDON).date()
    return add_calendar_months(case.referral_date, 1)


def load_meeting(session: Session, meeting_id: int) -> PanelMeeting:
    meeting = session.scalar(
        select(PanelMeeting)
        .where(PanelMeeting.id == meeting_id)
        .options(selectinload(PanelMeeting.members), selectinload(PanelMeeting.slots))
    )
    if meeting is None:
        raise PanelRefusedError("That panel meeting no longer exists.")
    return meeting


def active_meeting(session: Session, case_id: int) -> PanelMeeting | None:
    return session.scalar(
        select(PanelMeeting)
        .where(PanelMeeting.case_id == case_id, PanelMeeting.status.in_(ACTIVE))
        .options(selectinload(PanelMeeting.members), selectinload(PanelMeeting.slots))
        .order_by(PanelMeeting.id.desc())
    )


def latest_meeting(session: Session, case_id: int) -> PanelMeeting | None:
    return session.scalar(
        select(PanelMeeting)
        .where(PanelMeeting.case_id == case_id)
        .options(selectinload(PanelMeeting.members), selectinload(PanelMeeting.slots))
        .order_by(PanelMeeting.id.desc())
    )


def meeting_by_view(session: Session, view_id: str) -> PanelMeeting | None:
    return session.scalar(select(PanelMeeting).where(PanelMeeting.last_view_id == view_id))


def missing_core_agencies(
    session: Session, case: Case, people: Iterable[str], core_names: Iterable[str]
) -> list[str]:
    """Involved core agencies (Health, Police, ...) that nobody on the panel acts for."""
    core = {name.casefold() for name in core_names}
    represented = {a.id for user in people for a in agencies_of(session, user)}
    missing = []
    for involvement in engine.involved_agencies(session, case.id):
        agency = session.get(Agency, involvement.agency_id)
        if agency is not None and agency.name.casefold() in core and agency.id not in represented:
            missing.append(agency.name)
    return missing


def _agency_of(session: Session, user_id: str) -> int | None:
    agencies = agencies_of(session, user_id)
    return agencies[0].id if agencies else None


def set_members(
    ctx: PanelContext, meeting: PanelMeeting, people: PanelPeople
) -> tuple[list[str], list[str]]:
    """Make the panel exactly ``people``; returns (added, removed). A removed member keeps
    their row (marked removed) so that they can be sent the cancellation."""
    wanted = {user: ("chair" if user == people.chair else "member") for user in people.everyone}
    rows = {m.slack_user_id: m for m in meeting.members}
    added: list[str] = []
    removed: list[str] = []
    for user, role in wanted.items():
        row = rows.get(user)
        if row is None:
            meeting.members.append(
                PanelMember(
                    slack_user_id=user,
                    role=role,
                    agency_id=_agency_of(ctx.session, user),
                    partstat="NEEDS-ACTION",
                    involvement="unconfirmed",
                    added_at=ctx.now,
                )
            )
            added.append(user)
            continue
        if row.removed_at is not None:
            row.removed_at, row.removed_seq = None, None
            row.partstat, row.responded_at = "NEEDS-ACTION", None
            added.append(user)
        row.role = role
    for user, row in rows.items():
        if user not in wanted and row.removed_at is None:
            row.removed_at, row.removed_seq = ctx.now, meeting.sequence
            removed.append(user)
    meeting.chair = people.chair
    return added, removed


def apply_venue(meeting: PanelMeeting, venue: Venue) -> None:
    meeting.location, meeting.video_url = venue.location, venue.video_url


def new_meeting(
    ctx: PanelContext, case: Case, *, status: str, actor: str, view_id: str, uid: str
) -> PanelMeeting:
    if not may_organise(ctx.session, actor):
        raise PanelRefusedError(NOT_AN_ORGANISER)
    if not has_panel(case):
        raise PanelRefusedError("This case's process has no Initial Panel.")
    if active_meeting(ctx.session, case.id) is not None:
        raise PanelRefusedError(
            "The Initial Panel is already being arranged for this case: use Change panel "
            "on the case card, or cancel it first."
        )
    meeting = PanelMeeting(
        case_id=case.id,
        uid=uid,
        sequence=0,
        status=status,
        organiser=actor,
        chair=actor,
        created_at=ctx.now,
        updated_at=ctx.now,
        last_view_id=view_id,
    )
    ctx.session.add(meeting)
    return meeting


def schedule(
    ctx: PanelContext, case: Case, plan: SchedulePlan, *, actor: str, view_id: str, uid: str
) -> int:
    """Put the panel in the diary. The same modal submitted twice schedules it once."""
    again = meeting_by_view(ctx.session, view_id)
    if again is not None:
        return again.id
    meeting = new_meeting(ctx, case, status="scheduled", actor=actor, view_id=view_id, uid=uid)
    meeting.start_at, meeting.end_at = plan.start, plan.end
    apply_venue(meeting, plan.venue)
    apply_override(ctx, meeting, plan, actor)
    set_members(ctx, meeting, plan.people)
    ctx.session.flush()
    settle_date(ctx, case, meeting, actor=actor)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="panel.scheduled",
        case_id=case.id,
        meeting_id=meeting.id,
        start=plan.start.isoformat(),
        members=len(plan.people.everyone),
        override=plan.override_reason is not None,
        without_core=plan.go_ahead,
    )
    return meeting.id


def apply_override(
    ctx: PanelContext, meeting: PanelMeeting, plan: SchedulePlan, actor: str
) -> None:
    if plan.override_reason is None:
        meeting.override_reason, meeting.override_by = None, None
        return
    meeting.override_reason = ctx.cipher.encrypt_text(plan.override_reason)
    meeting.override_by = actor


def settle_date(ctx: PanelContext, case: Case, meeting: PanelMeeting, *, actor: str) -> None:
    """The meeting's start becomes the case's ``panel_date`` (recorded before the scheduling
    task completes, which would otherwise record "now"), and its reminders are planned."""
    assert meeting.start_at is not None
    _anchor_panel_date(ctx, case, meeting.start_at, actor)
    task = schedule_task(ctx.session, case.id)
    if task is not None and task.status == "open":
        task_changes.complete_task(ctx.engine, task, actor=actor, check_permission=False)
    engine.advance(ctx.engine, case, actor=actor)
    plan_reminders(ctx.session, meeting, ctx.cal, ctx.now)


def _anchor_panel_date(ctx: PanelContext, case: Case, start: datetime, actor: str) -> None:
    if engine.record_event(ctx.engine, case, PANEL_EVENT, at=start, actor=actor):
        return
    event = ctx.session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.event == PANEL_EVENT)
    )
    if event is None or event.at == start:
        return
    event.at, event.recorded_by, event.recorded_at = start, actor, ctx.now
    process = ctx.engine.process(case)
    for task in engine.open_tasks(ctx.session, case.id):
        definition = process.task(task.kind)
        if definition.anchor == PANEL_EVENT and task.round_no == 1:
            task_changes.move_deadline(
                ctx.engine,
                task,
                new_due=task_due(definition, start, ctx.cal),
                actor=actor,
                reason="panel rescheduled",
            )
