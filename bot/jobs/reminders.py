"""The worker's reminder jobs: the due nudges on every tick, the digest each working morning."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.flows import reminders
from bot.flows.reminders import DeliveryReport
from bot.gateway import SlackGateway
from bot.runtime import Runtime

__all__ = ["DeliveryReport", "deliver_due_reminders", "send_daily_digest"]


def deliver_due_reminders(runtime: Runtime, client: WebClient) -> DeliveryReport:
    return reminders.deliver_due_reminders(runtime, _gateway(runtime, client))


def send_daily_digest(runtime: Runtime, client: WebClient) -> int:
    return reminders.send_daily_digest(runtime, _gateway(runtime, client))


def _gateway(runtime: Runtime, client: WebClient) -> SlackGateway:
    return SlackGateway(client, runtime.db, runtime.clock)
