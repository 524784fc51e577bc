"""The safeguarding partners' decision on a local review as Block Kit (pure: data in,
messages and views out): the request to the three partners' leads, showing who has
confirmed and who is awaited; the decision once made; the national panel's view; and what a
lead's click came to. The case reference and the workflow only."""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
)
from slack_sdk.models.views import View

from bot.ids import INPUT_ACTION, PartnersAction, PartnersBlock, PartnersCallback
from bot.services.partners.schema import (
    LOCAL_REVIEW_ANSWERS,
    LOCAL_REVIEW_BUTTONS,
    LOCAL_REVIEW_WORDS,
    PANEL_VIEW_LABELS,
    PANEL_VIEW_WORDS,
    PARTNER_WORDS,
    REASON_TEXT,
    Answer,
    Answered,
    LocalReview,
    PanelViewLine,
    Partner,
    PartnerLine,
    PartnersState,
)
from bot.views.buttons import decision_button
from bot.views.format import day, listed, moment, user_link
from bot.views.forms import BY_ROLE, context, modal, section
from bot.views.messages import Message

OUTCOME_ACTIONS = {
    LocalReview.HOLD: PartnersAction.HOLD,
    LocalReview.NONE: PartnersAction.NO_REVIEW,
}
ONLY_LEADS = (
    "Only the safeguarding partners' leads confirm, each for their partner; the decision is "
    "recorded once all three have confirmed the same. Each button asks you to confirm."
)


def _who(line: PartnerLine) -> str:
    return PARTNER_WORDS[line.partner].capitalize()


def _partner_line(line: PartnerLine) -> str:
    if line.answer is not None and line.answered_by and line.answered_at:
        return (
            f"✓ {_who(line)}: {user_link(line.answered_by)} confirmed "
            f"*{LOCAL_REVIEW_ANSWERS[line.answer]}*, {moment(line.answered_at)}"
        )
    if not line.leads:
        return f"• {_who(line)}: no lead is named in the partnership file"
    return f"• {_who(line)} ({', '.join(user_link(u) for u in line.leads)}): awaited"


def _view_line(view: PanelViewLine | None) -> str:
    if view is None:
        return "*The national panel's view*: not recorded yet"
    reason = f": {view.reason}" if view.reason else ""
    return (
        f"*The national panel's view*: {PANEL_VIEW_WORDS[view.view]}{reason} "
        f"(recorded by {user_link(view.recorded_by)}, {moment(view.recorded_at)})"
    )


def _view_button(case_id: int, view: PanelViewLine | None) -> ButtonElement:
    return ButtonElement(
        text="Record the national panel's view"
        if view is None
        else "Change the national panel's view",
        action_id=PartnersAction.OPEN_PANEL_VIEW.value,
        value=str(case_id),
    )


def _outcome_button(outcome: LocalReview, state: PartnersState) -> ButtonElement:
    return decision_button(
        LOCAL_REVIEW_BUTTONS[outcome],
        OUTCOME_ACTIONS[outcome].value,
        state.case_id,
        asks=f"{state.reference}: you confirm, for your partner, that "
        f"{LOCAL_REVIEW_WORDS[outcome]}.",
        confirm="Yes, confirm",
        style="primary" if outcome is LocalReview.HOLD else None,
    )


def partners_request(state: PartnersState) -> Message:
    """The request to the leads (and the case channel): each partner's answer or that it is
    awaited, the national panel's view, and the buttons."""
    text = f"{state.reference}: the safeguarding partners' decision on a local review is needed."
    blocks: list[Block] = [
        section(
            f"*{state.reference}*: the rapid review ends with the safeguarding partners' "
            "decision on a local review. If you lead one of the partners, please confirm the "
            "decision for it."
        ),
        section("\n".join(_partner_line(line) for line in state.partners)),
    ]
    if state.disagree:
        blocks.append(
            section(
                "The leads' answers differ: the decision is recorded once all three agree. "
                "Whoever changes their mind clicks the other button."
            )
        )
    blocks += [
        section(_view_line(state.panel_view)),
        ActionsBlock(
            block_id=PartnersBlock.BUTTONS.value,
            elements=[
                *(_outcome_button(outcome, state) for outcome in LocalReview),
                _view_button(state.case_id, state.panel_view),
            ],
        ),
        context(ONLY_LEADS),
    ]
    return Message(text=text, blocks=blocks)


def partners_decided(state: PartnersState) -> Message:
    """The decision, in place of the request: who confirmed it, what follows, and the
    national panel's view (which may come later)."""
    assert state.decided is not None and state.decided_at is not None
    words = LOCAL_REVIEW_WORDS[state.decided]
    confirmed = listed(
        [
            f"{PARTNER_WORDS[line.partner]} ({user_link(line.answered_by)})"
            for line in state.partners
            if line.answered_by
        ]
    )
    lines = [
        f"*{state.reference}*: the safeguarding partners decided, {moment(state.decided_at)}: "
        f"{words}. Confirmed by {confirmed}."
    ]
    if state.waiting_for:
        lines.append(f"*{state.waiting_for}* follows once these are done:")
    lines += [f"• {due.title}: by {day(due.on)}" for due in state.due]
    blocks: list[Block] = [
        section("\n".join(lines)),
        section(_view_line(state.panel_view)),
        ActionsBlock(
            block_id=PartnersBlock.BUTTONS.value,
            elements=[_view_button(state.case_id, state.panel_view)],
        ),
    ]
    return Message(text=f"{state.reference}: {words}.", blocks=blocks)


def partners_message(state: PartnersState) -> Message:
    """The request while the partners decide, the decision once made."""
    return partners_decided(state) if state.decided else partners_request(state)


def panel_view_modal(reference: str, case_id: int, current: PanelViewLine | None) -> View:
    options = [Option(value=v.value, label=label) for v, label in PANEL_VIEW_LABELS.items()]
    chosen = next((o for o in options if current and o.value == current.view.value), None)
    return modal(
        PartnersCallback.PANEL_VIEW.value,
        "National panel's view",
        "Record",
        [
            section(
                f"*{reference}*: the national panel's view of the safeguarding partners' "
                "decision on a local review."
            ),
            InputBlock(
                block_id=PartnersBlock.PANEL_VIEW.value,
                label="The national panel's view",
                element=RadioButtonsElement(
                    action_id=INPUT_ACTION, options=options, initial_option=chosen
                ),
            ),
            InputBlock(
                block_id=PartnersBlock.PANEL_REASON.value,
                label="Its reason, in short (needed when it disagrees)",
                optional=True,
                element=PlainTextInputElement(
                    action_id=INPUT_ACTION,
                    multiline=True,
                    max_length=REASON_TEXT,
                    initial_value=(current.reason if current else "") or None,
                ),
            ),
            context(BY_ROLE),
        ],
        json.dumps({"case": case_id}),
    )


def _partners(partners: Sequence[Partner]) -> str:
    return listed([PARTNER_WORDS[p] for p in partners])


def answer_text(answer: Answer) -> str | None:
    """What a lead's click came to, for them alone (nothing once it made the decision: the
    messages say it)."""
    ref, outcome = answer.reference, answer.outcome
    said = LOCAL_REVIEW_ANSWERS[outcome] if outcome else ""
    awaited = f" Still awaited: {_partners(answer.awaited)}." if answer.awaited else ""
    if answer.result is Answered.CONFIRMED:
        return (
            f"{ref}: you confirmed *{said}* for {_partners(answer.partners)}.{awaited} The "
            "decision is recorded once all three leads have confirmed the same."
        )
    if answer.result is Answered.DIFFERS:
        others = "; ".join(
            f"{PARTNER_WORDS[p]}'s lead confirmed *{LOCAL_REVIEW_ANSWERS[o]}*"
            for p, o in answer.others
        )
        return (
            f"{ref}: you answered *{said}* for {_partners(answer.partners)}, but {others}. "
            "The decision is recorded only once all three leads agree: talk it through, and "
            f"whoever changes their mind clicks the other button.{awaited}"
        )
    if answer.result is Answered.UNCHANGED:
        return (
            f"{ref}: you have already confirmed *{said}* for {_partners(answer.partners)}. "
            f"Nothing has changed.{awaited}"
        )
    if answer.result is Answered.ALREADY and outcome and answer.decided_at:
        return (
            f"{ref} was already decided, {moment(answer.decided_at)}: "
            f"{LOCAL_REVIEW_WORDS[outcome]}. Nothing has changed."
        )
    return None
