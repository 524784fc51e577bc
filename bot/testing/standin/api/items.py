"""pins.*, reactions.add and bookmarks.*: things attached to messages and channels."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..args import Args, SlackError
from ..models import JSON, Message
from ..workspace import Workspace
from .chat import existing_conversation

if TYPE_CHECKING:
    from . import Handler

_EMOJI_NAME = re.compile(r"[a-z0-9_+'-]+")


def _joined(ws: Workspace, channel_id: str) -> str:
    if ws.im_user(channel_id) is not None:
        return channel_id
    return ws.joined_channel(channel_id).id


def _target(ws: Workspace, a: Args) -> Message:
    channel = _joined(ws, a.text("channel"))
    ts = a.opt("timestamp")
    if ts is None:
        raise SlackError("no_item_specified", violation="no timestamp given")
    message = ws.find_message(channel, ts)
    if message is None:
        raise SlackError("message_not_found")
    return message


def pins_add(ws: Workspace, a: Args) -> JSON:
    message = _target(ws, a)
    pinned = ws.pins.setdefault(message.channel, [])
    if message.ts in pinned:
        raise SlackError("already_pinned")
    pinned.append(message.ts)
    return {}


def pins_remove(ws: Workspace, a: Args) -> JSON:
    message = _target(ws, a)
    pinned = ws.pins.get(message.channel, [])
    if message.ts not in pinned:
        raise SlackError("no_pin")
    pinned.remove(message.ts)
    return {}


def reactions_add(ws: Workspace, a: Args) -> JSON:
    name = a.text("name").strip(":")
    if not _EMOJI_NAME.fullmatch(name):
        raise SlackError("invalid_name", violation=f"emoji name {name!r}")
    message = _target(ws, a)
    users = message.reactions.setdefault(name, [])
    if ws.bot_user_id in users:
        raise SlackError("already_reacted")
    users.append(ws.bot_user_id)
    return {}


def _bookmark_fields(a: Args, bookmark: JSON) -> None:
    link = a.opt("link")
    if link is not None:
        if not link.startswith(("http://", "https://")):
            raise SlackError("invalid_link", violation=f"bookmark link {link!r}")
        bookmark["link"] = link
    emoji = a.opt("emoji")
    if emoji is not None:
        if not (emoji.startswith(":") and emoji.endswith(":") and len(emoji) > 2):
            raise SlackError("invalid_emoji", violation=f"bookmark emoji {emoji!r}")
        bookmark["emoji"] = emoji
    title = a.opt("title")
    if title is not None:
        bookmark["title"] = title


def bookmarks_add(ws: Workspace, a: Args) -> JSON:
    channel_id = a.opt("channel_id")
    if channel_id is None:
        raise SlackError("channel_not_found", violation="bookmarks.add without channel_id")
    channel = existing_conversation(ws, channel_id)
    if a.text("type") != "link":
        raise SlackError("invalid_bookmark_type", violation=f"bookmark type {a.text('type')!r}")
    if a.opt("link") is None:
        raise SlackError("invalid_link", violation="link bookmark without a link")
    bookmark: JSON = {
        "id": ws.new_id("Bk"),
        "channel_id": channel,
        "type": "link",
        "entity_id": None,
        "date_created": int(ws.wall()),
        "date_updated": 0,
        "rank": "g",
        "last_updated_by_user_id": ws.bot_user_id,
        "last_updated_by_team_id": ws.team_id,
        "shortcut_id": None,
        "app_id": None,
        "emoji": None,
        "icon_url": None,
    }
    _bookmark_fields(a, bookmark)
    ws.bookmarks.setdefault(channel, {})[bookmark["id"]] = bookmark
    return {"bookmark": dict(bookmark)}


def bookmarks_edit(ws: Workspace, a: Args) -> JSON:
    channel = existing_conversation(ws, a.text("channel_id"))
    bookmark = ws.bookmarks.get(channel, {}).get(a.text("bookmark_id"))
    if bookmark is None:
        raise SlackError("not_found")
    _bookmark_fields(a, bookmark)
    bookmark["date_updated"] = int(ws.wall())
    return {"bookmark": dict(bookmark)}


HANDLERS: dict[str, Handler] = {
    "pins.add": pins_add,
    "pins.remove": pins_remove,
    "reactions.add": reactions_add,
    "bookmarks.add": bookmarks_add,
    "bookmarks.edit": bookmarks_edit,
}
