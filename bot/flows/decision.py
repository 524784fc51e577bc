"""The decision in Slack: the request to the Board Chair (a DM) and to the case channel,
both replaced by the outcome once decided; then the next steps, the business unit's
checklist, and the Board channel.

Every step is keyed in the sent-message ledger and safe to repeat, so `show_decision` runs
again on any later click and catches up whatever Slack refused the first time.
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import select

from bot.flows.card_refresh import refresh_card
from bot.flows.sent_once import already_sent, post_once
from bot.process.registry import get_process
from bot.runtime import Runtime
from bot.services import audit
from bot.services.cases import load_case
from bot.services.decision import Outcome, decision_of, recommendation_of
from bot.services.decision_notices import notices
from bot.services.engine import open_tasks
from bot.services.partnership import Role, users_with_role
from bot.services.review_forms import london_date
from bot.views.decision import (
    Recommended,
    board_announcement,
    decision_made,
    decision_request,
    next_steps,
    notices_message,
)
from bot.views.format import day
from bot.views.messages import Message
from storage.models import SentMessage

log = logging.getLogger(__name__)

SlackFailure = (SlackApiError, SlackClientError, OSError)


def _request_key(case_id: int) -> str:
    return f"case:{case_id}:decision-request:"


def _code(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc.response.status_code)
    return type(exc).__name__


def send_decision_request(runtime: Runtime, client: WebClient, case_id: int) -> None:
    """DM each Board Chair and post to the case channel, once each."""
    with runtime.db.session() as session:
        case = load_case(session, case_id)
        rec = recommendation_of(session, case_id)
        if rec is None or decision_of(session, case_id) is not None:
            return
        recommended = Recommended(
            case.reference,
            case_id,
            rec.criteria_met,
            rec.criteria,
            runtime.cipher.decrypt_text(rec.rationale),
            rec.recorded_by,
            rec.recorded_at,
        )
        chairs = users_with_role(session, Role.BOARD_CHAIR)
        channel = case.channel_id
    message = decision_request(recommended)
    targets = [(f"dm:{chair}", chair) for chair in chairs]
    if channel is not None:
        targets.append(("channel", channel))
    for suffix, target in targets:
        post_safely(runtime, client, f"{_request_key(case_id)}{suffix}", target, message, case_id)
    refresh_card(runtime, client, case_id)


def post_safely(
    runtime: Runtime, client: WebClient, key: str, channel: str, message: Message, case_id: int
) -> bool:
    try:
        post_once(
            runtime.db,
            client,
            key=key,
            channel=channel,
            message=message,
            now=runtime.clock.now(),
            case_id=case_id,
        )
    except SlackFailure as exc:
        log.warning("case %s: %s not posted yet (%s)", case_id, key.rsplit(":", 1)[-1], _code(exc))
        return False
    return True


def update_safely(client: WebClient, channel: str, ts: str, message: Message) -> bool:
    try:
        client.chat_update(channel=channel, ts=ts, **message.as_kwargs())  # type: ignore[arg-type]
    except SlackFailure as exc:
        log.warning("message %s not updated (%s)", ts, _code(exc))
        return False
    return True


def show_decision(runtime: Runtime, client: WebClient, case_id: int) -> None:
    """Replace the buttons by the outcome everywhere, then tell whoever is still to be told."""
    with runtime.db.session() as session:
        case = load_case(session, case_id)
        decision = decision_of(session, case_id)
        if decision is None:
            return
        outcome = Outcome(decision.outcome)
        reference, channel = case.reference, case.channel_id
        requests = list(
            session.scalars(
                select(SentMessage).where(SentMessage.key.startswith(_request_key(case_id)))
            )
        )
        made = decision_made(reference, outcome, decision.decided_by, decision.decided_at)
        process = get_process(case.process_key)
        due = [
            f"• {process.task(task.kind).title}: by {day(london_date(task.due_at))}"
            for task in open_tasks(session, case_id)
            if task.agency_id is None and task.owner_role != "admins"
        ]
        decided_at = decision.decided_at
    for sent in requests:
        update_safely(client, sent.channel, sent.ts, made)
    if channel is not None:
        steps = next_steps(reference, outcome, case_id, due)
        post_safely(runtime, client, f"case:{case_id}:decision:next", channel, steps, case_id)
        refresh_notices(runtime, client, case_id)
    _announce_to_board(runtime, client, case_id, reference, outcome, decided_at)
    refresh_card(runtime, client, case_id)


def _announce_to_board(
    runtime: Runtime,
    client: WebClient,
    case_id: int,
    reference: str,
    outcome: Outcome,
    at: datetime,
) -> None:
    board = runtime.partnership.board
    if not board.channel:
        return
    key = f"case:{case_id}:decision:board"
    if already_sent(runtime.db, key) is not None:
        return
    message = board_announcement(board.name, reference, outcome, at)
    if post_safely(runtime, client, key, board.channel, message, case_id):
        with runtime.db.session() as session:
            audit.record(
                session,
                at=runtime.clock.now(),
                actor="bot",
                action="decision.board_told",
                case_id=case_id,
                channel=board.channel,
            )


def refresh_notices(runtime: Runtime, client: WebClient, case_id: int) -> None:
    """Post the business unit's checklist once, and redraw it after each answer."""
    with runtime.db.session() as session:
        case = load_case(session, case_id)
        lines = notices(session, case_id)
        reference, channel = case.reference, case.channel_id
    if channel is None or not lines:
        return
    message = notices_message(reference, case_id, lines)
    key = f"case:{case_id}:decision:notices"
    sent = already_sent(runtime.db, key)
    if sent is None:
        post_safely(runtime, client, key, channel, message, case_id)
    else:
        update_safely(client, sent.channel, sent.ts, message)
