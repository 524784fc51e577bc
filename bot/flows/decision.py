"""The decision in Slack: the request to the Board Chair (a DM) and to the case channel,
both replaced by the outcome once decided; then the next steps, the business unit's
checklist, and the Board channel.

Every step is keyed in the sent-message ledger and safe to repeat, so `show_decision` runs
again on any later click and catches up whatever Slack refused the first time.
"""

from __future__ import annotations

from bot.flows.asking import ask_once, redraw_all
from bot.flows.cases import refresh_card
from bot.flows.review import ask_review_panel
from bot.gateway import SlackGateway
from bot.process.bolton import REVIEW_QUESTIONS
from bot.runtime import Runtime
from bot.services.cases import audit
from bot.services.cases.access import load_case
from bot.services.decision.schema import Outcome
from bot.services.decision.service import Decided, chair_request, decided, notices
from bot.views.decision import (
    board_announcement,
    decision_made,
    decision_request,
    next_steps,
    notices_message,
)


def _request_key(case_id: int) -> str:
    return f"case:{case_id}:decision-request:"


def send_decision_request(runtime: Runtime, slack: SlackGateway, case_id: int) -> None:
    """DM each Board Chair and post to the case channel, once each."""
    with runtime.db.session() as session:
        asked = chair_request(session, runtime.cipher, case_id)
    if asked is None:
        return
    message = decision_request(asked.recommended, REVIEW_QUESTIONS)
    ask_once(slack, _request_key(case_id), asked.chairs, asked.channel, message, case_id=case_id)
    refresh_card(runtime, slack.client, case_id)


def show_decision(runtime: Runtime, slack: SlackGateway, case_id: int) -> None:
    """Replace the buttons by the outcome everywhere, then tell whoever is still to be told."""
    with runtime.db.session() as session:
        made = decided(session, case_id)
    if made is None:
        return
    decision = made.decision
    outcome = decision.outcome
    replaced = decision_made(
        made.reference, outcome, decision.decided_by, decision.decided_at, decision.directed
    )
    redraw_all(slack, _request_key(case_id), replaced)
    if made.channel is not None and decision.directed is not None:
        slack.try_post_once(
            f"case:{case_id}:decision:directed", made.channel, replaced, case_id=case_id
        )
    if made.channel is not None:
        steps = next_steps(made.reference, outcome, case_id, made.due)
        slack.try_post_once(f"case:{case_id}:decision:next", made.channel, steps, case_id=case_id)
        refresh_notices(runtime, slack, case_id)
    _announce_to_board(runtime, slack, case_id, made)
    if outcome is Outcome.SCR:
        ask_review_panel(runtime, slack, case_id)
    refresh_card(runtime, slack.client, case_id)


def _announce_to_board(runtime: Runtime, slack: SlackGateway, case_id: int, made: Decided) -> None:
    board = runtime.partnership.board
    key = f"case:{case_id}:decision:board"
    if not board.channel or slack.sent(key) is not None:
        return
    decision = made.decision
    message = board_announcement(board.name, made.reference, decision.outcome, decision.decided_at)
    if slack.try_post_once(key, board.channel, message, case_id=case_id):
        with runtime.db.session() as session:
            audit.record(
                session,
                at=runtime.clock.now(),
                actor="bot",
                action="decision.board_told",
                case_id=case_id,
                channel=board.channel,
            )


def refresh_notices(runtime: Runtime, slack: SlackGateway, case_id: int) -> None:
    """Post the business unit's checklist once, and redraw it after each answer."""
    with runtime.db.session() as session:
        case = load_case(session, case_id)
        reference, channel = case.reference, case.channel_id
        lines = notices(session, case_id)
    if channel is None or not lines:
        return
    message = notices_message(reference, case_id, lines)
    key = f"case:{case_id}:decision:notices"
    sent = slack.sent(key)
    if sent is None:
        slack.try_post_once(key, channel, message, case_id=case_id)
    else:
        slack.try_update(sent.channel, sent.ts, message)


def after_notice(runtime: Runtime, slack: SlackGateway, case_id: int) -> None:
    """Redraw the checklist and the case card once a notice is recorded."""
    refresh_notices(runtime, slack, case_id)
    refresh_card(runtime, slack.client, case_id)
