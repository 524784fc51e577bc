"""How Slack delivers a request to an app: the v0 signature, and pluggable transports
(in-process WSGI, real HTTP, Socket Mode envelopes)."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.test import Client

if TYPE_CHECKING:
    from .socket_mode import SocketModeServer


def sign(signing_secret: str, body: bytes, timestamp: int) -> str:
    """``X-Slack-Signature``: v0 HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    base = f"v0:{timestamp}:".encode() + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


@dataclass
class DriverResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    sent: bool = True
    """False when Slack would not have sent anything (a modal closed without notify_on_close)."""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


Transport = Callable[[str, bytes, dict[str, str]], DriverResponse]


def wsgi_transport(app: Any) -> Transport:
    """Deliver to a WSGI app (e.g. the Flask app around Bolt) in-process."""
    client = Client(app)

    def post(path: str, body: bytes, headers: dict[str, str]) -> DriverResponse:
        response = client.post(path, data=body, headers=headers)
        return DriverResponse(response.status_code, response.get_data(), dict(response.headers))

    return post


def http_transport(base_url: str, timeout: float = 10.0) -> Transport:
    """Deliver over real HTTP to ``base_url`` (e.g. a gunicorn under test)."""

    def post(path: str, body: bytes, headers: dict[str, str]) -> DriverResponse:
        request = urllib.request.Request(
            base_url.rstrip("/") + path, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return DriverResponse(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as err:
            return DriverResponse(err.code, err.read(), dict(err.headers))

    return post


ACCEPTS_RESPONSE_PAYLOAD = frozenset({"view_submission", "block_suggestion"})
"""Interactions whose acknowledgement may carry an answer (response_action, options)."""


def socket_envelope(body: bytes, headers: dict[str, str]) -> tuple[str, dict[str, Any], bool]:
    """The Socket Mode envelope type, payload and ``accepts_response_payload`` for a body
    Slack would have POSTed: a JSON event callback, a form slash command, or a form
    ``payload=`` interaction."""
    content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    if content_type.split(";")[0].strip().lower() == "application/json":
        event = json.loads(body)
        if not isinstance(event, dict):
            raise ValueError("an Events API body is a JSON object")
        return "events_api", event, False
    form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    if "payload" in form:
        interaction = json.loads(form["payload"])
        if not isinstance(interaction, dict):
            raise ValueError("an interaction payload is a JSON object")
        return "interactive", interaction, interaction.get("type") in ACCEPTS_RESPONSE_PAYLOAD
    if "command" in form:
        return "slash_commands", form, True
    raise ValueError("not a body Slack sends: no event, interaction or slash command")


def socket_transport(server: SocketModeServer, wait: float = 10.0) -> Transport:
    """Deliver as Socket Mode envelopes over the stand-in's WebSocket link, returning the
    acknowledgement's payload as a 200 JSON answer (504 when none came).

    There is no signature in Socket Mode: the link itself is authenticated, so the
    signing headers are dropped. Slack's retry headers become the envelope's
    ``retry_attempt`` and ``retry_reason``. The driver times the acknowledgement.
    """

    def post(path: str, body: bytes, headers: dict[str, str]) -> DriverResponse:
        kind, payload, accepts = socket_envelope(body, headers)
        lowered = {k.lower(): v for k, v in headers.items()}
        ack = server.deliver(
            kind,
            payload,
            accepts_response_payload=accepts,
            retry_attempt=int(lowered.get("x-slack-retry-num", "0")),
            retry_reason=lowered.get("x-slack-retry-reason", ""),
            wait=wait,
            late_after=None,
        )
        if ack is None:
            return DriverResponse(504, b"", {})
        if ack.payload is None:
            return DriverResponse(200, b"", {})
        data = json.dumps(ack.payload).encode()
        return DriverResponse(200, data, {"Content-Type": "application/json"})

    return post
