"""The case's private channel, named from its reference, created exactly once.

A create call whose answer was lost (a timeout after Slack acted) leaves a channel the bot
is already in; a retry finds and adopts it rather than making a second one."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.services import audit
from bot.services.cases import load_case
from storage.db import Database

MAX_NAME_ATTEMPTS = 20


class ChannelNameUnavailableError(RuntimeError):
    def __init__(self, base: str) -> None:
        super().__init__(f"no free channel name for {base} after {MAX_NAME_ATTEMPTS} tries")


def ensure_case_channel(db: Database, client: WebClient, clock: Clock, case_id: int) -> str:
    with db.session() as session:
        case = load_case(session, case_id)
        if case.channel_id:
            return case.channel_id
        base = case.reference.lower()
        tried_before = case.setup_attempts > 0
    for attempt in range(MAX_NAME_ATTEMPTS):
        name = base if attempt == 0 else f"{base}-{attempt + 1}"
        try:
            channel: dict[str, Any] = client.conversations_create(name=name, is_private=True)[
                "channel"
            ]
        except SlackApiError as exc:
            if exc.response.get("error") != "name_taken":
                raise
            own = _own_channel_named(client, name) if tried_before else None
            if own is None:
                continue
            channel = own
        _record(db, clock, case_id, channel)
        return str(channel["id"])
    raise ChannelNameUnavailableError(base)


def _own_channel_named(client: WebClient, name: str) -> dict[str, Any] | None:
    """A private channel of this name that the bot is already in: one it made earlier."""
    cursor = None
    while True:
        page = client.users_conversations(
            types="private_channel", exclude_archived=True, limit=200, cursor=cursor
        )
        for channel in page.get("channels") or []:
            if channel.get("name") == name:
                return dict(channel)
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None


def _record(db: Database, clock: Clock, case_id: int, channel: dict[str, Any]) -> None:
    with db.session() as session:
        case = load_case(session, case_id)
        case.channel_id, case.channel_name = channel["id"], channel["name"]
        audit.record(
            session,
            at=clock.now(),
            actor="bot",
            action="case.channel_created",
            case_id=case_id,
            channel=channel["id"],
        )
