"""Keeping the pinned case card in step with the case: `chat.update` after every change."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.gateway import SlackError, SlackGateway
from bot.runtime import Runtime
from bot.services.cases.access import load_case
from bot.services.cases.card import case_card
from bot.views.cases import case_card_message
from bot.views.messages import Message

log = logging.getLogger(__name__)


def card_message(runtime: Runtime, case_id: int) -> Message:
    """The case card as it stands now."""
    return case_card_message(case_card(runtime.db, case_id, runtime.clock.now()))


def refresh_card(runtime: Runtime, slack: SlackGateway | WebClient, case_id: int) -> bool:
    """Redraw the case card. False when there is no card yet (set-up will post a current
    one) or Slack refused; the change itself is already stored, so the next refresh
    catches the card up."""
    if isinstance(slack, WebClient):
        slack = SlackGateway(slack, runtime.db, runtime.clock)
    with runtime.db.session() as session:
        case = load_case(session, case_id)
        channel, ts, reference = case.channel_id, case.card_ts, case.reference
    if channel is None or ts is None:
        return False
    try:
        slack.update(channel, ts, card_message(runtime, case_id))
    except SlackError as exc:
        log.warning("case card of %s not updated: %s", reference, exc.code)
        return False
    return True
