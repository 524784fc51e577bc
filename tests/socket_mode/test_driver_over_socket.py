"""The unchanged SlackDriver, over Socket Mode, against a small Bolt app using the SDK's
built-in Socket Mode client: every kind of envelope reaches a listener and is acknowledged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import Ack, App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from bot.testing.driver import SlackDriver
from bot.testing.standin import SlackStandIn
from bot.testing.standin.delivery import socket_transport
from tests.socket_mode.conditions import until

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")

BUTTON = [
    {
        "type": "actions",
        "block_id": "b",
        "elements": [
            {
                "type": "button",
                "action_id": "go",
                "text": {"type": "plain_text", "text": "Go"},
                "value": "1",
            }
        ],
    }
]

FORM = {
    "type": "modal",
    "callback_id": "form",
    "title": {"type": "plain_text", "text": "Form"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "said",
            "label": {"type": "plain_text", "text": "Say"},
            "element": {"type": "plain_text_input", "action_id": "it"},
        }
    ],
}


def small_app(standin: SlackStandIn, seen: list[str]) -> App:
    app = App(
        client=WebClient(base_url=standin.api_url, token=standin.bot_token),
        signing_secret="unused-in-socket-mode",
    )

    @app.command("/scr")
    def command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack(f"pong {body['text']}")
        seen.append("slash_commands")
        client.chat_postMessage(channel=body["channel_id"], text="go", blocks=BUTTON)

    @app.action("go")
    def clicked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        seen.append("interactive block_actions")
        client.views_open(trigger_id=body["trigger_id"], view=FORM)

    @app.view("form")
    def submitted(ack: Ack, view: dict[str, Any]) -> None:
        said = view["state"]["values"]["said"]["it"]["value"]
        seen.append(f"interactive view_submission {said}")
        ack(response_action="errors", errors={"said": "Say something else"})

    @app.event("app_home_opened")
    def home(event: dict[str, Any]) -> None:
        seen.append(f"events_api {event['type']}")

    return app


@pytest.fixture
def connected(standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    for name in PROXY_VARIABLES:  # the SDK's Socket Mode client would go through them
        monkeypatch.delenv(name, raising=False)
    seen: list[str] = []
    handler = SocketModeHandler(small_app(standin, seen), standin.app_token)
    handler.connect()  # type: ignore[no-untyped-call]
    try:
        assert standin.socket_mode.wait_connected(10), "the app never connected"
        yield seen
    finally:
        handler.close()  # type: ignore[no-untyped-call]


def test_each_kind_of_request_reaches_bolt_and_is_acknowledged(standin, connected) -> None:
    driver = SlackDriver(socket_transport(standin.socket_mode), "unused", standin)

    answer = driver.slash_command("U0DPH", "ping")
    assert answer.status == 200
    assert answer.json() == {"text": "pong ping"}
    until(lambda: standin.messages_seen_by("U0DPH"), what="the button message")

    assert driver.block_action("U0DPH", "go").status == 200
    modal = until(lambda: standin.open_view_for("U0DPH"), what="the modal")

    refused = driver.submit_view("U0DPH", {"said": {"it": "hello"}}, view_id=modal.id)
    assert refused.status == 200
    assert refused.json() == {
        "response_action": "errors",
        "errors": {"said": "Say something else"},
    }

    assert driver.app_home_opened("U0DPH").status == 200
    until(lambda: len(connected) == 4, what="every listener")
    assert connected == [
        "slash_commands",
        "interactive block_actions",
        "interactive view_submission hello",
        "events_api app_home_opened",
    ]
    assert standin.violations == []
