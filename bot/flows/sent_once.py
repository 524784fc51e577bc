"""Messages that must reach Slack exactly once, even when a step is retried."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy import select

from bot.views.messages import Message
from storage.db import Database
from storage.models import SentMessage


def already_sent(db: Database, key: str) -> SentMessage | None:
    with db.session() as session:
        return session.scalar(select(SentMessage).where(SentMessage.key == key))


def post_once(
    db: Database,
    client: WebClient,
    *,
    key: str,
    channel: str,
    message: Message,
    now: datetime,
    case_id: int | None = None,
) -> str:
    """Post unless the ledger says it went already; record it as soon as Slack confirms."""
    previous = already_sent(db, key)
    if previous is not None:
        return previous.ts
    response = client.chat_postMessage(channel=channel, **message.as_kwargs())  # type: ignore[arg-type]
    ts = str(response["ts"])
    with db.session() as session:
        session.add(
            SentMessage(
                key=key,
                case_id=case_id,
                channel=str(response.get("channel") or channel),
                ts=ts,
                sent_at=now,
            )
        )
    return ts
