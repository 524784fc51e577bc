"""The `file_shared` event: a CSV shared in a case channel or the bot's DM is read as
chronology entries (after Slack has its acknowledgement: fetching may take a while)."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ConfigDict
from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.flows.chronology_files import SharedFile, receive_file
from bot.handlers.commands import CommandRouter
from bot.runtime import Runtime

log = logging.getLogger(__name__)


class FileSharedEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    file_id: str
    user_id: str
    channel_id: str


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    app.event("file_shared")(_file_shared(runtime))


def _file_shared(runtime: Runtime) -> Any:
    def handle(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        shared = FileSharedEvent.model_validate(event)
        if shared.user_id in {context.bot_user_id, context.bot_id}:
            return
        outcome = receive_file(
            runtime, client, SharedFile(shared.file_id, shared.user_id, shared.channel_id)
        )
        log.info("shared file %s: %s", shared.file_id, outcome)

    return handle
