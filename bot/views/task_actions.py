"""The forms of a reminder item's actions (Snooze, Not needed, Hand over), what each comes
to, and the DM telling someone a task was handed to them. Pure: data in, Block Kit out."""

from __future__ import annotations

import json
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    DatePickerElement,
    InputBlock,
    PlainTextInputElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, ItemBlock, ItemCallback
from bot.services.reminders.schema import ItemAction, ItemDone, ItemForm, TaskLine
from bot.views.forms import BY_ROLE, LONG_TEXT, context, info_view, modal, section
from bot.views.messages import Message
from bot.views.reminders import lower_first, task_item_buttons, task_line_text, when


def _what(line: TaskLine) -> str:
    whose = f" for {line.agency}" if line.agency else ""
    return f"{line.reference}: {lower_first(line.title)}{whose}"


def _reason(block: ItemBlock, label: str) -> InputBlock:
    return InputBlock(
        block_id=block.value,
        label=label,
        hint=BY_ROLE,
        element=PlainTextInputElement(action_id=INPUT_ACTION, multiline=True, max_length=LONG_TEXT),
    )


def item_modal(form: ItemForm) -> View:
    """The form of ``form.action`` on one task; its metadata carries the task id."""
    line, today = form.line, form.today
    metadata = json.dumps({"task": line.task_id})
    head: list[Block] = [section(task_line_text(line, today))]
    if form.action is ItemAction.SNOOZE:
        latest = when(form.latest, today) if form.latest else "its deadline"
        until = InputBlock(
            block_id=ItemBlock.SNOOZE_UNTIL.value,
            label="Snooze until",
            hint=f"A date after today, no later than {latest}. Reminders resume that morning.",
            element=DatePickerElement(action_id=INPUT_ACTION),
        )
        blocks = [*head, until, _reason(ItemBlock.SNOOZE_REASON, "Why wait until then?")]
        return modal(ItemCallback.SNOOZE.value, "Snooze", "Snooze", blocks, metadata)
    if form.action is ItemAction.NOT_NEEDED:
        note = context(f"It closes, and its reminders stop. Only {form.waivers} can do this.")
        blocks = [*head, note, _reason(ItemBlock.NOT_NEEDED_REASON, "Why is it not needed?")]
        return modal(
            ItemCallback.NOT_NEEDED.value, "Not needed", "Mark not needed", blocks, metadata
        )
    to = InputBlock(
        block_id=ItemBlock.HAND_TO.value,
        label="Hand it to",
        hint=f"Someone else {form.team}. They are told, and it is theirs from then on.",
        element=UserSelectElement(action_id=INPUT_ACTION),
    )
    return modal(ItemCallback.HAND_OVER.value, "Hand over", "Hand over", [*head, to], metadata)


def item_done_view(done: ItemDone, today: date) -> View:
    """What the form becomes once submitted: what the action came to."""
    line, what = done.line, _what(done.line)
    if done.action is ItemAction.SNOOZE:
        until = line.snoozed_until
        on = when(until, today) if until else "then"
        state = "is snoozed" if done.changed else "was already snoozed"
        text = f"{what} {state} until {on}. Its reminders resume that morning."
        return info_view("Snoozed", text)
    if done.action is ItemAction.NOT_NEEDED:
        state = "is marked not needed" if done.changed else "was already marked not needed"
        return info_view("Not needed", f"{what} {state}. Its reminders have stopped.")
    whom = f"<@{done.handed_to}>"
    if not done.changed:
        return info_view("Handed over", f"{what} is already {whom}'s.")
    return info_view("Handed over", f"{what} is now {whom}'s. They have been told.")


def handed_over_message(line: TaskLine, giver: str, today: date) -> Message:
    """The DM telling the new owner, with the task's buttons."""
    whose = f" for {line.agency}" if line.agency else ""
    due = when(line.due, today)
    state = f"it was due {due}" if line.overdue else f"due {due}"
    text = f"<@{giver}> handed you “{line.title}”{whose} on {line.reference}, {state}."
    if line.snoozed_until is not None:
        text += f" It is snoozed until {when(line.snoozed_until, today)}."
    blocks: list[Block] = [section(text), ActionsBlock(elements=task_item_buttons(line))]
    return Message(text=text, blocks=blocks)
