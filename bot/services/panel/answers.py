"""What panel members answer: coming or not (RSVP), whether they had any previous
involvement in the direct management of the case, and which proposed times suit them; and
what the case card shows of it all. Every answer re-reads the meeting: a button from an
older invitation, or someone no longer on the panel, changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.calendar.replies import CalendarReply
from bot.ids import PanelBlock
from bot.process.states import Stage
from bot.process.working_days import WorkingCalendar
from bot.services.cases import audit
from bot.services.cases.identifying import screen
from bot.services.cases.records import Present
from bot.services.panel.meetings import (
    ACTIVE,
    NO_LONGER_ARRANGED,
    NOT_ON_PANEL,
    PanelContext,
    has_panel,
    latest_meeting,
    load_meeting,
    panel_deadline,
    to_except,
)
from bot.services.panel.schema import (
    DECLARATION_LENGTH,
    REASON_LENGTH,
    Involvement,
    PanelCardState,
    PartStat,
    SlotLine,
)
from bot.services.refusal import InvalidFormError, RefusedError
from storage.models import Case, PanelMeeting, PanelMember, PanelSlot, PanelSlotAnswer, Task
from storage.states import MeetingStatus

NOT_ASKED = "You are not among the people asked about these times."
PANEL_STAGES = frozenset({Stage.REFERRAL, Stage.INITIAL_PANEL, Stage.DECISION})
"""The card shows the panel until the Board Chair's decision is made."""
EXCEPTED_NOT_ON_PANEL = "That person is not on this panel."
ALREADY_CONFIRMED = "They have confirmed no previous involvement already: no exception is needed."
SUPERSEDED = "This invitation has been updated since: please answer the latest one."


@dataclass(frozen=True)
class Answered:
    meeting_id: int
    case_id: int
    changed: bool


def _member(meeting: PanelMeeting, user_id: str) -> PanelMember:
    for member in meeting.current_members():
        if member.slack_user_id == user_id:
            return member
    raise RefusedError(NOT_ON_PANEL)


def answer_invitation(
    ctx: PanelContext,
    meeting_id: int,
    *,
    sequence: int,
    user_id: str,
    partstat: PartStat,
    by_email: bool = False,
) -> Answered:
    """A member's answer, given in Slack or (``by_email``) by their calendar."""
    meeting = load_meeting(ctx.session, meeting_id)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise RefusedError("This panel is no longer scheduled.")
    if sequence != meeting.sequence:
        raise RefusedError(SUPERSEDED)
    member = _member(meeting, user_id)
    if member.partstat == partstat:
        return Answered(meeting.id, meeting.case_id, False)
    member.partstat, member.responded_at = partstat, ctx.now
    member.answered_by_email = by_email
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=user_id,
        action="panel.rsvp",
        case_id=meeting.case_id,
        meeting_id=meeting.id,
        sequence=sequence,
        partstat=str(partstat),
        by_email=by_email,
    )
    return Answered(meeting.id, meeting.case_id, True)


# Answers that come back by e-mail ---------------------------------------------------------


class ReplyOutcome(StrEnum):
    """What became of one calendar reply; the words are safe to log (no content)."""

    RECORDED = "recorded"
    UNCHANGED = "the same answer as before"
    UNKNOWN_MEETING = "not one of the bot's meetings"
    NOT_SCHEDULED = "the meeting is no longer scheduled"
    NOT_INVITED = "from someone not on the panel"
    NOT_FROM_ATTENDEE = "sent by someone other than the attendee"
    EARLIER_TIME = "an answer to a time since moved"
    UNKNOWN_REVISION = "a revision never sent"
    OLDER_THAN_ANSWER = "older than the member's latest answer"


@dataclass(frozen=True)
class EmailAnswer:
    outcome: ReplyOutcome
    meeting_id: int | None = None
    case_id: int | None = None
    user_id: str | None = None

    @property
    def changed(self) -> bool:
        return self.outcome == ReplyOutcome.RECORDED


def answer_by_email(ctx: PanelContext, reply: CalendarReply) -> EmailAnswer:
    """An answer from a calendar (an iMIP REPLY) counts as the member's answer in Slack would,
    when it is for a scheduled meeting of the bot's, from a member on its panel, to the time
    the meeting has now: a reply to an earlier revision still counts if the time has not
    moved since (a new place or panel keeps answers); once it has, only a reply carrying the
    SEQUENCE of a revision at the new time does. A reply older (DTSTAMP) than the member's
    latest answer, in Slack or by e-mail, changes nothing, so reading it again does nothing."""
    meeting = ctx.session.scalar(select(PanelMeeting).where(PanelMeeting.uid == reply.uid))
    if meeting is None:
        return EmailAnswer(ReplyOutcome.UNKNOWN_MEETING)
    found = EmailAnswer(ReplyOutcome.NOT_SCHEDULED, meeting.id, meeting.case_id)
    if meeting.status != MeetingStatus.SCHEDULED:
        return found
    member = next(
        (m for m in meeting.current_members() if (m.email or "").lower() == reply.attendee),
        None,
    )
    if member is None:
        return replace(found, outcome=ReplyOutcome.NOT_INVITED)
    found = replace(found, user_id=member.slack_user_id)
    if not reply.from_attendee:
        return replace(found, outcome=ReplyOutcome.NOT_FROM_ATTENDEE)
    if reply.sequence > meeting.sequence:
        return replace(found, outcome=ReplyOutcome.UNKNOWN_REVISION)
    if reply.sequence < (meeting.time_sequence or 0):
        return replace(found, outcome=ReplyOutcome.EARLIER_TIME)
    if member.responded_at is not None and reply.dtstamp <= member.responded_at:
        return replace(found, outcome=ReplyOutcome.OLDER_THAN_ANSWER)
    answered = answer_invitation(
        ctx,
        meeting.id,
        sequence=meeting.sequence,
        user_id=member.slack_user_id,
        partstat=reply.partstat,
        by_email=True,
    )
    if not answered.changed:
        return replace(found, outcome=ReplyOutcome.UNCHANGED)
    member.responded_at = max(ctx.now, reply.dtstamp)
    return replace(found, outcome=ReplyOutcome.RECORDED)


def _open_meeting(ctx: PanelContext, meeting_id: int) -> PanelMeeting:
    meeting = load_meeting(ctx.session, meeting_id)
    if meeting.status not in ACTIVE:
        raise RefusedError(NO_LONGER_ARRANGED)
    return meeting


def confirm_no_involvement(ctx: PanelContext, meeting_id: int, *, user_id: str) -> Answered:
    meeting = _open_meeting(ctx, meeting_id)
    member = _member(meeting, user_id)
    if member.involvement != Involvement.UNCONFIRMED:
        return Answered(meeting.id, meeting.case_id, False)
    member.involvement, member.involvement_at = Involvement.NONE, ctx.now
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=user_id,
        action="panel.no_involvement_confirmed",
        case_id=meeting.case_id,
        meeting_id=meeting.id,
    )
    return Answered(meeting.id, meeting.case_id, True)


def declare_involvement(
    ctx: PanelContext, meeting_id: int, *, user_id: str, declaration: str
) -> Answered:
    """The declaration may describe the family, so it is stored encrypted and never sent."""
    text = declaration.strip()
    if not text:
        raise RefusedError("Please say briefly what your involvement was.")
    if len(text) > DECLARATION_LENGTH:
        raise RefusedError(f"Please keep this under {DECLARATION_LENGTH} characters.")
    meeting = _open_meeting(ctx, meeting_id)
    member = _member(meeting, user_id)
    if member.involvement == Involvement.DECLARED:
        return Answered(meeting.id, meeting.case_id, False)
    member.involvement, member.involvement_at = Involvement.DECLARED, ctx.now
    member.declaration = ctx.cipher.for_case(ctx.session, meeting.case_id).encrypt_text(text)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=user_id,
        action="panel.involvement_declared",
        case_id=meeting.case_id,
        meeting_id=meeting.id,
    )
    return Answered(meeting.id, meeting.case_id, True)


def record_exception(
    ctx: PanelContext, meeting_id: int, *, member: str, reason: str, actor: str
) -> Answered:
    """The CPU lets a member sit although they have not confirmed no previous involvement
    (or have declared one): the reason is screened for the child's details and stored
    encrypted; the member no longer holds the panel back from being marked held."""
    text = reason.strip()
    errors = {}
    if not member:
        errors[PanelBlock.EXCEPTION_MEMBER.value] = "Choose the panel member."
    if not text:
        errors[PanelBlock.EXCEPTION_REASON.value] = "Give the reason for the exception."
    elif len(text) > REASON_LENGTH:
        errors[PanelBlock.EXCEPTION_REASON.value] = (
            f"Please keep this under {REASON_LENGTH} characters."
        )
    if errors:
        raise InvalidFormError(errors)
    meeting = to_except(ctx.session, meeting_id, actor)
    screen(
        ctx.session,
        ctx.cipher,
        meeting.case_id,
        {PanelBlock.EXCEPTION_REASON.value: text},
        {PanelBlock.EXCEPTION_REASON.value: "reason"},
    )
    row = next((m for m in meeting.current_members() if m.slack_user_id == member), None)
    if row is None:
        raise RefusedError(EXCEPTED_NOT_ON_PANEL, field=PanelBlock.EXCEPTION_MEMBER.value)
    if row.involvement == Involvement.NONE:
        raise RefusedError(ALREADY_CONFIRMED, field=PanelBlock.EXCEPTION_MEMBER.value)
    if row.involvement == Involvement.EXCEPTED:
        return Answered(meeting.id, meeting.case_id, False)
    sealed = ctx.cipher.for_case(ctx.session, meeting.case_id)
    row.involvement, row.involvement_at = Involvement.EXCEPTED, ctx.now
    row.exception_reason = sealed.encrypt_text(text)
    row.excepted_by, row.excepted_at = actor, ctx.now
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=actor,
        action="panel.involvement_excepted",
        case_id=meeting.case_id,
        meeting_id=meeting.id,
        member=member,
    )
    return Answered(meeting.id, meeting.case_id, True)


# Finding a time: which proposed times suit whom ------------------------------------------


def answer_slot(ctx: PanelContext, slot_id: int, *, user_id: str, available: bool) -> Answered:
    slot = ctx.session.get(PanelSlot, slot_id)
    if slot is None:
        raise RefusedError("That time is no longer proposed.")
    meeting = load_meeting(ctx.session, slot.meeting_id)
    if meeting.status != MeetingStatus.PROPOSED:
        raise RefusedError("A time has been chosen already; see the invitation.")
    if user_id not in {m.slack_user_id for m in meeting.current_members()}:
        raise RefusedError(NOT_ASKED)
    row = ctx.session.scalar(
        select(PanelSlotAnswer).where(
            PanelSlotAnswer.slot_id == slot_id, PanelSlotAnswer.slack_user_id == user_id
        )
    )
    if row is not None and row.available == available:
        return Answered(meeting.id, meeting.case_id, False)
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
    return Answered(meeting.id, meeting.case_id, True)


def _slot_answers(
    session: Session, meeting: PanelMeeting, *where: ColumnElement[bool]
) -> list[PanelSlotAnswer]:
    return list(
        session.scalars(
            select(PanelSlotAnswer).where(
                PanelSlotAnswer.slot_id.in_([slot.id for slot in meeting.slots]), *where
            )
        )
    )


def tallies(session: Session, meeting: PanelMeeting) -> list[SlotLine]:
    """Each proposed time with who can and who cannot make it."""
    people = {m.slack_user_id for m in meeting.current_members()}
    answers: dict[int, dict[str, bool]] = {}
    for row in _slot_answers(session, meeting):
        if row.slack_user_id in people:
            answers.setdefault(row.slot_id, {})[row.slack_user_id] = row.available
    out = []
    for slot in meeting.slots:
        given = answers.get(slot.id, {})
        out.append(
            SlotLine(
                slot_id=slot.id,
                start=slot.start_at,
                end=slot.end_at,
                available=tuple(sorted(u for u, yes in given.items() if yes)),
                unavailable=tuple(sorted(u for u, yes in given.items() if not yes)),
            )
        )
    return out


def my_answers(session: Session, meeting_id: int, user_id: str) -> dict[int, bool]:
    meeting = load_meeting(session, meeting_id)
    rows = _slot_answers(session, meeting, PanelSlotAnswer.slack_user_id == user_id)
    return {row.slot_id: row.available for row in rows}


# The case card's part -------------------------------------------------------------------


def panel_card_state(
    session: Session,
    case: Case,
    today: date,
    cal: WorkingCalendar,
    present: Present,
    tasks: Sequence[Task],
) -> PanelCardState | None:
    """What the case card shows about the Initial Panel; None when it shows nothing.
    ``present``: the tables the case has rows in (`holding_rows`); ``tasks``: the case's
    (`case_tasks`)."""
    if not has_panel(case) or case.closed_at is not None or case.stage not in PANEL_STAGES:
        return None
    deadline = panel_deadline(session, case, tasks)
    last_working_day = cal.last_working_day(deadline)
    meeting = latest_meeting(session, case.id) if PanelMeeting in present else None
    if meeting is None:
        return PanelCardState(
            status="none", deadline=deadline, today=today, last_working_day=last_working_day
        )
    members = meeting.current_members()
    answers: dict[str, tuple[str, ...]] = {}
    for member in members:
        answers[member.partstat] = (*answers.get(member.partstat, ()), member.slack_user_id)
    proposed = meeting.status == MeetingStatus.PROPOSED
    return PanelCardState(
        status=meeting.status,
        deadline=deadline,
        today=today,
        last_working_day=last_working_day,
        meeting_id=meeting.id,
        start=meeting.start_at,
        end=meeting.end_at,
        location=meeting.location,
        video_url=meeting.video_url,
        organiser=meeting.organiser,
        chair=meeting.chair,
        override_by=meeting.override_by,
        answers=answers,
        asked=tuple(m.slack_user_id for m in members),
        unconfirmed=_involved(members, Involvement.UNCONFIRMED),
        declared=_involved(members, Involvement.DECLARED),
        excepted=_involved(members, Involvement.EXCEPTED),
        slots=tallies(session, meeting) if proposed else [],
        attended=tuple(m.slack_user_id for m in members if m.attended),
        by_email=tuple(m.slack_user_id for m in members if m.answered_by_email),
    )


def _involved(members: list[PanelMember], involvement: Involvement) -> tuple[str, ...]:
    return tuple(m.slack_user_id for m in members if m.involvement == involvement)
