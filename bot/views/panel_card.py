"""The Initial Panel's part of the case card (pure): the deadline line's note, who is
coming, who has not confirmed no previous involvement, the tally of proposed times, and
the buttons for what can be done next. Every button re-checks who clicked it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)

from bot.ids import PanelAction
from bot.views.format import LONDON, short_day, user_link
from bot.views.panel import SlotLine, people, short_when, when, where
from bot.views.panel_announcements import confirm_cancel

MAX_TIME_OPTIONS = 5


@dataclass(frozen=True)
class PanelCardState:
    """``status`` is none, proposed, scheduled, held or cancelled (the latest meeting)."""

    status: str
    deadline: date
    today: date
    meeting_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    location: str | None = None
    video_url: str | None = None
    organiser: str | None = None
    chair: str | None = None
    override_by: str | None = None
    answers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    asked: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()
    declared: tuple[str, ...] = ()
    slots: Sequence[SlotLine] = ()
    attended: tuple[str, ...] = ()


def deadline_note(state: PanelCardState) -> str:
    """What follows the Initial Panel's deadline on its line of the card."""
    if state.status == "held" and state.start is not None:
        return f"held {short_day(state.start.astimezone(LONDON).date())}"
    if state.status == "scheduled" and state.start is not None:
        note = f"scheduled for {short_when(state.start)}"
        if state.override_by is not None:
            note += f" · after the deadline: override recorded by {user_link(state.override_by)}"
        return note
    if state.status == "proposed":
        return "finding a time"
    if state.status == "cancelled":
        return "not scheduled yet (the last date was cancelled)"
    return "not scheduled yet"


def _scheduled_lines(state: PanelCardState) -> list[str]:
    assert state.start is not None and state.end is not None
    lines = [
        f"*Meeting*: {when(state.start, state.end)} · {where(state.location, state.video_url)}",
        f"Chair {user_link(state.chair or '')} · organised by {user_link(state.organiser or '')}",
    ]
    answers = [
        f"{label}: {people(state.answers[key])}"
        for key, label in (
            ("ACCEPTED", "coming"),
            ("TENTATIVE", "maybe"),
            ("DECLINED", "not coming"),
            ("NEEDS-ACTION", "no answer yet"),
        )
        if state.answers.get(key)
    ]
    if answers:
        joined = " · ".join(answers)
        lines.append(joined[:1].upper() + joined[1:])
    return lines


def _involvement_lines(state: PanelCardState) -> list[str]:
    lines = []
    if state.declared:
        lines.append(
            f"⚠ Declared previous involvement: {people(state.declared)} "
            "(the organiser can replace them with Change panel)"
        )
    if state.unconfirmed:
        lines.append(f"No previous involvement not yet confirmed by: {people(state.unconfirmed)}")
    elif not state.declared and state.status in ("proposed", "scheduled"):
        lines.append("Everyone on the panel has confirmed no previous involvement.")
    return lines


def _slot_lines(state: PanelCardState) -> list[str]:
    lines = [f"*Finding a time* (asked: {people(state.asked)})"]
    for slot in state.slots:
        yes = f"{len(slot.available)} of {len(state.asked)} available"
        if slot.available:
            yes += f" ({people(slot.available)})"
        no = f" · {len(slot.unavailable)} can't" if slot.unavailable else ""
        lines.append(f"• {when(slot.start, slot.end)} · {yes}{no}")
    return lines


def _button(
    text: str,
    action: PanelAction,
    value: str,
    *,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    return ButtonElement(
        text=text, action_id=action.value, value=value, style=style, confirm=confirm
    )


def _time_picker(slots: Sequence[SlotLine]) -> StaticSelectElement:
    """The organiser picks one of the proposed times (confirmed before it is sent)."""
    return StaticSelectElement(
        action_id=PanelAction.SLOT_CONFIRM.value,
        placeholder="Use this time…",
        options=[
            Option(value=str(slot.slot_id), label=f"Use {short_when(slot.start)}")
            for slot in slots[:MAX_TIME_OPTIONS]
        ],
        confirm=ConfirmObject(
            title="Send the invitations?",
            text="The panel is invited for the time you picked.",
            confirm="Send invitations",
            deny="Not yet",
        ),
    )


def _buttons(state: PanelCardState) -> list[ButtonElement | StaticSelectElement]:
    meeting = str(state.meeting_id)
    if state.status in ("none", "cancelled"):
        return [
            _button("Schedule panel", PanelAction.OPEN_SCHEDULE, "schedule", style="primary"),
            _button("Find a time", PanelAction.OPEN_FIND, "find"),
        ]
    cancel = _button("Cancel panel", PanelAction.CANCEL, meeting, confirm=confirm_cancel())
    if state.status == "proposed":
        return [_time_picker(state.slots), cancel]
    if state.status == "scheduled":
        held = _button("Mark held", PanelAction.OPEN_HELD, meeting)
        return [_button("Change panel", PanelAction.OPEN_CHANGE, meeting), cancel, held]
    return []


def panel_card_blocks(state: PanelCardState) -> list[Block]:
    lines: list[str] = []
    if state.status == "scheduled":
        lines = _scheduled_lines(state) + _involvement_lines(state)
    elif state.status == "proposed":
        lines = _slot_lines(state) + _involvement_lines(state)
    elif state.status == "held":
        lines = [
            f"*Initial Panel held* · attended: {people(state.attended)} · next: the "
            "panel's recommendation"
        ]
    blocks: list[Block] = []
    if lines:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:3000])))
    buttons = _buttons(state)
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    return blocks
