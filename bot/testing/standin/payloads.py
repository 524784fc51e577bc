"""Interactive payload parts as Slack builds them from what a user chose on a surface.

Slack's client refuses what a person cannot do (an option that is not offered, an
empty required field), so these helpers raise ``ValueError`` for the same things.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

from .models import APP_ID, JSON

VERIFICATION_TOKEN = "standin-verification-token"
"""The legacy ``token`` field Slack still puts in payloads (apps must not rely on it)."""

_SINGLE_OPTION = {"static_select", "external_select", "radio_buttons", "overflow"}
_MULTI_OPTION = {"multi_static_select", "multi_external_select", "checkboxes"}
_TEXT = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
_SIMPLE = {
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
    "users_select": ("selected_user", "initial_user"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "channels_select": ("selected_channel", "initial_channel"),
    "rich_text_input": ("rich_text_value", "initial_value"),
}
_LISTS = {
    "multi_users_select": ("selected_users", "initial_users"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
    "file_input": ("files", "initial_files"),
}
_FORMATS = {
    "datepicker": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "timepicker": re.compile(r"\d{2}:\d{2}"),
}


def elements(blocks: list[JSON]) -> Iterator[tuple[str, JSON, JSON]]:
    """Every interactive element: (block_id, element, block)."""
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        found = list(block.get("elements", [])) if block.get("type") == "actions" else []
        found += [block[k] for k in ("accessory", "element") if isinstance(block.get(k), dict)]
        for element in found:
            if isinstance(element, dict) and "action_id" in element:
                yield block_id, element, block


def _options(element: JSON) -> list[JSON]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def _option(element: JSON, value: Any) -> JSON:
    if isinstance(value, dict):
        return value
    offered = _options(element)
    if element.get("type") in ("external_select", "multi_external_select") and not offered:
        return {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
    for option in offered:
        if option.get("value") == str(value):
            return option
    choices = [o.get("value") for o in offered]
    raise ValueError(f"{element.get('action_id')}: {value!r} is not one of {choices}")


def _check_text(element: JSON, value: str) -> None:
    if element.get("type") == "number_input":
        number = float(value)
        if not element.get("is_decimal_allowed") and not number.is_integer():
            raise ValueError(f"{element.get('action_id')}: {value!r} is not a whole number")
        low, high = element.get("min_value"), element.get("max_value")
        if (low is not None and number < float(low)) or (high is not None and number > float(high)):
            raise ValueError(f"{element.get('action_id')}: {value} is out of range")
        return
    low, high = element.get("min_length", 0), element.get("max_length")
    if len(value) < low or (high is not None and len(value) > high):
        raise ValueError(f"{element.get('action_id')}: length {len(value)} is not allowed")


def element_state(element: JSON, value: Any) -> JSON:
    """Slack's ``state.values`` entry for ``element`` after the user chose ``value``."""
    kind = str(element.get("type"))
    state: JSON = {"type": kind}
    if kind in _TEXT:
        if value not in (None, ""):
            _check_text(element, str(value))
        state["value"] = None if value in (None, "") else str(value)
    elif kind in _SINGLE_OPTION:
        state["selected_option"] = None if value in (None, "") else _option(element, value)
    elif kind in _MULTI_OPTION:
        state["selected_options"] = [_option(element, v) for v in value or []]
    elif kind in _SIMPLE:
        pattern = _FORMATS.get(kind)
        if pattern is not None and value is not None:
            value = str(value)
            if not pattern.fullmatch(value):
                raise ValueError(f"{element.get('action_id')}: {value!r} is not a valid {kind}")
        state[_SIMPLE[kind][0]] = value
    elif kind in _LISTS:
        state[_LISTS[kind][0]] = list(value or [])
    else:
        raise ValueError(f"{element.get('action_id')}: {kind} holds no input state")
    return state


def initial_value(element: JSON) -> Any:
    """What the element holds before the user touches it."""
    kind = str(element.get("type"))
    if kind in _TEXT:
        return element.get("initial_value")
    if kind in _SINGLE_OPTION:
        return element.get("initial_option")
    if kind in _MULTI_OPTION:
        return element.get("initial_options") or []
    if kind in _SIMPLE:
        return element.get(_SIMPLE[kind][1])
    if kind in _LISTS:
        return element.get(_LISTS[kind][1]) or []
    return None


def _is_empty(state: JSON) -> bool:
    return all(v in (None, [], "") for k, v in state.items() if k != "type")


def submission_state(blocks: list[JSON], values: dict[str, dict[str, Any]]) -> dict[str, JSON]:
    """``state.values`` for a submitted view: chosen values over initial ones."""
    known = {(b, e["action_id"]): (e, block) for b, e, block in elements(blocks)}
    for block_id, chosen in values.items():
        for action_id in chosen:
            if (block_id, action_id) not in known:
                raise ValueError(f"the view has no element {block_id}/{action_id}")
    state: dict[str, JSON] = {}
    for (block_id, action_id), (element, block) in known.items():
        chosen = values.get(block_id, {})
        if block.get("type") != "input" and action_id not in chosen:
            continue
        value = chosen[action_id] if action_id in chosen else initial_value(element)
        entry = element_state(element, value)
        if block.get("type") == "input" and not block.get("optional") and _is_empty(entry):
            raise ValueError(f"required input {block_id} left empty; Slack would not submit")
        state.setdefault(block_id, {})[action_id] = entry
    return state


def find_action(
    blocks: list[JSON], action_id: str, block_id: str | None = None
) -> tuple[str, JSON] | None:
    """The element a user can click for ``action_id`` (preferring ``block_id``)."""
    matches = [(b, e) for b, e, _ in elements(blocks) if e.get("action_id") == action_id]
    preferred = [m for m in matches if m[0] == block_id]
    if preferred:
        return preferred[0]
    return matches[0] if matches else None


def action_payload(block_id: str, element: JSON, value: Any, selected: Any) -> JSON:
    """One entry of a block_actions payload's ``actions``."""
    kind = str(element.get("type"))
    action: JSON = {"type": kind, "action_id": element["action_id"], "block_id": block_id}
    if kind == "button":
        action["text"] = element.get("text")
        action["value"] = element.get("value") if value is None else value
        if "style" in element:
            action["style"] = element["style"]
    else:
        action.update(element_state(element, selected if selected is not None else value))
    action["action_ts"] = f"{time.time():.6f}"
    return action


def event_envelope(
    event: JSON, *, team_id: str, event_id: str, event_time: int, bot_user_id: str
) -> JSON:
    """The ``event_callback`` wrapper the Events API posts around ``event``."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
