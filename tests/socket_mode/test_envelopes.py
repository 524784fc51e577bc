"""The stand-in's Socket Mode link: hello, one-use tickets, envelopes and acknowledgements."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from bot.testing.standin import SlackStandIn
from bot.testing.standin.models import APP_ID
from tests.socket_mode.conditions import until


def open_link(standin: SlackStandIn) -> str:
    client = WebClient(base_url=standin.api_url)
    url: str = client.apps_connections_open(app_token=standin.app_token)["url"]
    return url


class RawApp:
    """An app written against the wire protocol alone: acks every envelope, answering
    slash commands with a response payload."""

    def __init__(self, link: ClientConnection) -> None:
        self.link = link
        self.envelopes: list[dict[str, Any]] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for raw in self.link:
                message = json.loads(raw)
                self.envelopes.append(message)
                if "envelope_id" not in message:
                    continue
                ack: dict[str, Any] = {"envelope_id": message["envelope_id"]}
                if message["type"] == "slash_commands":
                    ack["payload"] = {"text": f"pong {message['payload']['text']}"}
                self.link.send(json.dumps(ack))
        except ConnectionClosed:
            pass


@pytest.fixture
def raw_app(standin: SlackStandIn) -> Iterator[RawApp]:
    with connect(open_link(standin)) as link:
        assert json.loads(link.recv(timeout=5))["type"] == "hello"
        app = RawApp(link)
        yield app
    app.thread.join(timeout=5)


def test_apps_connections_open_gives_a_one_use_loopback_link_that_says_hello(standin) -> None:
    url = open_link(standin)
    assert url.startswith("ws://127.0.0.1:")
    assert "ticket=" in url and f"app_id={APP_ID}" in url
    with connect(url) as first:
        hello = json.loads(first.recv(timeout=5))
        assert hello["type"] == "hello"
        assert hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": APP_ID}
        assert {"host", "build_number", "approximate_connection_time"} <= set(hello["debug_info"])
        with pytest.raises(InvalidStatus) as refused:
            connect(url)
        assert refused.value.response.status_code == 401
        with connect(open_link(standin)) as second:
            assert json.loads(second.recv(timeout=5))["num_connections"] == 2
    until(lambda: standin.socket_mode.hellos == 2, what="two hellos counted")


def test_each_envelope_type_is_acknowledged_by_its_envelope_id(standin, raw_app) -> None:
    socket = standin.socket_mode
    command = {"command": "/scr", "text": "help", "user_id": "U0DPH", "team_id": "T0SCR"}
    answered = socket.deliver("slash_commands", command, accepts_response_payload=True)
    clicked = socket.deliver("interactive", {"type": "block_actions", "actions": []})
    event = {"type": "event_callback", "event": {"type": "app_home_opened", "user": "U0DPH"}}
    noticed = socket.deliver("events_api", event, retry_attempt=1, retry_reason="timeout")

    assert answered is not None and answered.payload == {"text": "pong help"}
    assert clicked is not None and clicked.payload is None
    assert noticed is not None and noticed.payload is None
    sent = {e["envelope_id"]: e for e in raw_app.envelopes}
    assert set(sent) == {answered.envelope_id, clicked.envelope_id, noticed.envelope_id}
    assert sent[answered.envelope_id]["type"] == "slash_commands"
    assert sent[answered.envelope_id]["payload"] == command
    assert sent[answered.envelope_id]["accepts_response_payload"] is True
    assert sent[clicked.envelope_id]["type"] == "interactive"
    assert sent[clicked.envelope_id]["accepts_response_payload"] is False
    assert sent[noticed.envelope_id]["type"] == "events_api"
    assert sent[noticed.envelope_id]["payload"] == event
    assert sent[noticed.envelope_id]["retry_attempt"] == 1
    assert sent[noticed.envelope_id]["retry_reason"] == "timeout"
    assert standin.violations == []


def test_a_missing_or_stray_acknowledgement_is_a_violation(standin) -> None:
    with connect(open_link(standin)) as link:
        link.recv(timeout=5)
        unanswered = standin.socket_mode.deliver("events_api", {"type": "event_callback"}, wait=0.3)
        assert unanswered is None
        link.recv(timeout=5)  # the envelope arrived; it was never acknowledged
        link.send(json.dumps({"envelope_id": "not-one-of-ours"}))
        link.send("not json")
        link.close()
    # the link is dropped once every message on it was read
    until(lambda: standin.socket_mode.connections == 0, what="the link to be dropped")
    assert any("never acknowledged" in v for v in standin.violations)
    assert any("unknown envelope" in v for v in standin.violations)
    assert any("not JSON" in v for v in standin.violations)
    standin.violations.clear()


def test_disconnect_asks_the_app_to_move_to_a_new_link(standin) -> None:
    with connect(open_link(standin)) as link:
        link.recv(timeout=5)
        mover = threading.Thread(target=standin.socket_mode.disconnect, kwargs={"grace": 5.0})
        mover.start()
        message = json.loads(link.recv(timeout=5))
        assert message["type"] == "disconnect"
        assert message["reason"] == "refresh_requested"
        with connect(open_link(standin)) as replacement:
            assert json.loads(replacement.recv(timeout=5))["type"] == "hello"
            link.close()
            mover.join(timeout=10)
            assert standin.socket_mode.connections == 1


def test_only_an_app_level_token_opens_a_link(standin) -> None:
    with_bot_token = WebClient(base_url=standin.api_url, token=standin.bot_token)
    with pytest.raises(SlackApiError) as refused:
        with_bot_token.apps_connections_open(app_token=standin.bot_token)
    assert refused.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as wrong:
        with_bot_token.apps_connections_open(app_token="xapp-1-A0STANDIN-1-revoked")
    assert wrong.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as backwards:
        WebClient(base_url=standin.api_url, token=standin.app_token).auth_test()
    assert backwards.value.response["error"] == "not_allowed_token_type"
    assert standin.violations == [
        "apps.connections.open: needs an app-level token (xapp-)",
        "apps.connections.open: wrong token",
        "auth.test: needs a bot token",
    ]
    standin.violations.clear()
    assert standin.socket_mode.running is False
