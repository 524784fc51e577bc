"""The panel's modal submissions about a meeting's people: marking it held with who
attended, and a member declaring a previous involvement. Each re-checks who submits."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from slack_bolt import Ack
from slack_sdk import WebClient

from bot.flows.card_refresh import refresh_card
from bot.flows.panel_replies import announce_held, redraw_dm, tell_organiser
from bot.handlers.payloads import ViewSubmission
from bot.ids import PanelBlock
from bot.runtime import Runtime
from bot.services.panel import PanelContext, PanelRefusedError
from bot.services.panel_answers import declare_involvement
from bot.services.panel_changes import mark_held


class PanelMetadata(BaseModel):
    model_config = ConfigDict(extra="ignore")

    case: int
    meeting: int | None = None
    channel: str | None = None
    ts: str | None = None


def metadata_of(payload: ViewSubmission) -> PanelMetadata | None:
    try:
        return PanelMetadata.model_validate(json.loads(payload.view.private_metadata or "{}"))
    except (ValueError, ValidationError):
        return None


def panel_context(runtime: Runtime, session: Any) -> PanelContext:
    return PanelContext(session, runtime.working_calendar(), runtime.clock.now(), runtime.cipher)


def submit_held(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        meta = metadata_of(payload)
        attended = payload.values().get(PanelBlock.ATTENDANCE.value) or []
        if meta is None or meta.meeting is None:
            ack(
                response_action="errors",
                errors={PanelBlock.ATTENDANCE.value: "Please start again."},
            )
            return
        try:
            with runtime.db.session() as session:
                changed = mark_held(
                    panel_context(runtime, session),
                    meta.meeting,
                    actor=payload.user.id,
                    attended=set(attended),
                )
        except PanelRefusedError as exc:
            ack(response_action="errors", errors={PanelBlock.ATTENDANCE.value: str(exc)})
            return
        ack()
        if changed:
            announce_held(runtime, client, meta.meeting)
        refresh_card(runtime, client, meta.case)

    return handle


def submit_declaration(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        meta = metadata_of(payload)
        text = str(payload.values().get(PanelBlock.DECLARATION.value) or "")
        if meta is None or meta.meeting is None:
            ack(
                response_action="errors",
                errors={PanelBlock.DECLARATION.value: "Please start again."},
            )
            return
        user = payload.user.id
        try:
            with runtime.db.session() as session:
                answered = declare_involvement(
                    panel_context(runtime, session), meta.meeting, user_id=user, declaration=text
                )
        except PanelRefusedError as exc:
            ack(response_action="errors", errors={PanelBlock.DECLARATION.value: str(exc)})
            return
        ack()
        if answered.changed:
            tell_organiser(runtime, client, meta.meeting, user)
        if meta.channel and meta.ts:
            redraw_dm(runtime, client, meta.meeting, user, meta.channel, meta.ts)
        refresh_card(runtime, client, answered.case_id)

    return handle
