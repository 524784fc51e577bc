"""The Initial Panel in Slack (pure: data in, Block Kit out): the invitation DM with its
answers, the availability DM, channel announcements, reminders and the case card's part.
The case reference, times, places and people on the panel; never the child."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.ids import PanelAction, PanelBlock
from bot.views.format import LONDON, day, short_day, user_link
from bot.views.messages import Message

PARTSTAT_WORDS = {
    "NEEDS-ACTION": "no answer yet",
    "ACCEPTED": "coming",
    "TENTATIVE": "maybe",
    "DECLINED": "not coming",
}
REMINDER_OPENINGS = {
    "chase": "you have not answered the invitation to the Initial Panel yet",
    "two_days": "the Initial Panel meets in two working days",
    "one_hour": "the Initial Panel starts in an hour",
}


@dataclass(frozen=True)
class MeetingFacts:
    meeting_id: int
    reference: str
    sequence: int
    start: datetime
    end: datetime
    location: str | None
    video_url: str | None
    chair: str
    organiser: str
    channel_id: str | None


@dataclass(frozen=True)
class MemberState:
    partstat: str
    involvement: str
    role: str


@dataclass(frozen=True)
class SlotLine:
    slot_id: int
    start: datetime
    end: datetime
    available: tuple[str, ...] = ()
    unavailable: tuple[str, ...] = ()
    mine: bool | None = None


def when(start: datetime, end: datetime) -> str:
    """ "Tue 15 Dec 2026, 10:00–12:00", London time."""
    local_start, local_end = start.astimezone(LONDON), end.astimezone(LONDON)
    return f"{day(local_start.date())}, {local_start:%H:%M}–{local_end:%H:%M}"


def short_when(start: datetime) -> str:
    local = start.astimezone(LONDON)
    return f"{short_day(local.date())} {local:%H:%M}"


def where(location: str | None, video_url: str | None) -> str:
    parts = [location] if location else []
    if video_url:
        parts.append(f"<{video_url}|video link>")
    return " · ".join(parts) or "to be confirmed"


def people(users: Sequence[str]) -> str:
    return ", ".join(user_link(u) for u in users) or "nobody"


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:3000]))


def _button(
    text: str, action: PanelAction, value: str, *, style: str | None = None
) -> ButtonElement:
    return ButtonElement(text=text, action_id=action.value, value=value, style=style)


def _meeting_lines(facts: MeetingFacts) -> str:
    return (
        f"*When:* {when(facts.start, facts.end)} (London time)\n"
        f"*Where:* {where(facts.location, facts.video_url)}\n"
        f"*Chair:* {user_link(facts.chair)} · organised by {user_link(facts.organiser)}"
    )


def rsvp_buttons(facts: MeetingFacts) -> ActionsBlock:
    value = f"{facts.meeting_id}:{facts.sequence}"
    return ActionsBlock(
        elements=[
            _button("Accept", PanelAction.ACCEPT, value, style="primary"),
            _button("Maybe", PanelAction.TENTATIVE, value),
            _button("Decline", PanelAction.DECLINE, value),
        ]
    )


def involvement_blocks(meeting_id: int, involvement: str) -> list[Block]:
    if involvement == "none":
        return [section("✓ You confirmed you had no previous involvement in this case.")]
    if involvement == "declared":
        return [
            section(
                "You declared a previous involvement in this case; the organiser has been "
                "told and may ask someone else to take your place."
            )
        ]
    return [
        section(
            "Nobody on the panel may have had previous direct involvement in the management "
            "of this case. Please confirm, or declare your involvement."
        ),
        ActionsBlock(
            elements=[
                _button("No previous involvement", PanelAction.NO_INVOLVEMENT, str(meeting_id)),
                _button("Declare involvement", PanelAction.OPEN_DECLARE, str(meeting_id)),
            ]
        ),
    ]


def invitation_dm(facts: MeetingFacts, member: MemberState, *, update: bool) -> Message:
    role = " as chair" if member.role == "chair" else ""
    moment = when(facts.start, facts.end)
    text = (
        f"{facts.reference}: the Initial SCR Panel has changed: {moment}."
        if update
        else f"{facts.reference}: you are invited{role} to the Initial SCR Panel, {moment}."
    )
    answer = PARTSTAT_WORDS.get(member.partstat, member.partstat)
    blocks: list[Block] = [
        section(f"*{text}*\n{_meeting_lines(facts)}"),
        section(f"*Your answer:* {answer}"),
        rsvp_buttons(facts),
        *involvement_blocks(facts.meeting_id, member.involvement),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="The calendar invitation (.ics) follows. Papers are in the case channel."
                )
            ]
        ),
    ]
    return Message(text=text, blocks=blocks)


def availability_dm(
    reference: str,
    meeting_id: int,
    organiser: str,
    slots: Sequence[SlotLine],
    involvement: str,
) -> Message:
    text = f"{reference}: when could you meet for the Initial SCR Panel?"
    blocks: list[Block] = [
        section(
            f"*{text}*\n{user_link(organiser)} has proposed these times (London time). "
            "Say which suit you; the organiser then picks one and sends the invitation."
        )
    ]
    for slot in slots:
        mine = {True: "✓ you can make it", False: "✗ you can't", None: "no answer yet"}
        blocks.append(section(f"{when(slot.start, slot.end)} · {mine[slot.mine]}"))
        blocks.append(
            ActionsBlock(
                block_id=f"{PanelBlock.SLOT_ROW.value}_{slot.slot_id}",
                elements=[
                    _button("Available", PanelAction.SLOT_YES, str(slot.slot_id)),
                    _button("Not available", PanelAction.SLOT_NO, str(slot.slot_id)),
                ],
            )
        )
    blocks.extend(involvement_blocks(meeting_id, involvement))
    return Message(text=text, blocks=blocks)


def cancelled_dm(reference: str, start: datetime | None, *, removed: bool) -> Message:
    was = f" on {short_when(start)}" if start is not None else ""
    text = (
        f"{reference}: you are no longer on the Initial Panel{was}."
        if removed
        else f"{reference}: the Initial Panel{was} is cancelled."
    )
    return Message(
        text=text,
        blocks=[section(f"*{text}*\nThe calendar cancellation follows, if you had the invite.")],
    )


def declaration_dm(reference: str, meeting_id: int, member: str) -> Message:
    text = f"{reference}: {user_link(member)} has declared previous involvement in the case."
    return Message(
        text=text,
        blocks=[
            section(
                f"*{text}*\nThe panel should not include anyone with previous direct "
                "involvement. You can replace them with Change panel."
            ),
            ActionsBlock(
                elements=[_button("Change panel", PanelAction.OPEN_CHANGE, str(meeting_id))]
            ),
        ],
    )


def reminder_dm(kind: str, facts: MeetingFacts, member: MemberState) -> Message:
    opening = REMINDER_OPENINGS.get(kind, "the Initial Panel")
    text = f"{facts.reference}: {opening} ({when(facts.start, facts.end)})."
    blocks: list[Block] = [section(f"*{text}*\n{_meeting_lines(facts)}")]
    if member.partstat == "NEEDS-ACTION":
        blocks.append(rsvp_buttons(facts))
    if member.involvement == "unconfirmed":
        blocks.extend(involvement_blocks(facts.meeting_id, member.involvement))
    return Message(text=text, blocks=blocks)
