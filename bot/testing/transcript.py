"""Readable text for what Slack showed people: blocks as a person would see them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bot.testing.standin.models import RecordedCall

JSON = Mapping[str, Any]


def _text(obj: Any) -> str:
    if isinstance(obj, Mapping):
        return str(obj.get("text", ""))
    return str(obj or "")


def render_blocks(blocks: Iterable[JSON], names: Callable[[str], str] = str) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"┃ {_text(block.get('text'))}")
        elif kind == "section":
            if block.get("text"):
                lines += [f"┃ {line}" for line in _text(block["text"]).splitlines()]
            for field in block.get("fields") or []:
                lines += [f"┃   {line}" for line in _text(field).splitlines()]
            accessory = block.get("accessory")
            if accessory and accessory.get("type") == "button":
                lines.append(f"┃   [{_text(accessory.get('text'))}]")
        elif kind == "context":
            lines.append("┃ (" + " ".join(_text(e) for e in block.get("elements", [])) + ")")
        elif kind == "actions":
            buttons = [f"[{_text(e.get('text'))}]" for e in block.get("elements", [])]
            lines.append("┃ " + " ".join(buttons))
        elif kind == "divider":
            lines.append("┃ ────────")
        elif kind == "input":
            lines.append(f"┃ {_text(block.get('label'))}: ____")
    return [_mentions(line, names) for line in lines]


def _mentions(line: str, names: Callable[[str], str]) -> str:
    line = re.sub(r"<@([UW][A-Z0-9]+)>", lambda m: "@" + names(m.group(1)), line)
    return re.sub(r"<#([CDG][A-Z0-9]+)(\|[^>]*)?>", lambda m: "#" + names(m.group(1)), line)


def describe_call(call: RecordedCall, names: Callable[[str], str] = str) -> list[str]:
    """One Web API call as the people concerned saw it."""
    args = call.args
    method = call.method
    if not call.ok:
        return [f"  ✗ {method} failed: {call.error}"]
    if method == "conversations.create":
        private = "private " if str(args.get("is_private")).lower() in {"true", "1"} else ""
        return [f"  ➜ {private}channel #{args.get('name')} created"]
    if method == "conversations.invite":
        users = str(args.get("users", "")).split(",")
        return ["  ➜ invited: " + ", ".join(names(u) for u in users if u)]
    if method in {"chat.postMessage", "chat.update", "chat.postEphemeral"}:
        channel = str(args.get("channel", ""))
        where = names(channel)
        if channel.startswith(("U", "W", "D")):
            where = f"a DM to {where}" if not where.startswith("DM") else where
        verb = {
            "chat.postMessage": "posted in",
            "chat.update": "updated in",
            "chat.postEphemeral": "shown only to " + names(str(args.get("user", ""))) + " in",
        }
        head = f"  ➜ {verb[method]} {where}:"
        blocks = args.get("blocks")
        body = (
            render_blocks(blocks, names)
            if isinstance(blocks, list) and blocks
            else [f"┃ {args.get('text', '')}"]
        )
        return [head] + ["    " + line for line in body]
    if method == "pins.add":
        return [f"  ➜ pinned in {names(str(args.get('channel', '')))}"]
    if method == "views.open":
        view = args.get("view") or {}
        title = _text(view.get("title")) if isinstance(view, Mapping) else ""
        return [f"  ➜ modal opened: {title}"]
    if method == "views.publish":
        return [f"  ➜ App Home refreshed for {names(str(args.get('user_id', '')))}"]
    if method == "files.completeUploadExternal":
        files = args.get("files") or []
        titles = ", ".join(str(f.get("title", f.get("id"))) for f in files if isinstance(f, dict))
        return [f"  ➜ file shared in {names(str(args.get('channel_id', '')))}: {titles}"]
    return [f"  · {method}"]
