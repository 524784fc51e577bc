"""Individual management reviews in Block Kit (pure): the request, the author's DM with the
Appendix 3 format, the submission form (four sections, recommendation rows, a document),
and the panel chair's view, acceptance and return."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ConfirmObject,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, ReviewAction, ReviewBlock, ReviewCallback
from bot.views.format import day, user_link
from bot.views.forms import BY_ROLE, context, date_input, long_text, modal, section
from bot.views.messages import Message
from bot.views.review import button, document_input

MAX_RECOMMENDATIONS = 10
APPENDIX_3 = (
    "*The management review (Appendix 3)* has four parts:\n"
    "1. *Chronology* of your agency's involvement: one line per date (dd.mm.yy, worker, "
    "event or action).\n"
    "2. *Analysis of involvement*: what was done, whether it followed policy and good "
    "practice, and why decisions were made.\n"
    "3. *Learning points* for your agency and for working together.\n"
    "4. *Recommendations*: the action, by whom, by when, the expected outcome, and how the "
    "outcome will be reviewed.\n"
    "You can type them in the form, attach the review as a document, or both."
)
REC_FIELDS = (
    (ReviewBlock.REC_ACTION, "action", "Action"),
    (ReviewBlock.REC_BY_WHOM, "by_whom", "By whom"),
    (ReviewBlock.REC_BY_WHEN, "by_when", "By when"),
    (ReviewBlock.REC_OUTCOME, "expected_outcome", "Expected outcome"),
    (ReviewBlock.REC_REVIEW, "review_of_outcome", "Review of outcome"),
)


def rec_block(prefix: ReviewBlock, number: int) -> str:
    return f"{prefix.value}_{number}"


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


def request_modal(
    reference: str, case_id: int, agencies: Sequence[Choice], default_due: date
) -> View:
    options = [Option(value=str(a.id), label=a.name) for a in agencies]
    return modal(
        ReviewCallback.IMR_REQUEST.value,
        "Management review",
        "Request",
        [
            section(f"*{reference}*: request an agency's individual management review."),
            InputBlock(
                block_id=ReviewBlock.AGENCY.value,
                label="Agency",
                element=StaticSelectElement(action_id=INPUT_ACTION, options=options),
            ),
            InputBlock(
                block_id=ReviewBlock.AUTHOR.value,
                label="Named author",
                element=UserSelectElement(action_id=INPUT_ACTION),
            ),
            date_input(ReviewBlock.DUE.value, "Due by", default_due),
        ],
        str(case_id),
    )


def author_request(
    reference: str, agency: str, due: date, requester: str, review_id: int
) -> Message:
    text = f"{reference}: please write {agency}'s management review by {day(due)}."
    return Message(
        text=text,
        blocks=[
            section(
                f"*{reference}*: {user_link(requester)} has asked you to write {agency}'s "
                f"individual management review, due {day(due)}."
            ),
            section(APPENDIX_3),
            ActionsBlock(
                elements=[
                    button(
                        "Submit the management review",
                        ReviewAction.OPEN_IMR_SUBMIT,
                        review_id,
                        style="primary",
                    )
                ]
            ),
        ],
    )


@dataclass(frozen=True)
class Draft:
    """What the form shows: the last submission (for a returned review) and the comments."""

    sections: dict[str, str] = field(default_factory=dict)
    recommendations: Sequence[dict[str, Any]] = ()
    comments: str | None = None


def _rec_inputs(number: int, current: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = [DividerBlock(), section(f"*Recommendation {number}*")]
    for prefix, key, label in REC_FIELDS:
        block_id = rec_block(prefix, number)
        if key == "by_when":
            initial = current.get(key)
            blocks.append(date_input(block_id, label, initial, optional=True))
            continue
        blocks.append(
            InputBlock(
                block_id=block_id,
                label=label,
                optional=True,
                element=PlainTextInputElement(
                    action_id=INPUT_ACTION,
                    multiline=key != "by_whom",
                    max_length=200 if key == "by_whom" else 3000,
                    initial_value=str(current.get(key) or "") or None,
                ),
            )
        )
    return blocks


def submission_modal(reference: str, agency: str, review_id: int, slots: int, draft: Draft) -> View:
    blocks: list[Block] = [section(f"*{reference}*: {agency}'s individual management review.")]
    if draft.comments:
        blocks.append(section(f"*Returned with the panel chair's comments:*\n{draft.comments}"))
    blocks += [
        long_text(
            ReviewBlock.CHRONOLOGY.value,
            "1. Chronology of involvement",
            optional=True,
            initial=draft.sections.get("chronology", ""),
        ),
        long_text(
            ReviewBlock.ANALYSIS.value,
            "2. Analysis of involvement",
            optional=True,
            initial=draft.sections.get("analysis", ""),
        ),
        long_text(
            ReviewBlock.LEARNING.value,
            "3. Learning points",
            optional=True,
            initial=draft.sections.get("learning", ""),
        ),
    ]
    for number in range(1, slots + 1):
        current = draft.recommendations[number - 1] if number <= len(draft.recommendations) else {}
        blocks += _rec_inputs(number, current)
    if slots < MAX_RECOMMENDATIONS:
        blocks.append(
            ActionsBlock(
                elements=[
                    button("Add a recommendation", ReviewAction.IMR_ADD_RECOMMENDATION, review_id)
                ]
            )
        )
    blocks += [DividerBlock(), document_input("4. Or attach the review"), context(BY_ROLE)]
    return modal(
        ReviewCallback.IMR_SUBMIT.value,
        "Management review",
        "Submit",
        blocks,
        f"{review_id}:{slots}",
    )


def submitted_to_chair(reference: str, agency: str, submission: int, review_id: int) -> Message:
    again = " (resubmitted)" if submission > 1 else ""
    text = f"{reference}: {agency}'s management review is submitted{again}."
    return Message(
        text=text,
        blocks=[
            section(f"*{text}* Please read it, then accept it or return it with comments."),
            ActionsBlock(
                elements=[
                    button("Read it", ReviewAction.VIEW_IMR, review_id),
                    button(
                        "Accept",
                        ReviewAction.IMR_ACCEPT,
                        review_id,
                        style="primary",
                        confirm=ConfirmObject(
                            title="Accept the review",
                            text=f"Accept {agency}'s management review?",
                            confirm="Accept",
                            deny="Go back",
                        ),
                    ),
                    button("Return with comments", ReviewAction.OPEN_IMR_RETURN, review_id),
                ]
            ),
        ],
    )


def chair_answered(reference: str, agency: str, accepted: bool, chair: str, on: date) -> Message:
    verb = "accepted" if accepted else "returned with comments"
    text = f"{reference}: {agency}'s management review was {verb} by {user_link(chair)}, {day(on)}."
    return Message(text=text, blocks=[section(text)])


def review_view(reference: str, agency: str, content: Draft, document: str | None) -> View:
    parts = [
        ("Chronology of involvement", content.sections.get("chronology", "")),
        ("Analysis of involvement", content.sections.get("analysis", "")),
        ("Learning points", content.sections.get("learning", "")),
    ]
    blocks: list[Block] = [HeaderBlock(text=f"{reference} · {agency}"[:150])]
    blocks += [section(f"*{label}*\n{text or '–'}") for label, text in parts]
    for rec in content.recommendations:
        when = day(rec["by_when"]) if rec.get("by_when") else "–"
        blocks.append(
            section(
                f"*Recommendation {rec['number']}*: {rec['action']}\nBy whom: "
                f"{rec.get('by_whom') or '–'} · by when: {when}\nExpected outcome: "
                f"{rec.get('expected_outcome') or '–'}\nReview of outcome: "
                f"{rec.get('review_of_outcome') or '–'}"
            )
        )
    if document:
        blocks.append(context("A document is attached to this review."))
    return View(
        type="modal",
        title=PlainTextObject(text="Management review"),
        close=PlainTextObject(text="Close"),
        blocks=blocks[:100],
    )


def return_modal(reference: str, agency: str, review_id: int, default_due: date) -> View:
    return modal(
        ReviewCallback.IMR_RETURN.value,
        "Return the review",
        "Return",
        [
            section(f"*{reference}*: return {agency}'s management review to its author."),
            long_text(ReviewBlock.COMMENTS.value, "What needs to change"),
            date_input(ReviewBlock.NEW_DUE.value, "Resubmit by", default_due),
            context(BY_ROLE),
        ],
        str(review_id),
    )


def returned_to_author(
    reference: str, agency: str, comments: str, due: date, review_id: int
) -> Message:
    text = f"{reference}: {agency}'s management review is returned; please resubmit by {day(due)}."
    return Message(
        text=text,
        blocks=[
            section(f"*{text}*\n*The panel chair's comments:*\n{comments}"),
            ActionsBlock(
                elements=[
                    button(
                        "Resubmit the management review",
                        ReviewAction.OPEN_IMR_SUBMIT,
                        review_id,
                        style="primary",
                    )
                ]
            ),
        ],
    )
