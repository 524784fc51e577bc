"""Later meetings of the review panel, arranged by the CPU or the review panel's chair and
sent with the Initial Panel's invitation machinery (the same `.ics` with its stable UID and
rising SEQUENCE, the same DMs and e-mails): scheduling one, moving it, cancelling it. A
review panel meeting has no deadline and no scheduling task; it invites the named review
panel by default. No Slack here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ids import PanelBlock
from bot.services.cases import audit
from bot.services.cases.access import case_by_channel
from bot.services.panel.meetings import (
    NOT_A_CASE_CHANNEL,
    NOT_A_REVIEW_ARRANGER,
    ONLY_SCHEDULED_CHANGED,
    REVIEW,
    PanelContext,
    active_meeting,
    apply_venue,
    change,
    load_meeting,
    may_arrange_review,
    meeting_by_view,
    set_members,
)
from bot.services.panel.reminders import plan_reminders
from bot.services.panel.schema import PanelDefaults, parse_schedule
from bot.services.refusal import RefusedError
from bot.services.review.panel import review_panel
from storage.models import Case, PanelMeeting
from storage.states import MeetingStatus

NO_REVIEW_PANEL = "The review panel has not been named for this case yet."
ALREADY_ARRANGED = (
    "A review panel meeting is already in the diary: move it (`/scr review meeting move`) "
    "or cancel it (`/scr review meeting cancel`) first."
)
NO_MEETING = "There is no review panel meeting in the diary here."
NO_DEADLINE = date.max


def review_case(session: Session, channel: str | None, user: str) -> Case:
    """The case of ``channel``, whose review panel ``user`` may arrange meetings for."""
    case = case_by_channel(session, channel) if channel else None
    if case is None:
        raise RefusedError(NOT_A_CASE_CHANNEL)
    if not may_arrange_review(session, case.id, user):
        raise RefusedError(NOT_A_REVIEW_ARRANGER)
    if not review_panel(session, case.id):
        raise RefusedError(NO_REVIEW_PANEL)
    return case


def to_schedule(session: Session, channel: str | None, user: str) -> tuple[Case, PanelDefaults]:
    """The case, and the named review panel as the modal's default people."""
    case = review_case(session, channel, user)
    if active_meeting(session, case.id, REVIEW) is not None:
        raise RefusedError(ALREADY_ARRANGED)
    named = review_panel(session, case.id)
    chair = next((r.slack_user_id for r in named if r.role == "chair"), None)
    members = [r.slack_user_id for r in named if r.role != "chair"]
    return case, PanelDefaults(members=members, chair=chair)


def channel_review_meeting(session: Session, channel: str | None, user: str) -> PanelMeeting:
    """The review panel meeting in the diary of the case of ``channel``."""
    case = review_case(session, channel, user)
    meeting = active_meeting(session, case.id, REVIEW)
    if meeting is None or meeting.status != MeetingStatus.SCHEDULED:
        raise RefusedError(NO_MEETING)
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


def store_review_meeting(
    ctx: PanelContext,
    case: Case,
    values: Mapping[str, Any],
    *,
    meeting_id: int | None,
    actor: str,
    view_id: str,
    uid: str,
) -> int | None:
    """Schedule a review panel meeting, or (``meeting_id``) move it: its id, or None when a
    concurrent delivery of the same submission stored it."""
    plan = parse_schedule(values, now=ctx.now, deadline=NO_DEADLINE)
    try:
        if meeting_id is not None:
            meeting = load_meeting(ctx.session, meeting_id)
            if meeting.case_id != case.id or meeting.purpose != REVIEW:
                raise RefusedError(ONLY_SCHEDULED_CHANGED)
            return change(ctx, meeting, plan, actor=actor, view_id=view_id)
        again = meeting_by_view(ctx.session, view_id)
        if again is not None:
            return again.id
        if not may_arrange_review(ctx.session, case.id, actor):
            raise RefusedError(NOT_A_REVIEW_ARRANGER)
        if active_meeting(ctx.session, case.id, REVIEW) is not None:
            raise RefusedError(ALREADY_ARRANGED)
    except RefusedError as exc:
        raise RefusedError(exc.message, field=PanelBlock.DATE.value) from None
    try:
        with ctx.session.begin_nested():
            meeting = PanelMeeting(
                case_id=case.id,
                uid=uid,
                sequence=0,
                status=MeetingStatus.SCHEDULED,
                purpose=REVIEW,
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
        action="review.meeting_scheduled",
        case_id=case.id,
        meeting_id=meeting.id,
        start=plan.start.isoformat(),
        members=len(plan.people.everyone),
    )
    return meeting.id
