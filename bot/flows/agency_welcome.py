"""An agency joins a case in Slack: its designated persons are invited to the case channel
and DM'd what to do, the channel is told, and the card redrawn. Each step is safe to run
again (invitations are recorded per member, DMs are sent once), so repeating the command
finishes what Slack interrupted."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.flows.case_setup import CaseSetup
from bot.flows.first_month import after_change, brief_agency
from bot.runtime import Runtime
from bot.services.agencies_on_case import AgencyChange
from bot.services.case_card import card_builder
from bot.services.cases import load_case
from bot.views.chronology import plain

log = logging.getLogger(__name__)


def welcome_agency(
    runtime: Runtime, client: WebClient, change: AgencyChange, announcement: str | None
) -> bool:
    """Returns False when Slack failed part-way (the change itself is stored)."""
    with runtime.db.session() as session:
        channel = load_case(session, change.case_id).channel_id
    try:
        if channel is not None:
            setup = CaseSetup(runtime.db, client, runtime.clock, card_builder(runtime))
            setup.invite_members(change.case_id)
        brief_agency(runtime.db, client, runtime.clock, change.case_id, change.agency_id)
        if channel is not None and announcement:
            client.chat_postMessage(channel=channel, **plain(announcement).as_kwargs())  # type: ignore[arg-type]
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("agency %s not fully welcomed: %s", change.agency_id, type(exc).__name__)
        return False
    finally:
        after_change(runtime, client, change.case_id, None)
    return True
