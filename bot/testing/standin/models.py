"""What the stand-in remembers of a workspace, in shapes tests can assert on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

APP_ID = "A0STANDIN"
BOT_ID = "B0BOT"


@dataclass
class RecordedCall:
    """One Web API call as the bot made it.

    ``args`` holds what Slack received minus the token; arguments Slack takes as JSON
    strings (blocks, attachments, view, files, metadata) are decoded. Comma-separated
    lists such as ``users`` stay strings, as on the wire.
    """

    method: str
    args: JSON
    ok: bool
    error: str | None
    at: float
    http_status: int = 200


@dataclass
class User:
    id: str
    name: str
    email: str | None = None
    deleted: bool = False
    is_bot: bool = False
    is_restricted: bool = False
    """A guest: a multi-channel guest, or with `is_ultra_restricted` a single-channel one."""
    is_ultra_restricted: bool = False
    home_team_id: str | None = None
    """Set for an account of another workspace (signing in with Slack names that team)."""

    def to_slack(self, team_id: str) -> JSON:
        profile: JSON = {
            "real_name": self.name,
            "display_name": self.name,
            "real_name_normalized": self.name,
            "display_name_normalized": self.name,
            "team": team_id,
        }
        if self.email is not None:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name.lower().replace(" ", "."),
            "real_name": self.name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "is_admin": False,
            "is_owner": False,
            "is_restricted": self.is_restricted,
            "is_ultra_restricted": self.is_ultra_restricted,
            "tz": "Europe/London",
            "tz_label": "Greenwich Mean Time",
            "tz_offset": 0,
            "profile": profile,
        }


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool
    created_by: str
    created: int
    members: set[str] = field(default_factory=set)
    topic: str = ""
    purpose: str = ""
    archived: bool = False
    previous_names: list[str] = field(default_factory=list)


@dataclass
class Message:
    """A message; ``history`` keeps earlier versions ({text, blocks, edited_at})."""

    channel: str
    ts: str
    user: str
    text: str
    blocks: list[JSON] = field(default_factory=list)
    thread_ts: str | None = None
    files: list[str] = field(default_factory=list)
    attachments: list[JSON] = field(default_factory=list)
    metadata: JSON | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    history: list[JSON] = field(default_factory=list)
    visible_to: str | None = None
    """Set for ephemeral messages: the only user who sees it."""

    def to_slack(self, team_id: str, bot_id: str | None) -> JSON:
        out: JSON = {"type": "message", "user": self.user, "text": self.text, "ts": self.ts}
        out["team"] = team_id
        if bot_id is not None:
            out["bot_id"] = bot_id
            out["app_id"] = APP_ID
        if self.blocks:
            out["blocks"] = self.blocks
        if self.attachments:
            out["attachments"] = self.attachments
        if self.thread_ts is not None:
            out["thread_ts"] = self.thread_ts
        if self.files:
            out["files"] = [{"id": f} for f in self.files]
        if self.metadata is not None:
            out["metadata"] = self.metadata
        if self.reactions:
            out["reactions"] = [
                {"name": n, "users": list(u), "count": len(u)} for n, u in self.reactions.items()
            ]
        if self.history:
            out["edited"] = {"user": self.user, "ts": self.history[-1]["edited_ts"]}
        return out


@dataclass
class ScheduledMessage:
    id: str
    channel: str
    post_at: int
    text: str
    blocks: list[JSON] = field(default_factory=list)
    thread_ts: str | None = None


@dataclass
class StoredFile:
    id: str
    name: str
    title: str
    user: str
    filetype: str
    created: int
    content: bytes = b""
    declared_length: int | None = None
    uploaded: bool = False
    channels: list[str] = field(default_factory=list)


@dataclass
class View:
    """A modal or home view as Slack holds it (``state`` is Slack's ``state.values``)."""

    id: str
    type: str
    user: str
    hash: str
    payload: JSON
    state: dict[str, dict[str, JSON]] = field(default_factory=dict)
    external_id: str | None = None
    root_view_id: str | None = None
    previous_view_id: str | None = None

    @property
    def callback_id(self) -> str:
        return str(self.payload.get("callback_id", ""))

    @property
    def private_metadata(self) -> str:
        return str(self.payload.get("private_metadata", ""))

    @property
    def blocks(self) -> list[JSON]:
        blocks: list[JSON] = self.payload.get("blocks", [])
        return blocks

    def to_slack(self, team_id: str) -> JSON:
        out: JSON = {
            "id": self.id,
            "team_id": team_id,
            "type": self.type,
            "blocks": self.blocks,
            "private_metadata": self.private_metadata,
            "callback_id": self.callback_id,
            "state": {"values": self.state},
            "hash": self.hash,
            "title": self.payload.get("title"),
            "clear_on_close": bool(self.payload.get("clear_on_close", False)),
            "notify_on_close": bool(self.payload.get("notify_on_close", False)),
            "close": self.payload.get("close"),
            "submit": self.payload.get("submit"),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id or self.id,
            "app_id": APP_ID,
            "external_id": self.external_id or "",
            "app_installed_team_id": team_id,
            "bot_id": BOT_ID,
        }
        return out


@dataclass
class HookPost:
    """A body the bot POSTed to a ``response_url`` the stand-in issued."""

    url: str
    user: str
    channel: str
    payload: JSON
