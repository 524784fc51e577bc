"""Resume case set-ups that Slack interrupted."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.flows.case_setup import CaseSetup, setups_due
from bot.runtime import Runtime
from bot.services.case_card import card_builder

log = logging.getLogger(__name__)


def resume_pending_setups(runtime: Runtime, client: WebClient) -> int:
    """Returns how many set-ups completed on this pass."""
    completed = 0
    setup = CaseSetup(runtime.db, client, runtime.clock, card_builder(runtime))
    for case_id in setups_due(runtime.db, runtime.clock.now()):
        if setup.run(case_id).complete:
            completed += 1
    return completed
