"""The panel's modals (pure): schedule or change it, propose times, mark it held, declare
an involvement. ``private_metadata`` names the case or meeting; handlers re-check both."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
    TimePickerElement,
    UrlInputElement,
    UserMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, PanelBlock, PanelCallback
from bot.services.panel_form import (
    DECLARATION_LENGTH,
    DURATIONS,
    GO_AHEAD,
    LOCATION_LENGTH,
    MAX_MEMBERS,
    REASON_LENGTH,
    SLOT_BLOCKS,
)
from bot.views.format import LONDON, day

TIMEZONE = "Europe/London"


@dataclass(frozen=True)
class PanelDefaults:
    """What the schedule modal starts with (the meeting as it stands, when changing it)."""

    start: datetime | None = None
    end: datetime | None = None
    location: str | None = None
    video_url: str | None = None
    members: Sequence[str] = ()
    chair: str | None = None


def metadata(case_id: int, meeting_id: int | None = None, **where: str) -> str:
    """The ids a submission is about (and, for a DM's button, the message to redraw)."""
    return json.dumps({"case": case_id, "meeting": meeting_id, **where})


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _input(
    block: PanelBlock, label: str, element: InputInteractiveElement, *, optional: bool = False
) -> InputBlock:
    return InputBlock(block_id=block.value, label=label, element=element, optional=optional)


def _time(value: datetime | None) -> str | None:
    return f"{value.astimezone(LONDON):%H:%M}" if value else None


def _people_and_place(defaults: PanelDefaults, core: Sequence[str]) -> list[Block]:
    agencies = ", ".join(core) or "the core agencies"
    return [
        _input(
            PanelBlock.LOCATION,
            "Location",
            PlainTextInputElement(
                action_id=INPUT_ACTION,
                initial_value=defaults.location,
                max_length=LOCATION_LENGTH,
            ),
            optional=True,
        ),
        _input(
            PanelBlock.VIDEO,
            "Video link",
            UrlInputElement(action_id=INPUT_ACTION, initial_value=defaults.video_url),
            optional=True,
        ),
        _input(
            PanelBlock.MEMBERS,
            "Panel members",
            UserMultiSelectElement(
                action_id=INPUT_ACTION,
                initial_users=list(defaults.members) or None,
                max_selected_items=MAX_MEMBERS,
            ),
        ),
        _input(
            PanelBlock.CHAIR,
            "Panel chair",
            UserSelectElement(action_id=INPUT_ACTION, initial_user=defaults.chair),
        ),
        _input(
            PanelBlock.GO_AHEAD,
            "Representation",
            CheckboxesElement(
                action_id=INPUT_ACTION,
                options=[
                    Option(
                        value=GO_AHEAD,
                        label="Go ahead even if an involved core agency has nobody on it",
                        description=f"Core agencies: {agencies}"[:75],
                    )
                ],
            ),
            optional=True,
        ),
    ]


def schedule_modal(
    *,
    reference: str,
    case_id: int,
    deadline: date,
    core: Sequence[str],
    defaults: PanelDefaults | None = None,
    meeting_id: int | None = None,
) -> View:
    defaults = defaults or PanelDefaults()
    start_date = defaults.start.astimezone(LONDON).date().isoformat() if defaults.start else None
    blocks: list[Block] = [
        _context(
            f"*{reference}* · the Initial Panel must meet by *{day(deadline)}*. Times are "
            "London time. Invitations go to everyone on the panel by DM (and e-mail)."
        ),
        _input(
            PanelBlock.DATE,
            "Date",
            DatePickerElement(action_id=INPUT_ACTION, initial_date=start_date),
        ),
        _input(
            PanelBlock.START,
            "Starts",
            TimePickerElement(
                action_id=INPUT_ACTION, initial_time=_time(defaults.start), timezone=TIMEZONE
            ),
        ),
        _input(
            PanelBlock.END,
            "Ends",
            TimePickerElement(
                action_id=INPUT_ACTION, initial_time=_time(defaults.end), timezone=TIMEZONE
            ),
        ),
        *_people_and_place(defaults, core),
        _input(
            PanelBlock.OVERRIDE,
            f"Reason, if after {day(deadline)}",
            PlainTextInputElement(action_id=INPUT_ACTION, multiline=True, max_length=REASON_LENGTH),
            optional=True,
        ),
        _context(
            "A reason for meeting after the deadline is kept on the case record (encrypted) "
            "and is not posted in Slack; the card shows that an override was recorded."
        ),
    ]
    changing = meeting_id is not None
    return View(
        type="modal",
        callback_id=PanelCallback.SCHEDULE.value,
        private_metadata=metadata(case_id, meeting_id),
        title=PlainTextObject(text="Change the panel" if changing else "Schedule the panel"),
        submit=PlainTextObject(text="Send update" if changing else "Send invitations"),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
    )


def find_modal(*, reference: str, case_id: int, deadline: date, core: Sequence[str]) -> View:
    blocks: list[Block] = [
        _context(
            f"*{reference}* · propose up to five times by *{day(deadline)}* (London time). "
            "Each panel member is asked by DM which suit them; you then pick one."
        ),
        _input(
            PanelBlock.DURATION,
            "Length",
            StaticSelectElement(
                action_id=INPUT_ACTION,
                options=[Option(value=str(m), label=f"{m // 60}h{m % 60:02d}") for m in DURATIONS],
                initial_option=Option(value="120", label="2h00"),
            ),
        ),
    ]
    for number, (date_block, time_block) in enumerate(SLOT_BLOCKS, start=1):
        optional = number > 1
        blocks.append(
            _input(
                date_block,
                f"Time {number}: date",
                DatePickerElement(action_id=INPUT_ACTION),
                optional=optional,
            )
        )
        blocks.append(
            _input(
                time_block,
                f"Time {number}: starts",
                TimePickerElement(action_id=INPUT_ACTION, timezone=TIMEZONE),
                optional=optional,
            )
        )
    blocks.extend(_people_and_place(PanelDefaults(), core))
    return View(
        type="modal",
        callback_id=PanelCallback.FIND.value,
        private_metadata=metadata(case_id),
        title=PlainTextObject(text="Find a time"),
        submit=PlainTextObject(text="Ask the panel"),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
    )


def held_modal(*, reference: str, case_id: int, meeting_id: int, expected: Sequence[str]) -> View:
    return View(
        type="modal",
        callback_id=PanelCallback.HELD.value,
        private_metadata=metadata(case_id, meeting_id),
        title=PlainTextObject(text="Panel held"),
        submit=PlainTextObject(text="Mark held"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            _context(
                f"*{reference}* · marking the Initial Panel held opens the Board Chair's "
                "decision stage."
            ),
            _input(
                PanelBlock.ATTENDANCE,
                "Who attended?",
                UserMultiSelectElement(
                    action_id=INPUT_ACTION, initial_users=list(expected) or None
                ),
            ),
        ],
    )


def declare_modal(*, reference: str, case_id: int, meeting_id: int, channel: str, ts: str) -> View:
    return View(
        type="modal",
        callback_id=PanelCallback.DECLARE.value,
        private_metadata=metadata(case_id, meeting_id, channel=channel, ts=ts),
        title=PlainTextObject(text="Declare involvement"),
        submit=PlainTextObject(text="Declare"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            _context(
                f"*{reference}* · what you write is stored encrypted on the case record. The "
                "organiser is told only that you declared an involvement."
            ),
            _input(
                PanelBlock.DECLARATION,
                "What was your involvement?",
                PlainTextInputElement(
                    action_id=INPUT_ACTION, multiline=True, max_length=DECLARATION_LENGTH
                ),
            ),
        ],
    )
