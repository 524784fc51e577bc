"""Block Kit limits as Slack enforces them on messages, modals and the Home tab.

slack_sdk's models check part of Block Kit; `LIMITS` holds the rest, one row per documented
figure with the page that documents it, and `element_problem` checks every block and element
(nested ones included) against it, so a form that real Slack would refuse fails a test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

MESSAGE_BLOCKS = 50
SURFACE_BLOCKS = 100
VIEW_TITLE = 24
PRIVATE_METADATA = 3000
CALLBACK_ID = 255


BLOCKS_REF = "https://api.slack.com/reference/block-kit/blocks"
ELEMENTS_REF = "https://api.slack.com/reference/block-kit/block-elements"
OBJECTS_REF = "https://api.slack.com/reference/block-kit/composition-objects"


@dataclass(frozen=True)
class Limit:
    """``kind``'s ``path`` (a key; ``text`` of a text object; ``len`` of a list) may be at
    most ``most`` (characters, or items for a list)."""

    kind: str
    path: str
    most: int
    source: str


LIMITS: tuple[Limit, ...] = (
    Limit("*", "block_id", 255, BLOCKS_REF),
    Limit("*", "action_id", 255, ELEMENTS_REF),
    Limit("section", "text.text", 3000, BLOCKS_REF + "#section"),
    Limit("section", "fields.len", 10, BLOCKS_REF + "#section"),
    Limit("section", "fields[].text", 2000, BLOCKS_REF + "#section"),
    Limit("header", "text.text", 150, BLOCKS_REF + "#header"),
    Limit("context", "elements.len", 10, BLOCKS_REF + "#context"),
    Limit("actions", "elements.len", 25, BLOCKS_REF + "#actions"),
    Limit("input", "label.text", 2000, BLOCKS_REF + "#input"),
    Limit("input", "hint.text", 2000, BLOCKS_REF + "#input"),
    Limit("image", "alt_text", 2000, BLOCKS_REF + "#image"),
    Limit("button", "text.text", 75, ELEMENTS_REF + "#button"),
    Limit("button", "value", 2000, ELEMENTS_REF + "#button"),
    Limit("button", "url", 3000, ELEMENTS_REF + "#button"),
    Limit("button", "accessibility_label", 75, ELEMENTS_REF + "#button"),
    Limit("plain_text_input", "max_length", 3000, ELEMENTS_REF + "#input"),
    Limit("plain_text_input", "min_length", 3000, ELEMENTS_REF + "#input"),
    Limit("plain_text_input", "initial_value", 3000, ELEMENTS_REF + "#input"),
    Limit("plain_text_input", "placeholder.text", 150, ELEMENTS_REF + "#input"),
    Limit("url_text_input", "placeholder.text", 150, ELEMENTS_REF + "#url"),
    Limit("email_text_input", "placeholder.text", 150, ELEMENTS_REF + "#email"),
    Limit("number_input", "placeholder.text", 150, ELEMENTS_REF + "#number"),
    Limit("datepicker", "placeholder.text", 150, ELEMENTS_REF + "#datepicker"),
    Limit("timepicker", "placeholder.text", 150, ELEMENTS_REF + "#timepicker"),
    Limit("static_select", "options.len", 100, ELEMENTS_REF + "#static_select"),
    Limit("static_select", "option_groups.len", 100, ELEMENTS_REF + "#static_select"),
    Limit("static_select", "placeholder.text", 150, ELEMENTS_REF + "#static_select"),
    Limit("multi_static_select", "options.len", 100, ELEMENTS_REF + "#multi_select"),
    Limit("multi_static_select", "placeholder.text", 150, ELEMENTS_REF + "#multi_select"),
    Limit("users_select", "placeholder.text", 150, ELEMENTS_REF + "#users_select"),
    Limit("multi_users_select", "placeholder.text", 150, ELEMENTS_REF + "#users_multi_select"),
    Limit("checkboxes", "options.len", 10, ELEMENTS_REF + "#checkboxes"),
    Limit("radio_buttons", "options.len", 10, ELEMENTS_REF + "#radio"),
    Limit("overflow", "options.len", 5, ELEMENTS_REF + "#overflow"),
    Limit("option", "text.text", 75, OBJECTS_REF + "#option"),
    Limit("option", "value", 150, OBJECTS_REF + "#option"),
    Limit("option", "description.text", 75, OBJECTS_REF + "#option"),
    Limit("confirm", "title.text", 100, OBJECTS_REF + "#confirm"),
    Limit("confirm", "text.text", 300, OBJECTS_REF + "#confirm"),
    Limit("confirm", "confirm.text", 30, OBJECTS_REF + "#confirm"),
    Limit("confirm", "deny.text", 30, OBJECTS_REF + "#confirm"),
)

OPTION_LISTS = ("options", "initial_options")


def _measure(obj: dict[str, Any], path: str) -> list[int]:
    """The sizes at ``path`` in ``obj`` (several for a `[]` step); absent values are skipped."""
    head, _, rest = path.partition(".")
    if head == "len":
        return []
    many = head.endswith("[]")
    value = obj.get(head.removesuffix("[]"))
    if value is None:
        return []
    if rest == "len":
        return [len(value)] if isinstance(value, list) else []
    items = value if many and isinstance(value, list) else [value]
    sizes: list[int] = []
    for item in items:
        if rest:
            sizes += _measure(item, rest) if isinstance(item, dict) else []
        elif isinstance(item, int) and not isinstance(item, bool) and "length" in head:
            sizes.append(item)
        elif isinstance(item, str):
            sizes.append(len(item))
    return sizes


def _children(obj: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The nested elements and objects of a block or element, each with its kind."""
    found: list[tuple[str, dict[str, Any]]] = []
    for key in ("accessory", "element"):
        if isinstance(obj.get(key), dict):
            found.append((str(obj[key].get("type")), obj[key]))
    if isinstance(obj.get("elements"), list):
        found += [(str(e.get("type")), e) for e in obj["elements"] if isinstance(e, dict)]
    for key in OPTION_LISTS:
        if isinstance(obj.get(key), list):
            found += [("option", o) for o in obj[key] if isinstance(o, dict)]
    if isinstance(obj.get("initial_option"), dict):
        found.append(("option", obj["initial_option"]))
    for group in obj.get("option_groups") or []:
        if isinstance(group, dict):
            found += [("option", o) for o in group.get("options") or [] if isinstance(o, dict)]
    if isinstance(obj.get("confirm"), dict):
        found.append(("confirm", obj["confirm"]))
    return found


def element_problem(kind: str, obj: dict[str, Any], where: str) -> str | None:
    """The first documented limit that ``obj`` (of ``kind``) or anything inside it breaks."""
    for limit in LIMITS:
        if limit.kind not in {kind, "*"}:
            continue
        for size in _measure(obj, limit.path):
            if size > limit.most:
                return (
                    f"{where}: {kind} {limit.path} is {size}, more than the {limit.most} "
                    f"Slack allows ({limit.source})"
                )
    for index, (child_kind, child) in enumerate(_children(obj)):
        problem = element_problem(child_kind, child, f"{where}.{child_kind}[{index}]")
        if problem is not None:
            return problem
    return None


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
    problem = element_problem(str(block.get("type")), block, where)
    if problem is not None:
        return problem
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
