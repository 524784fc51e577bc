"""Block Kit limits as Slack enforces them on messages, modals and the Home tab."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

MESSAGE_BLOCKS = 50
SURFACE_BLOCKS = 100
VIEW_TITLE = 24
PRIVATE_METADATA = 3000
CALLBACK_ID = 255


def _text_of(obj: Any) -> str | None:
    if isinstance(obj, dict):
        text = obj.get("text")
        return text if isinstance(text, str) else None
    return None


def _block_problem(index: int, block: dict[str, Any]) -> str | None:
    where = f"blocks[{index}] ({block.get('type')!r})"
    try:
        parsed = Block.parse(dict(block))
        if parsed is None:
            return f"{where}: unknown block type"
        parsed.to_dict()
    except SlackObjectFormationError as exc:
        return f"{where}: {exc}"
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        return f"{where}: malformed ({exc})"
    action_ids = [
        e.get("action_id")
        for e in _elements(block)
        if isinstance(e, dict) and e.get("action_id") is not None
    ]
    if len(action_ids) != len(set(action_ids)):
        return f"{where}: duplicate action_id within the block"
    return None


def _elements(block: dict[str, Any]) -> list[Any]:
    found: list[Any] = []
    if isinstance(block.get("elements"), list) and block.get("type") == "actions":
        found.extend(block["elements"])
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            found.append(block[key])
    return found


def blocks_problem(blocks: list[dict[str, Any]], limit: int) -> str | None:
    """Describe the first rule ``blocks`` breaks, or None when Slack would accept them."""
    if len(blocks) > limit:
        return f"{len(blocks)} blocks, more than the {limit} allowed"
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            return f"blocks[{index}] is not an object"
        problem = _block_problem(index, block)
        if problem is not None:
            return problem
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen:
                return f"blocks[{index}]: duplicate block_id {block_id!r}"
            seen.add(block_id)
    return None


def message_blocks_problem(blocks: list[dict[str, Any]]) -> str | None:
    return blocks_problem(blocks, MESSAGE_BLOCKS)


def view_problem(view: Any) -> str | None:
    """Describe the first rule a modal or Home tab view breaks, or None."""
    if not isinstance(view, dict):
        return "view is not a JSON object"
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return f"view type {kind!r} is neither modal nor home"
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return "view has no blocks array"
    if len(str(view.get("private_metadata", ""))) > PRIVATE_METADATA:
        return f"private_metadata longer than {PRIVATE_METADATA} characters"
    if len(str(view.get("callback_id", ""))) > CALLBACK_ID:
        return f"callback_id longer than {CALLBACK_ID} characters"
    if kind == "modal":
        problem = _modal_chrome_problem(view, blocks)
        if problem is not None:
            return problem
    return blocks_problem(blocks, SURFACE_BLOCKS)


def _modal_chrome_problem(view: dict[str, Any], blocks: list[Any]) -> str | None:
    title = _text_of(view.get("title"))
    if title is None:
        return "modal has no plain_text title"
    for key in ("title", "submit", "close"):
        text = _text_of(view.get(key))
        if text is not None and len(text) > VIEW_TITLE:
            return f"modal {key} {text!r} is longer than {VIEW_TITLE} characters"
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if has_input and view.get("submit") is None:
        return "modal with input blocks has no submit button"
    return None
