"""Interviews with workers (Appendix 2) in Block Kit (pure): the form that arranges one, the
reviewer's message (the Appendix 2 record, with Record the outcome, Move it and Cancel it),
each revision's DM to the people invited, the move form, the choice `/scr interview
move|cancel` offers, the outcome form, and the plain text of the invitation e-mails."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, ReviewAction, ReviewBlock, ReviewCallback
from bot.services.review.schema import (
    BRIEFED,
    MATTER_LABELS,
    STAFF_CARE,
    InterviewFacts,
    InterviewStatus,
    Matter,
)
from bot.views.format import LONDON, day, user_link
from bot.views.forms import BY_ROLE, context, date_input, long_text, modal, section
from bot.views.messages import Message
from bot.views.review import Choice, button


def _meta(**ids: int) -> str:
    return json.dumps(ids, sort_keys=True)


def _time(block: ReviewBlock, label: str, initial: str) -> InputBlock:
    return InputBlock(
        block_id=block.value,
        label=label,
        element=TimePickerElement(action_id=INPUT_ACTION, initial_time=initial),
    )


def _short(block: ReviewBlock, label: str, limit: int) -> InputBlock:
    return InputBlock(
        block_id=block.value,
        label=label,
        optional=True,
        element=PlainTextInputElement(action_id=INPUT_ACTION, max_length=limit),
    )


def _checkbox(block: ReviewBlock, label: str, option: str, ticked: bool) -> InputBlock:
    choice = Option(value="yes", label=option)
    return InputBlock(
        block_id=block.value,
        label=label,
        optional=True,
        element=CheckboxesElement(
            action_id=INPUT_ACTION, options=[choice], initial_options=[choice] if ticked else None
        ),
    )


def _matters(block: ReviewBlock, label: str, ticked: Sequence[Matter]) -> InputBlock:
    options = {m: Option(value=m.value, label=MATTER_LABELS[m]) for m in Matter}
    return InputBlock(
        block_id=block.value,
        label=label,
        optional=block is ReviewBlock.MATTERS_COVERED,
        element=CheckboxesElement(
            action_id=INPUT_ACTION,
            options=list(options.values()),
            initial_options=[options[m] for m in ticked] or None,
        ),
    )


def _when_inputs(
    day_: date, start: str = "10:00", end: str = "11:00", where: str = ""
) -> list[Block]:
    location = _short(ReviewBlock.LOCATION, "Where", 200)
    if where:
        location.element.initial_value = where  # type: ignore[union-attr]
    return [
        date_input(ReviewBlock.INTERVIEW_DATE.value, "Date", day_),
        _time(ReviewBlock.START, "From", start),
        _time(ReviewBlock.END, "To", end),
        location,
    ]


INVITATION_NOTE = (
    "A calendar invitation goes to you and to the interviewee by DM, and by e-mail where "
    "the Board's mail is set up. It names the case reference only."
)


def schedule_modal(reference: str, case_id: int, agencies: Sequence[Choice], today: date) -> View:
    options = [Option(value=str(a.id), label=a.name) for a in agencies]
    return modal(
        ReviewCallback.INTERVIEW.value,
        "Interview a worker",
        "Schedule",
        [
            section(f"*{reference}*: an interview with a worker (Appendix 2)."),
            InputBlock(
                block_id=ReviewBlock.AGENCY.value,
                label="For the agency",
                element=StaticSelectElement(
                    action_id=INPUT_ACTION,
                    options=options,
                    initial_option=options[0] if len(options) == 1 else None,
                ),
            ),
            InputBlock(
                block_id=ReviewBlock.INTERVIEWEE.value,
                label="Interviewee (if they are in Slack)",
                optional=True,
                element=UserSelectElement(action_id=INPUT_ACTION),
            ),
            _short(ReviewBlock.INTERVIEWEE_ROLE, "Their role (e.g. health visitor)", 120),
            _matters(ReviewBlock.MATTERS, "Matters to cover", list(Matter)),
            _short(ReviewBlock.SUPPORTER, "Supporter (their role, e.g. union representative)", 120),
            _checkbox(ReviewBlock.BRIEFED, "Briefing pack", BRIEFED, False),
            _checkbox(ReviewBlock.STAFF_CARE, "Staff care", STAFF_CARE, False),
            *_when_inputs(today),
            context(INVITATION_NOTE),
            context(BY_ROLE),
        ],
        _meta(case=case_id),
    )


def move_modal(facts: InterviewFacts, today: date) -> View:
    starts, ends = facts.starts.astimezone(LONDON), facts.ends.astimezone(LONDON)
    return modal(
        ReviewCallback.INTERVIEW_MOVE.value,
        "Move the interview",
        "Move",
        [
            section(
                f"*{facts.reference}*: {facts.agency}'s interview, now {_when(facts)}. "
                "Everyone invited is sent the updated invitation."
            ),
            *_when_inputs(
                max(starts.date(), today), f"{starts:%H:%M}", f"{ends:%H:%M}", facts.location
            ),
            context(BY_ROLE),
        ],
        _meta(interview=facts.interview_id),
    )


def _when(facts: InterviewFacts) -> str:
    starts, ends = facts.starts.astimezone(LONDON), facts.ends.astimezone(LONDON)
    return f"{day(starts.date())}, {starts:%H:%M}–{ends:%H:%M}"


def _tick(done: bool) -> str:
    return "✓" if done else "–"


def _checklist(facts: InterviewFacts) -> str:
    """The Appendix 2 record, line by line."""
    who = facts.role or "the interviewee"
    if facts.interviewee:
        who = f"{user_link(facts.interviewee)}" + (f" ({facts.role})" if facts.role else "")
    covered = set(facts.matters_covered)
    matters = "\n".join(
        f"    {_tick(m in covered) if facts.summary_shared_on else '•'} {MATTER_LABELS[m]}"
        for m in facts.matters
    )
    briefed = (
        f"✓ sent ({day(facts.briefing_sent_on)})" if facts.briefing_sent_on else "not sent yet"
    )
    summary = f"shared {day(facts.summary_shared_on)}" if facts.summary_shared_on else "not yet"
    if facts.status is InterviewStatus.AGREED:
        summary += ", agreed"
    elif facts.status is InterviewStatus.DISAGREED:
        summary += ", disputed in part"
    return (
        f"*Interviewee*: {who}, {facts.agency}\n"
        f"*Matters to cover*:\n{matters}\n"
        f"*Supporter*: {facts.supporter or 'none named'}\n"
        f"*Briefing pack*: {briefed}\n"
        f"*Staff care*: {'✓ arranged' if facts.staff_care else 'not arranged yet'}\n"
        f"*Summary*: {summary}"
    )


def scheduled(facts: InterviewFacts) -> Message:
    """The reviewer's message about the interview, redrawn at each change."""
    where = f" at {facts.location}" if facts.location else ""
    if facts.status is InterviewStatus.CANCELLED:
        text = (
            f"{facts.reference}: the interview for {facts.agency}'s management review on "
            f"{_when(facts)} is cancelled."
        )
        return Message(text=text, blocks=[section(f"~{_when(facts)}~ {text}")])
    text = (
        f"{facts.reference}: an interview for {facts.agency}'s management review is arranged "
        f"for {_when(facts)}{where}."
    )
    blocks: list[Block] = [section(text), section(_checklist(facts))]
    if facts.status is InterviewStatus.SCHEDULED:
        blocks += [
            context("Once the interview summary has been shared, record the outcome."),
            ActionsBlock(
                elements=[
                    button(
                        "Record the outcome",
                        ReviewAction.OPEN_INTERVIEW_OUTCOME,
                        facts.interview_id,
                    ),
                    button("Move it", ReviewAction.OPEN_INTERVIEW_MOVE, facts.interview_id),
                    _cancel_button(facts),
                ]
            ),
        ]
    return Message(text=text, blocks=blocks)


def _cancel_button(facts: InterviewFacts) -> ButtonElement:
    return button(
        "Cancel it",
        ReviewAction.INTERVIEW_CANCEL,
        facts.interview_id,
        style="danger",
        confirm=ConfirmObject(
            title="Cancel the interview?",
            text=f"The interview on {_when(facts)} is cancelled for everyone invited.",
            confirm="Cancel interview",
            deny="Keep it",
        ),
    )


def revision_dm(facts: InterviewFacts, *, interviewee: bool, with_file: bool) -> Message:
    """What each person invited is told of a revision of the interview."""
    where = f", {facts.location}" if facts.location else ""
    whose = f"{facts.agency}'s management review"
    if facts.status is InterviewStatus.CANCELLED:
        text = f"{facts.reference}: the interview for {whose} on {_when(facts)} is cancelled."
    elif facts.sequence > 0:
        text = f"{facts.reference}: the interview for {whose} is moved to {_when(facts)}{where}."
    elif interviewee:
        text = (
            f"{facts.reference}: {user_link(facts.reviewer)} invites you to an interview for "
            f"{whose}, {_when(facts)}{where}."
        )
    else:
        text = f"{facts.reference}: your interview for {whose} is {_when(facts)}{where}."
    blocks: list[Block] = [section(text)]
    if interviewee and facts.status is not InterviewStatus.CANCELLED:
        blocks.append(
            section(
                "*You can bring a supporter.* "
                + (f"Named so far: {facts.supporter}. " if facts.supporter else "")
                + "The interview will cover:\n"
                + "\n".join(f"• {MATTER_LABELS[m]}" for m in facts.matters)
            )
        )
    if with_file:
        blocks.append(context("The calendar file (.ics) follows."))
    return Message(text=text, blocks=blocks)


def ics_comment(facts: InterviewFacts, method: str) -> str:
    verb = {"CANCEL": "Cancellation"}.get(method, "Updated invitation" if facts.sequence else "")
    return f"{verb or 'Calendar invitation'} for the {facts.reference} interview."


def interview_email(facts: InterviewFacts, method: str) -> tuple[str, str]:
    """An invitation e-mail's subject and plain-text body (no Slack markup)."""
    name = f"{facts.reference} interview ({facts.agency})"
    if method == "CANCEL":
        return f"Cancelled: {name}", (
            f"The interview for {facts.reference} on {_when(facts)} is cancelled.\n"
        )
    verb = "Updated invitation" if facts.sequence else "Invitation"
    where = f"\nWhere: {facts.location}" if facts.location else ""
    return f"{verb}: {name}", (
        f"An interview for the serious case review {facts.reference}.\n"
        f"When: {_when(facts)} (UK time){where}\n"
        "The details are in Slack. Answer the invitation in your calendar.\n"
    )


def change_choices(facts: Sequence[InterviewFacts], *, cancel: bool) -> Message:
    """The person's scheduled interviews on the case, each with the button asked for."""
    verb = "cancel" if cancel else "move"
    text = f"{facts[0].reference}: which interview do you want to {verb}?"
    blocks: list[Block] = [section(text)]
    for one in facts[:20]:
        action = (
            _cancel_button(one)
            if cancel
            else button("Move it", ReviewAction.OPEN_INTERVIEW_MOVE, one.interview_id)
        )
        who = one.role or (user_link(one.interviewee) if one.interviewee else "a worker")
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=f"{one.agency}: {who}, {_when(one)}"),
                accessory=action,
            )
        )
    return Message(text=text, blocks=blocks)


def outcome_modal(facts: InterviewFacts, today: date) -> View:
    return modal(
        ReviewCallback.INTERVIEW_OUTCOME.value,
        "Interview outcome",
        "Record",
        [
            section(f"*{facts.reference}*: the interview of {_when(facts)}."),
            _matters(ReviewBlock.MATTERS_COVERED, "Matters covered", facts.matters),
            _checkbox(ReviewBlock.BRIEFED, "Briefing pack", BRIEFED, bool(facts.briefing_sent_on)),
            _checkbox(ReviewBlock.STAFF_CARE, "Staff care", STAFF_CARE, facts.staff_care),
            date_input(ReviewBlock.SHARED_ON.value, "Summary shared on", today),
            InputBlock(
                block_id=ReviewBlock.AGREED.value,
                label="Did the interviewee agree the summary?",
                element=RadioButtonsElement(
                    action_id=INPUT_ACTION,
                    options=[
                        Option(value="true", label="Agreed"),
                        Option(value="false", label="They disagree with part of it"),
                    ],
                ),
            ),
            long_text(ReviewBlock.DISAGREEMENT.value, "Where they disagree", optional=True),
            context(BY_ROLE),
        ],
        _meta(interview=facts.interview_id),
    )


def outcome_recorded(reference: str, agreed: bool, by: str, shared_on: date) -> Message:
    verb = "agreed by the interviewee" if agreed else "disputed in part by the interviewee"
    text = (
        f"{reference}: the interview summary was shared on {day(shared_on)} and {verb} "
        f"(recorded by {user_link(by)})."
    )
    return Message(text=text, blocks=[section(text)])
