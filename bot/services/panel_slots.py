"""Finding a time: the organiser proposes up to five times before the deadline, each panel
member says which suit them, and the organiser confirms one, which becomes the meeting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.services import audit
from bot.services.panel import (
    PanelContext,
    PanelRefusedError,
    load_meeting,
    meeting_by_view,
    new_meeting,
    require_organiser,
    set_members,
    settle_date,
)
from bot.services.panel_form import FindPlan
from storage.models import Case, PanelMeeting, PanelSlot, PanelSlotAnswer

NOT_ASKED = "You are not among the people asked about these times."


@dataclass(frozen=True)
class SlotTally:
    slot_id: int
    position: int
    start: datetime
    end: datetime
    available: tuple[str, ...]
    unavailable: tuple[str, ...]


@dataclass(frozen=True)
class SlotAnswered:
    meeting_id: int
    case_id: int
    changed: bool


def propose(
    ctx: PanelContext, case: Case, plan: FindPlan, *, actor: str, view_id: str, uid: str
) -> int:
    again = meeting_by_view(ctx.session, view_id)
    if again is not None:
        return again.id
    meeting = new_meeting(ctx, case, status="proposed", actor=actor, view_id=view_id, uid=uid)
    meeting.location, meeting.video_url = plan.venue.location, plan.venue.video_url
    meeting.duration_minutes = int(plan.duration.total_seconds() // 60)
    set_members(ctx, meeting, plan.people)
    for position, (start, end) in enumerate(plan.slots, start=1):
        meeting.slots.append(PanelSlot(position=position, start_at=start, end_at=end))
    ctx.session.flush()
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


def answer(ctx: PanelContext, slot_id: int, *, user_id: str, available: bool) -> SlotAnswered:
    slot = ctx.session.get(PanelSlot, slot_id)
    if slot is None:
        raise PanelRefusedError("That time is no longer proposed.")
    meeting = load_meeting(ctx.session, slot.meeting_id)
    if meeting.status != "proposed":
        raise PanelRefusedError("A time has been chosen already; see the invitation.")
    if user_id not in {m.slack_user_id for m in meeting.current_members()}:
        raise PanelRefusedError(NOT_ASKED)
    row = ctx.session.scalar(
        select(PanelSlotAnswer).where(
            PanelSlotAnswer.slot_id == slot_id, PanelSlotAnswer.slack_user_id == user_id
        )
    )
    if row is not None and row.available == available:
        return SlotAnswered(meeting.id, meeting.case_id, False)
    if row is None:
        ctx.session.add(
            PanelSlotAnswer(
                slot_id=slot_id, slack_user_id=user_id, available=available, answered_at=ctx.now
            )
        )
    else:
        row.available, row.answered_at = available, ctx.now
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=user_id,
        action="panel.time_answered",
        case_id=meeting.case_id,
        meeting_id=meeting.id,
        slot=slot.position,
        available=available,
    )
    return SlotAnswered(meeting.id, meeting.case_id, True)


def tallies(session: Session, meeting: PanelMeeting) -> list[SlotTally]:
    people = {m.slack_user_id for m in meeting.current_members()}
    answers: dict[int, dict[str, bool]] = {}
    for row in session.scalars(
        select(PanelSlotAnswer).where(
            PanelSlotAnswer.slot_id.in_([slot.id for slot in meeting.slots])
        )
    ):
        if row.slack_user_id in people:
            answers.setdefault(row.slot_id, {})[row.slack_user_id] = row.available
    out = []
    for slot in meeting.slots:
        given = answers.get(slot.id, {})
        out.append(
            SlotTally(
                slot_id=slot.id,
                position=slot.position,
                start=slot.start_at,
                end=slot.end_at,
                available=tuple(sorted(u for u, yes in given.items() if yes)),
                unavailable=tuple(sorted(u for u, yes in given.items() if not yes)),
            )
        )
    return out


def my_answers(session: Session, meeting: PanelMeeting, user_id: str) -> dict[int, bool]:
    return {
        row.slot_id: row.available
        for row in session.scalars(
            select(PanelSlotAnswer).where(
                PanelSlotAnswer.slot_id.in_([slot.id for slot in meeting.slots]),
                PanelSlotAnswer.slack_user_id == user_id,
            )
        )
    }


def confirm(ctx: PanelContext, slot_id: int, *, actor: str) -> int | None:
    """The organiser picks a time: the proposal becomes a scheduled meeting. None when it was
    scheduled already (a double click)."""
    slot = ctx.session.get(PanelSlot, slot_id)
    if slot is None:
        raise PanelRefusedError("That time is no longer proposed.")
    meeting = load_meeting(ctx.session, slot.meeting_id)
    require_organiser(meeting, actor)
    taken = ctx.session.execute(
        update(PanelMeeting)
        .where(PanelMeeting.id == meeting.id, PanelMeeting.status == "proposed")
        .values(
            status="scheduled",
            start_at=slot.start_at,
            end_at=slot.end_at,
            updated_at=ctx.now,
            distributed_seq=None,
        )
        .execution_options(synchronize_session=False)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        if meeting.status == "scheduled":
            return None
        raise PanelRefusedError("This panel is no longer being arranged.")
    ctx.session.refresh(meeting)
    case = ctx.session.get(Case, meeting.case_id)
    assert case is not None
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
