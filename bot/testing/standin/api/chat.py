"""chat.*: posting, updating and deleting messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..args import Args, SlackError
from ..blockkit import message_blocks_problem
from ..models import BOT_ID, JSON, Message, ScheduledMessage
from ..workspace import Workspace

if TYPE_CHECKING:
    from . import Handler

MAX_TEXT = 40_000
MAX_SCHEDULE_AHEAD = 120 * 86_400


def checked_blocks(a: Args) -> list[JSON] | None:
    blocks = a.blocks()
    if blocks is not None:
        problem = message_blocks_problem(blocks)
        if problem is not None:
            raise SlackError(
                "invalid_blocks",
                violation=problem,
                response_metadata={"messages": [f"[ERROR] {problem}"]},
            )
    return blocks


def _content(a: Args, method: str) -> tuple[str, list[JSON], list[JSON]]:
    text = a.text("text")
    blocks = checked_blocks(a) or []
    attachments: Any = a.raw("attachments") or []
    if not text and not blocks and not attachments:
        raise SlackError("no_text", violation=f"{method} with no text, blocks or attachments")
    if len(text) > MAX_TEXT and method != "chat.postMessage":
        raise SlackError("msg_too_long", violation=f"text of {len(text)} characters")
    return text, blocks, list(attachments)


def existing_conversation(ws: Workspace, channel_id: str) -> str:
    if ws.im_user(channel_id) is not None:
        return channel_id
    return ws.visible_channel(channel_id).id


def message_json(ws: Workspace, message: Message) -> JSON:
    bot_id = BOT_ID if message.user == ws.bot_user_id else None
    return message.to_slack(ws.team_id, bot_id)


def _own_message(ws: Workspace, a: Args, denied: str) -> Message:
    channel = existing_conversation(ws, a.text("channel"))
    message = ws.find_message(channel, a.text("ts"))
    if message is None:
        raise SlackError("message_not_found")
    if message.user != ws.bot_user_id:
        raise SlackError(denied, violation=f"{denied}: message {message.ts} is not the bot's")
    return message


def _metadata(a: Args) -> JSON | None:
    """Message metadata as Slack takes it: an ``event_type`` and an ``event_payload`` object.
    Stored with the message and returned by history asked with ``include_all_metadata``."""
    metadata: Any = a.raw("metadata")
    if metadata in (None, ""):
        return None
    if not isinstance(metadata, dict):
        raise SlackError("invalid_metadata_format", violation="metadata is not a JSON object")
    if not isinstance(metadata.get("event_type"), str) or not isinstance(
        metadata.get("event_payload"), dict
    ):
        raise SlackError(
            "invalid_metadata_schema", violation="metadata needs event_type and event_payload"
        )
    return metadata


def post_message(ws: Workspace, a: Args) -> JSON:
    channel = ws.post_target(a.text("channel"))
    text, blocks, attachments = _content(a, "chat.postMessage")
    metadata = _metadata(a)
    message = ws.add_message(
        Message(
            channel=channel,
            ts=ws.new_ts(),
            user=ws.bot_user_id,
            text=text,
            blocks=blocks,
            thread_ts=a.opt("thread_ts"),
            attachments=attachments,
            metadata=metadata,
        )
    )
    return {"channel": channel, "ts": message.ts, "message": message_json(ws, message)}


def post_ephemeral(ws: Workspace, a: Args) -> JSON:
    channel = ws.post_target(a.text("channel"))
    user = a.text("user")
    im_user = ws.im_user(channel)
    members = {im_user} if im_user else ws.channels[channel].members
    if user not in members:
        raise SlackError("user_not_in_channel")
    text, blocks, attachments = _content(a, "chat.postEphemeral")
    message = Message(
        channel=channel,
        ts=ws.new_ts(),
        user=ws.bot_user_id,
        text=text,
        blocks=blocks,
        thread_ts=a.opt("thread_ts"),
        attachments=attachments,
        visible_to=user,
    )
    ws.ephemerals.append(message)
    return {"message_ts": message.ts}


def update(ws: Workspace, a: Args) -> JSON:
    message = _own_message(ws, a, "cant_update_message")
    raw_blocks = a.raw("blocks")
    blocks = message.blocks if raw_blocks in (None, "") else (checked_blocks(a) or [])
    text = a.opt("text")
    if text is not None and len(text) > MAX_TEXT:
        raise SlackError("msg_too_long", violation=f"text of {len(text)} characters")
    if not (text or blocks or message.attachments or message.text):
        raise SlackError("no_text", violation="chat.update would leave an empty message")
    message.history.append(
        {"text": message.text, "blocks": message.blocks, "edited_ts": ws.new_ts()}
    )
    message.text = message.text if text is None else text
    message.blocks = blocks
    if isinstance(a.raw("attachments"), list):
        message.attachments = a.raw("attachments")
    return {
        "channel": message.channel,
        "ts": message.ts,
        "text": message.text,
        "message": message_json(ws, message),
    }


def delete(ws: Workspace, a: Args) -> JSON:
    message = _own_message(ws, a, "cant_delete_message")
    ws.messages[message.channel].remove(message)
    pinned = ws.pins.get(message.channel, [])
    if message.ts in pinned:
        pinned.remove(message.ts)
    return {"channel": message.channel, "ts": message.ts}


def get_permalink(ws: Workspace, a: Args) -> JSON:
    channel = existing_conversation(ws, a.text("channel"))
    ts = a.text("message_ts")
    if ws.find_message(channel, ts) is None:
        raise SlackError("message_not_found")
    link = f"https://{ws.domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    return {"channel": channel, "permalink": link}


def schedule_message(ws: Workspace, a: Args) -> JSON:
    channel = ws.post_target(a.text("channel"))
    post_at = a.number("post_at", 0)
    now = int(ws.wall())
    if post_at <= now:
        raise SlackError("time_in_past")
    if post_at > now + MAX_SCHEDULE_AHEAD:
        raise SlackError("time_too_far")
    text, blocks, _ = _content(a, "chat.scheduleMessage")
    scheduled = ScheduledMessage(
        id=ws.new_id("Q"),
        channel=channel,
        post_at=post_at,
        text=text,
        blocks=blocks,
        thread_ts=a.opt("thread_ts"),
    )
    ws.scheduled[scheduled.id] = scheduled
    message: JSON = {"type": "delayed_message", "text": text, "bot_id": BOT_ID}
    if blocks:
        message["blocks"] = blocks
    return {
        "channel": channel,
        "scheduled_message_id": scheduled.id,
        "post_at": post_at,
        "message": message,
    }


def delete_scheduled(ws: Workspace, a: Args) -> JSON:
    scheduled = ws.scheduled.get(a.text("scheduled_message_id"))
    if scheduled is None or scheduled.channel != a.text("channel"):
        raise SlackError("invalid_scheduled_message_id")
    del ws.scheduled[scheduled.id]
    return {}


HANDLERS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.delete": delete,
    "chat.getPermalink": get_permalink,
    "chat.scheduleMessage": schedule_message,
    "chat.deleteScheduledMessage": delete_scheduled,
}
