"""Slack's Socket Mode on loopback: the WebSocket end of ``apps.connections.open``.

``apps.connections.open`` (app-level token) hands out a one-use
``ws://127.0.0.1:PORT/link/?ticket=...&app_id=...`` URL; the app connects there, is
greeted with ``hello``, and then receives envelopes::

    {"envelope_id": "...", "type": "events_api" | "slash_commands" | "interactive",
     "payload": {...}, "accepts_response_payload": bool}

which it must acknowledge with ``{"envelope_id": "...", "payload"?: {...}}``. A
missing, unknown, doubled or malformed acknowledgement is recorded as a violation.
``disconnect`` tells the app to fetch a new URL, as Slack does before it closes a link.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from .args import SlackError
from .models import APP_ID, JSON
from .workspace import Workspace

ENVELOPE_TYPES = frozenset({"events_api", "slash_commands", "interactive"})
ACK_DEADLINE = 3.0
"""Seconds Slack waits for an acknowledgement, as over HTTP."""

HOST = "applink-standin-1"


@dataclass
class Ack:
    """The app's acknowledgement of one envelope."""

    envelope_id: str
    payload: JSON | None
    seconds: float


@dataclass
class _Pending:
    kind: str
    accepts_response_payload: bool
    sent_at: float
    done: threading.Event = field(default_factory=threading.Event)
    ack: Ack | None = None


class SocketModeServer:
    """A WebSocket server speaking Slack's Socket Mode, started on first use."""

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []
        self._pending: dict[str, _Pending] = {}
        self._hellos = 0
        self._closed = False

    # lifecycle ------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the Socket Mode server is not running")
        return int(self._server.socket.getsockname()[1])

    def start(self) -> None:
        with self._lock:
            if self._closed:
                raise SlackError("internal_error")
            if self._server is not None:
                return
            self._server = serve(self._handle, "127.0.0.1", 0, process_request=self._check_ticket)
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="slack-standin-socket", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Tell every app the link is going away, then close the links and the server."""
        with self._lock:
            self._closed = True
            server, self._server = self._server, None
            thread, self._thread = self._thread, None
            self._tickets.clear()
        if server is None:
            return
        self.disconnect("link_disabled", grace=0.0)
        server.shutdown()
        if thread is not None:
            thread.join(timeout=5)

    def open_url(self) -> str:
        """A fresh one-use URL, as ``apps.connections.open`` returns."""
        self.start()
        ticket = secrets.token_hex(16)
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={APP_ID}"

    # connections ------------------------------------------------------------------

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._connections)

    @property
    def hellos(self) -> int:
        """How many connections have been greeted since the stand-in started."""
        with self._lock:
            return self._hellos

    def wait_connected(self, timeout: float, *, hellos: int = 1) -> bool:
        """True once at least ``hellos`` connections were greeted and one is still open."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (self._connections and self._hellos >= hellos):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def disconnect(self, reason: str = "refresh_requested", *, grace: float = 5.0) -> None:
        """Send Slack's ``disconnect`` to every open link; close those still open after
        ``grace`` seconds (the app should have moved to a new URL by then)."""
        with self._lock:
            links = list(self._connections)
        message = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": HOST}})
        for link in links:
            try:
                link.send(message)
            except ConnectionClosed:
                continue
        deadline = time.monotonic() + grace
        with self._changed:
            while any(link in self._connections for link in links):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
        for link in links:
            link.close()

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        ticket = parse_qs(url.query).get("ticket", [""])[0]
        with self._lock:
            known = ticket in self._tickets
            self._tickets.discard(ticket)
        if url.path != "/link/" or not known:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")
        return None

    def _handle(self, connection: ServerConnection) -> None:
        with self._changed:
            self._connections.append(connection)
            count = len(self._connections)
        try:
            connection.send(json.dumps(self._hello(count)))
            with self._changed:
                self._hellos += 1
                self._changed.notify_all()
            for message in connection:
                self._receive(message)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self._connections.remove(connection)
                self._changed.notify_all()

    def _hello(self, count: int) -> JSON:
        return {
            "type": "hello",
            "num_connections": count,
            "debug_info": {
                "host": HOST,
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": APP_ID},
        }

    # envelopes ------------------------------------------------------------------------

    def deliver(
        self,
        kind: str,
        payload: JSON,
        *,
        accepts_response_payload: bool = False,
        retry_attempt: int = 0,
        retry_reason: str = "",
        wait: float = 10.0,
        late_after: float | None = ACK_DEADLINE,
    ) -> Ack | None:
        """Send one envelope over the newest open link and wait for its acknowledgement.

        Returns None (and records a violation) when none comes within ``wait`` seconds;
        an acknowledgement after ``late_after`` seconds is recorded as late.
        """
        if kind not in ENVELOPE_TYPES:
            raise ValueError(f"{kind!r} is not a Socket Mode envelope type")
        envelope_id = str(uuid.uuid4())
        envelope: JSON = {"envelope_id": envelope_id, "type": kind, "payload": payload}
        if kind == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        envelope["accepts_response_payload"] = accepts_response_payload
        if not self.wait_connected(wait):
            self._violation(f"{kind} envelope: no app connected over Socket Mode")
            return None
        pending = _Pending(kind, accepts_response_payload, time.monotonic())
        with self._lock:
            link = self._connections[-1]
            self._pending[envelope_id] = pending
        try:
            link.send(json.dumps(envelope))
        except ConnectionClosed:
            self._violation(f"{kind} envelope: the link closed before it could be sent")
            return None
        acknowledged = pending.done.wait(wait)
        with self._lock:
            self._pending.pop(envelope_id, None)
        if not acknowledged or pending.ack is None:
            self._violation(f"{kind} envelope {envelope_id} never acknowledged (waited {wait} s)")
            return None
        if late_after is not None and pending.ack.seconds > late_after:
            self._violation(
                f"{kind} envelope acknowledged after {pending.ack.seconds:.1f}s "
                f"(limit {late_after:g} s)"
            )
        return pending.ack

    def _receive(self, message: str | bytes) -> None:
        try:
            data: Any = json.loads(message)
        except (json.JSONDecodeError, UnicodeDecodeError):
            self._violation("Socket Mode: a message that is not JSON")
            return
        if not isinstance(data, dict) or not isinstance(data.get("envelope_id"), str):
            self._violation("Socket Mode: a message that is not an acknowledgement")
            return
        envelope_id: str = data["envelope_id"]
        payload = data.get("payload")
        answer = payload if isinstance(payload, dict) else None
        with self._lock:
            pending = self._pending.get(envelope_id)
            if pending is not None and pending.ack is None:
                pending.ack = Ack(envelope_id, answer, time.monotonic() - pending.sent_at)
        if pending is None:
            self._violation(f"Socket Mode: acknowledgement for unknown envelope {envelope_id}")
            return
        if pending.done.is_set():
            self._violation(f"Socket Mode: envelope {envelope_id} acknowledged twice")
            return
        if payload is not None and not isinstance(payload, dict):
            self._violation(f"{pending.kind} acknowledgement: payload is not a JSON object")
        elif payload and not pending.accepts_response_payload:
            self._violation(f"{pending.kind} acknowledgement carries a payload Slack ignores")
        pending.done.set()

    def _violation(self, text: str) -> None:
        with self._ws.lock:
            self._ws.violations.append(text)
