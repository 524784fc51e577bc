"""How Slack delivers a request to an app: the v0 signature, and pluggable transports."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.test import Client


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
