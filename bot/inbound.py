"""The door every HTTP request from Slack comes through, before Bolt sees it.

A request is let in only when it is signed with the app's signing secret within the last five
minutes, is of a reasonable size, and has the shape of one of Slack's request kinds. Anything
else is answered here, with a status that says why (401 signature, 400 shape, 413 size), and
one log line that names the reason and never the body: a refused referral may carry the
child's details, and Bolt's own verification would log it whole."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 512 * 1024
"""Slack's largest payloads (a 100-block modal's state) are far below this."""

INTERACTION_TYPES = frozenset(
    {
        "block_actions",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "block_suggestion",
    }
)
EVENT_TYPES = frozenset({"event_callback", "url_verification", "app_rate_limited"})


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str


def check(
    verifier: SignatureVerifier, body: bytes, headers: dict[str, str], content_type: str
) -> Refusal | None:
    """None when the request may go on to Bolt; otherwise how to answer it."""
    if len(body) > MAX_BODY_BYTES:
        return Refusal(413, "body too large")
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not timestamp.isdigit() or not signature:
        return Refusal(401, "missing or malformed signature headers")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Refusal(400, "body is not UTF-8")
    if not verifier.is_valid(body=text, timestamp=timestamp, signature=signature):
        return Refusal(401, "signature or timestamp not valid")
    try:
        if content_type.startswith("application/json"):
            return _check_event(json.loads(text))
        return _check_form(parse_qs(text, keep_blank_values=True))
    except (ValueError, RecursionError):
        return Refusal(400, "body is not Slack's shape")


def _check_event(data: Any) -> Refusal | None:
    if not isinstance(data, dict) or data.get("type") not in EVENT_TYPES:
        return Refusal(400, "not an Events API request")
    if data["type"] == "event_callback" and not isinstance(data.get("event"), dict):
        return Refusal(400, "event_callback without an event")
    return None


def _check_form(form: dict[str, list[str]]) -> Refusal | None:
    if "payload" in form:
        payload = json.loads(form["payload"][0])
        if not isinstance(payload, dict) or payload.get("type") not in INTERACTION_TYPES:
            return Refusal(400, "not an interaction payload")
        return None
    command, user = form.get("command", [""])[0], form.get("user_id", [""])[0]
    if not command.startswith("/") or not user:
        return Refusal(400, "not a slash command")
    return None


def log_refusal(refusal: Refusal) -> None:
    log.warning("refused a request to /slack/events: %s (%d)", refusal.reason, refusal.status)
