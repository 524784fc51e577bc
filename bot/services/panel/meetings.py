"""The Initial Panel's workflow: who may arrange it; scheduling it, finding a time, changing,
cancelling and holding it; and how each moves the case on. No Slack here: flows send what
follows, and every refusal is a `RefusedError` worded for the person who tried."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.crypto import FieldCipher
from bot.ids import PanelBlock
from bot.process.registry import get_process
from bot.process.schedule import task_due
from bot.process.states import TaskKind
from bot.process.working_days import LONDON, WorkingCalendar, add_calendar_months
from bot.services.cases import audit
from bot.services.cases.access import (
    PARTNER_LEADS,
    Role,
    agencies_of,
    case_by_channel,
    roles_of,
)
from bot.services.panel.reminders import cancel_reminders, plan_reminders
from bot.services.panel.schema import (
    CLEARED,
    RAPID_PURPOSE,
    REVIEW_PURPOSE,
    DayToConfirm,
    FindPlan,
    PanelDefaults,
    PanelPeople,
    PartStat,
    SchedulePlan,
    Venue,
    days_to_confirm,
    parse_find,
    parse_schedule,
)
from bot.services.refusal import InvalidFormError, RefusedError
from bot.services.reminders import tasks as engine
from bot.services.reminders.delivery import plan_next_overdue
from bot.services.reminders.tasks import EngineContext
from bot.services.review.access import leads_review
from bot.services.review.panel import check_named, name_review_panel
from storage.claim import claimed
from storage.models import (
    Agency,
    Case,
    CaseEvent,
    PanelMeeting,
    PanelMember,
    PanelSlot,
    Reminder,
    Task,
)
from storage.states import MeetingStatus, ReminderStatus, TaskStatus

SCHEDULE_TASK = TaskKind.SCHEDULE_INITIAL_PANEL
PAPERS_TASK = TaskKind.PANEL_PAPERS_SENT
OUTCOME_TASK = TaskKind.INITIAL_PANEL_OUTCOME
PANEL_EVENT = "panel_date"
ACTIVE = (MeetingStatus.PROPOSED, MeetingStatus.SCHEDULED)
INITIAL = "initial"
REVIEW = REVIEW_PURPOSE.key
RAPID = RAPID_PURPOSE.key
NOT_AN_ORGANISER = "Only the CPU or the Board business unit can arrange the Initial Panel."
NOT_THE_ORGANISER = "Only the panel's organiser ({who}) can change or cancel it."
NOT_A_CASE_CHANNEL = "Use this in the case channel of the review it is about."
NOT_ON_PANEL = "You are not on this panel (any more)."
NO_LONGER_ARRANGED = "This panel is no longer being arranged."
ONLY_SCHEDULED_CHANGED = "Only a scheduled panel can be changed."
ONLY_SCHEDULED_HELD = "Only a scheduled panel can be marked held."
MAY_NOT_MARK_HELD = "Only the CPU or the panel's organiser can mark it held."
NOT_MET_YET = "The panel has not met yet."
NOT_CLEARED = (
    "Not everyone on the panel has confirmed no previous involvement: {who}. They confirm on "
    "their invitation; otherwise the CPU records an exception with its reason "
    "(`/scr panel exception`), or the organiser replaces them with Change panel."
)
NOT_A_REVIEW_ARRANGER = "Only the CPU or the review panel's chair can arrange its meetings."
NOT_A_RAPID_ARRANGER = (
    "Only the business unit or the safeguarding partners' leads can arrange the rapid review "
    "meeting."
)
MAY_NOT_EXCEPT = "Only the CPU can record an exception to the no-previous-involvement rule."


class DaysToConfirmError(Exception):
    """The answers are valid, but some dates are not working days the organiser has
    confirmed: nothing was stored; ask, and book them when they are submitted again."""

    def __init__(self, days: Sequence[DayToConfirm]) -> None:
        super().__init__("dates on non-working days to confirm")
        self.days = tuple(days)


@dataclass(frozen=True)
class PanelContext:
    session: Session
    cal: WorkingCalendar
    now: datetime
    cipher: FieldCipher
    days_before: Mapping[str, int] = field(default_factory=dict)
    """The partnership's working days before the panel that its papers fall due."""

    @property
    def engine(self) -> EngineContext:
        return EngineContext(self.session, self.cal, self.now, days_before=self.days_before)


# Who may do what ----------------------------------------------------------------------


def may_organise(session: Session, user_id: str) -> bool:
    return bool(roles_of(session, user_id) & {Role.CPU, Role.ADMIN})


def may_mark_held(session: Session, meeting: PanelMeeting, user_id: str) -> bool:
    return user_id == meeting.organiser or Role.CPU in roles_of(session, user_id)


def may_except(session: Session, user_id: str) -> bool:
    return Role.CPU in roles_of(session, user_id)


def not_cleared(meeting: PanelMeeting) -> list[str]:
    """Members who have neither confirmed no previous involvement nor an exception."""
    return [m.slack_user_id for m in meeting.current_members() if m.involvement not in CLEARED]


def require_organiser(meeting: PanelMeeting, user_id: str) -> None:
    if user_id != meeting.organiser:
        raise RefusedError(NOT_THE_ORGANISER.format(who=f"<@{meeting.organiser}>"))


def may_arrange_review(session: Session, case_id: int, user_id: str) -> bool:
    """A review panel meeting is arranged by the CPU or the review panel's chair."""
    return Role.CPU in roles_of(session, user_id) or leads_review(session, case_id, user_id)


def may_arrange_rapid(session: Session, case_id: int, user_id: str) -> bool:
    """The rapid review meeting is arranged by the business unit or a partner's lead."""
    return bool(roles_of(session, user_id) & {Role.ADMIN, *PARTNER_LEADS})


ARRANGERS: dict[str, tuple[Callable[[Session, int, str], bool], str]] = {
    REVIEW: (may_arrange_review, NOT_A_REVIEW_ARRANGER),
    RAPID: (may_arrange_rapid, NOT_A_RAPID_ARRANGER),
}
"""Who may arrange a meeting of each purpose beyond the Initial Panel, and the refusal."""


def require_purpose_arranger(session: Session, purpose: str, case_id: int, user_id: str) -> None:
    may, refusal = ARRANGERS[purpose]
    if not may(session, case_id, user_id):
        raise RefusedError(refusal)


def require_arranger(session: Session, meeting: PanelMeeting, user_id: str) -> None:
    """The Initial Panel's organiser; for a later meeting, whoever its purpose names."""
    if meeting.purpose == INITIAL:
        require_organiser(meeting, user_id)
    else:
        require_purpose_arranger(session, meeting.purpose, meeting.case_id, user_id)


# Reading ------------------------------------------------------------------------------


def has_panel(case: Case) -> bool:
    return any(t.kind == SCHEDULE_TASK for t in get_process(case.process_key).tasks)


def case_task(session: Session, case_id: int, kind: str) -> Task | None:
    return session.scalar(
        select(Task).where(Task.case_id == case_id, Task.kind == kind).order_by(Task.id)
    )


def schedule_task(session: Session, case_id: int) -> Task | None:
    return case_task(session, case_id, SCHEDULE_TASK)


def panel_deadline(session: Session, case: Case, tasks: Sequence[Task] | None = None) -> date:
    """The date the Initial Panel must be held by: the scheduling task's deadline (which an
    agreed extension moves), else one calendar month from the referral. ``tasks``: the
    case's, in the order they were made, when the caller has read them (the case card)."""
    if tasks is None:
        task = schedule_task(session, case.id)
    else:
        task = next((t for t in tasks if t.kind == SCHEDULE_TASK), None)
    if task is not None:
        return task.due_at.astimezone(LONDON).date()
    return add_calendar_months(case.referral_date, 1)


def _meetings(*where: ColumnElement[bool]) -> Select[PanelMeeting]:
    return (
        select(PanelMeeting)
        .where(*where)
        .options(selectinload(PanelMeeting.members), selectinload(PanelMeeting.slots))
        .order_by(PanelMeeting.id.desc())
    )


def load_meeting(session: Session, meeting_id: int) -> PanelMeeting:
    meeting = session.scalar(_meetings(PanelMeeting.id == meeting_id))
    if meeting is None:
        raise RefusedError("That panel meeting no longer exists.")
    return meeting


def active_meeting(session: Session, case_id: int, purpose: str = INITIAL) -> PanelMeeting | None:
    """The case's Initial Panel being arranged (or, with ``purpose``, its review meeting)."""
    return session.scalar(
        _meetings(
            PanelMeeting.case_id == case_id,
            PanelMeeting.purpose == purpose,
            PanelMeeting.status.in_(ACTIVE),
        )
    )


def latest_meeting(session: Session, case_id: int) -> PanelMeeting | None:
    return session.scalar(
        _meetings(PanelMeeting.case_id == case_id, PanelMeeting.purpose == INITIAL)
    )


def meeting_case(session: Session, meeting: PanelMeeting) -> Case:
    case = session.get(Case, meeting.case_id)
    assert case is not None
    return case


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


# Opening the modals: each re-reads the case and meeting and re-checks who asks ----------


def panel_case(session: Session, channel: str | None, task_value: str | None = None) -> Case:
    """The case a panel command or button is about: the channel's, else (a reminder's
    button carries its task id) the task's."""
    case = case_by_channel(session, channel) if channel else None
    if case is None and task_value and task_value.isdigit():
        task = session.get(Task, int(task_value))
        case = None if task is None else session.get(Case, task.case_id)
    if case is None or not has_panel(case):
        raise RefusedError(NOT_A_CASE_CHANNEL)
    return case


def channel_meeting(session: Session, channel: str | None, nothing: str) -> PanelMeeting:
    """The panel being arranged in the case of ``channel``; refused with ``nothing``."""
    case = case_by_channel(session, channel) if channel else None
    meeting = active_meeting(session, case.id) if case is not None else None
    if meeting is None:
        raise RefusedError(nothing)
    return meeting


def may_open_new(session: Session, case: Case, user: str) -> date:
    """Whether ``user`` may schedule (or find a time for) a new panel; its deadline."""
    if not may_organise(session, user):
        raise RefusedError(NOT_AN_ORGANISER)
    if active_meeting(session, case.id) is not None:
        raise RefusedError("The Initial Panel is already being arranged: see the case card.")
    return panel_deadline(session, case)


def to_change(session: Session, meeting_id: int, user: str) -> tuple[PanelMeeting, PanelDefaults]:
    """The meeting its organiser may change, and the modal's answers as it stands."""
    meeting = load_meeting(session, meeting_id)
    require_organiser(meeting, user)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise RefusedError(ONLY_SCHEDULED_CHANGED)
    members = meeting.current_members()
    return meeting, PanelDefaults(
        start=meeting.start_at,
        end=meeting.end_at,
        location=meeting.location,
        video_url=meeting.video_url,
        members=[m.slack_user_id for m in members if m.role != "chair"],
        chair=meeting.chair,
    )


def _check_held(session: Session, meeting: PanelMeeting, user: str, now: datetime) -> None:
    if not may_mark_held(session, meeting, user):
        raise RefusedError(MAY_NOT_MARK_HELD)
    if meeting.purpose != INITIAL:
        raise RefusedError("Only the Initial Panel is marked held.")
    if meeting.status != MeetingStatus.SCHEDULED or meeting.start_at is None:
        raise RefusedError(ONLY_SCHEDULED_HELD)
    if meeting.start_at > now:
        raise RefusedError(NOT_MET_YET)
    pending = not_cleared(meeting)
    if pending:
        raise RefusedError(NOT_CLEARED.format(who=", ".join(f"<@{u}>" for u in pending)))


def to_mark_held(
    session: Session, meeting_id: int, user: str, now: datetime
) -> tuple[PanelMeeting, list[str]]:
    """The meeting ``user`` may mark held, and who said they would come."""
    meeting = load_meeting(session, meeting_id)
    _check_held(session, meeting, user, now)
    coming = (PartStat.ACCEPTED, PartStat.TENTATIVE)
    return meeting, [m.slack_user_id for m in meeting.current_members() if m.partstat in coming]


def to_declare(session: Session, meeting_id: int, user: str) -> PanelMeeting:
    meeting = load_meeting(session, meeting_id)
    if user not in {m.slack_user_id for m in meeting.current_members()}:
        raise RefusedError(NOT_ON_PANEL)
    if meeting.status not in ACTIVE:
        raise RefusedError(NO_LONGER_ARRANGED)
    return meeting


def to_except(session: Session, meeting_id: int, user: str) -> PanelMeeting:
    """The panel the CPU may record an exception on, while it is being arranged."""
    if not may_except(session, user):
        raise RefusedError(MAY_NOT_EXCEPT)
    meeting = load_meeting(session, meeting_id)
    if meeting.status not in ACTIVE:
        raise RefusedError(NO_LONGER_ARRANGED)
    return meeting


def to_cancel(session: Session, channel: str | None, user: str) -> PanelMeeting:
    meeting = channel_meeting(session, channel, "There is no Initial Panel to cancel here.")
    require_organiser(meeting, user)
    return meeting


# A modal's answers stored -------------------------------------------------------------


def _representation_error(missing: list[str]) -> str:
    names = " or ".join(missing) if len(missing) <= 2 else ", ".join(missing)
    return (
        f"Nobody on the panel acts for {names}, which is involved in this case. Add someone, "
        "or tick “Go ahead” below."
    )


def store_answers(
    ctx: PanelContext,
    case: Case,
    values: Mapping[str, Any],
    *,
    find: bool,
    meeting_id: int | None,
    actor: str,
    view_id: str,
    core: Sequence[str],
    uid: str,
    confirmed: Collection[date] = (),
) -> int | None:
    """Validate a schedule, change or find-a-time modal and store it; the meeting's id, or
    None when a concurrent delivery of the same submission stored it. A valid date on a
    weekend or bank holiday not among ``confirmed`` raises `DaysToConfirmError`."""
    deadline = panel_deadline(ctx.session, case)
    plan: SchedulePlan | FindPlan = (
        parse_find(values, now=ctx.now, deadline=deadline)
        if find
        else parse_schedule(values, now=ctx.now, deadline=deadline)
    )
    missing = missing_core_agencies(ctx.session, case, plan.people.everyone, core)
    if missing and not plan.go_ahead:
        raise InvalidFormError({PanelBlock.MEMBERS.value: _representation_error(missing)})
    unconfirmed = days_to_confirm(values, ctx.cal, confirmed, find=find)
    if unconfirmed:
        raise DaysToConfirmError(unconfirmed)
    try:
        if isinstance(plan, FindPlan):
            return propose(ctx, case, plan, actor=actor, view_id=view_id, uid=uid)
        if meeting_id is None:
            return schedule(ctx, case, plan, actor=actor, view_id=view_id, uid=uid)
        meeting = load_meeting(ctx.session, meeting_id)
        if meeting.case_id != case.id:
            raise RefusedError("That panel belongs to another case.")
        return change(ctx, meeting, plan, actor=actor, view_id=view_id)
    except RefusedError as exc:
        field = PanelBlock.MEMBERS if find else PanelBlock.DATE
        raise RefusedError(exc.message, field=field.value) from None


# Arranging ----------------------------------------------------------------------------


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
                    partstat=PartStat.NEEDS_ACTION,
                    involvement="unconfirmed",
                    added_at=ctx.now,
                )
            )
            added.append(user)
            continue
        if row.removed_at is not None:
            row.removed_at, row.removed_seq = None, None
            row.partstat, row.responded_at = PartStat.NEEDS_ACTION, None
            row.answered_by_email = None
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


def apply_override(
    ctx: PanelContext, meeting: PanelMeeting, plan: SchedulePlan, actor: str
) -> None:
    if plan.override_reason is None:
        meeting.override_reason, meeting.override_by = None, None
        return
    sealed = ctx.cipher.for_case(ctx.session, meeting.case_id)
    meeting.override_reason = sealed.encrypt_text(plan.override_reason)
    meeting.override_by = actor


def new_meeting(
    ctx: PanelContext, case: Case, *, status: MeetingStatus, actor: str, view_id: str, uid: str
) -> PanelMeeting:
    if not may_organise(ctx.session, actor):
        raise RefusedError(NOT_AN_ORGANISER)
    if not has_panel(case):
        raise RefusedError("This case's process has no Initial Panel.")
    if active_meeting(ctx.session, case.id) is not None:
        raise RefusedError(
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


def _arrange(
    ctx: PanelContext,
    case: Case,
    plan: SchedulePlan | FindPlan,
    *,
    status: MeetingStatus,
    actor: str,
    view_id: str,
    uid: str,
) -> PanelMeeting | None:
    """A new meeting from a modal's plan, flushed; None when a concurrent delivery of the
    same modal won."""
    try:
        with ctx.session.begin_nested():
            meeting = new_meeting(ctx, case, status=status, actor=actor, view_id=view_id, uid=uid)
            apply_venue(meeting, plan.venue)
            set_members(ctx, meeting, plan.people)
            if isinstance(plan, SchedulePlan):
                meeting.start_at, meeting.end_at = plan.start, plan.end
                apply_override(ctx, meeting, plan, actor)
                return meeting
            meeting.duration_minutes = int(plan.duration.total_seconds() // 60)
            for position, (start, end) in enumerate(plan.slots, start=1):
                meeting.slots.append(PanelSlot(position=position, start_at=start, end_at=end))
            return meeting
    except IntegrityError:
        return None


def schedule(
    ctx: PanelContext, case: Case, plan: SchedulePlan, *, actor: str, view_id: str, uid: str
) -> int | None:
    """Put the panel in the diary. The same modal submitted twice schedules it once."""
    again = meeting_by_view(ctx.session, view_id)
    if again is not None:
        return again.id
    status = MeetingStatus.SCHEDULED
    meeting = _arrange(ctx, case, plan, status=status, actor=actor, view_id=view_id, uid=uid)
    if meeting is None:
        return None
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


def propose(
    ctx: PanelContext, case: Case, plan: FindPlan, *, actor: str, view_id: str, uid: str
) -> int | None:
    """Finding a time: up to five times before the deadline, for the members to answer."""
    again = meeting_by_view(ctx.session, view_id)
    if again is not None:
        return again.id
    status = MeetingStatus.PROPOSED
    meeting = _arrange(ctx, case, plan, status=status, actor=actor, view_id=view_id, uid=uid)
    if meeting is None:
        return None
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="panel.times_proposed",
        case_id=case.id,
        meeting_id=meeting.id,
        slots=len(plan.slots),
        members=len(plan.people.everyone),
        without_core=plan.go_ahead,
    )
    return meeting.id


def confirm(ctx: PanelContext, slot_id: int, *, actor: str) -> int | None:
    """The organiser picks a time: the proposal becomes a scheduled meeting. None when it was
    scheduled already (a double click)."""
    slot = ctx.session.get(PanelSlot, slot_id)
    if slot is None:
        raise RefusedError("That time is no longer proposed.")
    meeting = load_meeting(ctx.session, slot.meeting_id)
    require_organiser(meeting, actor)
    if not claimed(
        ctx.session,
        PanelMeeting,
        PanelMeeting.id == meeting.id,
        PanelMeeting.status == MeetingStatus.PROPOSED,
        status=MeetingStatus.SCHEDULED,
        start_at=slot.start_at,
        end_at=slot.end_at,
        updated_at=ctx.now,
        distributed_seq=None,
    ):
        if meeting.status == MeetingStatus.SCHEDULED:
            return None
        raise RefusedError(NO_LONGER_ARRANGED)
    ctx.session.refresh(meeting)
    case = meeting_case(ctx.session, meeting)
    settle_date(ctx, case, meeting, actor=actor)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="panel.scheduled",
        case_id=case.id,
        meeting_id=meeting.id,
        start=slot.start_at.isoformat(),
        members=len(meeting.current_members()),
        from_slot=slot.position,
    )
    return meeting.id


def change(
    ctx: PanelContext, meeting: PanelMeeting, plan: SchedulePlan, *, actor: str, view_id: str
) -> int:
    """New time, place or people: the next revision (same UID, next SEQUENCE). Answers to the
    invitation start again when the time moves."""
    if meeting.last_view_id == view_id:
        return meeting.id
    require_arranger(ctx.session, meeting, actor)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise RefusedError(ONLY_SCHEDULED_CHANGED)
    case = meeting_case(ctx.session, meeting)
    times_changed = (meeting.start_at, meeting.end_at) != (plan.start, plan.end)
    meeting.sequence += 1
    meeting.start_at, meeting.end_at = plan.start, plan.end
    meeting.updated_at, meeting.last_view_id = ctx.now, view_id
    apply_venue(meeting, plan.venue)
    apply_override(ctx, meeting, plan, actor)
    added, removed = set_members(ctx, meeting, plan.people)
    if times_changed:
        meeting.time_sequence = meeting.sequence
        for member in meeting.current_members():
            member.partstat, member.responded_at = PartStat.NEEDS_ACTION, None
            member.answered_by_email = None
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
    return meeting.id


def settle_date(ctx: PanelContext, case: Case, meeting: PanelMeeting, *, actor: str) -> None:
    """The meeting's start becomes the case's ``panel_date`` (recorded before the scheduling
    task completes, which would otherwise record "now"), and its reminders are planned. The
    papers wanted for it (the agencies' chronologies and synopses, the CPU's sending of the
    integrated chronology) fall due before it, their reminders planned again. A review panel
    meeting has only its reminders."""
    assert meeting.start_at is not None
    if meeting.purpose != INITIAL:
        plan_reminders(ctx.session, meeting, ctx.cal, ctx.now)
        return
    _anchor_panel_date(ctx, case, meeting.start_at, actor)
    task = schedule_task(ctx.session, case.id)
    if task is not None and task.status == TaskStatus.OPEN:
        engine.complete_task(ctx.engine, task, actor=actor, check_permission=False)
    engine.advance(ctx.engine, case, actor=actor)
    _papers_task(ctx, case)
    engine.follow_meeting(ctx.engine, case, PANEL_EVENT, actor=actor, reason="panel booked")
    plan_reminders(ctx.session, meeting, ctx.cal, ctx.now)


def _papers_task(ctx: PanelContext, case: Case) -> None:
    """The CPU's task to send the panel the integrated chronology, from the moment the panel
    is booked (before the case's CPU actions are all done, the stage it belongs to has not
    begun yet)."""
    process = ctx.engine.process(case)
    if not any(t.kind == PAPERS_TASK for t in process.all_tasks):
        return
    if case.stage in (process.stage_of(SCHEDULE_TASK).key, process.stage_of(PAPERS_TASK).key):
        engine.create_task(ctx.engine, case, PAPERS_TASK)


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
        if definition.anchor == PANEL_EVENT and task.round_no == 1 and not definition.due_before:
            engine.move_deadline(
                ctx.engine,
                task,
                new_due=task_due(definition, start, ctx.cal),
                actor=actor,
                reason="panel rescheduled",
            )


# Cancelling and holding ---------------------------------------------------------------


def cancel(ctx: PanelContext, meeting_id: int, *, actor: str) -> bool:
    """Cancel (organiser only). False when it was cancelled already: a double click."""
    meeting = load_meeting(ctx.session, meeting_id)
    require_arranger(ctx.session, meeting, actor)
    if not claimed(
        ctx.session,
        PanelMeeting,
        PanelMeeting.id == meeting_id,
        PanelMeeting.status.in_(ACTIVE),
        status=MeetingStatus.CANCELLED,
        sequence=PanelMeeting.sequence + 1,
        cancelled_at=ctx.now,
        cancelled_by=actor,
        updated_at=ctx.now,
    ):
        return False
    ctx.session.refresh(meeting)
    cancel_reminders(ctx.session, meeting.id)
    if meeting.purpose == INITIAL:
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
    if task is None or case is None or task.status != TaskStatus.DONE:
        return
    task.status, task.completed_at, task.completed_by = TaskStatus.OPEN, None, None
    if not claimed(
        ctx.session,
        Reminder,
        Reminder.task_id == task.id,
        Reminder.status == ReminderStatus.CANCELLED,
        Reminder.at > ctx.now,
        status=ReminderStatus.PLANNED,
        claimed_until=None,
    ):
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


def mark_held(
    ctx: PanelContext,
    meeting_id: int,
    *,
    actor: str,
    attended: set[str],
    review_chair: str = "",
    review_members: Sequence[str] = (),
) -> bool:
    """The meeting took place: attendance is kept, the review panel it named recorded, its
    reminders stop, and the panel's outcome task is open for its recommendation (which
    records ``initial_panel_held`` and opens the Board Chair's decision). False when it was
    marked held already."""
    meeting = load_meeting(ctx.session, meeting_id)
    if not may_mark_held(ctx.session, meeting, actor):
        raise RefusedError(MAY_NOT_MARK_HELD)
    if meeting.status == MeetingStatus.HELD:
        return False
    _check_held(ctx.session, meeting, actor, ctx.now)
    check_named(ctx.session, review_chair, review_members)
    if not claimed(
        ctx.session,
        PanelMeeting,
        PanelMeeting.id == meeting_id,
        PanelMeeting.status == MeetingStatus.SCHEDULED,
        status=MeetingStatus.HELD,
        held_at=ctx.now,
        held_by=actor,
        updated_at=ctx.now,
    ):
        return False
    ctx.session.refresh(meeting)
    present = attended & {m.slack_user_id for m in meeting.current_members()}
    for member in meeting.current_members():
        member.attended = member.slack_user_id in present
    cancel_reminders(ctx.session, meeting.id)
    case = meeting_case(ctx.session, meeting)
    name_review_panel(
        ctx.session,
        ctx.now,
        case.id,
        meeting.current_members(),
        chair=review_chair,
        members=review_members,
        actor=actor,
    )
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
