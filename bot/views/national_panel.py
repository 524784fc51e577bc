"""What a case sends the national panel, as Block Kit (pure): the short forms that record the
serious incident notification and the rapid review report, what a submission came to, and
the case card's lines and buttons."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    PlainTextInputElement,
)
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, NationalPanelAction, NationalPanelBlock, NationalPanelCallback
from bot.services.national_panel.schema import (
    NOTIFICATION,
    REFERENCE_LENGTH,
    NationalPanelCard,
    NoticeForm,
    NoticeRecorded,
    notice_words,
)
from bot.views.format import day, deadline_words, user_link
from bot.views.forms import context, date_input, info_view, modal, section
from bot.views.reminders import lower_first, task_button_text

OPENERS = {
    "notify_national_panel": NationalPanelAction.OPEN_NOTIFICATION,
    "rapid_review_report": NationalPanelAction.OPEN_REPORT_SENT,
}
"""The button that opens each task's form (`bot.ids.TASK_FORMS` says the same)."""


def notice_modal(form: NoticeForm) -> View:
    """The form that records what was sent; its metadata carries the task id."""
    due = deadline_words(form.due, form.last_working_day, form.today)
    head = section(f"*{form.reference}*: {lower_first(form.title)}, due {due}.")
    metadata = json.dumps({"task": form.task_id})
    if form.kind == NOTIFICATION:
        reference = InputBlock(
            block_id=NationalPanelBlock.REFERENCE.value,
            label="The national panel's notification reference",
            hint="As the national panel's acknowledgement gives it. Never the child's name.",
            element=PlainTextInputElement(action_id=INPUT_ACTION, max_length=REFERENCE_LENGTH),
        )
        blocks: list[Block] = [
            head,
            date_input(NationalPanelBlock.NOTIFIED_ON.value, "Sent on", form.today),
            reference,
            context(f"Not before the referral ({day(form.earliest)}) and not in the future."),
        ]
        return modal(
            NationalPanelCallback.NOTIFICATION.value, "Notification", "Record", blocks, metadata
        )
    blocks = [
        head,
        date_input(NationalPanelBlock.REPORT_SENT_ON.value, "Sent on", form.today),
        context(f"Not before the notification ({day(form.earliest)}) and not in the future."),
    ]
    return modal(
        NationalPanelCallback.REPORT_SENT.value, "Rapid review report", "Record", blocks, metadata
    )


def recorded_view(done: NoticeRecorded) -> View:
    """What the form becomes once submitted: what is recorded, and what now counts from it."""
    what = notice_words(done.notice)
    if not done.changed:
        text = f"{done.case_reference}: already recorded by {user_link(done.recorded_by)}. {what}."
        return info_view("Recorded already", text)
    lines = [f"{done.case_reference}: {what}."]
    lines += [f"Next: {lower_first(t.title)}, by {day(t.due)}." for t in done.next_tasks]
    return info_view("Recorded", "\n".join(lines))


def card_lines(card: NationalPanelCard | None) -> list[str]:
    """The case card's lines: what was sent to the national panel, and when."""
    if card is None:
        return []
    return [f"*National panel*: {notice_words(notice)}" for notice in card.notices]


def card_buttons(card: NationalPanelCard | None) -> list[Block]:
    """A button a block for each open task recorded through its form."""
    if card is None:
        return []
    return [
        ActionsBlock(
            elements=[
                ButtonElement(
                    text=task_button_text(kind, kind),
                    action_id=OPENERS[kind].value,
                    value=str(task_id),
                    style="primary",
                )
            ]
        )
        for kind, task_id in card.buttons
        if kind in OPENERS
    ]
