"""Small pieces the first month's listeners share: the ids a modal carries in its
private_metadata (parsed like any payload: only hints, re-checked by every handler), and
answering a click wherever it came from."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from slack_bolt import Respond
from slack_sdk import WebClient

from bot.handlers.payloads import ViewSubmission


class Meta(BaseModel):
    model_config = ConfigDict(extra="ignore")

    case: int | None = None
    agency: int | None = None
    task: int | None = None

    @classmethod
    def parse(cls, raw: str) -> Meta:
        try:
            return cls.model_validate(json.loads(raw or "{}"))
        except (ValueError, ValidationError):
            return cls()


def first_input(payload: ViewSubmission) -> str:
    """Where to show an error that belongs to the whole form: its first input."""
    return next(iter(payload.view.state.values), "")


def tell(body: dict[str, Any], respond: Respond, client: WebClient, user: str, text: str) -> None:
    """Answer a click only its clicker sees: in place when Slack gave a response_url (a
    message), else in their DM (a button on the App Home tab)."""
    if body.get("response_url"):
        respond(text=text, replace_original=False, response_type="ephemeral")
    else:
        client.chat_postMessage(channel=user, text=text)
