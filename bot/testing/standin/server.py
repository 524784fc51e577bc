"""The HTTP face of the stand-in: Web API calls, upload URLs, file downloads, response_urls."""

from __future__ import annotations

import base64
import binascii
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .api.files import receive_upload
from .api.openid import authorize
from .dispatch import ApiRequest, Dispatcher
from .hooks import receive_hook
from .workspace import Workspace


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, workspace: Workspace, dispatcher: Dispatcher) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.workspace = workspace
        self.dispatcher = dispatcher
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, name="slack-standin"
        )
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _form(raw: bytes) -> dict[str, Any]:
    return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))


def _client_credentials(encoded: str) -> dict[str, str]:
    """HTTP Basic credentials as slack_sdk sends a client id and secret (RFC 6749 2.3.1)."""
    try:
        client_id, _, secret = base64.b64decode(encoded).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return {}
    return {"client_id": client_id, "client_secret": secret}


class _Handler(BaseHTTPRequestHandler):
    server: StandInServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet; every call is recorded on the stand-in instead."""

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _text(self, status: int, text: str) -> None:
        self._send(status, text.encode(), "text/plain; charset=utf-8")

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/api/"):
            self._api(b"")
        elif path.startswith("/files-pri/"):
            self._download(path)
        elif path == "/openid/connect/authorize":
            self._authorize()
        else:
            self._text(404, "not found")

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self._body()
        if path.startswith("/api/"):
            self._api(body)
        elif path.startswith("/upload/v1/"):
            with self.server.workspace.lock:
                accepted = receive_upload(self.server.workspace, path.rsplit("/", 1)[1], body)
            self._text(200, f"OK - {len(body)}") if accepted else self._text(404, "not found")
        elif path.startswith("/hooks/"):
            self._hook(path, body)
        else:
            self._text(404, "not found")

    def _api(self, body: bytes) -> None:
        url = urlsplit(self.path)
        args: dict[str, Any] = _form(url.query.encode())
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        is_json = content_type == "application/json"
        if is_json:
            try:
                decoded = json.loads(body or b"{}")
            except json.JSONDecodeError:
                decoded = None
            if not isinstance(decoded, dict):
                with self.server.workspace.lock:
                    self.server.workspace.violations.append(f"{url.path}: malformed JSON body")
                self._reply(200, {"ok": False, "error": "invalid_form_data"}, {})
                return
            args.update(decoded)
        elif body:
            args.update(_form(body))
        token = args.pop("token", None)
        auth = self.headers.get("Authorization") or ""
        if auth.startswith("Bearer "):
            token = auth.removeprefix("Bearer ").strip()
        elif auth.startswith("Basic "):
            args.update(_client_credentials(auth.removeprefix("Basic ").strip()))
        method = unquote(url.path.removeprefix("/api/"))
        reply = self.server.dispatcher.handle(ApiRequest(method, args, token, is_json))
        self._reply(reply.status, reply.body, reply.headers)

    def _reply(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        try:
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the caller stopped waiting (its timeout): Slack's answer is simply lost

    def _authorize(self) -> None:
        query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        with self.server.workspace.lock:
            status, content_type, body = authorize(self.server.workspace, query)
        if status == 302:
            self.send_response(302)
            self.send_header("Location", body)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(status, body.encode(), content_type)

    def _download(self, path: str) -> None:
        ws = self.server.workspace
        parts = path.split("/")
        file_id = parts[2].removeprefix(f"{ws.team_id}-") if len(parts) > 2 else ""
        with ws.lock:
            stored = ws.files.get(file_id)
            content = stored.content if stored is not None and stored.uploaded else None
        if content is None:
            self._text(404, "file not found")
            return
        if self.headers.get("Authorization") != f"Bearer {ws.bot_token}":
            self._text(403, "forbidden: a bot token is required as Authorization: Bearer")
            return
        self._send(200, content, "application/octet-stream")

    def _hook(self, path: str, body: bytes) -> None:
        try:
            payload = json.loads(body or b"null")
        except json.JSONDecodeError:
            payload = None
        ws = self.server.workspace
        with ws.lock:
            status, text = receive_hook(ws, path.rsplit("/", 1)[1], ws.base_url + path, payload)
        self._text(status, text)
