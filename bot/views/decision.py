"""The Initial Panel's recommendation, the Board Chair's decision and who was told, as Block
Kit (pure: data in, views and messages out). The case reference and the workflow only."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.ids import (
    INPUT_ACTION,
    DecisionAction,
    DecisionBlock,
    DecisionCallback,
    ReviewAction,
    ReviewBlock,
)
from bot.services.decision.schema import (
    ALWAYS_AN_SCR,
    DIRECTION_WORDS,
    NOTE_TEXT,
    OUTCOME_BUTTONS,
    OUTCOME_WORDS,
    QUESTION_BLOCK,
    Answer,
    Due,
    NoticeLine,
    Outcome,
    Recommended,
)
from bot.services.referral.schema import CRITERION_LABELS, CRITERION_SHORT, Criterion
from bot.views.buttons import decision_button
from bot.views.format import LONDON, day, moment, user_link
from bot.views.forms import BY_ROLE, context, date_input, long_text, modal, section
from bot.views.messages import Message

DECISION_BUTTONS = {
    Outcome.SCR: DecisionAction.APPROVE,
    Outcome.AUDIT: DecisionAction.AUDIT,
    Outcome.MANAGEMENT_REVIEWS: DecisionAction.MANAGEMENT_REVIEWS,
    Outcome.NO_FURTHER_ACTION: DecisionAction.NO_FURTHER_ACTION,
}
ANSWER_LABELS = {Answer.YES: "Yes", Answer.NO: "No", Answer.UNKNOWN: "Not known"}


def _question_inputs(questions: Sequence[tuple[str, str]]) -> list[Block]:
    """Each of the framework's questions: yes, no or not known, and a note."""
    blocks: list[Block] = [
        section("*The framework's questions*: do they point to a review of this case?")
    ]
    for key, question in questions:
        blocks.append(
            InputBlock(
                block_id=f"{QUESTION_BLOCK}{key}",
                label=question[:2000],
                element=RadioButtonsElement(
                    action_id=INPUT_ACTION,
                    options=[Option(value=a.value, label=t) for a, t in ANSWER_LABELS.items()],
                ),
            )
        )
        blocks.append(
            InputBlock(
                block_id=f"{QUESTION_BLOCK}{key}_note",
                label="Note",
                optional=True,
                element=PlainTextInputElement(action_id=INPUT_ACTION, max_length=NOTE_TEXT),
            )
        )
    return blocks


def recommendation_modal(
    reference: str, case_id: int, questions: Sequence[tuple[str, str]]
) -> View:
    return modal(
        DecisionCallback.RECOMMENDATION.value,
        "Panel recommendation",
        "Record",
        [
            section(f"*{reference}*: the Initial Panel's recommendation to the Board Chair."),
            InputBlock(
                block_id=DecisionBlock.CRITERIA_MET.value,
                label="Are the criteria for a Serious Case Review met?",
                element=RadioButtonsElement(
                    action_id=INPUT_ACTION,
                    options=[
                        Option(value="true", label="Met: recommend a Serious Case Review"),
                        Option(value="false", label="Not met"),
                    ],
                ),
            ),
            InputBlock(
                block_id=DecisionBlock.CRITERIA.value,
                label="Which criteria are met?",
                optional=True,
                element=CheckboxesElement(
                    action_id=INPUT_ACTION,
                    options=[Option(value=c.value, label=t) for c, t in CRITERION_LABELS.items()],
                ),
            ),
            long_text(DecisionBlock.RATIONALE.value, "The panel's rationale"),
            *_question_inputs(questions),
            context(BY_ROLE),
        ],
        json.dumps({"case": case_id}),
    )


def _recommendation_lines(rec: Recommended) -> list[str]:
    verdict = "*are met*" if rec.criteria_met else "*are not met*"
    named = ", ".join(CRITERION_SHORT[Criterion(c)] for c in rec.criteria)
    lines = [
        f"*{rec.reference}*: the Initial Panel recommends that the criteria for a Serious Case "
        f"Review {verdict}" + (f" ({named})." if named else "."),
        f"> {rec.rationale}".replace("\n", "\n> "),
        f"Recorded by {user_link(rec.recorded_by)}, {moment(rec.recorded_at)}.",
    ]
    return lines


def _decision_button(outcome: Outcome, case_id: int, reference: str) -> ButtonElement:
    not_met = outcome is not Outcome.SCR
    return decision_button(
        OUTCOME_BUTTONS[outcome],
        DECISION_BUTTONS[outcome].value,
        case_id,
        asks=f"{reference}: {OUTCOME_WORDS[outcome]}."
        + (" You will be asked for the reason." if not_met else ""),
        confirm="Continue" if not_met else "Yes, decide",
        style="danger" if not_met else "primary",
    )


def _answer_lines(rec: Recommended, questions: Sequence[tuple[str, str]]) -> list[str]:
    asked = dict(questions)
    lines = ["*The framework's questions, as the panel answered them*"]
    for given in rec.answers:
        answer = ANSWER_LABELS[given.answer] if given.answer else "not answered"
        note = f": {given.note}" if given.note else ""
        lines.append(f"• {asked.get(given.key, given.key)} *{answer}*{note}")
    return lines


def decision_request(rec: Recommended, questions: Sequence[tuple[str, str]] = ()) -> Message:
    """The Chair's request: the recommendation, the panel's answers to the framework's
    questions, and a button per outcome (only a review's for a death where abuse or neglect
    is known or suspected, and why)."""
    text = f"{rec.reference}: the Board Chair's decision is needed."
    outcomes = [Outcome.SCR] if rec.always_scr else list(Outcome)
    blocks: list[Block] = [section("\n".join(_recommendation_lines(rec)))]
    if rec.answers:
        blocks.append(section("\n".join(_answer_lines(rec, questions))[:3000]))
    if rec.always_scr:
        blocks.append(section(ALWAYS_AN_SCR))
    blocks += [
        ActionsBlock(
            block_id=DecisionBlock.BUTTONS.value,
            elements=[_decision_button(o, rec.case_id, rec.reference) for o in outcomes],
        ),
        context("Only the Board Chair can decide. Each button asks you to confirm."),
    ]
    return Message(text=text, blocks=blocks)


def decision_made(
    reference: str, outcome: Outcome, chair: str, at: datetime, directed: str | None = None
) -> Message:
    if directed is not None:
        words = (
            f"*{reference}*: a Serious Case Review {directed} (recorded by {user_link(chair)}, "
            f"{moment(at)}): the review stage is open."
        )
        return Message(
            text=f"{reference}: a Serious Case Review {directed}.", blocks=[section(words)]
        )
    words = f"*{reference}*: decided by {user_link(chair)}, {moment(at)}: {OUTCOME_WORDS[outcome]}."
    return Message(text=f"{reference}: {OUTCOME_WORDS[outcome]}.", blocks=[section(words)])


def already_decided(reference: str, outcome: Outcome, chair: str, at: datetime) -> str:
    return (
        f"{reference} was already decided by {user_link(chair)}, {moment(at)}: "
        f"{OUTCOME_WORDS[outcome]}. Nothing has changed."
    )


def reason_modal(reference: str, outcome: Outcome, case_id: int) -> View:
    return modal(
        DecisionCallback.REASON.value,
        "Criteria not met",
        "Decide",
        [
            section(f"*{reference}*: {OUTCOME_WORDS[outcome]}."),
            long_text(DecisionBlock.REASON.value, "Why the criteria are not met"),
            context(BY_ROLE),
        ],
        json.dumps({"case": case_id, "outcome": outcome.value}),
    )


def board_announcement(board: str, reference: str, outcome: Outcome, at: datetime) -> Message:
    when = day(at.astimezone(LONDON).date())
    text = f"{reference}: the Chair of the {board} decided on {when}: {OUTCOME_WORDS[outcome]}."
    return Message(text=text, blocks=[section(text)])


def notices_message(reference: str, case_id: int, lines: Sequence[NoticeLine]) -> Message:
    """The business unit's checklist: who outside Slack has been told of the decision."""
    rows = []
    buttons = []
    for line in lines:
        if line.notified_on is not None:
            who = f" by {user_link(line.notified_by)}" if line.notified_by else ""
            rows.append(f"✓ {line.title}: {day(line.notified_on)}{who}")
        else:
            rows.append(f"• {line.title}: not yet recorded")
            buttons.append(
                ButtonElement(
                    text=f"Record: {line.title}"[:75],
                    action_id=f"{DecisionAction.RECORD_NOTICE.value}_{line.audience}",
                    value=str(case_id),
                )
            )
    blocks: list[Block] = [
        section(f"*{reference}*: sharing the decision outside Slack\n" + "\n".join(rows))
    ]
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    return Message(text=f"{reference}: who has been told of the decision", blocks=blocks)


def notice_modal(
    reference: str, title: str, today: date, user: str, case_id: int, audience: str
) -> View:
    return modal(
        DecisionCallback.NOTICE.value,
        "Decision shared",
        "Record",
        [
            section(f"*{reference}*: {title}."),
            date_input(DecisionBlock.NOTIFIED_ON.value, "On what date?", today),
            InputBlock(
                block_id=DecisionBlock.NOTIFIED_BY.value,
                label="By whom?",
                element=UserSelectElement(action_id=INPUT_ACTION, initial_user=user),
            ),
        ],
        json.dumps({"case": case_id, "audience": audience}),
    )


def next_steps(reference: str, outcome: Outcome, case_id: int, due: Sequence[Due]) -> Message:
    """What follows the decision in the case channel, with a button for each first step."""
    value = str(case_id)
    buttons: list[ButtonElement]
    if outcome is Outcome.SCR:
        intro = "The review begins."
        buttons = [
            ButtonElement(
                text="Appoint the panel chair",
                action_id=ReviewAction.OPEN_PANEL_CHAIR.value,
                value=value,
            ),
            ButtonElement(
                text="Set the terms of reference",
                action_id=ReviewAction.OPEN_TERMS.value,
                value=value,
            ),
            ButtonElement(
                text="Request management reviews",
                action_id=ReviewAction.OPEN_IMR_REQUEST.value,
                value=value,
            ),
        ]
    elif outcome is Outcome.NO_FURTHER_ACTION:
        intro = (
            "No further action: the Chair's reason is recorded, and the case closes once the "
            "decision has been shared."
        )
        buttons = []
    elif outcome is Outcome.AUDIT:
        intro = "A smaller-scale audit follows; its findings go to the panel, then the case closes."
        buttons = [_findings_button(value)]
    else:
        intro = (
            "Each agency completes an individual management review; the findings go to the "
            "panel, then the case closes."
        )
        buttons = [
            ButtonElement(
                text="Request management reviews",
                action_id=ReviewAction.OPEN_IMR_REQUEST.value,
                value=value,
            ),
            _findings_button(value),
        ]
    lines = [f"*{reference}*: {intro}", *(f"• {d.title}: by {day(d.on)}" for d in due)]
    blocks: list[Block] = [section("\n".join(lines))]
    if buttons:
        blocks.append(ActionsBlock(block_id=ReviewBlock.REVIEW_BUTTONS.value, elements=buttons))
    return Message(text=f"{reference}: {intro}", blocks=blocks)


def direction_modal(reference: str, case_id: int, today: date) -> View:
    """The business unit records a review directed from outside the Board."""
    return modal(
        DecisionCallback.DIRECTED.value,
        "Review directed",
        "Open the review",
        [
            section(
                f"*{reference}*: a review directed by the Secretary of State or requested by "
                "OFSTED opens the review stage at once, whatever the case's stage."
            ),
            InputBlock(
                block_id=DecisionBlock.DIRECTED_BY.value,
                label="Who directed or requested it?",
                element=RadioButtonsElement(
                    action_id=INPUT_ACTION,
                    options=[
                        Option(value=d.value, label=w.capitalize())
                        for d, w in DIRECTION_WORDS.items()
                    ],
                ),
            ),
            date_input(DecisionBlock.DIRECTED_ON.value, "On what date?", today),
            context(BY_ROLE),
        ],
        json.dumps({"case": case_id}),
    )


def _findings_button(value: str) -> ButtonElement:
    return ButtonElement(
        text="Record the findings", action_id=ReviewAction.OPEN_FINDINGS.value, value=value
    )
