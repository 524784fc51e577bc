"""conversations.*: channels the bot creates and manages, and its IMs."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..args import Args, SlackError, paginate
from ..models import JSON, Channel, Message
from ..workspace import Workspace
from .chat import existing_conversation, message_json

if TYPE_CHECKING:
    from . import Handler

MAX_INVITEES = 100
MAX_TOPIC = 250
_NAME = re.compile(r"[a-z0-9_-]+")


def check_name(name: str) -> None:
    if not name:
        raise SlackError("invalid_name_required", violation="empty channel name")
    if len(name) > 80:
        raise SlackError("invalid_name_maxlength", violation=f"channel name {name!r} > 80 chars")
    if not _NAME.fullmatch(name):
        raise SlackError("invalid_name_specials", violation=f"channel name {name!r}")
    if not any(c.isalnum() for c in name):
        raise SlackError("invalid_name_punctuation", violation=f"channel name {name!r}")


def _writable(ws: Workspace, channel_id: str) -> Channel:
    channel = ws.joined_channel(channel_id)
    if channel.archived:
        raise SlackError("is_archived")
    return channel


def _channel(ws: Workspace, channel_id: str) -> JSON:
    return {"channel": ws.conversation_json(channel_id)}


def create(ws: Workspace, a: Args) -> JSON:
    name = a.text("name")
    check_name(name)
    if ws.channel_named(name) is not None:
        raise SlackError("name_taken")
    channel = Channel(
        id=ws.new_id("C"),
        name=name,
        is_private=a.flag("is_private"),
        created_by=ws.bot_user_id,
        created=int(ws.wall()),
        members={ws.bot_user_id},
    )
    ws.channels[channel.id] = channel
    ws.messages[channel.id] = []
    return _channel(ws, channel.id)


def _invite_error(ws: Workspace, channel: Channel, user_id: str) -> str | None:
    user = ws.users.get(user_id)
    if user is None:
        return "user_not_found"
    if user_id == ws.bot_user_id:
        return "cant_invite_self"
    if user.deleted:
        return "cant_invite"
    if user_id in channel.members:
        return "already_in_channel"
    if user.is_ultra_restricted and any(user_id in c.members for c in ws.channels.values()):
        return "ura_max_channels"
    if user.is_restricted:
        return "user_is_restricted"  # the workspace lets only admins add guests to channels
    return None


def invite(ws: Workspace, a: Args) -> JSON:
    users = a.csv("users")
    if not users:
        raise SlackError("no_user", violation="conversations.invite without users")
    if len(users) > MAX_INVITEES:
        raise SlackError(
            "invalid_arguments",
            violation=f"conversations.invite with {len(users)} users (max {MAX_INVITEES})",
            response_metadata={"messages": [f"[ERROR] no more than {MAX_INVITEES} items allowed"]},
        )
    channel = _writable(ws, a.text("channel"))
    errors = [
        {"user": u, "ok": False, "error": err}
        for u in users
        if (err := _invite_error(ws, channel, u)) is not None
    ]
    if errors and not a.flag("force"):
        raise SlackError(str(errors[0]["error"]), errors=errors)
    failed = {e["user"] for e in errors}
    channel.members.update(u for u in users if u not in failed)
    out = _channel(ws, channel.id)
    if errors:
        out["errors"] = errors
    return out


def kick(ws: Workspace, a: Args) -> JSON:
    channel = ws.joined_channel(a.text("channel"))
    user_id = a.text("user")
    if user_id == ws.bot_user_id:
        raise SlackError("cant_kick_self")
    if user_id not in ws.users:
        raise SlackError("user_not_found", violation=None if user_id else "kick without user")
    if user_id not in channel.members:
        raise SlackError("not_in_channel")
    channel.members.discard(user_id)
    return {}


def info(ws: Workspace, a: Args) -> JSON:
    channel_id = existing_conversation(ws, a.text("channel"))
    return {"channel": ws.conversation_json(channel_id, num_members=a.flag("include_num_members"))}


def members(ws: Workspace, a: Args) -> JSON:
    channel_id = existing_conversation(ws, a.text("channel"))
    im_user = ws.im_user(channel_id)
    everyone = [ws.bot_user_id, im_user] if im_user else sorted(ws.channels[channel_id].members)
    page, cursor = paginate(everyone, a)
    return {"members": page, "response_metadata": {"next_cursor": cursor}}


def open_im(ws: Workspace, a: Args) -> JSON:
    if "channel" in a:
        channel_id = existing_conversation(ws, a.text("channel"))
        return {"channel": ws.conversation_json(channel_id), "already_open": True}
    users = [u for u in a.csv("users") if u != ws.bot_user_id]
    if not users:
        raise SlackError("users_list_not_supplied", violation="conversations.open without users")
    if len(users) > 8:
        raise SlackError("too_many_users")
    if len(users) > 1:
        raise SlackError(
            "invalid_arguments", violation="group DMs are not modelled by the stand-in"
        )
    user = ws.users.get(users[0])
    if user is None:
        raise SlackError("user_not_found")
    if user.deleted:
        raise SlackError("user_disabled")
    existed = user.id in ws.ims
    channel_id = ws.im_for(user.id)
    channel = ws.conversation_json(channel_id) if a.flag("return_im") else {"id": channel_id}
    out: JSON = {"channel": channel}
    if existed:
        out.update(no_op=True, already_open=True)
    return out


def _readable(ws: Workspace, channel_id: str) -> str:
    if ws.im_user(channel_id) is not None:
        return channel_id
    return ws.joined_channel(channel_id).id


def _bound(a: Args, name: str) -> float | None:
    value = a.opt(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise SlackError(f"invalid_ts_{name}", violation=f"{name}={value!r}") from None


def _range(a: Args) -> Callable[[Message], bool]:
    """Slack's oldest/latest window (exclusive unless ``inclusive``)."""
    oldest, latest, inclusive = _bound(a, "oldest"), _bound(a, "latest"), a.flag("inclusive")

    def within(message: Message) -> bool:
        ts = float(message.ts)
        if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
            return False
        return latest is None or ts < latest or (ts == latest and inclusive)

    return within


def _as_read(ws: Workspace, message: Message, a: Args) -> JSON:
    """A message as history returns it: its metadata only when ``include_all_metadata``."""
    out = message_json(ws, message)
    if not a.flag("include_all_metadata"):
        out.pop("metadata", None)
    return out


def _with_replies(ws: Workspace, message: Message, a: Args) -> JSON:
    out = _as_read(ws, message, a)
    replies = [
        m
        for m in ws.messages.get(message.channel, [])
        if m.thread_ts == message.ts and m.ts != message.ts
    ]
    if replies:
        out.update(thread_ts=message.ts, reply_count=len(replies), latest_reply=replies[-1].ts)
    return out


def history(ws: Workspace, a: Args) -> JSON:
    channel_id = _readable(ws, a.text("channel"))
    within = _range(a)
    top = [
        m
        for m in reversed(ws.messages.get(channel_id, []))
        if (m.thread_ts is None or m.thread_ts == m.ts) and within(m)
    ]
    page, cursor = paginate(top, a)
    return {
        "messages": [_with_replies(ws, m, a) for m in page],
        "has_more": bool(cursor),
        "pin_count": len(ws.pins.get(channel_id, [])),
        "response_metadata": {"next_cursor": cursor},
    }


def replies(ws: Workspace, a: Args) -> JSON:
    channel_id = _readable(ws, a.text("channel"))
    parent = ws.find_message(channel_id, a.text("ts"))
    if parent is None:
        raise SlackError("thread_not_found")
    thread = [parent] + [
        m for m in ws.messages[channel_id] if m.thread_ts == parent.ts and m is not parent
    ]
    within = _range(a)
    page, cursor = paginate([m for m in thread if m is parent or within(m)], a, 1000)
    return {
        "messages": [_with_replies(ws, m, a) if m is parent else _as_read(ws, m, a) for m in page],
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


def _set_text(ws: Workspace, a: Args, field: str) -> JSON:
    channel = _writable(ws, a.text("channel"))
    value = a.text(field)
    if len(value) > MAX_TOPIC:
        raise SlackError("too_long", violation=f"{field} of {len(value)} characters")
    setattr(channel, field, value)
    return _channel(ws, channel.id)


def set_topic(ws: Workspace, a: Args) -> JSON:
    return _set_text(ws, a, "topic")


def set_purpose(ws: Workspace, a: Args) -> JSON:
    return _set_text(ws, a, "purpose")


def rename(ws: Workspace, a: Args) -> JSON:
    channel = _writable(ws, a.text("channel"))
    name = a.text("name")
    check_name(name)
    taken = ws.channel_named(name)
    if taken is not None and taken is not channel:
        raise SlackError("name_taken")
    if name != channel.name:
        channel.previous_names.insert(0, channel.name)
        channel.name = name
    return _channel(ws, channel.id)


def archive(ws: Workspace, a: Args) -> JSON:
    channel = ws.joined_channel(a.text("channel"))
    if channel.archived:
        raise SlackError("already_archived")
    channel.archived = True
    return {}


def unarchive(ws: Workspace, a: Args) -> JSON:
    channel = ws.visible_channel(a.text("channel"))
    if not channel.archived:
        raise SlackError("not_archived")
    channel.archived = False
    return {}


HANDLERS: dict[str, Handler] = {
    "conversations.create": create,
    "conversations.invite": invite,
    "conversations.kick": kick,
    "conversations.info": info,
    "conversations.members": members,
    "conversations.open": open_im,
    "conversations.history": history,
    "conversations.replies": replies,
    "conversations.setTopic": set_topic,
    "conversations.setPurpose": set_purpose,
    "conversations.rename": rename,
    "conversations.archive": archive,
    "conversations.unarchive": unarchive,
}
