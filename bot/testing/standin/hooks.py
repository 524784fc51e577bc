"""What Slack does with a body POSTed to a response_url it handed out."""

from __future__ import annotations

from typing import Any

from .blockkit import message_blocks_problem
from .models import HookPost, Message
from .workspace import Workspace

MAX_USES = 5


def receive_hook(ws: Workspace, key: str, url: str, payload: Any) -> tuple[int, str]:
    """Apply a response_url post; returns the HTTP status and body Slack would answer."""
    hook = ws.hooks.get(key)
    if hook is None:
        return 404, "no_service"
    if not isinstance(payload, dict):
        ws.violations.append(f"response_url: body is not a JSON object: {payload!r}")
        return 400, "invalid_payload"
    ws.hook_posts.append(HookPost(url, hook.user, hook.channel, payload))
    hook.uses += 1
    if hook.uses > MAX_USES:
        ws.violations.append(f"response_url used more than {MAX_USES} times")
        return 404, "used_url"
    blocks = payload.get("blocks") or []
    problem = message_blocks_problem(blocks) if isinstance(blocks, list) else "blocks not a list"
    if problem is not None:
        ws.violations.append(f"response_url: {problem}")
        return 400, "invalid_blocks"
    original, holder = _original(ws, hook.channel, hook.message_ts)
    if original is not None and holder is not None and payload.get("delete_original"):
        holder.remove(original)
        return 200, "ok"
    if original is not None and payload.get("replace_original"):
        original.history.append(
            {"text": original.text, "blocks": original.blocks, "edited_ts": ws.new_ts()}
        )
        original.text = str(payload.get("text", ""))
        original.blocks = blocks
        return 200, "ok"
    message = Message(
        channel=hook.channel,
        ts=ws.new_ts(),
        user=ws.bot_user_id,
        text=str(payload.get("text", "")),
        blocks=blocks,
        thread_ts=payload.get("thread_ts"),
    )
    if payload.get("response_type") == "in_channel":
        ws.add_message(message)
    else:
        message.visible_to = hook.user
        ws.ephemerals.append(message)
    return 200, "ok"


def _original(
    ws: Workspace, channel: str, ts: str | None
) -> tuple[Message | None, list[Message] | None]:
    """The message an interaction came from, and the list holding it (ephemerals too)."""
    for holder in (ws.messages.get(channel, []), ws.ephemerals):
        for message in holder:
            if ts is not None and message.ts == ts and message.channel == channel:
                return message, holder
    return None, None
