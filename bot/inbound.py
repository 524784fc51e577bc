"""The door every HTTP request from Slack comes through, before Bolt sees it.

A request is let in only when it is signed with the app's signing secret within the last five
minutes, is of a reasonable size, and has the shape of one of Slack's request kinds. Anything
else is answered here, with a status that says why (401 signature, 400 shape, 413 size), and
one log line that names the reason and never the body: a refused referral may carry the
child's details, and Bolt's own verification would log it whole."""

from __future__ import annotations

import binascii
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 512 * 1024
"""Slack's largest payloads (a 100-block modal's state) are far below this."""


class _Shape(BaseModel):
    """Just what Bolt reads before any listener runs; anything more is the listener's."""

    model_config = ConfigDict(extra="allow", strict=True)


class _Named(_Shape):
    id: str | None = None


class _ViewRef(_Shape):
    app_installed_team_id: str | None = None
    team_id: str | None = None


class _ResponseUrl(_Shape):
    response_url: str | None = None


class _Context(_Shape):
    """What Bolt reads from every request to build its context and run its middleware, before
    any listener (slack_bolt.request.internals.build_context, IgnoringSelfEvents): each of
    these, when present, of the type Bolt assumes, or Bolt raises before our code runs."""

    enterprise: str | _Named | None = None
    team: str | _Named | None = None
    user: str | _Named | None = None
    channel: str | _Named | None = None
    enterprise_id: str | None = None
    team_id: str | None = None
    user_id: str | None = None
    channel_id: str | None = None
    thread_ts: str | None = None
    authorizations: list[_Context] | None = None
    function_execution_id: str | None = None
    function_data: _Shape | None = None
    bot_access_token: str | None = None
    bot_id: str | None = None
    response_url: str | None = None
    response_urls: list[_ResponseUrl] | None = None
    view: _ViewRef | None = None
    event: _Context | None = None
    item: _Context | None = None
    message: _Context | None = None
    previous_message: _Context | None = None
    assistant_thread: _Context | None = None

    @field_validator("event")
    @classmethod
    def _event_is_an_object(cls, event: _Context | None) -> _Context:
        """Bolt reads ``body.get("event", {}).get(...)``: absent is fine, null is not."""
        if event is None:
            raise ValueError("event is null")
        return event


class _Id(_Named):
    id: str = Field(min_length=1, max_length=64)


class _View(_ViewRef):
    id: str = Field(min_length=1)
    type: str
    callback_id: str = ""


class _Action(_Shape):
    action_id: str = Field(min_length=1, max_length=255)


class _ViewPayload(_Context):
    user: _Id
    view: _View


class _ActionPayload(_Context):
    user: _Id
    actions: list[_Action] = Field(min_length=1, max_length=25)


class _ShortcutPayload(_Context):
    user: _Id
    callback_id: str


class _SuggestionPayload(_Context):
    user: _Id
    action_id: str
    value: str = ""


class _Command(_Context):
    command: str = Field(pattern=r"^/[\w-]{1,31}$")
    user_id: str = Field(min_length=1, max_length=64)
    text: str = Field(default="", max_length=4000)


class _Event(_Context):
    type: str


class _EventCallback(_Context):
    event: _Event


INTERACTIONS: dict[str, type[_Shape]] = {
    "block_actions": _ActionPayload,
    "view_submission": _ViewPayload,
    "view_closed": _ViewPayload,
    "shortcut": _ShortcutPayload,
    "message_action": _ShortcutPayload,
    "block_suggestion": _SuggestionPayload,
}
EVENTS: dict[str, type[_Shape]] = {
    "event_callback": _EventCallback,
    "url_verification": _Context,
    "app_rate_limited": _Context,
}


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str


@dataclass(frozen=True)
class Admitted:
    """A request let in: its body as sent (for Bolt's own signature check) and as parsed,
    the way Bolt parses it, so that Bolt need not parse it again (a modal's submission is
    tens of kilobytes of percent-encoded JSON: decoding it is most of the request's cost)."""

    text: str
    body: dict[str, Any]


def check(
    verifier: SignatureVerifier, body: bytes, headers: dict[str, str], content_type: str
) -> Refusal | Admitted:
    """The request, admitted to go on to Bolt; otherwise how to answer it."""
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
            parsed = _check_event(json.loads(text))
        else:
            parsed = _check_form(decode_form(text))
    except (ValueError, RecursionError):
        return Refusal(400, "body is not Slack's shape")
    return parsed if isinstance(parsed, Refusal) else Admitted(text, parsed)


_READ_APART = ("&", "=", " ", "\t", "\r", "\n")
"""What a form and quoted-printable read differently: a second field, a literal ``=``, and
the white space quoted-printable trims or breaks lines at."""


def decode_form(text: str) -> dict[str, list[str]]:
    """A form-encoded body's fields, exactly as `parse_qs` (keeping blanks) gives them.

    An interaction's body is one field, ``payload``, whose value is the whole message or
    modal: tens of kilobytes of percent-encoded JSON for a referral. `parse_qs` decodes it
    one escape at a time in Python, about a millisecond of every such request. Its escapes
    (``%`` and two hex digits) are quoted-printable's with ``=`` for ``%``, so binascii's
    quoted-printable decoder (in C) decodes the value instead, when it holds nothing the
    two read apart and every escape has its two digits (each then shortens the value by
    two); any other body goes to `parse_qs`."""
    name, equals, value = text.partition("=")
    plain = value.isascii() and not any(sign in value for sign in _READ_APART)
    if name == "payload" and equals and plain:
        escaped = value.replace("%", "=").replace("+", "=20")
        raw = binascii.a2b_qp(escaped)
        if len(raw) == len(escaped) - 2 * escaped.count("="):
            return {"payload": [raw.decode("utf-8", errors="replace")]}
    return parse_qs(text, keep_blank_values=True)


def _check_event(data: Any) -> Refusal | dict[str, Any]:
    if not isinstance(data, dict) or data.get("type") not in EVENTS:
        return Refusal(400, "not an Events API request")
    return _fits(EVENTS[data["type"]], data, "event")


def _check_form(form: dict[str, list[str]]) -> Refusal | dict[str, Any]:
    if "payload" in form:
        payload = json.loads(form["payload"][-1])
        if not isinstance(payload, dict) or payload.get("type") not in INTERACTIONS:
            return Refusal(400, "not an interaction payload")
        return _fits(INTERACTIONS[payload["type"]], payload, str(payload["type"]))
    fields = {key: values[-1] for key, values in form.items() if values}
    return _fits(_Command, fields, "slash command")


def _fits(shape: type[_Shape], data: dict[str, Any], what: str) -> Refusal | dict[str, Any]:
    try:
        shape.model_validate(data)
    except ValidationError as exc:
        places = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})[:3]
        return Refusal(400, f"{what} is not Slack's shape ({', '.join(places)})")
    return data


def bolt_request(admitted: Admitted, query: str, headers: dict[str, str]) -> BoltRequest:
    """Bolt's request for an admitted one, carrying the body already parsed: built as Bolt
    builds one from a parsed body, then given the raw text Bolt verifies the signature of."""
    given: dict[str, str | Sequence[str]] = dict(headers)
    request = BoltRequest(body=admitted.body, query=query, headers=given, mode="socket_mode")
    request.mode, request.raw_body = "http", admitted.text
    return request


def log_refusal(refusal: Refusal) -> None:
    log.warning("refused a request to /slack/events: %s (%d)", refusal.reason, refusal.status)
