"""What panel members answer: coming or not (RSVP), and whether they had any previous
involvement in the direct management of the case. Every answer re-reads the meeting:
a button from an older invitation, or someone no longer on the panel, changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.services import audit
from bot.services.panel import PanelContext, PanelRefusedError, load_meeting
from bot.services.panel_form import DECLARATION_LENGTH
from storage.models import PanelMeeting, PanelMember


class PartStat(StrEnum):
    """RFC 5545 participation status."""

    NEEDS_ACTION = "NEEDS-ACTION"
    ACCEPTED = "ACCEPTED"
    TENTATIVE = "TENTATIVE"
    DECLINED = "DECLINED"


class Involvement(StrEnum):
    UNCONFIRMED = "unconfirmed"
    NONE = "none"
    DECLARED = "declared"


NOT_ON_PANEL = "You are not on this panel (any more)."
SUPERSEDED = "This invitation has been updated since: please answer the latest one."


@dataclass(frozen=True)
class Answered:
    meeting_id: int
    case_id: int
    changed: bool
    organiser: str


def _member(meeting: PanelMeeting, user_id: str) -> PanelMember:
    for member in meeting.current_members():
        if member.slack_user_id == user_id:
            return member
    raise PanelRefusedError(NOT_ON_PANEL)


def respond(
    ctx: PanelContext, meeting_id: int, *, sequence: int, user_id: str, partstat: PartStat
) -> Answered:
    meeting = load_meeting(ctx.session, meeting_id)
    if meeting.status != "scheduled":
        raise PanelRefusedError("This panel is no longer scheduled.")
    if sequence != meeting.sequence:
        raise PanelRefusedError(SUPERSEDED)
    member = _member(meeting, user_id)
    if member.partstat == partstat.value:
        return Answered(meeting.id, meeting.case_id, False, meeting.organiser)
    member.partstat, member.responded_at = partstat.value, ctx.now
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=user_id,
        action="panel.rsvp",
        case_id=meeting.case_id,
        meeting_id=meeting.id,
        sequence=sequence,
        partstat=partstat.value,
    )
    return Answered(meeting.id, meeting.case_id, True, meeting.organiser)


def _open_meeting(ctx: PanelContext, meeting_id: int) -> PanelMeeting:
    meeting = load_meeting(ctx.session, meeting_id)
    if meeting.status not in ("proposed", "scheduled"):
        raise PanelRefusedError("This panel is no longer being arranged.")
    return meeting


def confirm_no_involvement(ctx: PanelContext, meeting_id: int, *, user_id: str) -> Answered:
    meeting = _open_meeting(ctx, meeting_id)
    member = _member(meeting, user_id)
    if member.involvement != Involvement.UNCONFIRMED:
        return Answered(meeting.id, meeting.case_id, False, meeting.organiser)
    member.involvement, member.involvement_at = Involvement.NONE.value, ctx.now
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=user_id,
        action="panel.no_involvement_confirmed",
        case_id=meeting.case_id,
        meeting_id=meeting.id,
    )
    return Answered(meeting.id, meeting.case_id, True, meeting.organiser)


def declare_involvement(
    ctx: PanelContext, meeting_id: int, *, user_id: str, declaration: str
) -> Answered:
    """The declaration may describe the family, so it is stored encrypted and never sent."""
    text = declaration.strip()
    if not text:
        raise PanelRefusedError("Please say briefly what your involvement was.")
    if len(text) > DECLARATION_LENGTH:
        raise PanelRefusedError(f"Please keep this under {DECLARATION_LENGTH} characters.")
    meeting = _open_meeting(ctx, meeting_id)
    member = _member(meeting, user_id)
    if member.involvement == Involvement.DECLARED:
        return Answered(meeting.id, meeting.case_id, False, meeting.organiser)
    member.involvement, member.involvement_at = Involvement.DECLARED.value, ctx.now
    member.declaration = ctx.cipher.encrypt_text(text)
    audit.record(
        ctx.session,
        at=ctx.now,
        actor=user_id,
        action="panel.involvement_declared",
        case_id=meeting.case_id,
        meeting_id=meeting.id,
    )
    return Answered(meeting.id, meeting.case_id, True, meeting.organiser)
