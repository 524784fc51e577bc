"""`/scr actions` and the owners' DMs about their recommendations (pure: data in, Block Kit
out). DMs name a recommendation by number and agency only; the action's text is shown in
the plan's list, which only the case's members see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    SectionBlock,
)

from bot.ids import MonitoringAction
from bot.services.action_plan import RecStatus
from bot.services.plan_views import PlanLine
from bot.services.progress_returns import STATUS_LABELS, ReturnStatus
from bot.views.action_plan import Verb, manage_value, problems_text
from bot.views.format import day, user_link
from bot.views.messages import Message

MAX_LISTED = 40
"""Recommendations listed in one message: with the header, summary, sign-off and buttons,
within Slack's 50 blocks."""
ACTION_PREVIEW = 280


@dataclass(frozen=True)
class PlanView:
    case_id: int
    reference: str
    lines: Sequence[PlanLine]
    today: date
    round_no: int | None
    round_due: date | None
    can_manage: bool
    can_close: bool
    can_sign_off: bool
    blocker: str | None
    signed_off: bool
    carried_pending: int = 0
    """Management review recommendations not yet in the plan."""


def status_words(line: PlanLine) -> str:
    if line.status == RecStatus.IMPLEMENTED:
        return "✓ implemented"
    if line.status == RecStatus.CLOSED:
        return "closed"
    if line.latest is None:
        return "open · no return yet"
    label = STATUS_LABELS[ReturnStatus(line.latest.status)].lower()
    return f"open · round {line.latest.round_no}: {label} ({day(line.latest.as_of)})"


def _plan_line(line: PlanLine, view: PlanView) -> SectionBlock:
    owner = user_link(line.owner) if line.owner else "no owner"
    action = (
        line.action if len(line.action) <= ACTION_PREVIEW else line.action[:ACTION_PREVIEW] + "…"
    )
    text = (
        f"*{line.number}* · {line.agency} · {owner} · target {day(line.target_date)}\n"
        f"{status_words(line)}\n>{action.replace(chr(10), ' ')}"
    )
    options = (
        [Option(value=manage_value(Verb.EDIT, line.id), label="Edit")] if view.can_manage else []
    )
    if view.can_close and line.status == RecStatus.OPEN:
        options += [
            Option(value=manage_value(Verb.IMPLEMENTED, line.id), label="Mark implemented"),
            Option(value=manage_value(Verb.CLOSE, line.id), label="Close with a reason"),
        ]
    menu = (
        OverflowMenuElement(action_id=MonitoringAction.MANAGE.value, options=options)
        if options
        else None
    )
    return SectionBlock(
        block_id=f"rec_{line.id}", text=MarkdownTextObject(text=text[:3000]), accessory=menu
    )


def plan_message(view: PlanView) -> Message:
    open_count = sum(1 for line in view.lines if line.status == RecStatus.OPEN)
    text = f"{view.reference}: {recommendations(len(view.lines))}, {open_count} open."
    summary = text
    if view.round_no is not None and view.round_due is not None and open_count:
        summary += f" Progress returns, round {view.round_no}: due {day(view.round_due)}."
    if view.signed_off:
        summary += " Signed off by the Board."
    blocks: list[Block] = [
        HeaderBlock(text=f"{view.reference} · action plan"),
        ContextBlock(elements=[MarkdownTextObject(text=summary)]),
    ]
    blocks += [_plan_line(line, view) for line in view.lines[:MAX_LISTED]]
    if len(view.lines) > MAX_LISTED:
        more = f"…and {len(view.lines) - MAX_LISTED} more (see the pro forma export)."
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    if not view.lines:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="No recommendations yet.")))
    buttons: list[ButtonElement] = []
    if view.can_manage and not view.signed_off:
        buttons += [
            ButtonElement(
                text="Add recommendation",
                action_id=MonitoringAction.ADD.value,
                value=str(view.case_id),
            ),
            ButtonElement(
                text="Import CSV", action_id=MonitoringAction.IMPORT.value, value=str(view.case_id)
            ),
        ]
    if view.can_manage and view.carried_pending and not view.signed_off:
        buttons.insert(
            0,
            ButtonElement(
                text=f"Add from the management reviews ({view.carried_pending} left)",
                action_id=MonitoringAction.ADD_CARRIED.value,
                value=str(view.case_id),
                style="primary",
            ),
        )
    if view.can_close and view.can_sign_off:
        buttons.append(sign_off_button(view.case_id, view.reference))
    if view.can_close and view.blocker and not view.signed_off and view.lines:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"Sign-off: {view.blocker}")]))
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    return Message(text=text, blocks=blocks[:50])


def sign_off_button(case_id: int, reference: str) -> ButtonElement:
    return ButtonElement(
        text="Sign off the case",
        action_id=MonitoringAction.SIGN_OFF.value,
        value=str(case_id),
        style="danger",
        confirm=ConfirmObject(
            title="Sign off?",
            text=f"Every recommendation of {reference} is closed. Signing off stops its "
            "reminders and archives its channel.",
            confirm="Sign off",
            deny="Not yet",
        ),
    )


def recommendations(count: int) -> str:
    return f"{count} recommendation{'' if count == 1 else 's'}"


def _dm(text: str) -> Message:
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def _numbers(numbers: Sequence[int]) -> str:
    words = [str(n) for n in numbers]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def owner_assigned_message(
    reference: str, numbers: Sequence[int], agencies: Sequence[str], first_due: date | None
) -> Message:
    which = "recommendation" if len(numbers) == 1 else "recommendations"
    when = f" The first progress return is due {day(first_due)}." if first_due else ""
    return _dm(
        f"{reference}: you own {which} {_numbers(numbers)} of the action plan "
        f"({', '.join(agencies)}).{when} You will be reminded before each six-monthly return."
    )


def reassigned_message(reference: str, number: int, agency: str, previous: str) -> Message:
    return _dm(
        f"{reference}: recommendation {number} ({agency}) is now yours; it was "
        f"{user_link(previous)}'s, who has left. Its progress returns come to you from now on."
    )


def nobody_left_message(reference: str, number: int, agency: str, previous: str) -> Message:
    return _dm(
        f"{reference}: recommendation {number} ({agency}) has no owner: {user_link(previous)} "
        f"has left and {agency} has no review lead or designated person left to take it. "
        "Please choose a new owner with `/scr actions`."
    )


def import_outcome_message(
    reference: str, case_id: int, imported: int, problems: Sequence[str]
) -> Message:
    """To the person who imported a plan, once its owners have been looked up."""
    if not problems:
        return _dm(
            f"{reference}: {recommendations(imported)} imported into the action plan. "
            "Each owner has been told; the case card lists them."
        )
    text = f"{reference}: the action plan was not imported; nothing was stored."
    detail = f"{text}\n{problems_text(problems)}"
    retry = ButtonElement(
        text="Import again", action_id=MonitoringAction.IMPORT.value, value=str(case_id)
    )
    return Message(
        text=text,
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=detail[:3000])),
            ActionsBlock(elements=[retry]),
        ],
    )
