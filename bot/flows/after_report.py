"""The Board's steps after the overview report in Slack: one checklist in the case channel,
posted once when the report is agreed and redrawn after each step is recorded."""

from __future__ import annotations

from bot.flows.cases import refresh_card
from bot.gateway import SlackGateway
from bot.runtime import Runtime
from bot.services.cases.access import load_case
from bot.services.review.after_report import steps
from bot.views.after_report import steps_message


def refresh_steps(runtime: Runtime, slack: SlackGateway, case_id: int) -> None:
    with runtime.db.session() as session:
        case = load_case(session, case_id)
        reference, channel = case.reference, case.channel_id
        lines = steps(session, case_id)
    if channel is None or not lines:
        return
    message = steps_message(reference, lines)
    key = f"case:{case_id}:report:steps"
    sent = slack.sent(key)
    if sent is None:
        slack.try_post_once(key, channel, message, case_id=case_id)
    else:
        slack.try_update(sent.channel, sent.ts, message)


def after_step(runtime: Runtime, slack: SlackGateway, case_id: int) -> None:
    refresh_steps(runtime, slack, case_id)
    refresh_card(runtime, slack.client, case_id)
