"""Asking people for a decision in Slack, as the decision flows do: one message to each
person asked (a DM) and one to the case channel, each posted once under a key of the
sent-message ledger; later, every one of them redrawn in place (who has answered, then the
outcome)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.gateway import SlackGateway
from bot.views.messages import Message


def ask_once(
    slack: SlackGateway,
    prefix: str,
    people: Sequence[str],
    channel: str | None,
    message: Message,
    *,
    case_id: int,
) -> list[str]:
    """Post ``message`` to each of ``people`` and to ``channel`` unless the ledger has it
    under ``prefix`` already: the timestamps of the messages posted now."""
    targets = [(f"dm:{person}", person) for person in dict.fromkeys(people)]
    if channel is not None:
        targets.append(("channel", channel))
    posted = []
    for suffix, target in targets:
        key = f"{prefix}{suffix}"
        if slack.sent(key) is None and slack.try_post_once(key, target, message, case_id=case_id):
            sent = slack.sent(key)
            posted += [sent.ts] if sent else []
    return posted


def redraw_all(
    slack: SlackGateway, prefix: str, message: Message, *, skip: Sequence[str] = ()
) -> None:
    """Redraw every message posted under ``prefix`` (but those whose ts is in ``skip``)."""
    for sent in slack.sent_under(prefix):
        if sent.ts not in skip:
            slack.try_update(sent.channel, sent.ts, message)
