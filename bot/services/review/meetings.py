"""Meetings arranged in the case channel beyond the Initial Panel, sent with the Initial
Panel's invitation machinery (the same `.ics` with its stable UID and rising SEQUENCE, the
same DMs and e-mails): the review panel's later meetings (the CPU or the review panel's
chair; the named review panel invited) and a Child Safeguarding Practice Review's rapid
review meeting (the business unit or a partner's lead; the partners' leads, the business
unit and the involved agencies' designated persons invited). Scheduling one, moving it,
cancelling it, marking it held. Such a meeting has no deadline of its own; a purpose's task
(`MeetingPurpose.task`), when the case's process has it, is done once it is held. No Slack
here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ids import PanelBlock
from bot.process.registry import get_process
from bot.process.working_days import LONDON
from bot.services.cases import audit
from bot.services.cases.access import AgencyRole, case_by_channel
from bot.services.panel.meetings import (
    NOT_A_CASE_CHANNEL,
    ONLY_SCHEDULED_CHANGED,
    RAPID,
    REVIEW,
    PanelContext,
    active_meeting,
    apply_venue,
    change,
    load_meeting,
    meeting_by_view,
    require_purpose_arranger,
    set_members,
)
from bot.services.panel.reminders import cancel_reminders, plan_reminders
from bot.services.panel.schema import (
    MAX_MEMBERS,
    PURPOSES,
    MeetingPurpose,
    PanelDefaults,
    parse_schedule,
)
from bot.services.refusal import RefusedError
from bot.services.reminders import tasks as engine
from bot.services.reminders.owners import agency_people, partnership_people
from bot.services.review.panel import review_panel
from storage.claim import claimed
from storage.models import Case, PanelMeeting, Task
from storage.states import MeetingStatus, TaskStatus

NO_REVIEW_PANEL = "The review panel has not been named for this case yet."
NO_RAPID_REVIEW = "This case's process has no rapid review meeting."
ALREADY_ARRANGED = (
    "A {title} is already in the diary: move it (`/scr {command} move`) or cancel it "
    "(`/scr {command} cancel`) first."
)
NO_MEETING = "There is no {title} in the diary here."
NOT_MET_YET = "The {title} has not met yet."
NO_DEADLINE = date.max


@dataclass(frozen=True)
class Arrangement:
    """How a purpose's meeting is arranged: whether the case is ready for one (a refusal
    when not) and who is invited by default."""

    purpose: MeetingPurpose
    not_ready: Callable[[Session, Case], str | None]
    people: Callable[[Session, Case], PanelDefaults]


def _review_not_ready(session: Session, case: Case) -> str | None:
    return None if review_panel(session, case.id) else NO_REVIEW_PANEL


def _review_people(session: Session, case: Case) -> PanelDefaults:
    """The named review panel."""
    named = review_panel(session, case.id)
    chair = next((r.slack_user_id for r in named if r.role == "chair"), None)
    members = [r.slack_user_id for r in named if r.role != "chair"]
    return PanelDefaults(members=members, chair=chair)


def _has_task(case: Case, purpose: MeetingPurpose) -> bool:
    process = get_process(case.process_key)
    return purpose.task is not None and any(t.kind == purpose.task for t in process.all_tasks)


def _rapid_not_ready(session: Session, case: Case) -> str | None:
    return None if _has_task(case, PURPOSES[RAPID]) else NO_RAPID_REVIEW


def _rapid_people(session: Session, case: Case) -> PanelDefaults:
    """The partners' leads (the first chairing), the business unit and the designated
    persons of the agencies involved."""
    people = partnership_people(session, "partner_leads") + partnership_people(session, "admins")
    for involved in engine.involved_agencies(session, case.id):
        people += agency_people(session, involved.agency_id, AgencyRole.DESIGNATED_PERSON)
    everyone = list(dict.fromkeys(people))[: MAX_MEMBERS + 1]
    chair = everyone[0] if everyone else None
    return PanelDefaults(members=everyone[1:], chair=chair)


ARRANGEMENTS: dict[str, Arrangement] = {
    REVIEW: Arrangement(PURPOSES[REVIEW], _review_not_ready, _review_people),
    RAPID: Arrangement(PURPOSES[RAPID], _rapid_not_ready, _rapid_people),
}


def _words(purpose: MeetingPurpose, text: str) -> str:
    return text.format(title=purpose.title.lower(), command=purpose.command)


def arranging_case(session: Session, channel: str | None, user: str, purpose: str) -> Case:
    """The case of ``channel``, whose ``purpose`` meetings ``user`` may arrange."""
    case = case_by_channel(session, channel) if channel else None
    if case is None:
        raise RefusedError(NOT_A_CASE_CHANNEL)
    require_purpose_arranger(session, purpose, case.id, user)
    refusal = ARRANGEMENTS[purpose].not_ready(session, case)
    if refusal:
        raise RefusedError(refusal)
    return case


def to_schedule(
    session: Session, channel: str | None, user: str, purpose: str = REVIEW
) -> tuple[Case, PanelDefaults]:
    """The case, and the people its purpose invites as the modal's defaults."""
    arrangement = ARRANGEMENTS[purpose]
    case = arranging_case(session, channel, user, purpose)
    if active_meeting(session, case.id, purpose) is not None:
        raise RefusedError(_words(arrangement.purpose, ALREADY_ARRANGED))
    return case, arrangement.people(session, case)


def channel_meeting_of(
    session: Session, channel: str | None, user: str, purpose: str = REVIEW
) -> PanelMeeting:
    """The ``purpose`` meeting in the diary of the case of ``channel``."""
    case = arranging_case(session, channel, user, purpose)
    meeting = active_meeting(session, case.id, purpose)
    if meeting is None or meeting.status != MeetingStatus.SCHEDULED:
        raise RefusedError(_words(PURPOSES[purpose], NO_MEETING))
    return meeting


def defaults_of(meeting: PanelMeeting) -> PanelDefaults:
    """The move modal's answers as the meeting stands."""
    members = meeting.current_members()
    return PanelDefaults(
        start=meeting.start_at,
        end=meeting.end_at,
        location=meeting.location,
        video_url=meeting.video_url,
        members=[m.slack_user_id for m in members if m.role != "chair"],
        chair=meeting.chair,
    )


def store_meeting(
    ctx: PanelContext,
    case: Case,
    values: Mapping[str, Any],
    *,
    purpose: str,
    meeting_id: int | None,
    actor: str,
    view_id: str,
    uid: str,
) -> int | None:
    """Schedule a ``purpose`` meeting, or (``meeting_id``) move it: its id, or None when a
    concurrent delivery of the same submission stored it."""
    plan = parse_schedule(values, now=ctx.now, deadline=NO_DEADLINE)
    try:
        if meeting_id is not None:
            meeting = load_meeting(ctx.session, meeting_id)
            if meeting.case_id != case.id or meeting.purpose != purpose:
                raise RefusedError(ONLY_SCHEDULED_CHANGED)
            return change(ctx, meeting, plan, actor=actor, view_id=view_id)
        again = meeting_by_view(ctx.session, view_id)
        if again is not None:
            return again.id
        require_purpose_arranger(ctx.session, purpose, case.id, actor)
        if active_meeting(ctx.session, case.id, purpose) is not None:
            raise RefusedError(_words(PURPOSES[purpose], ALREADY_ARRANGED))
    except RefusedError as exc:
        raise RefusedError(exc.message, field=PanelBlock.DATE.value) from None
    try:
        with ctx.session.begin_nested():
            meeting = PanelMeeting(
                case_id=case.id,
                uid=uid,
                sequence=0,
                status=MeetingStatus.SCHEDULED,
                purpose=purpose,
                organiser=actor,
                chair=plan.people.chair,
                start_at=plan.start,
                end_at=plan.end,
                created_at=ctx.now,
                updated_at=ctx.now,
                last_view_id=view_id,
            )
            ctx.session.add(meeting)
            apply_venue(meeting, plan.venue)
            set_members(ctx, meeting, plan.people)
            ctx.session.flush()
    except IntegrityError:
        return None
    plan_reminders(ctx.session, meeting, ctx.cal, ctx.now)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action=f"{purpose}.meeting_scheduled",
        case_id=case.id,
        meeting_id=meeting.id,
        start=plan.start.isoformat(),
        members=len(plan.people.everyone),
    )
    return meeting.id


def mark_held(ctx: PanelContext, channel: str | None, *, actor: str, purpose: str) -> Case:
    """The ``purpose`` meeting in the diary took place: its reminders stop, and its
    purpose's task (when the case's process has it) is done. The case."""
    meeting = channel_meeting_of(ctx.session, channel, actor, purpose)
    words = PURPOSES[purpose]
    if meeting.start_at is None or meeting.start_at > ctx.now:
        raise RefusedError(_words(words, NOT_MET_YET))
    case = ctx.session.get(Case, meeting.case_id)
    assert case is not None
    if not claimed(
        ctx.session,
        PanelMeeting,
        PanelMeeting.id == meeting.id,
        PanelMeeting.status == MeetingStatus.SCHEDULED,
        status=MeetingStatus.HELD,
        held_at=ctx.now,
        held_by=actor,
        updated_at=ctx.now,
    ):
        return case
    cancel_reminders(ctx.session, meeting.id)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action=f"{purpose}.meeting_held",
        case_id=case.id,
        meeting_id=meeting.id,
    )
    task = _open_task(ctx.session, case, words)
    if task is not None:
        engine.complete_task(ctx.engine, task, actor=actor, check_permission=False)
        engine.advance(ctx.engine, case, actor=actor)
    return case


def _open_task(session: Session, case: Case, purpose: MeetingPurpose) -> Task | None:
    if not _has_task(case, purpose):
        return None
    return session.scalar(
        select(Task)
        .where(Task.case_id == case.id, Task.kind == purpose.task, Task.status == TaskStatus.OPEN)
        .order_by(Task.id)
    )


def booked_notes(session: Session, case: Case) -> dict[str, str]:
    """For the case card: each purpose task's note, the date of its meeting once booked."""
    notes: dict[str, str] = {}
    for purpose in PURPOSES.values():
        if purpose.task is None or not _has_task(case, purpose):
            continue
        meeting = active_meeting(session, case.id, purpose.key)
        if meeting is not None and meeting.start_at is not None:
            local = meeting.start_at.astimezone(LONDON)
            notes[purpose.task] = f"meeting booked for {local:%a} {local.day} {local:%b %H:%M}"
        else:
            notes[purpose.task] = "not scheduled yet"
    return notes
