"""The first month in Slack (pure: data in, Block Kit out): the designated person's DM, the
case card's buttons, and the lines that tell the channel what was recorded."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.ids import FirstMonthAction
from bot.ids import FirstMonthBlock as B
from bot.services.first_month import TaskView
from bot.views.format import short_day
from bot.views.messages import Message
from bot.views.reminders import open_channel_button

KIND_TITLES = {
    "dp_notified": "Notified the CPU",
    "records_secured": "Records secured",
    "cpu_cp_plan_checked": "Child protection plan",
    "cpu_other_children_considered": "Other children at risk",
    "cpu_organisations_informed": "Organisations informed",
    "cpu_chair_informed": "Board Chair informed",
}
"""Modal titles (at most 24 characters) and button labels."""

ENCRYPTED = "What you write here is stored encrypted by the bot and never posted to Slack."


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


def metadata(**ids: int) -> str:
    return json.dumps(ids, sort_keys=True)


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def section(
    text: str, accessory: ButtonElement | None = None, block_id: str | None = None
) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text), accessory=accessory, block_id=block_id)


# The designated person's DM ---------------------------------------------------------


@dataclass(frozen=True)
class BriefingItem:
    kind: str
    task_id: int | None
    due: date | None
    done_on: date | None


@dataclass(frozen=True)
class Briefing:
    case_id: int
    reference: str
    agency: str
    channel_id: str | None
    items: Sequence[BriefingItem]


def _due(item: BriefingItem) -> str:
    if item.done_on is not None:
        return f"✓ done {short_day(item.done_on)}"
    return f"due {short_day(item.due)}" if item.due else ""


def briefing_message(briefing: Briefing) -> Message:
    """What an involved agency's designated person is asked to do, one button per action;
    a done item keeps its line and loses its button."""
    items = {item.kind: item for item in briefing.items}
    head = f"*{briefing.reference}*: {briefing.agency} is involved in this review."
    blocks: list[Block] = [section(head)]
    lines = (
        (
            "dp_notified",
            "Confirm that you have been told and have notified the CPU",
            "Notified CPU",
        ),
        ("records_secured", "*Secure all relevant records and case files now*", "Records secured"),
    )
    for kind, text, label in lines:
        item = items.get(kind)
        if item is None:
            continue
        button = (
            None
            if item.done_on is not None or item.task_id is None
            else ButtonElement(
                text=label,
                action_id=FirstMonthAction.TASK.value,
                value=str(item.task_id),
                style="primary",
            )
        )
        block_id = f"{B.BRIEFING_ITEM.value}_{kind}"
        blocks.append(section(f"{text} · {_due(item)}", button, block_id))
    chronology, synopsis = items.get("chronology_submitted"), items.get("synopsis_submitted")
    if chronology or synopsis:
        parts = [
            f"chronology {_due(chronology)}" if chronology else "",
            f"synopsis {_due(synopsis)}" if synopsis else "",
        ]
        blocks.append(
            section(
                f"Prepare {briefing.agency}'s chronology (one line per date: dd.mm.yy, agency, "
                "name of worker, event/action; child seen; wishes and feelings sought) and a "
                "brief synopsis of your involvement: "
                + ", ".join(p for p in parts if p)
                + ". Add entries with the button, or upload a CSV file in the case channel or "
                f"here (with {briefing.reference} in the file name)."
            )
        )
    buttons = [
        ButtonElement(
            text="Add chronology entries",
            action_id=FirstMonthAction.CHRONOLOGY_ADD.value,
            value=str(briefing.case_id),
        ),
        ButtonElement(
            text="Chronology complete",
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
        buttons.append(open_channel_button(briefing.channel_id))
    blocks.append(ActionsBlock(elements=buttons))
    text = f"{briefing.reference}: {briefing.agency} is involved; please secure its records now."
    return Message(text=text, blocks=blocks)


# The case card's buttons ----------------------------------------------------------------


@dataclass(frozen=True)
class CpuItem:
    task_id: int
    kind: str


CPU_ACTIONS = {
    "cpu_cp_plan_checked": FirstMonthAction.CP_PLAN,
    "cpu_other_children_considered": FirstMonthAction.OTHER_CHILDREN,
    "cpu_organisations_informed": FirstMonthAction.ORGANISATIONS,
    "cpu_chair_informed": FirstMonthAction.CHAIR_INFORMED,
}


@dataclass(frozen=True)
class CardActions:
    case_id: int
    cpu_items: Sequence[CpuItem]
    agency_tasks_open: bool
    chronology_open: bool


def card_action_blocks(actions: CardActions) -> list[Block]:
    value = str(actions.case_id)
    blocks: list[Block] = []
    cpu_buttons = [
        ButtonElement(
            text=KIND_TITLES[item.kind],
            action_id=CPU_ACTIONS[item.kind].value,
            value=str(item.task_id),
        )
        for item in actions.cpu_items
        if item.kind in CPU_ACTIONS
    ]
    if cpu_buttons:
        blocks += [context("CPU checklist:"), ActionsBlock(elements=cpu_buttons)]
    agency_buttons: list[ButtonElement] = []
    if actions.agency_tasks_open:
        agency_buttons += [
            ButtonElement(
                text="Notified CPU", action_id=FirstMonthAction.DP_NOTIFIED.value, value=value
            ),
            ButtonElement(
                text="Records secured",
                action_id=FirstMonthAction.RECORDS_SECURED.value,
                value=value,
            ),
        ]
    if actions.chronology_open:
        agency_buttons += [
            ButtonElement(
                text="Add chronology entries",
                action_id=FirstMonthAction.CHRONOLOGY_ADD.value,
                value=value,
            ),
            ButtonElement(
                text="Chronology complete",
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
