"""A local review's forms and notes: the reviewer's name and organisation, the date the review
is to be published by (no later than the process's limit), and what the case channel is told.
Pure: data in, Block Kit out."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import ActionsBlock, InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, ReviewAction, ReviewBlock, ReviewCallback
from bot.services.review.schema import SHORT_TEXT, DatePlanned, PlannedDate
from bot.views.format import day, user_link
from bot.views.forms import context, date_input, modal, section
from bot.views.messages import Message
from bot.views.review import button

NOT_IDENTIFYING = "The reviewer's details, never the child's: the bot checks what you type."


def _short(block: ReviewBlock, label: str) -> InputBlock:
    return InputBlock(
        block_id=block.value,
        label=label,
        element=PlainTextInputElement(action_id=INPUT_ACTION, max_length=SHORT_TEXT),
    )


def reviewer_modal(reference: str, task_id: int) -> View:
    return modal(
        ReviewCallback.REVIEWER.value,
        "Reviewer",
        "Record",
        [
            section(f"*{reference}*: who carries out the local review."),
            _short(ReviewBlock.REVIEWER_NAME, "Reviewer's name"),
            _short(ReviewBlock.REVIEWER_ORGANISATION, "Organisation"),
            context(NOT_IDENTIFYING),
        ],
        json.dumps({"task": task_id}),
    )


def planned_date_modal(planned: PlannedDate) -> View:
    now = f" It is now planned for {day(planned.planned)}." if planned.planned else ""
    return modal(
        ReviewCallback.PLANNED_DATE.value,
        "Publication date",
        "Set date",
        [
            section(
                f"*{planned.reference}* must be {planned.finished} by {day(planned.latest)}."
                f"{now} The final report falls due 7 working days before the date you set."
            ),
            date_input(
                ReviewBlock.PLANNED_DATE.value,
                f"Date to be {planned.finished}",
                planned.planned,
            ),
            context(
                f"A later date needs an extension {planned.agreed_with}: record it first "
                "with /scr review extension."
            ),
        ],
        json.dumps({"case": planned.case_id}),
    )


def date_planned_message(done: DatePlanned, actor: str) -> Message:
    was = f" (was {day(done.previous)})" if done.previous else ""
    text = (
        f"{done.reference}: the review is to be {done.finished} on {day(done.planned)}{was}, "
        f"set by {user_link(actor)}. The final report is due 7 working days before."
    )
    change = button("Change the date", ReviewAction.OPEN_PLANNED_DATE, done.case_id)
    return Message(text=text, blocks=[section(text), ActionsBlock(elements=[change])])


def published_message(reference: str, actor: str) -> Message:
    text = f"{reference}: the review was recorded published by {user_link(actor)}."
    return Message(text=text, blocks=[section(text)])
