"""Holds each Web API call to Slack's reference, then runs it and records it."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .api import Handler, all_handlers
from .args import Args, SlackError, decode_json_strings
from .faults import Faults
from .models import JSON, RecordedCall
from .rate_limits import RateLimits
from .reference import MethodSpec, method_specs
from .workspace import Workspace

_MISSING_CODES = {
    ("chat.postEphemeral", "user"): "user_not_in_channel",
    ("conversations.invite", "users"): "no_user",
    ("conversations.create", "name"): "invalid_name_required",
    ("conversations.rename", "name"): "invalid_name_required",
    ("chat.update", "ts"): "message_not_found",
    ("chat.delete", "ts"): "message_not_found",
    ("chat.getPermalink", "message_ts"): "message_not_found",
    ("reactions.add", "timestamp"): "no_item_specified",
    ("users.info", "user"): "user_not_found",
    ("users.lookupByEmail", "email"): "users_not_found",
    ("usergroups.users.list", "usergroup"): "no_such_subteam",
    ("files.info", "file"): "file_not_found",
}


APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
CLIENT_CREDENTIAL_METHODS = frozenset({"openid.connect.token"})
"""Methods that take the app's client id and secret instead of a token."""
USER_TOKEN_METHODS = frozenset({"openid.connect.userInfo"})
"""Methods that take a user token (``xoxp-``) from Sign in with Slack; the handler is given it
as ``token``."""
"""Methods that take an app-level token (``xapp-``) and refuse bot and user tokens."""

UNIVERSAL_ARGS = frozenset({"team_id"})
"""Slack accepts the workspace id on every method (org-wide apps send it; Bolt's request
clients always do)."""


_SERVED: Counter[str] = Counter()
_SERVED_LOCK = threading.Lock()


def methods_served() -> Counter[str]:
    """How many times each documented method was served by any stand-in in this process
    (a copy): the record a least-privilege test compares with the manifest's scopes."""
    with _SERVED_LOCK:
        return Counter(_SERVED)


@dataclass
class ApiRequest:
    method: str
    args: dict[str, Any]
    token: str | None
    json_body: bool = False


@dataclass
class ApiReply:
    status: int
    body: JSON
    headers: dict[str, str] = field(default_factory=dict)


def _missing_code(spec: MethodSpec, name: str) -> str:
    code = _MISSING_CODES.get((spec.name, name))
    if code is not None:
        return code
    if name in ("channel", "channel_id") and spec.documents("channel_not_found"):
        return "channel_not_found"
    return "missing_argument" if "missing_argument" in spec.errors else "invalid_arguments"


class Dispatcher:
    def __init__(self, workspace: Workspace, faults: Faults, limits: RateLimits) -> None:
        self.ws = workspace
        self.faults = faults
        self.limits = limits
        self.specs = method_specs()
        self.handlers: dict[str, Handler] = all_handlers()

    def handle(self, request: ApiRequest) -> ApiReply:
        arrived = self.ws.wall()
        self.faults.wait_while_held(request.method)
        delay = self.faults.delay(request.method)
        if delay > 0:
            time.sleep(delay)
        with self.ws.lock:
            reply = self._run(request)
            body = reply.body
            if request.method in self.specs:
                with _SERVED_LOCK:
                    _SERVED[request.method] += 1
            self.ws.calls.append(
                RecordedCall(
                    method=request.method,
                    args=request.args,
                    ok=bool(body.get("ok")),
                    error=body.get("error"),
                    at=arrived,
                    http_status=reply.status,
                )
            )
        late = self.faults.delay_after_acting(request.method)
        if late > 0:
            time.sleep(late)  # done, but the caller may have stopped waiting for the answer
        return reply

    def _run(self, request: ApiRequest) -> ApiReply:
        spec = self.specs.get(request.method)
        handler = self.handlers.get(request.method)
        try:
            if spec is None or handler is None:
                raise SlackError("unknown_method", violation="not a method the stand-in knows")
            self._check(spec, request, decode_json_strings(request.args))
            fault = self.faults.take(spec.name, request.args.get("channel"))
            if fault is not None:
                status, body, headers = fault.reply()
                return ApiReply(status, body, headers)
            retry_after = self.limits.check(spec.name, request.args)
            if retry_after is not None:
                body = {"ok": False, "error": "ratelimited"}
                return ApiReply(429, body, {"Retry-After": str(retry_after)})
            args = request.args
            if spec.name in USER_TOKEN_METHODS:
                args = {**args, "token": request.token}
            result = handler(self.ws, Args(args))
        except SlackError as err:
            return self._error(spec, request.method, err)
        return ApiReply(200, {"ok": True, **result})

    def _check(self, spec: MethodSpec, request: ApiRequest, bad_json: list[str]) -> None:
        self._check_token(spec, request.token)
        if request.json_body and not spec.json_input:
            raise SlackError("invalid_arguments", violation="JSON body where Slack takes a form")
        unknown = sorted(set(request.args) - spec.args - UNIVERSAL_ARGS)
        if unknown:
            raise SlackError(
                "invalid_arguments",
                violation=f"unknown argument(s) {', '.join(unknown)}",
                response_metadata={"messages": [f"[ERROR] unknown argument {unknown[0]}"]},
            )
        for name in sorted(spec.required - {"token"}):
            if request.args.get(name) in (None, ""):
                raise SlackError(
                    _missing_code(spec, name),
                    violation=f"missing required argument {name}",
                )
        if bad_json:
            code = "invalid_blocks_format" if spec.documents("invalid_blocks_format") else None
            raise SlackError(
                code or "invalid_arguments", violation=f"{bad_json[0]} is not valid JSON"
            )

    def _check_token(self, spec: MethodSpec, token: str | None) -> None:
        """Each method takes one kind of token: app-level for Socket Mode, the bot's for
        the rest. A token of the wrong kind is ``not_allowed_token_type``."""
        if spec.name in CLIENT_CREDENTIAL_METHODS:
            return
        if token is None:
            raise SlackError("not_authed", violation="no token")
        if spec.name in USER_TOKEN_METHODS:
            if not token.startswith("xoxp-"):
                raise SlackError("not_allowed_token_type", violation="needs a user token")
            if token not in self.ws.user_tokens:
                raise SlackError("invalid_auth")
            return
        wants_app_token = spec.name in APP_TOKEN_METHODS
        known_kind = token.startswith(("xapp-", "xox"))
        if known_kind and wants_app_token != token.startswith("xapp-"):
            wanted = "an app-level token (xapp-)" if wants_app_token else "a bot token"
            raise SlackError("not_allowed_token_type", violation=f"needs {wanted}")
        if token != (self.ws.app_token if wants_app_token else self.ws.bot_token):
            raise SlackError("invalid_auth", violation="wrong token")

    def _error(self, spec: MethodSpec | None, method: str, err: SlackError) -> ApiReply:
        if err.violation is not None:
            self.ws.violations.append(f"{method}: {err.violation}")
        if spec is not None and not spec.documents(err.code):
            self.ws.violations.append(f"[stand-in bug] {method} returned undocumented {err.code}")
        return ApiReply(200, {"ok": False, "error": err.code, **err.extra})
