"""The Board's steps after the overview report, as Block Kit (pure): the case channel's
checklist, with a button to record each step still open, and the short form that records
one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, ReviewAction, ReviewBlock, ReviewCallback
from bot.services.review.schema import StepLine
from bot.views.format import day, user_link
from bot.views.forms import BY_ROLE, context, date_input, long_text, modal, section
from bot.views.messages import Message

MAX_BUTTONS = 25


def steps_message(reference: str, lines: Sequence[StepLine]) -> Message:
    """Who may see the report, the debriefs and the copies: done (when, by whom) or due."""
    rows = []
    buttons = []
    for line in lines:
        if line.done_on is not None:
            who = f" by {user_link(line.done_by)}" if line.done_by else ""
            rows.append(f"✓ {line.title}: {day(line.done_on)}{who}")
        elif line.waived:
            rows.append(f"– {line.title}: not needed")
        else:
            rows.append(f"• {line.title}: due {day(line.due)}")
            buttons.append(
                ButtonElement(
                    text=f"Record: {line.title}"[:75],
                    action_id=ReviewAction.OPEN_REPORT_STEP.value,
                    value=str(line.task_id),
                )
            )
    blocks: list[Block] = [
        section(f"*{reference}*: the Board's steps after the overview report\n" + "\n".join(rows))
    ]
    # one button a block: a block's action ids must differ, and each opens the same form
    blocks += [ActionsBlock(elements=[button]) for button in buttons[:MAX_BUTTONS]]
    return Message(text=f"{reference}: the Board's steps after the overview report", blocks=blocks)


def step_modal(reference: str, title: str, task_id: int, today: date, user: str) -> View:
    return modal(
        ReviewCallback.REPORT_STEP.value,
        "After the report",
        "Record",
        [
            section(f"*{reference}*: {title}."),
            date_input(ReviewBlock.STEP_DONE_ON.value, "Done on", today),
            InputBlock(
                block_id=ReviewBlock.STEP_DONE_BY.value,
                label="By whom?",
                element=UserSelectElement(action_id=INPUT_ACTION, initial_user=user),
            ),
            long_text(
                ReviewBlock.STEP_NOTE.value,
                "Note (who may see the report, who was debriefed...)",
                optional=True,
            ),
            context(BY_ROLE),
        ],
        json.dumps({"task": task_id}),
    )
