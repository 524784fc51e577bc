"""Interviews with workers (Appendix 2) in Block Kit (pure): scheduling one, the reviewer's
note of it, and recording that the summary was shared and agreed, or where it was not."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, ReviewAction, ReviewBlock, ReviewCallback
from bot.views.format import LONDON, day, user_link
from bot.views.forms import BY_ROLE, context, date_input, long_text, modal, section
from bot.views.imr import Choice
from bot.views.messages import Message
from bot.views.review import button


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
            _short(ReviewBlock.INTERVIEWEE_ROLE, "Or their role (e.g. health visitor)", 120),
            date_input(ReviewBlock.INTERVIEW_DATE.value, "Date", today),
            _time(ReviewBlock.START, "From", "10:00"),
            _time(ReviewBlock.END, "To", "11:00"),
            _short(ReviewBlock.LOCATION, "Where", 200),
            InputBlock(
                block_id=ReviewBlock.INVITE.value,
                label="Calendar",
                optional=True,
                element=CheckboxesElement(
                    action_id=INPUT_ACTION,
                    options=[Option(value="yes", label="Send a calendar invitation")],
                ),
            ),
            context(BY_ROLE),
        ],
        str(case_id),
    )


def scheduled(reference: str, agency: str, starts: datetime, interview_id: int) -> Message:
    local = starts.astimezone(LONDON)
    text = (
        f"{reference}: an interview for {agency}'s management review is arranged for "
        f"{day(local.date())} at {local:%H:%M}."
    )
    return Message(
        text=text,
        blocks=[
            section(text + " Once the interview summary has been shared, record the outcome."),
            ActionsBlock(
                elements=[
                    button("Record the outcome", ReviewAction.OPEN_INTERVIEW_OUTCOME, interview_id)
                ]
            ),
        ],
    )


def invited(reference: str) -> str:
    return f"Calendar invitation for a {reference} interview; open it to add it to your calendar."


def outcome_modal(reference: str, interview_id: int, today: date) -> View:
    return modal(
        ReviewCallback.INTERVIEW_OUTCOME.value,
        "Interview outcome",
        "Record",
        [
            section(f"*{reference}*: the interview summary, shared with the interviewee."),
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
        str(interview_id),
    )


def outcome_recorded(reference: str, agreed: bool, by: str, shared_on: date) -> Message:
    verb = "agreed by the interviewee" if agreed else "disputed in part by the interviewee"
    text = (
        f"{reference}: the interview summary was shared on {day(shared_on)} and {verb} "
        f"(recorded by {user_link(by)})."
    )
    return Message(text=text, blocks=[section(text)])
