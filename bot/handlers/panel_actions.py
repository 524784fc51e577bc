"""The panel's buttons: on the case card (schedule, find a time, pick a time, change,
cancel, mark held) and on DMs (answer the invitation, availability, involvement). A button's
value carries an id only; each handler re-reads the meeting and re-checks the person."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.flows.card_refresh import refresh_card
from bot.flows.panel import PanelFlow
from bot.flows.panel_replies import redraw_dm
from bot.handlers.commands import CommandRouter
from bot.handlers.panel_open import (
    case_id_for_channel,
    case_id_for_task,
    open_change,
    open_declare,
    open_find,
    open_held,
    open_schedule,
)
from bot.handlers.panel_submissions import panel_context
from bot.handlers.payloads import BlockAction
from bot.ids import PanelAction
from bot.runtime import Runtime
from bot.services.panel import PanelRefusedError
from bot.services.panel_answers import PartStat, confirm_no_involvement
from bot.services.panel_answers import respond as answer_invitation
from bot.services.panel_changes import cancel
from bot.services.panel_slots import answer, confirm

RSVP = {
    PanelAction.ACCEPT: PartStat.ACCEPTED,
    PanelAction.TENTATIVE: PartStat.TENTATIVE,
    PanelAction.DECLINE: PartStat.DECLINED,
}
MALFORMED = "That button is out of date; please use the latest message."

Listener = Callable[[Ack, dict[str, Any], WebClient, Respond], None]


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    app.action(PanelAction.OPEN_SCHEDULE.value)(_open_for_case(runtime, open_schedule))
    app.action(PanelAction.OPEN_FIND.value)(_open_for_case(runtime, open_find))
    app.action(PanelAction.OPEN_CHANGE.value)(_open_for_meeting(runtime, open_change))
    app.action(PanelAction.OPEN_HELD.value)(_open_for_meeting(runtime, open_held))
    app.action(PanelAction.OPEN_DECLARE.value)(_open_declare(runtime))
    app.action(PanelAction.CANCEL.value)(_cancel(runtime))
    app.action(PanelAction.SLOT_CONFIRM.value)(_confirm_slot(runtime))
    for action, partstat in RSVP.items():
        app.action(action.value)(_rsvp(runtime, partstat))
    app.action(PanelAction.NO_INVOLVEMENT.value)(_no_involvement(runtime))
    app.action(PanelAction.SLOT_YES.value)(_slot_answer(runtime, available=True))
    app.action(PanelAction.SLOT_NO.value)(_slot_answer(runtime, available=False))


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _refuse(respond: Respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


def _channel(payload: BlockAction) -> str | None:
    return payload.container.channel_id or (payload.channel.id if payload.channel else None)


def _open_for_case(runtime: Runtime, open_: Any) -> Listener:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        case_id = case_id_for_channel(runtime, _channel(payload))
        if case_id is None:
            case_id = case_id_for_task(runtime, _number(payload.action.value))
        refusal = open_(
            runtime, client, user=payload.user.id, trigger_id=payload.trigger_id, case_id=case_id
        )
        if refusal is not None:
            _refuse(respond, refusal)

    return handle


def _open_for_meeting(runtime: Runtime, open_: Any) -> Listener:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        refusal = open_(
            runtime,
            client,
            user=payload.user.id,
            trigger_id=payload.trigger_id,
            meeting_id=_number(payload.action.value),
        )
        if refusal is not None:
            _refuse(respond, refusal)

    return handle


def _open_declare(runtime: Runtime) -> Listener:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        refusal = open_declare(
            runtime,
            client,
            user=payload.user.id,
            trigger_id=payload.trigger_id,
            meeting_id=_number(payload.action.value),
            channel=_channel(payload) or "",
            ts=payload.container.message_ts or "",
        )
        if refusal is not None:
            _refuse(respond, refusal)

    return handle


def _cancel(runtime: Runtime) -> Listener:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        meeting_id = _number(payload.action.value)
        if meeting_id is None:
            _refuse(respond, MALFORMED)
            return
        try:
            with runtime.db.session() as session:
                cancel(panel_context(runtime, session), meeting_id, actor=payload.user.id)
        except PanelRefusedError as exc:
            _refuse(respond, str(exc))
            return
        PanelFlow(runtime, client).send(meeting_id)

    return handle


def _confirm_slot(runtime: Runtime) -> Listener:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        chosen = payload.action.selected_option or {}
        slot_id = _number(str(chosen.get("value") or ""))
        if slot_id is None:
            _refuse(respond, MALFORMED)
            return
        try:
            with runtime.db.session() as session:
                ctx = panel_context(runtime, session)
                meeting_id = confirm(ctx, slot_id, actor=payload.user.id)
        except PanelRefusedError as exc:
            _refuse(respond, str(exc))
            return
        if meeting_id is not None:
            PanelFlow(runtime, client).send(meeting_id)

    return handle


def _after_answer(
    runtime: Runtime, client: WebClient, payload: BlockAction, meeting_id: int, case_id: int
) -> None:
    channel, ts = _channel(payload), payload.container.message_ts
    if channel and ts:
        redraw_dm(runtime, client, meeting_id, payload.user.id, channel, ts)
    refresh_card(runtime, client, case_id)


def _rsvp(runtime: Runtime, partstat: PartStat) -> Listener:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        meeting, _, sequence = (payload.action.value or "").partition(":")
        if not meeting.isdigit() or not sequence.isdigit():
            _refuse(respond, MALFORMED)
            return
        try:
            with runtime.db.session() as session:
                answered = answer_invitation(
                    panel_context(runtime, session),
                    int(meeting),
                    sequence=int(sequence),
                    user_id=payload.user.id,
                    partstat=partstat,
                )
        except PanelRefusedError as exc:
            _refuse(respond, str(exc))
            return
        if answered.changed:
            _after_answer(runtime, client, payload, answered.meeting_id, answered.case_id)

    return handle


def _no_involvement(runtime: Runtime) -> Listener:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        meeting_id = _number(payload.action.value)
        if meeting_id is None:
            _refuse(respond, MALFORMED)
            return
        try:
            with runtime.db.session() as session:
                answered = confirm_no_involvement(
                    panel_context(runtime, session), meeting_id, user_id=payload.user.id
                )
        except PanelRefusedError as exc:
            _refuse(respond, str(exc))
            return
        if answered.changed:
            _after_answer(runtime, client, payload, answered.meeting_id, answered.case_id)

    return handle


def _slot_answer(runtime: Runtime, *, available: bool) -> Listener:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        slot_id = _number(payload.action.value)
        if slot_id is None:
            _refuse(respond, MALFORMED)
            return
        try:
            with runtime.db.session() as session:
                answered = answer(
                    panel_context(runtime, session),
                    slot_id,
                    user_id=payload.user.id,
                    available=available,
                )
        except PanelRefusedError as exc:
            _refuse(respond, str(exc))
            return
        if answered.changed:
            _after_answer(runtime, client, payload, answered.meeting_id, answered.case_id)

    return handle
