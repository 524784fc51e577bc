"""Slack's side of an answer on the panel: the DM redrawn from what is stored, the
organiser told of a declared involvement, the meeting's end announced."""

from __future__ import annotations

import logging
from dataclasses import replace

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.flows.panel_slack import snapshot
from bot.flows.sent_once import post_once
from bot.runtime import Runtime
from bot.services.panel import load_meeting
from bot.services.panel_slots import my_answers
from bot.views.messages import Message
from bot.views.panel import availability_dm, declaration_dm, invitation_dm
from bot.views.panel_announcements import held_announcement

log = logging.getLogger(__name__)


def redraw_dm(
    runtime: Runtime, client: WebClient, meeting_id: int, user: str, channel: str, ts: str
) -> None:
    """Show the person their answers as now stored, on the DM they clicked."""
    view = snapshot(runtime.db, meeting_id)
    me = next((m for m in view.members if m.user_id == user), None)
    if me is None:
        return
    message: Message
    if view.status == "proposed":
        with runtime.db.session() as session:
            mine = my_answers(session, load_meeting(session, meeting_id), user)
        slots = [replace(slot, mine=mine.get(slot.slot_id)) for slot in view.slots]
        message = availability_dm(
            view.reference, meeting_id, view.organiser, slots, me.state.involvement
        )
    elif view.status == "scheduled":
        message = invitation_dm(view.facts(), me.state, update=view.sequence > 0)
    else:
        return
    _update(client, channel, ts, message)


def tell_organiser(runtime: Runtime, client: WebClient, meeting_id: int, member: str) -> None:
    view = snapshot(runtime.db, meeting_id)
    post_once(
        runtime.db,
        client,
        key=f"panel:{meeting_id}:declared:{member}",
        channel=view.organiser,
        message=declaration_dm(view.reference, meeting_id, member),
        now=runtime.clock.now(),
        case_id=view.case_id,
    )


def announce_held(runtime: Runtime, client: WebClient, meeting_id: int) -> None:
    view = snapshot(runtime.db, meeting_id)
    with runtime.db.session() as session:
        attended = [
            m.slack_user_id for m in load_meeting(session, meeting_id).members if m.attended
        ]
    if view.channel_id is None:
        return
    post_once(
        runtime.db,
        client,
        key=f"panel:{meeting_id}:held",
        channel=view.channel_id,
        message=held_announcement(view.reference, attended),
        now=runtime.clock.now(),
        case_id=view.case_id,
    )


def _update(client: WebClient, channel: str, ts: str, message: Message) -> None:
    try:
        client.chat_update(channel=channel, ts=ts, **message.as_kwargs())  # type: ignore[arg-type]
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("panel DM not redrawn: %s", type(exc).__name__)
