"""Pieces the decision's and the review's forms and messages share (pure Block Kit)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION

LONG_TEXT = 3000
BY_ROLE = (
    "Refer to people by their role (the child, the mother): the bot refuses text that names "
    "the child or family. What you write is stored encrypted."
)


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text[:3000]))


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def long_text(block: str, label: str, *, optional: bool = False, initial: str = "") -> InputBlock:
    return InputBlock(
        block_id=block,
        label=label,
        optional=optional,
        element=PlainTextInputElement(
            action_id=INPUT_ACTION,
            multiline=True,
            max_length=LONG_TEXT,
            initial_value=initial or None,
        ),
    )


def date_input(
    block: str, label: str, initial: date | None, *, optional: bool = False
) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=label,
        optional=optional,
        element=DatePickerElement(
            action_id=INPUT_ACTION, initial_date=initial.isoformat() if initial else None
        ),
    )


def modal(callback: str, title: str, submit: str, blocks: Sequence[Block], metadata: str) -> View:
    return View(
        type="modal",
        callback_id=callback,
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text=submit),
        close=PlainTextObject(text="Cancel"),
        private_metadata=metadata,
        blocks=list(blocks),
    )


def info_view(title: str, text: str) -> View:
    """A modal that only tells (what a submission came to, when nothing more is asked)."""
    return View(
        type="modal",
        title=PlainTextObject(text=title[:24]),
        close=PlainTextObject(text="Close"),
        blocks=[section(text)],
    )
