"""The first month in Slack (pure: data in, Block Kit out): the designated person's DM, the
case card's buttons, the short forms that complete a task or add or remove an agency, the
chronology's modals, the answers to an uploaded file, and the lines that tell the channel what
was recorded or exported."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.ids import (
    INPUT_ACTION,
    ChronologyFlag,
    FirstMonthAction,
    FirstMonthBlock,
    FirstMonthCallback,
)
from bot.process.states import TaskKind
from bot.services.first_month.schema import (
    CP_PLAN_LABELS,
    ENTRY_SLOTS,
    MAX_EVENT,
    MAX_REASON,
    MAX_SYNOPSIS,
    MAX_WORKER,
    NOTE,
    AgencyCount,
    Briefing,
    BriefingItem,
    CardActions,
    Choice,
    ChronologyForm,
    ChronologyModal,
    Period,
    TaskView,
    entry_block_id,
)
from bot.views.buttons import about, labelled_button
from bot.views.format import LONDON, deadline_words, plural, short_day
from bot.views.messages import Message
from bot.views.reminders import TASK_BUTTONS, open_channel_button

KIND_TITLES = {
    "dp_notified": "Notified the CPU",
    "records_secured": "Records secured",
    "cpu_cp_plan_checked": "Child protection plan",
    "cpu_other_children_considered": "Other children at risk",
    "cpu_organisations_informed": "Organisations informed",
    "cpu_chair_informed": "Board Chair informed",
}
"""Modal titles (at most 24 characters); the buttons say what they do (`TASK_BUTTONS`)."""
COMPLETE_CHRONOLOGY = "Mark chronology complete"

ENCRYPTED = (
    "What you write here is stored encrypted by the bot and may be shown to the case's people "
    "in Slack (the integrated chronology is posted to the case channel). Don't name the child "
    'or family or give their address or date of birth: write "the child" or "Child A", '
    '"Mother".'
)


def metadata(**ids: int) -> str:
    return json.dumps(ids, sort_keys=True)


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def section(
    text: str, accessory: ButtonElement | None = None, block_id: str | None = None
) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text), accessory=accessory, block_id=block_id)


# The designated person's DM ---------------------------------------------------------


def _due(item: BriefingItem, today: date) -> str:
    if item.done_on is not None:
        return f"✓ done {short_day(item.done_on)}"
    return f"due {deadline_words(item.due, item.last_working_day, today)}" if item.due else ""


def briefing_message(briefing: Briefing) -> Message:
    """What an involved agency's designated person is asked to do, one button per action;
    a done item keeps its line and loses its button."""
    items = {item.kind: item for item in briefing.items}
    head = f"*{briefing.reference}*: {briefing.agency} is involved in this review."
    blocks: list[Block] = [section(head)]
    lines = (
        ("dp_notified", "Confirm that you have been told and have notified the CPU"),
        ("records_secured", "*Secure all relevant records and case files now*"),
        (
            "cpu_other_children_considered",
            "As the referring agency, consider whether other children are at risk",
        ),
    )
    subject = about(briefing.reference, briefing.agency)
    for kind, text in lines:
        item = items.get(kind)
        if item is None:
            continue
        button = (
            None
            if item.done_on is not None or item.task_id is None
            else labelled_button(
                TASK_BUTTONS[kind],
                FirstMonthAction.TASK.value,
                subject=subject,
                value=str(item.task_id),
                style="primary",
            )
        )
        block_id = f"{FirstMonthBlock.BRIEFING_ITEM.value}_{kind}"
        blocks.append(section(f"{text} · {_due(item, briefing.today)}", button, block_id))
    chronology, synopsis = items.get("chronology_submitted"), items.get("synopsis_submitted")
    if chronology or synopsis:
        parts = [
            f"chronology {_due(chronology, briefing.today)}" if chronology else "",
            f"synopsis {_due(synopsis, briefing.today)}" if synopsis else "",
        ]
        where = "in the case channel or here" if briefing.channel_id else "here"
        blocks.append(
            section(
                f"Prepare {briefing.agency}'s chronology (one line per date: dd.mm.yy, agency, "
                "name of worker, event/action; child seen; wishes and feelings sought) and a "
                "brief synopsis of your involvement: "
                + ", ".join(p for p in parts if p)
                + f". Add entries with the button, or upload a CSV file {where} (with "
                f"{briefing.reference} in the file name)."
            )
        )
    buttons = [
        ButtonElement(
            text="Add chronology entries",
            action_id=FirstMonthAction.CHRONOLOGY_ADD.value,
            value=str(briefing.case_id),
        ),
        ButtonElement(
            text=COMPLETE_CHRONOLOGY,
            action_id=FirstMonthAction.CHRONOLOGY_COMPLETE.value,
            value=str(briefing.case_id),
        ),
        ButtonElement(
            text="Submit synopsis",
            action_id=FirstMonthAction.SYNOPSIS.value,
            value=str(briefing.case_id),
        ),
    ]
    if briefing.channel_id:
        buttons.append(open_channel_button(briefing.channel_id, briefing.reference))
    blocks.append(ActionsBlock(elements=buttons))
    text = f"{briefing.reference}: {briefing.agency} is involved; please secure its records now."
    return Message(text=text, blocks=blocks)


# The case card's buttons ----------------------------------------------------------------


CPU_ACTIONS = {
    "cpu_cp_plan_checked": FirstMonthAction.CP_PLAN,
    "cpu_other_children_considered": FirstMonthAction.OTHER_CHILDREN,
    "cpu_organisations_informed": FirstMonthAction.ORGANISATIONS,
    "cpu_chair_informed": FirstMonthAction.CHAIR_INFORMED,
}
AGENCY_ACTIONS: dict[str, FirstMonthAction] = {
    TaskKind.DP_NOTIFIED: FirstMonthAction.DP_NOTIFIED,
    TaskKind.RECORDS_SECURED: FirstMonthAction.RECORDS_SECURED,
}


def card_action_blocks(actions: CardActions | None) -> list[Block]:
    """Nothing for a closed case (None)."""
    if actions is None:
        return []
    value = str(actions.case_id)
    blocks: list[Block] = []
    cpu_buttons = [
        ButtonElement(
            text=TASK_BUTTONS[item.kind],
            action_id=CPU_ACTIONS[item.kind].value,
            value=str(item.task_id),
        )
        for item in actions.cpu_items
        if item.kind in CPU_ACTIONS
    ]
    if cpu_buttons:
        blocks += [context("CPU checklist:"), ActionsBlock(elements=cpu_buttons)]
    referrer_buttons = [
        ButtonElement(
            text=TASK_BUTTONS[item.kind],
            action_id=CPU_ACTIONS[item.kind].value,
            value=str(item.task_id),
        )
        for item in actions.referrer_items
        if item.kind in CPU_ACTIONS
    ]
    if referrer_buttons:
        blocks += [context("The referring agency:"), ActionsBlock(elements=referrer_buttons)]
    agency_buttons = [
        ButtonElement(text=TASK_BUTTONS[kind], action_id=AGENCY_ACTIONS[kind].value, value=value)
        for kind in actions.agency_forms
    ]
    if actions.chronology_open:
        agency_buttons += [
            ButtonElement(
                text="Add chronology entries",
                action_id=FirstMonthAction.CHRONOLOGY_ADD.value,
                value=value,
            ),
            ButtonElement(
                text=COMPLETE_CHRONOLOGY,
                action_id=FirstMonthAction.CHRONOLOGY_COMPLETE.value,
                value=value,
            ),
            ButtonElement(
                text="Submit synopsis", action_id=FirstMonthAction.SYNOPSIS.value, value=value
            ),
        ]
    if agency_buttons:
        blocks += [context("For each involved agency:"), ActionsBlock(elements=agency_buttons)]
    blocks.append(
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Add agency", action_id=FirstMonthAction.AGENCY_ADD.value, value=value
                ),
                ButtonElement(
                    text="Remove agency",
                    action_id=FirstMonthAction.AGENCY_REMOVE.value,
                    value=value,
                ),
                ButtonElement(
                    text="Export chronology",
                    action_id=FirstMonthAction.CHRONOLOGY_EXPORT.value,
                    value=value,
                ),
            ]
        )
    )
    return blocks


# Short confirmations --------------------------------------------------------------------


RECORDED = {
    "dp_notified": "designated person told and the CPU notified",
    "records_secured": "records secured",
    "cpu_cp_plan_checked": "child protection plan status checked",
    "cpu_other_children_considered": "other children at risk considered",
    "cpu_organisations_informed": "other organisations informed",
    "cpu_chair_informed": "Board Chair informed",
}


def task_recorded_text(view: TaskView, actor: str) -> str:
    whose = f" for {view.agency}" if view.agency else ""
    return f"✓ {view.reference}: {RECORDED[view.kind]}{whose}, recorded by <@{actor}>."


def agency_added_text(reference: str, agency: str, actor: str, invited: Sequence[str]) -> str:
    people = ", ".join(f"<@{u}>" for u in invited)
    tail = f" {people} invited and told what to do." if people else ""
    return f"{reference}: {agency} is now involved (added by <@{actor}>).{tail}"


def agency_removed_text(reference: str, agency: str, actor: str) -> str:
    return (
        f"{reference}: {agency} is no longer involved (removed by <@{actor}>); "
        "its open tasks are closed."
    )


# Task forms and the agency forms -------------------------------------------------------


def _text_input(
    block: FirstMonthBlock,
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
            block_id=FirstMonthBlock.WHEN_DATE.value,
            label=label,
            element=DatePickerElement(action_id=INPUT_ACTION, initial_date=today.isoformat()),
        ),
        InputBlock(
            block_id=FirstMonthBlock.WHEN_TIME.value,
            label="Time",
            optional=True,
            element=TimePickerElement(action_id=INPUT_ACTION),
        ),
    ]


def _note() -> InputBlock:
    return _text_input(FirstMonthBlock.NOTE, "Note", max_length=NOTE, multiline=True, optional=True)


def _task_inputs(view: TaskView, today: date) -> list[Block]:
    if view.kind == "dp_notified":
        return [
            *_when("When was the CPU notified?", today),
            _text_input(
                FirstMonthBlock.BY_WHOM,
                "Who notified the CPU?",
                max_length=200,
                hint="Name and role.",
            ),
            _text_input(
                FirstMonthBlock.CONCERN_FROM,
                "Whose concern reached you?",
                max_length=200,
                optional=True,
                hint="The worker who told you: name and role.",
            ),
            InputBlock(
                block_id=FirstMonthBlock.CONCERN_ON.value,
                label="When did their concern reach you?",
                optional=True,
                element=DatePickerElement(action_id=INPUT_ACTION),
            ),
            _note(),
        ]
    if view.kind == "records_secured":
        return [
            *_when("When were the records secured?", today),
            _text_input(
                FirstMonthBlock.SYSTEMS,
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
                block_id=FirstMonthBlock.CP_PLAN.value,
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
                FirstMonthBlock.OTHER_CHILDREN,
                "Other children considered; safeguarding action taken",
                max_length=3000,
                multiline=True,
            )
        ]
    if view.kind == "cpu_organisations_informed":
        options = [Option(value=str(i), label=name) for i, name in view.partner_agencies]
        return [
            InputBlock(
                block_id=FirstMonthBlock.ORGANISATIONS.value,
                label="Partner agencies informed",
                optional=True,
                element=StaticMultiSelectElement(action_id=INPUT_ACTION, options=options),
            ),
            _text_input(
                FirstMonthBlock.OTHER_ORGANISATIONS,
                "Others informed",
                max_length=NOTE,
                optional=True,
            ),
        ]
    return [
        *_when("When was the Board Chair informed?", today),
        _text_input(
            FirstMonthBlock.HOW, "How?", max_length=200, optional=True, hint="E.g. by phone."
        ),
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
            block_id=FirstMonthBlock.AGENCY.value,
            label="Agency",
            element=StaticSelectElement(action_id=INPUT_ACTION, options=options),
        ),
    ]
    if removing:
        blocks += [
            _text_input(FirstMonthBlock.REASON, "Reason", max_length=MAX_REASON, multiline=True),
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


# Chronologies ---------------------------------------------------------------------------


FLAG_LABELS = {
    ChronologyFlag.CHILD_SEEN: "Child seen",
    ChronologyFlag.WISHES_SOUGHT: "Wishes and feelings sought",
}


def _agency_input(choices: Sequence[Choice]) -> list[Block]:
    """Asked only of someone who acts for more than one involved agency."""
    if len(choices) < 2:
        return []
    return [
        InputBlock(
            block_id=FirstMonthBlock.AGENCY.value,
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
    blocks.append(context(ENCRYPTED))
    return View(
        type="modal",
        callback_id=FirstMonthCallback.CHRONOLOGY_ENTRIES.value,
        private_metadata=_meta(case_id, choices),
        title="Chronology entries",
        submit="Add entries",
        close="Cancel",
        blocks=blocks,
    )


def complete_modal(*, case_id: int, reference: str, counts: Sequence[AgencyCount]) -> View:
    lines = [f"{c.choice.name}: {plural(c.entries, 'entry', 'entries')}" for c in counts]
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
                block_id=FirstMonthBlock.SYNOPSIS.value,
                label="Synopsis of involvement",
                element=PlainTextInputElement(
                    action_id=INPUT_ACTION, multiline=True, max_length=MAX_SYNOPSIS
                ),
            ),
            context(ENCRYPTED),
        ],
    )


def entries_added_text(
    reference: str, agency: str, *, added: int, skipped: int, total: int, source: str
) -> str:
    """``source`` says how they came, e.g. "by <@U1>" or "from a file shared by <@U1>"."""
    skipped_text = (
        f" {plural(skipped, 'row was', 'rows were')} already in the chronology and left out."
        if skipped
        else ""
    )
    return (
        f"✓ {reference}: {plural(added, 'entry', 'entries')} added to {agency}'s chronology "
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
        context(
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
        f"{reference}: integrated chronology, {plural(entries, 'entry', 'entries')} "
        f"from {names}, exported by <@{actor}>. Confidential: for the review panel only."
    )


def chronology_modal_view(modal: ChronologyModal, today: date) -> View:
    if modal.which is ChronologyForm.ENTRIES:
        return entries_modal(
            case_id=modal.case_id, reference=modal.reference, choices=modal.choices, today=today
        )
    if modal.which is ChronologyForm.COMPLETE:
        return complete_modal(case_id=modal.case_id, reference=modal.reference, counts=modal.counts)
    return synopsis_modal(case_id=modal.case_id, reference=modal.reference, choices=modal.choices)


def period_set_text(period: Period) -> str:
    end = f" to {period.ends_on:%d.%m.%Y}" if period.ends_on is not None else ""
    return (
        f"Period under review: from {period.starts_on:%d.%m.%Y}{end}. Chronology entries "
        "outside it will be refused."
    )
