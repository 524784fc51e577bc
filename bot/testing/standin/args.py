"""Slack-level errors and typed access to a call's arguments."""

from __future__ import annotations

import base64
import json
from typing import Any

JSON_STRING_ARGS = frozenset({"blocks", "attachments", "view", "files", "metadata"})
"""Arguments Slack takes as JSON-encoded strings in form bodies."""


class SlackError(Exception):
    """Ends a call with ``{"ok": false, "error": code, **extra}``.

    ``violation`` is set when the error exposes a bug in the caller rather than a
    condition the bot is expected to handle (a taken name, a missing user...).
    """

    def __init__(self, code: str, *, violation: str | None = None, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.violation = violation
        self.extra = extra


class Args:
    """A call's arguments after decoding; form values arrive as strings."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def text(self, name: str, default: str = "") -> str:
        value = self.values.get(name)
        return default if value is None else str(value)

    def opt(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value in (None, "") else str(value)

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("1", "true")
        return bool(value)

    def number(self, name: str, default: int) -> int:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return int(float(str(value)))
        except ValueError:
            raise SlackError(
                "invalid_arguments", violation=f"{name}={value!r} is not a number"
            ) from None

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def blocks(self) -> list[dict[str, Any]] | None:
        blocks = self.values.get("blocks")
        if blocks in (None, "", []):
            return None
        if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
            raise SlackError("invalid_blocks_format", violation="blocks is not a JSON array")
        return blocks

    def csv(self, name: str) -> list[str]:
        value = self.values.get(name)
        if isinstance(value, list):
            return [str(v) for v in value]
        return [v.strip() for v in str(value or "").split(",") if v.strip()]


def decode_json_strings(values: dict[str, Any]) -> list[str]:
    """Decode JSON-string arguments in place; returns the names that did not parse."""
    bad = []
    for name in JSON_STRING_ARGS & values.keys():
        value = values[name]
        if isinstance(value, str) and value:
            try:
                values[name] = json.loads(value)
            except json.JSONDecodeError:
                bad.append(name)
    return bad


def paginate(items: list[Any], a: Args, default_limit: int = 100) -> tuple[list[Any], str]:
    """Slice ``items`` by Slack's ``cursor``/``limit``; returns the page and the next cursor."""
    limit = min(max(a.number("limit", default_limit) or default_limit, 1), 1000)
    cursor = a.opt("cursor")
    start = 0
    if cursor is not None:
        try:
            start = int(base64.b64decode(cursor).decode().removeprefix("next:"))
        except ValueError:
            raise SlackError(
                "invalid_cursor", violation=f"cursor {cursor!r} was never issued"
            ) from None
    end = start + limit
    following = base64.b64encode(f"next:{end}".encode()).decode() if end < len(items) else ""
    return items[start:end], following
