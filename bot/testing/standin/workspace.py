"""The workspace the stand-in simulates: users, conversations, messages, files, views.

Every mutation happens under ``lock``; API handlers and test helpers share it.
"""

from __future__ import annotations

import itertools
import mimetypes
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .args import SlackError
from .models import (
    JSON,
    Channel,
    HookPost,
    Message,
    RecordedCall,
    ScheduledMessage,
    StoredFile,
    User,
    View,
)

APP_TOKEN = "xapp-1-A0STANDIN-1-standin"
"""The app-level token (``connections:write``) that opens Socket Mode links."""


@dataclass
class Hook:
    """A response_url: who may see what the bot sends to it, and where."""

    user: str
    channel: str
    message_ts: str | None
    uses: int = 0


@dataclass
class OidcCode:
    """An authorization code from the Sign in with Slack page: single use, bound to the client
    and the redirect_uri it was issued for."""

    user: str
    client_id: str
    redirect_uri: str
    nonce: str | None
    issued_at: float
    used: bool = False


OIDC_CLIENT_ID = "1000.standin"
OIDC_CLIENT_SECRET = "standin-client-secret"
OIDC_CODE_TTL = 600.0
"""Slack's codes last ten minutes."""


@dataclass
class Trigger:
    issued_at: float
    user: str
    used: bool = False


class Workspace:
    team_name = "SCR Stand-in"
    domain = "scr-standin"

    def __init__(
        self, bot_token: str, bot_user_id: str, team_id: str, app_token: str = APP_TOKEN
    ) -> None:
        self.lock = threading.RLock()
        self.bot_token = bot_token
        self.app_token = app_token
        self.socket_url: Callable[[], str] | None = None
        """Issues a Socket Mode URL for ``apps.connections.open`` (set by SlackStandIn)."""
        self.bot_user_id = bot_user_id
        self.team_id = team_id
        self.base_url = "http://127.0.0.1:0"
        self.clock: Callable[[], float] = time.monotonic
        self.wall: Callable[[], float] = time.time
        self.trigger_ttl = 3.0
        self.users: dict[str, User] = {bot_user_id: User(bot_user_id, "scr-bot", is_bot=True)}
        self.channels: dict[str, Channel] = {}
        self.ims: dict[str, str] = {}
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Message] = []
        self.pins: dict[str, list[str]] = {}
        self.files: dict[str, StoredFile] = {}
        self.upload_keys: dict[str, str] = {}
        self.views: dict[str, View] = {}
        self.stacks: dict[str, list[str]] = {}
        self.homes: dict[str, str] = {}
        self.scheduled: dict[str, ScheduledMessage] = {}
        self.bookmarks: dict[str, dict[str, JSON]] = {}
        self.usergroups: dict[str, JSON] = {}
        self.triggers: dict[str, Trigger] = {}
        self.hooks: dict[str, Hook] = {}
        self.hook_posts: list[HookPost] = []
        self.oidc_client_id = OIDC_CLIENT_ID
        self.oidc_client_secret = OIDC_CLIENT_SECRET
        self.oidc_codes: dict[str, OidcCode] = {}
        self.user_tokens: dict[str, str] = {}
        """Sign in with Slack's user tokens (``xoxp-``), each to its user."""
        self.calls: list[RecordedCall] = []
        self.violations: list[str] = []
        self._ids = itertools.count(1)
        self._last_ts = 0.0

    # identifiers -------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def new_ts(self) -> str:
        """A message ts: wall-clock seconds, strictly increasing within the workspace."""
        now = max(self.wall(), self._last_ts + 0.000001)
        self._last_ts = now
        return f"{now:.6f}"

    def new_hash(self) -> str:
        return f"{int(self.wall())}.{secrets.token_hex(4)}"

    # people and conversations ----------------------------------------------

    def im_for(self, user_id: str) -> str:
        """The bot's IM with ``user_id``, opened on first use."""
        if user_id not in self.ims:
            im_id = self.new_id("D")
            self.ims[user_id] = im_id
            self.messages.setdefault(im_id, [])
        return self.ims[user_id]

    def im_user(self, channel_id: str) -> str | None:
        return next((u for u, c in self.ims.items() if c == channel_id), None)

    def channel_named(self, name: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.name == name), None)

    def visible_channel(self, channel_id: str) -> Channel:
        """A channel the bot can see: public ones, and private ones it belongs to."""
        channel = self.channels.get(channel_id)
        if channel is None or (channel.is_private and self.bot_user_id not in channel.members):
            raise SlackError("channel_not_found")
        return channel

    def joined_channel(self, channel_id: str) -> Channel:
        channel = self.visible_channel(channel_id)
        if self.bot_user_id not in channel.members:
            raise SlackError("not_in_channel")
        return channel

    def post_target(self, channel: str) -> str:
        """Resolve chat.postMessage's ``channel``: a conversation id, a user id, or a name."""
        if channel in self.ims.values():
            return channel
        user = self.users.get(channel)
        if user is not None:
            if user.deleted or user.is_bot:
                raise SlackError("channel_not_found")
            return self.im_for(user.id)
        named = self.channel_named(channel.removeprefix("#"))
        found = self.channels.get(channel) or named
        if found is None:
            raise SlackError("channel_not_found")
        found = self.joined_channel(found.id)
        if found.archived:
            raise SlackError("is_archived")
        return found.id

    def conversation_json(self, channel_id: str, *, num_members: bool = False) -> JSON:
        user = self.im_user(channel_id)
        if user is not None:
            return {"id": channel_id, "is_im": True, "user": user, "created": 0, "is_open": True}
        ch = self.channels[channel_id]
        out: JSON = {
            "id": ch.id,
            "name": ch.name,
            "name_normalized": ch.name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": ch.is_private,
            "is_archived": ch.archived,
            "is_general": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": self.bot_user_id in ch.members,
            "created": ch.created,
            "creator": ch.created_by,
            "topic": {"value": ch.topic, "creator": ch.created_by, "last_set": 0},
            "purpose": {"value": ch.purpose, "creator": ch.created_by, "last_set": 0},
            "previous_names": list(ch.previous_names),
        }
        if num_members:
            out["num_members"] = len(ch.members)
        return out

    # messages ---------------------------------------------------------------

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        return next((m for m in self.messages.get(channel_id, []) if m.ts == ts), None)

    def add_message(self, message: Message) -> Message:
        self.messages.setdefault(message.channel, []).append(message)
        return message

    # triggers and response urls ----------------------------------------------

    def issue_trigger(self, user_id: str) -> str:
        trigger_id = f"{next(self._ids)}.{int(self.wall())}.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = Trigger(self.clock(), user_id)
        return trigger_id

    def exchange_trigger(self, trigger_id: str | None) -> None:
        """Use up a trigger_id, as views.open and views.push do."""
        if trigger_id is None:
            raise SlackError("invalid_trigger_id", violation="no trigger_id given")
        trigger = self.triggers.get(trigger_id)
        if trigger is None:
            raise SlackError("invalid_trigger_id", violation=f"unknown trigger_id {trigger_id}")
        if trigger.used:
            raise SlackError("exchanged_trigger_id", violation="trigger_id used twice")
        age = self.clock() - trigger.issued_at
        if age > self.trigger_ttl:
            raise SlackError("expired_trigger_id", violation=f"trigger_id used after {age:.1f}s")
        trigger.used = True

    def issue_response_url(
        self, user_id: str, channel_id: str, message_ts: str | None = None
    ) -> str:
        key = secrets.token_hex(8)
        self.hooks[key] = Hook(user_id, channel_id, message_ts)
        return f"{self.base_url}/hooks/{self.team_id}/{key}"

    # files ------------------------------------------------------------------

    def file_json(self, f: StoredFile) -> JSON:
        base = f"{self.base_url}/files-pri/{self.team_id}-{f.id}"
        public = [c for c in f.channels if c in self.channels and not self.channels[c].is_private]
        private = [c for c in f.channels if c in self.channels and self.channels[c].is_private]
        return {
            "id": f.id,
            "created": f.created,
            "timestamp": f.created,
            "name": f.name,
            "title": f.title,
            "mimetype": mimetypes.guess_type(f.name)[0] or "application/octet-stream",
            "filetype": f.filetype,
            "pretty_type": f.filetype.upper(),
            "user": f.user,
            "user_team": self.team_id,
            "editable": False,
            "size": len(f.content),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": bool(public),
            "public_url_shared": False,
            "url_private": f"{base}/{f.name}",
            "url_private_download": f"{base}/download/{f.name}",
            "permalink": f"https://{self.domain}.slack.com/files/{f.user}/{f.id}/{f.name}",
            "channels": public,
            "groups": private,
            "ims": [c for c in f.channels if c in self.ims.values()],
        }
