"""Monitoring in Slack (pure: data in, Block Kit out): the action plan's modals (add, edit,
import, close), `/scr actions`, the owners' DMs, the progress return form, the Board's
round summary, the case card's monitoring lines and the sign-off notice. The DMs and the
case card name recommendations by number and agency only; the action's text appears only
where the case's members (or the owner) look at the plan itself."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from enum import StrEnum

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, MonitoringAction, MonitoringBlock, MonitoringCallback
from bot.services.monitoring.schema import (
    COLUMNS_HELP,
    DEFAULT_INTERVAL_MONTHS,
    INTERVAL_CHOICES,
    LONG_TEXT,
    MAX_PROBLEMS_SHOWN,
    SHORT_TEXT,
    SOURCE_LABELS,
    STATUS_LABELS,
    CloseModal,
    MonitoringState,
    PlanLine,
    PlanView,
    RecommendationModal,
    RecStatus,
    ReturnStatus,
    ReturnSubject,
    RoundSummary,
    RowState,
    Source,
    SummaryKind,
    interval_words,
)
from bot.views.format import channel_link, day, deadline_words, listed, plural, user_link
from bot.views.forms import info_view
from bot.views.messages import Message

MAX_LISTED = 40
"""Recommendations listed in one message: with the header, summary, sign-off and buttons,
within Slack's 50 blocks."""
ACTION_PREVIEW = 280
ACTION_SHOWN = 2800
MAX_CARD_RECS = 15


class Verb(StrEnum):
    EDIT = "edit"
    IMPLEMENTED = "implemented"
    CLOSE = "close"


def manage_value(verb: Verb, rec_id: int) -> str:
    return f"{verb.value}:{rec_id}"


def parse_manage_value(value: object) -> tuple[Verb, int] | None:
    """The verb and recommendation an overflow option's value names (None: not ours)."""
    verb, _, rec_id = str(value or "").partition(":")
    if verb not in {v.value for v in Verb} or not rec_id.isdigit():
        return None
    return Verb(verb), int(rec_id)


class FileInputElement(InputInteractiveElement):
    """Block Kit's ``file_input`` (modals only), which slack_sdk has no model for."""

    type = "file_input"

    @property
    def attributes(self) -> set[str]:  # type: ignore[override]
        return {"type", "action_id", "filetypes", "max_files"}

    def __init__(self, *, action_id: str, filetypes: Sequence[str], max_files: int) -> None:
        super().__init__(type=self.type, action_id=action_id)
        self.filetypes = list(filetypes)
        self.max_files = max_files


def metadata(**values: int | str | None) -> str:
    return json.dumps(values, sort_keys=True)


def _text_input(
    block: MonitoringBlock, label: str, initial: str | None, *, multiline: bool
) -> InputBlock:
    return InputBlock(
        block_id=block.value,
        label=label,
        element=PlainTextInputElement(
            action_id=INPUT_ACTION,
            multiline=multiline,
            max_length=LONG_TEXT if multiline else 3,
            initial_value=initial or None,
        ),
    )


def recommendation_modal(form: RecommendationModal) -> View:
    values, rec_id = form.values, form.rec_id
    options = [Option(value=str(agency_id), label=name) for agency_id, name in form.agencies]
    chosen = next((o for o in options if values and o.value == str(values.agency_id)), None)
    sources = [Option(value=s.value, label=SOURCE_LABELS[s]) for s in Source]
    source = next((o for o in sources if values and o.value == values.source), sources[0])
    owner = values.owner if values else None
    number = str(values.number) if values else None
    outcome = values.expected_outcome if values else None
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=f"*{form.reference}* · action plan")]),
        _text_input(MonitoringBlock.NUMBER, "Recommendation number", number, multiline=False),
        InputBlock(
            block_id=MonitoringBlock.AGENCY.value,
            label="Agency",
            element=StaticSelectElement(
                action_id=INPUT_ACTION, options=options, initial_option=chosen
            ),
        ),
        _text_input(
            MonitoringBlock.ACTION, "Action", values.action if values else None, multiline=True
        ),
        InputBlock(
            block_id=MonitoringBlock.OWNER.value,
            label="Owner (someone in that agency)",
            element=UserSelectElement(action_id=INPUT_ACTION, initial_user=owner),
        ),
        InputBlock(
            block_id=MonitoringBlock.TARGET_DATE.value,
            label="Target date",
            element=DatePickerElement(
                action_id=INPUT_ACTION,
                initial_date=values.target_date.isoformat()
                if values and values.target_date
                else None,
            ),
        ),
        _text_input(MonitoringBlock.OUTCOME, "Expected outcome", outcome, multiline=True),
        InputBlock(
            block_id=MonitoringBlock.SOURCE.value,
            label="From",
            element=RadioButtonsElement(
                action_id=INPUT_ACTION, options=sources, initial_option=source
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=MonitoringCallback.RECOMMENDATION.value,
        private_metadata=metadata(case=form.case_id, rec=rec_id),
        title="Edit recommendation" if rec_id else "Add recommendation",
        submit="Save",
        close="Cancel",
        blocks=blocks,
    )


def import_modal(case_id: int, reference: str) -> View:
    blocks: list[Block] = [
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"*{reference}* · a CSV file with one recommendation per row and the "
                    f"columns {COLUMNS_HELP}. Owners as Slack member ids or email addresses; "
                    "dates like 30/06/2027."
                )
            ]
        ),
        InputBlock(
            block_id=MonitoringBlock.PLAN_FILE.value,
            label="Action plan (CSV)",
            element=FileInputElement(action_id=INPUT_ACTION, filetypes=["csv"], max_files=1),
        ),
    ]
    return View(
        type="modal",
        callback_id=MonitoringCallback.PLAN_IMPORT.value,
        private_metadata=metadata(case=case_id),
        title="Import action plan",
        submit="Import",
        close="Cancel",
        blocks=blocks,
    )


def problems_text(problems: Sequence[str], limit: int = MAX_PROBLEMS_SHOWN) -> str:
    shown = list(problems[:limit])
    if len(problems) > limit:
        shown.append(f"…and {len(problems) - limit} more.")
    return "\n".join(shown)


def close_modal(rec: CloseModal, verb: Verb) -> View:
    implemented = verb == Verb.IMPLEMENTED
    question = "implemented" if implemented else "closed without being implemented"
    return View(
        type="modal",
        callback_id=MonitoringCallback.CLOSE.value,
        private_metadata=metadata(rec=rec.rec_id, verb=verb.value),
        title="Mark implemented" if implemented else "Close recommendation",
        submit="Confirm",
        close="Cancel",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{rec.reference}*: recommendation {rec.number} ({rec.agency}) is "
                    f"{question}. "
                    "It leaves the progress returns; its owner is not asked again."
                )
            ),
            InputBlock(
                block_id=MonitoringBlock.CLOSE_NOTE.value,
                label="Note" if implemented else "Reason",
                optional=implemented,
                element=PlainTextInputElement(
                    action_id=INPUT_ACTION, multiline=True, max_length=1000
                ),
            ),
        ],
    )


def interval_input(current: int = DEFAULT_INTERVAL_MONTHS) -> InputBlock:
    """The Board's choice of how often progress returns fall due."""
    options = [
        Option(value=str(months), label=interval_words(months).capitalize())
        for months in INTERVAL_CHOICES
    ]
    return InputBlock(
        block_id=MonitoringBlock.INTERVAL.value,
        label="Progress returns on the action plan fall due",
        element=StaticSelectElement(
            action_id=INPUT_ACTION,
            options=options,
            initial_option=next(o for o in options if o.value == str(current)),
        ),
    )


def interval_modal(reference: str, case_id: int, current: int) -> View:
    return View(
        type="modal",
        callback_id=MonitoringCallback.INTERVAL.value,
        title="Progress returns",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps({"case": case_id}),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{reference}*: progress returns now fall due "
                    f"{interval_words(current)}. A new interval applies from the next return "
                    "still ahead, counted from the one before it."
                )
            ),
            interval_input(current),
        ],
    )


def interval_set(reference: str, months: int, first_round: int, due: date) -> Message:
    text = (
        f"{reference}: progress returns now fall due {interval_words(months)}, from round "
        f"{first_round} (due {day(due)})."
    )
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def owner_left_modal() -> View:
    return View(
        type="modal",
        callback_id=MonitoringCallback.OWNER_LEFT.value,
        title="Someone has left",
        submit="Reassign",
        close="Cancel",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text="Their open recommendations, in every open case, go to their agency's "
                    "review lead, who is told. The bot sends them nothing more."
                )
            ),
            InputBlock(
                block_id=MonitoringBlock.LEFT_USER.value,
                label="Who has left or been replaced?",
                element=UserSelectElement(action_id=INPUT_ACTION),
            ),
        ],
    )


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
        summary += f" Signed off by {view.words.overseer}."
    blocks: list[Block] = [
        HeaderBlock(text=f"{view.reference} · action plan"),
        ContextBlock(elements=[MarkdownTextObject(text=summary)]),
    ]
    blocks += [_plan_line(line, view) for line in view.lines[:MAX_LISTED]]
    if len(view.lines) > MAX_LISTED:
        more = f"…and {len(view.lines) - MAX_LISTED} more (see the pro forma export)."
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    if not view.lines:
        empty = f"No recommendations yet: add {view.words.recommendations} to the plan."
        blocks.append(SectionBlock(text=MarkdownTextObject(text=empty)))
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
    return plural(count, "recommendation")


def _plain(text: str) -> Message:
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def _numbers(numbers: Sequence[int]) -> str:
    return listed([str(n) for n in numbers])


def owner_assigned_message(
    reference: str, numbers: Sequence[int], agencies: Sequence[str], first_due: date | None
) -> Message:
    which = "recommendation" if len(numbers) == 1 else "recommendations"
    when = f" The first progress return is due {day(first_due)}." if first_due else ""
    return _plain(
        f"{reference}: you own {which} {_numbers(numbers)} of the action plan "
        f"({', '.join(agencies)}).{when} You will be reminded before each progress return."
    )


def reassigned_message(reference: str, number: int, agency: str, previous: str) -> Message:
    return _plain(
        f"{reference}: recommendation {number} ({agency}) is now yours; it was "
        f"{user_link(previous)}'s, who has left. Its progress returns come to you from now on."
    )


def nobody_left_message(reference: str, number: int, agency: str, previous: str) -> Message:
    return _plain(
        f"{reference}: recommendation {number} ({agency}) has no owner: {user_link(previous)} "
        f"has left and {agency} has no review lead or designated person left to take it. "
        "Please choose a new owner with `/scr actions`."
    )


def import_outcome_message(
    reference: str, case_id: int, imported: int, problems: Sequence[str]
) -> Message:
    """To the person who imported a plan, once its owners have been looked up."""
    if not problems:
        return _plain(
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


def _optional_text(block: MonitoringBlock, label: str, initial: str, hint: str) -> InputBlock:
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


def return_modal(subject: ReturnSubject, today: date) -> View:
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
                text=f"*{subject.reference}* · recommendation {subject.number} "
                f"({subject.agency}) · round {subject.round_no}, due {day(subject.due_date)}"
            )
        ),
        SectionBlock(text=MarkdownTextObject(text=f">{action.replace(chr(10), chr(10) + '>')}")),
        ContextBlock(
            elements=[MarkdownTextObject(text=f"Target date {day(subject.target_date)}.")]
        ),
        InputBlock(
            block_id=MonitoringBlock.PROGRESS.value,
            label="Progress made",
            element=PlainTextInputElement(
                action_id=INPUT_ACTION,
                multiline=True,
                max_length=LONG_TEXT,
                initial_value=current.progress if current else None,
            ),
        ),
        InputBlock(
            block_id=MonitoringBlock.STATUS.value,
            label="Status",
            element=RadioButtonsElement(
                action_id=INPUT_ACTION, options=options, initial_option=initial
            ),
        ),
        _optional_text(
            MonitoringBlock.REASON,
            "Reason it will not be implemented",
            current.reason if current else "",
            "Needed when the status is “Not implemented”.",
        ),
        _optional_text(
            MonitoringBlock.EVIDENCE,
            "Evidence",
            current.evidence if current else "",
            "A link to the evidence, or a short description of it.",
        ),
        InputBlock(
            block_id=MonitoringBlock.AS_OF.value,
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
    return info_view("Progress return", text)


def _by_agency(rows: Sequence[tuple[int, str]]) -> str:
    return ", ".join(f"{number} ({agency})" for number, agency in rows)


def summary_text(summary: RoundSummary, channel_id: str | None) -> str:
    """The message that comes with the pro forma files, for the Board business unit."""
    counts = summary.counts
    head = (
        f"*{summary.reference} · progress returns, round {summary.round_no}* "
        f"(due {day(summary.due)})"
    )
    if summary.kind == SummaryKind.COMPLETE:
        state = "Every return of this round is in."
    else:
        late = len(summary.late)
        state = f"The deadline has passed: {plural(late, 'return is', 'returns are')} overdue."
    tally = (
        f"{recommendations(len(summary.rows))}: "
        f"{counts[ReturnStatus.IMPLEMENTED.value]} implemented · "
        f"{counts[ReturnStatus.IN_PROGRESS.value]} in progress · "
        f"{counts[ReturnStatus.NOT_STARTED.value]} not started · "
        f"{counts[ReturnStatus.NOT_IMPLEMENTED.value]} not implemented · "
        f"{plural(counts[RowState.OVERDUE], 'overdue return')}"
    )
    extra = [
        counts[k] and f"{counts[k]} {k}"
        for k in (RowState.AWAITING, RowState.MISSED, RowState.CLOSED)
    ]
    tally += "".join(f" · {e}" for e in extra if e)
    lines = [head, state, tally]
    if summary.late:
        lines.append("Overdue: " + _by_agency([(r.number, r.agency) for r in summary.late]) + ".")
    reported = [
        (r.number, r.agency)
        for r in summary.rows
        if r.state == ReturnStatus.IMPLEMENTED.value and not r.confirmed
    ]
    if reported:
        where = f" in {channel_link(channel_id)}" if channel_id else ""
        lines.append(
            f"Reported implemented: {_by_agency(reported)}. Confirm or close them with "
            f"`/scr actions`{where}."
        )
    lines.append("The pro forma (number, agency, progress) is attached as Word and CSV.")
    return "\n".join(lines)


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
        due = deadline_words(current.due, current.last_working_day, state.today)
        text = (
            f"*Progress returns*, round {current.round_no}: due {due} · "
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
    return _plain(text)


def summary_in_case_room(summary: RoundSummary, channel_id: str | None, link: str) -> Message:
    """The round's summary for the Board when its pro forma is kept in the case room."""
    return _plain(
        f"{summary_text(summary, channel_id)}\nThe pro forma (Word and CSV) is in {link}."
    )
