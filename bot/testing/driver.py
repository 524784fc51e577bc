"""Plays Slack's side toward the bot's HTTP endpoint: signed, Slack-shaped requests.

Surfaces (messages, modals, the Home tab) come from the ``SlackStandIn``, so a test can
only click what the bot really showed, and modal answers change the stand-in's views
as they would change what the user sees.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from bot.testing.standin import Message, SlackStandIn, View
from bot.testing.standin.delivery import (
    DriverResponse,
    Transport,
    http_transport,
    sign,
    wsgi_transport,
)
from bot.testing.standin.models import APP_ID
from bot.testing.standin.payloads import (
    VERIFICATION_TOKEN,
    action_payload,
    event_envelope,
    find_action,
    submission_state,
)
from bot.testing.standin.reference import event_types

__all__ = ["DriverResponse", "SlackDriver", "Transport", "http_transport", "wsgi_transport"]

ACK_DEADLINE = 3.0
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


class SlackDriver:
    def __init__(
        self,
        transport: Transport,
        signing_secret: str,
        standin: SlackStandIn,
        team_id: str = "T0SCR",
        *,
        path: str = "/slack/events",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.transport = transport
        self.signing_secret = signing_secret
        self.standin = standin
        self.team_id = team_id
        self.path = path
        self.clock = clock
        self._events = itertools.count(1)
        self._last: tuple[bytes, dict[str, str]] | None = None
        self._retries = 0

    # signing and sending ------------------------------------------------------------

    def sign(self, body: bytes, timestamp: int) -> str:
        return sign(self.signing_secret, body, timestamp)

    def raw(self, body: bytes, headers: dict[str, str]) -> DriverResponse:
        """Send exactly ``body`` and ``headers`` (for forged or stale signatures)."""
        return self.transport(self.path, body, headers)

    def redeliver(self, reason: str = "http_timeout") -> DriverResponse:
        """Send the last request again, byte for byte, as one of Slack's retries."""
        if self._last is None:
            raise RuntimeError("nothing has been sent yet")
        body, headers = self._last
        self._retries += 1
        retry = dict(headers)
        retry["X-Slack-Retry-Num"] = str(self._retries)
        retry["X-Slack-Retry-Reason"] = reason
        return self._deliver(body, retry, "redelivery")

    def _send(self, body: bytes, content_type: str, what: str) -> DriverResponse:
        timestamp = int(self.clock())
        headers = {
            "Content-Type": content_type,
            "User-Agent": USER_AGENT,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": self.sign(body, timestamp),
        }
        self._last = (body, headers)
        self._retries = 0
        return self._deliver(body, headers, what)

    def _deliver(self, body: bytes, headers: dict[str, str], what: str) -> DriverResponse:
        started = time.monotonic()
        response = self.transport(self.path, body, headers)
        elapsed = time.monotonic() - started
        if elapsed > ACK_DEADLINE:
            self.standin.add_violation(f"{what} acknowledged after {elapsed:.1f}s (limit 3 s)")
        if response.status >= 300:
            self.standin.add_violation(f"{what} answered HTTP {response.status}: {response.text}")
        return response

    def _interaction(self, payload: dict[str, Any], what: str) -> DriverResponse:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._send(body, "application/x-www-form-urlencoded", what)

    # who and where --------------------------------------------------------------------

    def _user(self, user_id: str) -> dict[str, Any]:
        user = self.standin.user(user_id)
        name = user.to_slack(self.team_id)["name"] if user else user_id
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _common(self, kind: str, user_id: str) -> dict[str, Any]:
        return {
            "type": kind,
            "team": {"id": self.team_id, "domain": "scr-standin"},
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def _channel_name(self, channel_id: str) -> str:
        channel = self.standin.channels.get(channel_id)
        return channel.name if channel else "directmessage"

    # slash commands and interactivity ------------------------------------------------

    def slash_command(
        self,
        user_id: str,
        text: str,
        *,
        command: str = "/scr",
        channel_id: str = "D0DIRECT",
        channel_name: str = "directmessage",
    ) -> DriverResponse:
        """A slash command; the default channel stands for the user's DM with the bot."""
        if channel_id == "D0DIRECT":
            channel_id = self.standin.im_with(user_id)
        form = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": "scr-standin",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": self._user(user_id)["name"],
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.standin.response_url_for(user_id, channel_id),
            "trigger_id": self.standin.issue_trigger_id(user_id),
        }
        body = urlencode(form).encode()
        return self._send(body, "application/x-www-form-urlencoded", f"{command} {text}")

    def block_action(
        self,
        user_id: str,
        action_id: str,
        value: str | None = None,
        *,
        block_id: str = "b",
        channel_id: str | None = None,
        message_ts: str | None = None,
        view_id: str | None = None,
        selected_option: Any = None,
    ) -> DriverResponse:
        """Click ``action_id`` where the user sees it; ``value`` overrides a button's own."""
        payload = self._common("block_actions", user_id)
        payload["trigger_id"] = self.standin.issue_trigger_id(user_id)
        payload["state"] = {"values": {}}
        blocks = self._locate(payload, user_id, action_id, channel_id, message_ts, view_id)
        found = find_action(blocks, action_id, block_id)
        if found is None:
            raise ValueError(f"{action_id} is not on the surface the user is looking at")
        payload["actions"] = [action_payload(*found, value, selected_option)]
        return self._interaction(payload, f"block_actions {action_id}")

    def _locate(
        self,
        payload: dict[str, Any],
        user_id: str,
        action_id: str,
        channel_id: str | None,
        message_ts: str | None,
        view_id: str | None,
    ) -> list[dict[str, Any]]:
        """Fill in container/view/message for the surface holding the action; its blocks."""
        view = self.standin.views.get(view_id) if view_id else None
        message = self.standin.find_any_message(message_ts, channel_id) if message_ts else None
        if (view_id and view is None) or (message_ts and message is None):
            raise ValueError(f"no view {view_id} / message {message_ts} to click on")
        if view is None and message is None:
            view, message = self._find_surface(user_id, action_id)
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.id}
            payload["view"] = self.standin.view_json(view.id)
            return view.blocks
        if message is None:
            raise ValueError(f"no message or view shows {action_id} to {user_id}")
        channel = message.channel
        payload["container"] = {
            "type": "message",
            "message_ts": message.ts,
            "channel_id": channel,
            "is_ephemeral": message.visible_to is not None,
        }
        payload["channel"] = {"id": channel, "name": self._channel_name(channel)}
        if message.visible_to is None:
            payload["message"] = message.to_slack(self.team_id, None)
        payload["response_url"] = self.standin.response_url_for(user_id, channel, message.ts)
        return message.blocks

    def _find_surface(self, user_id: str, action_id: str) -> tuple[View | None, Message | None]:
        candidates = [self.standin.open_view_for(user_id), self._home(user_id)]
        for view in candidates:
            if view is not None and find_action(view.blocks, action_id):
                return view, None
        for message in reversed(self.standin.messages_seen_by(user_id)):
            if find_action(message.blocks, action_id):
                return None, message
        return None, None

    def _home(self, user_id: str) -> View | None:
        home = self.standin.home_view(user_id)
        return self.standin.views.get(home["id"]) if home else None

    def submit_view(
        self, user_id: str, values: dict[str, dict[str, Any]], *, view_id: str | None = None
    ) -> DriverResponse:
        """Submit the user's top modal (or ``view_id``) with ``{block_id: {action_id: value}}``."""
        view = self.standin.views.get(view_id) if view_id else self.standin.open_view_for(user_id)
        if view is None:
            raise ValueError(f"{user_id} has no modal open")
        self.standin.set_view_state(view.id, submission_state(view.blocks, values))
        payload = self._common("view_submission", user_id)
        payload.update(
            trigger_id=self.standin.issue_trigger_id(user_id),
            view=self.standin.view_json(view.id),
            response_urls=[],
        )
        response = self._interaction(payload, f"view_submission {view.callback_id}")
        if response.status == 200:
            try:
                answer = response.json()
            except ValueError:
                answer = None
            self.standin.apply_submission_answer(user_id, view.id, answer)
        return response

    def close_view(self, user_id: str, view_id: str | None = None) -> DriverResponse:
        """The user dismisses a modal; Slack tells the bot only if notify_on_close is set."""
        view = self.standin.views.get(view_id) if view_id else self.standin.open_view_for(user_id)
        if view is None:
            raise ValueError(f"{user_id} has no modal open")
        payload = self._common("view_closed", user_id)
        payload.update(view=self.standin.view_json(view.id), is_cleared=False)
        self.standin.close_view(user_id, view.id)
        if not view.payload.get("notify_on_close"):
            return DriverResponse(0, b"", {}, sent=False)
        return self._interaction(payload, f"view_closed {view.callback_id}")

    # events -------------------------------------------------------------------------

    def event(self, event: dict[str, Any], *, event_id: str | None = None) -> DriverResponse:
        kind = event.get("type")
        if kind not in event_types():
            raise ValueError(f"{kind!r} is not an Events API event type")
        now = self.clock()
        inner = {"event_ts": f"{now:.6f}", **event}
        envelope = event_envelope(
            inner,
            team_id=self.team_id,
            event_id=event_id or f"Ev{next(self._events):08d}",
            event_time=int(now),
            bot_user_id=self.standin.bot_user_id,
        )
        return self._send(json.dumps(envelope).encode(), "application/json", f"event {kind}")

    def app_home_opened(self, user_id: str) -> DriverResponse:
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.standin.im_with(user_id),
            "tab": "home",
        }
        home = self.standin.home_view(user_id)
        if home is not None:
            event["view"] = home
        return self.event(event)

    def member_added(self, inviter: str, user_id: str, channel_id: str) -> DriverResponse:
        """``inviter`` adds ``user_id`` to a channel in Slack; Slack tells the bot."""
        self.standin.add_member_as(inviter, channel_id, user_id)
        return self.event(
            {
                "type": "member_joined_channel",
                "user": user_id,
                "channel": channel_id,
                "channel_type": "G",
                "team": self.team_id,
                "inviter": inviter,
            }
        )

    def channel_renamed(self, user_id: str, channel_id: str, name: str) -> DriverResponse:
        """``user_id`` renames a private channel in Slack; Slack tells the bot."""
        self.standin.rename_as(user_id, channel_id, name)
        channel = self.standin.channels[channel_id]
        return self.event(
            {
                "type": "group_rename",
                "channel": {"id": channel_id, "name": name, "created": channel.created},
            }
        )

    def file_shared(self, user_id: str, file_id: str, channel_id: str) -> DriverResponse:
        return self.event(
            {
                "type": "file_shared",
                "channel_id": channel_id,
                "file_id": file_id,
                "user_id": user_id,
                "file": {"id": file_id},
            }
        )
