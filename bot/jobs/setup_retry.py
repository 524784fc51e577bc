"""Resume case set-ups that Slack interrupted."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.flows.referral import CaseSetup
from bot.gateway import SlackGateway
from bot.runtime import Runtime
from bot.services.referral.opening import setups_due


def resume_pending_setups(runtime: Runtime, client: WebClient) -> int:
    """Returns how many set-ups completed on this pass."""
    setup = CaseSetup(runtime, SlackGateway(client, runtime.db, runtime.clock))
    return sum(
        setup.run(case_id).complete for case_id in setups_due(runtime.db, runtime.clock.now())
    )
