"""Progress returns in Slack (pure: data in, Block Kit out): the owner's return form, the
Board's round summary, the case card's monitoring lines, and the sign-off notice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, MonitoringCallback
from bot.ids import MonitoringBlock as B
from bot.services.action_plan import RecStatus
from bot.services.plan_views import MonitoringState
from bot.services.progress_returns import LONG_TEXT, SHORT_TEXT, STATUS_LABELS, ReturnStatus
from bot.services.return_submission import ReturnSubject
from bot.services.round_summary import AWAITING, CLOSED, COMPLETE, MISSED, OVERDUE, RoundSummary
from bot.views.action_plan import metadata
from bot.views.format import channel_link, day, user_link
from bot.views.messages import Message
from bot.views.plan_list import recommendations, status_words

ACTION_SHOWN = 2800


def _optional_text(block: B, label: str, initial: str, hint: str) -> InputBlock:
    return InputBlock(
        block_id=block.value,
        label=label,
        optional=True,
        hint=hint,
        element=PlainTextInputElement(
            action_id=INPUT_ACTION,
            multiline=True,
            max_length=SHORT_TEXT,
            initial_value=initial or None,
        ),
    )


def return_modal(subject: ReturnSubject, agency: str, today: date) -> View:
    current = subject.current
    options = [Option(value=s.value, label=STATUS_LABELS[s]) for s in ReturnStatus]
    status = current.status if current else subject.previous_status
    initial = next((o for o in options if o.value == status), None)
    action = subject.action
    if len(action) > ACTION_SHOWN:
        action = action[:ACTION_SHOWN] + "…"
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*{subject.reference}* · recommendation {subject.number} ({agency}) · "
                f"round {subject.round_no}, due {day(subject.due_date)}"
            )
        ),
        SectionBlock(text=MarkdownTextObject(text=f">{action.replace(chr(10), chr(10) + '>')}")),
        ContextBlock(
            elements=[MarkdownTextObject(text=f"Target date {day(subject.target_date)}.")]
        ),
        InputBlock(
            block_id=B.PROGRESS.value,
            label="Progress made",
            element=PlainTextInputElement(
                action_id=INPUT_ACTION,
                multiline=True,
                max_length=LONG_TEXT,
                initial_value=current.progress if current else None,
            ),
        ),
        InputBlock(
            block_id=B.STATUS.value,
            label="Status",
            element=RadioButtonsElement(
                action_id=INPUT_ACTION, options=options, initial_option=initial
            ),
        ),
        _optional_text(
            B.REASON,
            "Reason it will not be implemented",
            current.reason if current else "",
            "Needed when the status is “Not implemented”.",
        ),
        _optional_text(
            B.EVIDENCE,
            "Evidence",
            current.evidence if current else "",
            "A link to the evidence, or a short description of it.",
        ),
        InputBlock(
            block_id=B.AS_OF.value,
            label="Progress as at",
            element=DatePickerElement(
                action_id=INPUT_ACTION,
                initial_date=(current.as_of if current else today).isoformat(),
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=MonitoringCallback.PROGRESS_RETURN.value,
        private_metadata=metadata(task=subject.task_id),
        title="Progress return",
        submit="Send",
        close="Cancel",
        blocks=blocks,
    )


def return_received_view(reference: str, number: int, round_no: int, *, amended: bool) -> View:
    what = "amended" if amended else "received"
    text = (
        f"{reference}: your progress return on recommendation {number} for round {round_no} "
        f"is {what}. Thank you."
    )
    return View(
        type="modal",
        title="Progress return",
        close="Close",
        blocks=[SectionBlock(text=MarkdownTextObject(text=text))],
    )


def _numbers(rows: Sequence[tuple[int, str]]) -> str:
    return ", ".join(f"{number} ({agency})" for number, agency in rows)


def summary_text(summary: RoundSummary, channel_id: str | None) -> str:
    """The message that comes with the pro forma files, for the Board business unit."""
    counts = summary.counts
    head = (
        f"*{summary.reference} · progress returns, round {summary.round_no}* "
        f"(due {day(summary.due)})"
    )
    if summary.kind == COMPLETE:
        state = "Every return of this round is in."
    else:
        late = len(summary.late)
        state = f"The deadline has passed: {late} return{'s are' if late != 1 else ' is'} overdue."
    tally = (
        f"{recommendations(len(summary.rows))}: "
        f"{counts[ReturnStatus.IMPLEMENTED.value]} implemented · "
        f"{counts[ReturnStatus.IN_PROGRESS.value]} in progress · "
        f"{counts[ReturnStatus.NOT_STARTED.value]} not started · "
        f"{counts[ReturnStatus.NOT_IMPLEMENTED.value]} not implemented · "
        f"{counts[OVERDUE]} overdue returns"
    )
    extra = [counts[k] and f"{counts[k]} {k}" for k in (AWAITING, MISSED, CLOSED)]
    tally += "".join(f" · {e}" for e in extra if e)
    lines = [head, state, tally]
    if summary.late:
        lines.append("Overdue: " + _numbers([(r.number, r.agency) for r in summary.late]) + ".")
    reported = [
        (r.number, r.agency)
        for r in summary.rows
        if r.state == ReturnStatus.IMPLEMENTED.value and not r.confirmed
    ]
    if reported:
        where = f" in {channel_link(channel_id)}" if channel_id else ""
        lines.append(
            f"Reported implemented: {_numbers(reported)}. Confirm or close them with "
            f"`/scr actions`{where}."
        )
    lines.append("The pro forma (number, agency, progress) is attached as Word and CSV.")
    return "\n".join(lines)


MAX_CARD_RECS = 15


def card_lines(state: MonitoringState) -> list[str]:
    """The case card's monitoring lines: numbers, agencies, owners and statuses only."""
    signed = state.signed_off
    if signed is not None:
        return [
            f"*Signed off* by {user_link(signed.by)} on {day(signed.on)}: every recommendation "
            "is closed, reminders have stopped and this channel is archived."
        ]
    if not state.lines:
        return []
    open_count = sum(1 for line in state.lines if line.status == RecStatus.OPEN)
    lines = [f"*Action plan*: {recommendations(len(state.lines))} · {open_count} open"]
    for line in state.lines[:MAX_CARD_RECS]:
        owner = user_link(line.owner) if line.owner else "no owner"
        lines.append(f"{line.number} · {line.agency} · {owner} · {status_words(line)}")
    if len(state.lines) > MAX_CARD_RECS:
        lines.append(f"…and {len(state.lines) - MAX_CARD_RECS} more (`/scr actions`)")
    current = state.current
    if current is not None and open_count:
        text = (
            f"*Progress returns*, round {current.round_no}: due {day(current.due)} · "
            f"{current.returns_in} of {current.returns_asked} in"
        )
        if state.overdue_earlier:
            text += f" · {state.overdue_earlier} overdue from earlier rounds"
        lines.append(text)
    return lines


def signed_off_message(reference: str, actor: str, on: date) -> Message:
    text = (
        f"{reference} is signed off by {user_link(actor)} on {day(on)}: every recommendation "
        "is closed and the reminders have stopped. This channel is now archived."
    )
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])
