"""The first month's short forms (pure): the modals that complete a task, and the ones that
add or remove an involved agency."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, FirstMonthCallback
from bot.ids import FirstMonthBlock as B
from bot.services.first_month import CP_PLAN_LABELS, NOTE, TaskView
from bot.views.first_month import ENCRYPTED, KIND_TITLES, Choice, context, metadata, section
from bot.views.format import LONDON, short_day


def _text_input(
    block: B,
    label: str,
    *,
    max_length: int,
    multiline: bool = False,
    optional: bool = False,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block.value,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=INPUT_ACTION, multiline=multiline, max_length=max_length
        ),
    )


def _when(label: str, today: date) -> list[Block]:
    return [
        InputBlock(
            block_id=B.WHEN_DATE.value,
            label=label,
            element=DatePickerElement(action_id=INPUT_ACTION, initial_date=today.isoformat()),
        ),
        InputBlock(
            block_id=B.WHEN_TIME.value,
            label="Time",
            optional=True,
            element=TimePickerElement(action_id=INPUT_ACTION),
        ),
    ]


def _note() -> InputBlock:
    return _text_input(B.NOTE, "Note", max_length=NOTE, multiline=True, optional=True)


def _task_inputs(view: TaskView, today: date) -> list[Block]:
    if view.kind == "dp_notified":
        return [
            *_when("When was the CPU notified?", today),
            _text_input(B.BY_WHOM, "Who notified the CPU?", max_length=200, hint="Name and role."),
            _note(),
        ]
    if view.kind == "records_secured":
        return [
            *_when("When were the records secured?", today),
            _text_input(
                B.SYSTEMS,
                "Which systems and files?",
                max_length=1000,
                multiline=True,
                hint="E.g. the case management system, paper files, e-mail archives.",
            ),
            _note(),
        ]
    if view.kind == "cpu_cp_plan_checked":
        return [
            InputBlock(
                block_id=B.CP_PLAN.value,
                label="Is or was the child subject of a child protection plan?",
                element=RadioButtonsElement(
                    action_id=INPUT_ACTION,
                    options=[Option(value=k.value, label=v) for k, v in CP_PLAN_LABELS.items()],
                ),
            ),
            _note(),
        ]
    if view.kind == "cpu_other_children_considered":
        return [
            _text_input(
                B.OTHER_CHILDREN,
                "Other children considered; safeguarding action taken",
                max_length=3000,
                multiline=True,
            )
        ]
    if view.kind == "cpu_organisations_informed":
        options = [Option(value=str(i), label=name) for i, name in view.partner_agencies]
        return [
            InputBlock(
                block_id=B.ORGANISATIONS.value,
                label="Partner agencies informed",
                optional=True,
                element=StaticMultiSelectElement(action_id=INPUT_ACTION, options=options),
            ),
            _text_input(B.OTHER_ORGANISATIONS, "Others informed", max_length=NOTE, optional=True),
        ]
    return [
        *_when("When was the Board Chair informed?", today),
        _text_input(B.HOW, "How?", max_length=200, optional=True, hint="E.g. by phone."),
        _note(),
    ]


def task_modal(view: TaskView, today: date) -> View:
    whose = f" ({view.agency})" if view.agency else ""
    due = short_day(view.due_at.astimezone(LONDON).date())
    return View(
        type="modal",
        callback_id=FirstMonthCallback.TASK_FORM.value,
        private_metadata=metadata(task=view.task_id),
        title=KIND_TITLES[view.kind],
        submit="Save",
        close="Cancel",
        blocks=[
            section(f"*{view.reference}*{whose} · due {due}"),
            *_task_inputs(view, today),
            context(ENCRYPTED),
        ],
    )


def agency_modal(
    *, case_id: int, reference: str, choices: Sequence[Choice], removing: bool
) -> View:
    options = [Option(value=str(c.id), label=c.name) for c in choices]
    blocks: list[Block] = [
        section(
            f"*{reference}*: "
            + (
                "the agency's open tasks close and its reminders stop."
                if removing
                else "the agency's designated persons are invited and given their tasks."
            )
        ),
        InputBlock(
            block_id=B.AGENCY.value,
            label="Agency",
            element=StaticSelectElement(action_id=INPUT_ACTION, options=options),
        ),
    ]
    if removing:
        blocks += [
            _text_input(B.REASON, "Reason", max_length=500, multiline=True),
            context(ENCRYPTED),
        ]
    return View(
        type="modal",
        callback_id=(
            FirstMonthCallback.AGENCY_REMOVE if removing else FirstMonthCallback.AGENCY_ADD
        ).value,
        private_metadata=metadata(case=case_id),
        title="Remove an agency" if removing else "Add an agency",
        submit="Remove" if removing else "Add",
        close="Cancel",
        blocks=blocks,
    )


def nothing_to_choose(title: str, text: str) -> View:
    return View(type="modal", title=title, close="Close", blocks=[section(text)])
