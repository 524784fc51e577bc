"""Keeping the pinned case card in step with the case: `chat.update` after every change."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.runtime import Runtime
from bot.services.case_card import card_builder
from bot.services.cases import load_case
from bot.views.case_card import case_card_blocks, case_card_text

log = logging.getLogger(__name__)


def refresh_card(runtime: Runtime, client: WebClient, case_id: int) -> bool:
    """Redraw the case card. False when there is no card yet (set-up will post a current
    one) or Slack refused; the change itself is already stored, so the next refresh
    catches the card up."""
    with runtime.db.session() as session:
        case = load_case(session, case_id)
        channel, ts, reference = case.channel_id, case.card_ts, case.reference
    if channel is None or ts is None:
        return False
    card = card_builder(runtime)(case_id)
    try:
        client.chat_update(
            channel=channel,
            ts=ts,
            text=case_card_text(card),
            blocks=[block.to_dict() for block in case_card_blocks(card)],
        )
    except SlackApiError as exc:
        log.warning("case card of %s not updated: %s", reference, exc.response.get("error"))
        return False
    except (SlackClientError, OSError) as exc:
        log.warning("case card of %s not updated: %s", reference, type(exc).__name__)
        return False
    return True
