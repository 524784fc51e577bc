"""Chronologies in Slack (pure): the entries, completion and synopsis modals, the answers to
an uploaded file, and the note that goes with an exported integrated chronology."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, ChronologyFlag, FirstMonthCallback
from bot.ids import FirstMonthBlock as B
from bot.services.chronology import ENTRY_SLOTS, MAX_EVENT, MAX_WORKER, entry_block_id
from bot.services.chronology_tasks import MAX_SYNOPSIS
from bot.views.first_month import ENCRYPTED, Choice, metadata
from bot.views.messages import Message

FLAG_LABELS = {
    ChronologyFlag.CHILD_SEEN: "Child seen",
    ChronologyFlag.WISHES_SOUGHT: "Wishes and feelings sought",
}


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _agency_input(choices: Sequence[Choice]) -> list[Block]:
    """Asked only of someone who acts for more than one involved agency."""
    if len(choices) < 2:
        return []
    return [
        InputBlock(
            block_id=B.AGENCY.value,
            label="For which agency?",
            element=StaticSelectElement(
                action_id=INPUT_ACTION,
                options=[Option(value=str(c.id), label=c.name) for c in choices],
            ),
        )
    ]


def _meta(case_id: int, choices: Sequence[Choice]) -> str:
    if len(choices) == 1:
        return metadata(case=case_id, agency=choices[0].id)
    return metadata(case=case_id)


def _slot(slot: int, *, today: date, required: bool) -> list[Block]:
    optional = not required
    return [
        SectionBlock(text=MarkdownTextObject(text=f"*Entry {slot}*")),
        InputBlock(
            block_id=entry_block_id("entry_date", slot),
            label="Date",
            optional=optional,
            element=DatePickerElement(action_id=INPUT_ACTION),
            hint=None if slot > 1 else f"Not after today ({today:%d.%m.%y}).",
        ),
        InputBlock(
            block_id=entry_block_id("worker", slot),
            label="Name of worker",
            optional=optional,
            element=PlainTextInputElement(action_id=INPUT_ACTION, max_length=MAX_WORKER),
        ),
        InputBlock(
            block_id=entry_block_id("event", slot),
            label="Event/action",
            optional=optional,
            element=PlainTextInputElement(
                action_id=INPUT_ACTION, multiline=True, max_length=MAX_EVENT
            ),
        ),
        InputBlock(
            block_id=entry_block_id("flags", slot),
            label="The child",
            optional=True,
            element=CheckboxesElement(
                action_id=INPUT_ACTION,
                options=[Option(value=f.value, label=label) for f, label in FLAG_LABELS.items()],
            ),
        ),
    ]


def entries_modal(*, case_id: int, reference: str, choices: Sequence[Choice], today: date) -> View:
    whose = f"{choices[0].name}'s" if len(choices) == 1 else "your agency's"
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*{reference}*: add entries to {whose} chronology, one per date. "
                "Fill in as many as you need; empty ones are left out. For many entries, "
                "upload a CSV file in the case channel instead."
            )
        ),
        *_agency_input(choices),
    ]
    for slot in range(1, ENTRY_SLOTS + 1):
        if slot > 1:
            blocks.append(DividerBlock())
        blocks += _slot(slot, today=today, required=slot == 1)
    blocks.append(_context(ENCRYPTED))
    return View(
        type="modal",
        callback_id=FirstMonthCallback.CHRONOLOGY_ENTRIES.value,
        private_metadata=_meta(case_id, choices),
        title="Chronology entries",
        submit="Add entries",
        close="Cancel",
        blocks=blocks,
    )


@dataclass(frozen=True)
class AgencyCount:
    choice: Choice
    entries: int


def complete_modal(*, case_id: int, reference: str, counts: Sequence[AgencyCount]) -> View:
    lines = [f"{c.choice.name}: {count(c.entries, 'entry', 'entries')}" for c in counts]
    return View(
        type="modal",
        callback_id=FirstMonthCallback.CHRONOLOGY_COMPLETE.value,
        private_metadata=_meta(case_id, [c.choice for c in counts]),
        title="Chronology complete",
        submit="Complete",
        close="Cancel",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{reference}*: mark the chronology as complete? The CPU sees it on "
                    "the case card. You can still add entries afterwards.\n" + "\n".join(lines)
                )
            ),
            *_agency_input([c.choice for c in counts]),
        ],
    )


def synopsis_modal(*, case_id: int, reference: str, choices: Sequence[Choice]) -> View:
    return View(
        type="modal",
        callback_id=FirstMonthCallback.SYNOPSIS.value,
        private_metadata=_meta(case_id, choices),
        title="Synopsis",
        submit="Submit",
        close="Cancel",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{reference}*: a brief synopsis of your agency's involvement with "
                    "the child and family. Submitting again replaces the earlier text."
                )
            ),
            *_agency_input(choices),
            InputBlock(
                block_id=B.SYNOPSIS.value,
                label="Synopsis of involvement",
                element=PlainTextInputElement(
                    action_id=INPUT_ACTION, multiline=True, max_length=MAX_SYNOPSIS
                ),
            ),
            _context(ENCRYPTED),
        ],
    )


def count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def entries_added_text(
    reference: str, agency: str, *, added: int, skipped: int, total: int, source: str
) -> str:
    """``source`` says how they came, e.g. "by <@U1>" or "from a file shared by <@U1>"."""
    skipped_text = (
        f" {count(skipped, 'row was', 'rows were')} already in the chronology and left out."
        if skipped
        else ""
    )
    return (
        f"✓ {reference}: {count(added, 'entry', 'entries')} added to {agency}'s chronology "
        f"{source} ({total:,} in all).{skipped_text}"
    )


def file_rejected_message(reference: str, agency: str, problems: Sequence[str]) -> Message:
    """A bad file is refused whole; its problems by row and column, never quoting a cell."""
    head = (
        f"{reference}: the CSV file was not added to {agency}'s chronology; nothing from it "
        "was stored. Please correct it and upload it again:"
    )
    body = "\n".join(f"• {p}" for p in problems)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=head))]
    if body:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=body[:2900])))
    blocks.append(
        _context(
            "Columns: date (dd.mm.yy or dd/mm/yyyy), agency, name of worker, event/action; "
            "optionally child seen and wishes and feelings sought (yes/no). Save as CSV UTF-8."
        )
    )
    return Message(text=head, blocks=blocks)


def plain(text: str) -> Message:
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def export_comment(reference: str, entries: int, agencies: Sequence[str], actor: str) -> str:
    names = ", ".join(agencies) or "no agency"
    return (
        f"{reference}: integrated chronology, {count(entries, 'entry', 'entries')} "
        f"from {names}, exported by <@{actor}>. Confidential: for the review panel only."
    )
