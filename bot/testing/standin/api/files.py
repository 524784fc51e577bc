"""files.*: the three-step external upload (files_upload_v2) and files.info."""

from __future__ import annotations

import secrets
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from ..args import Args, SlackError
from ..blockkit import message_blocks_problem
from ..models import JSON, Message, StoredFile
from ..workspace import Workspace

if TYPE_CHECKING:
    from . import Handler

MAX_SHARE_CHANNELS = 100


def filetype_of(filename: str) -> str:
    return PurePosixPath(filename).suffix.lstrip(".").lower() or "text"


def get_upload_url(ws: Workspace, a: Args) -> JSON:
    filename = a.text("filename")
    length = a.number("length", 0)
    if not filename or length <= 0:
        raise SlackError("invalid_arguments", violation=f"filename={filename!r} length={length}")
    stored = StoredFile(
        id=ws.new_id("F"),
        name=filename,
        title=filename,
        user=ws.bot_user_id,
        filetype=filetype_of(filename),
        created=int(ws.wall()),
        declared_length=length,
    )
    ws.files[stored.id] = stored
    key = secrets.token_urlsafe(12)
    ws.upload_keys[key] = stored.id
    return {"upload_url": f"{ws.base_url}/upload/v1/{key}", "file_id": stored.id}


def receive_upload(ws: Workspace, key: str, content: bytes) -> bool:
    """Step two: the bytes POSTed to an upload_url. False for an unknown URL."""
    file_id = ws.upload_keys.pop(key, None)
    if file_id is None:
        return False
    stored = ws.files[file_id]
    stored.content = content
    stored.uploaded = True
    if stored.declared_length != len(content):
        ws.violations.append(
            f"upload of {file_id}: declared length {stored.declared_length}, sent {len(content)}"
        )
    return True


def _share_targets(ws: Workspace, a: Args) -> list[str]:
    targets = [a.text("channel_id")] if "channel_id" in a else a.csv("channels")
    if len(targets) > MAX_SHARE_CHANNELS:
        raise SlackError("channels_limit_exceeded", violation=f"{len(targets)} channels")
    resolved = []
    for target in targets:
        if ws.im_user(target) is None:
            channel = ws.joined_channel(target)
            if channel.archived:
                raise SlackError("posting_to_channel_denied")
        resolved.append(target)
    return resolved


def _completed_files(ws: Workspace, a: Args) -> list[StoredFile]:
    items: Any = a.raw("files")
    if not isinstance(items, list) or not items:
        raise SlackError("invalid_arguments", violation="files is not a non-empty JSON array")
    found = []
    for item in items:
        stored = ws.files.get(str(item.get("id"))) if isinstance(item, dict) else None
        if stored is None or not stored.uploaded:
            raise SlackError("file_not_found", violation=f"completing unknown upload {item!r}")
        stored.title = str(item.get("title") or stored.title)
        found.append(stored)
    return found


def complete_upload(ws: Workspace, a: Args) -> JSON:
    targets = _share_targets(ws, a)
    stored = _completed_files(ws, a)
    blocks = a.blocks() or []
    problem = message_blocks_problem(blocks) if blocks else None
    if problem is not None:
        raise SlackError("invalid_blocks", violation=problem)
    for channel in targets:
        ws.add_message(
            Message(
                channel=channel,
                ts=ws.new_ts(),
                user=ws.bot_user_id,
                text=a.text("initial_comment"),
                blocks=blocks,
                thread_ts=a.opt("thread_ts"),
                files=[f.id for f in stored],
            )
        )
        for f in stored:
            f.channels.append(channel)
    return {"files": [ws.file_json(f) for f in stored]}


def info(ws: Workspace, a: Args) -> JSON:
    stored = ws.files.get(a.text("file"))
    if stored is None or not stored.uploaded:
        raise SlackError("file_not_found")
    return {"file": ws.file_json(stored), "comments": [], "response_metadata": {"next_cursor": ""}}


HANDLERS: dict[str, Handler] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
    "files.info": info,
}
