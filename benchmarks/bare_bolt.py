"""A bare Bolt app the benchmark measures the bot against: what a starter template would do
for the same two requests, and nothing else. One command handler that answers at once; one
submission handler that acknowledges, then (in Bolt's listener thread, as the bot does)
creates a private channel, posts a card, pins it and DMs two people. Served by gunicorn as
the bot is: `gunicorn 'benchmarks.bare_bolt:create_wsgi_app()'`, pointed at the same Slack
stand-in by SLACK_API_URL."""

from __future__ import annotations

import os
import uuid
from typing import Any

from flask import Flask, Response, request
from slack_bolt import Ack, App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient

CALLBACK_ID = "bare_referral"
DM_TO = ("U0CPU1", "U0CPU2")


def create_app() -> App:
    token = os.environ["SLACK_BOT_TOKEN"]
    client = WebClient(token=token, base_url=os.environ["SLACK_API_URL"])
    app = App(signing_secret=os.environ["SLACK_SIGNING_SECRET"], client=client, token=token)

    @app.command("/scr")
    def command(ack: Ack) -> None:
        ack("Use /scr refer to refer a case; /scr help for this message.")

    @app.view(CALLBACK_ID)
    def submission(ack: Ack, client: WebClient, body: dict[str, Any]) -> None:
        ack()
        name = f"bare-{uuid.uuid4().hex[:12]}"
        channel = client.conversations_create(name=name, is_private=True)["channel"]["id"]
        card = client.chat_postMessage(channel=channel, text=f"Case card for {name}")
        client.pins_add(channel=channel, timestamp=card["ts"])
        for user in DM_TO:
            client.chat_postMessage(channel=user, text=f"A new referral: <#{channel}>")

    return app


def create_wsgi_app() -> Flask:
    flask_app = Flask("bare-bolt")
    handler = SlackRequestHandler(create_app())

    @flask_app.post("/slack/events")
    def events() -> Response:
        response: Response = handler.handle(request)
        return response

    @flask_app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return flask_app
