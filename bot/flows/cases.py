"""Keeping the pinned case card in step with the case: `chat.update` after every change."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.gateway import SlackError, SlackGateway
from bot.runtime import Runtime
from bot.services.cases.access import load_case
from bot.services.cases.card import build_case_card
from bot.services.cases.guard import Intruder, Rename
from bot.views.cases import case_card_message, intruder_removed

log = logging.getLogger(__name__)


def refresh_card(runtime: Runtime, slack: SlackGateway | WebClient, case_id: int) -> bool:
    """Redraw the case card. False when there is no card yet (set-up will post a current
    one) or Slack refused; the change itself is already stored, so the next refresh
    catches the card up."""
    if isinstance(slack, WebClient):
        slack = SlackGateway(slack, runtime.db, runtime.clock)
    cal = runtime.working_calendar()
    with runtime.db.reading() as session:  # the card is read beside writers, from one load
        case = load_case(session, case_id)
        channel, ts, reference = case.channel_id, case.card_ts, case.reference
        if channel is None or ts is None:
            return False
        card = build_case_card(session, case, cal.london_date(runtime.clock.now()), cal)
    try:
        slack.update(channel, ts, case_card_message(card))
    except SlackError as exc:
        log.warning("case card of %s not updated: %s", reference, exc.code)
        return False
    return True


def remove_intruder(slack: SlackGateway, intruder: Intruder) -> None:
    """Take someone not on the case out of its channel, then tell the business unit who
    added whom ."""
    slack.kick(intruder.channel_id, intruder.user)
    message = intruder_removed(
        intruder.reference, intruder.channel_id, intruder.user, intruder.inviter
    )
    for admin in intruder.admins:
        try:
            slack.post(admin, message)
        except SlackError as exc:
            log.warning(
                "case %s: business unit member %s not told (%s)", intruder.case_id, admin, exc.code
            )


def rename_back(slack: SlackGateway, rename: Rename) -> None:
    """Give a renamed case channel its name back."""
    try:
        slack.rename(rename.channel_id, rename.name)
    except SlackError as exc:
        log.warning("case %s: channel not renamed back (%s)", rename.case_id, exc.code)


def remove_from_channels(slack: SlackGateway, user: str, channels: list[tuple[int, str]]) -> None:
    """Take someone who has left out of their open cases' channels."""
    for case_id, channel in channels:
        try:
            slack.kick(channel, user)
        except SlackError as exc:
            log.warning("case %s: %s not removed from its channel (%s)", case_id, user, exc.code)
