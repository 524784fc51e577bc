"""The first month's messages: each involved agency's designated persons are DM'd what to do
(once each, kept up to date as their tasks are done), and the integrated chronology is
uploaded to the case channel."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.flows.card_refresh import refresh_card
from bot.flows.sent_once import already_sent, post_once
from bot.process.calendar import LONDON
from bot.runtime import Runtime
from bot.services.cases import load_case
from bot.services.engine import involved_agencies
from bot.services.owners import agency_people
from bot.services.partnership import AgencyRole, unique_in_order
from bot.views.chronology import plain
from bot.views.first_month import Briefing, BriefingItem, briefing_message
from storage.db import Database
from storage.models import Agency, Case, SentMessage, Task

log = logging.getLogger(__name__)

BRIEFED_KINDS = ("dp_notified", "records_secured", "chronology_submitted", "synopsis_submitted")


def briefing_key(case_id: int, agency_id: int, user_id: str) -> str:
    return f"case:{case_id}:briefing:{agency_id}:{user_id}"


def _london(value: datetime | None) -> date | None:
    return value.astimezone(LONDON).date() if value is not None else None


def briefing_for(session: Session, case_id: int, agency_id: int) -> Briefing:
    case = session.get(Case, case_id)
    agency = session.get(Agency, agency_id)
    assert case is not None and agency is not None
    latest: dict[str, Task] = {}
    for task in session.scalars(
        select(Task)
        .where(Task.case_id == case_id, Task.agency_id == agency_id, Task.kind.in_(BRIEFED_KINDS))
        .order_by(Task.round_no, Task.id)
    ):
        latest[task.kind] = task
    items = [
        BriefingItem(
            kind=task.kind,
            task_id=task.id,
            due=_london(task.due_at),
            done_on=_london(task.completed_at) if task.status != "open" else None,
        )
        for task in latest.values()
    ]
    return Briefing(case.id, case.reference, agency.name, case.channel_id, items)


def brief_agency(
    db: Database, client: WebClient, clock: Clock, case_id: int, agency_id: int
) -> int:
    """DM the agency's designated persons and review leads (who own its chronology), once
    each. Returns how many DMs went now."""
    with db.session() as session:
        people = unique_in_order(
            agency_people(session, agency_id, AgencyRole.DESIGNATED_PERSON)
            + agency_people(session, agency_id, AgencyRole.REVIEW_LEAD)
        )
        briefing = briefing_for(session, case_id, agency_id)
    sent = 0
    for user in people:
        key = briefing_key(case_id, agency_id, user)
        if already_sent(db, key) is not None:
            continue
        post_once(
            db,
            client,
            key=key,
            channel=user,
            message=briefing_message(briefing),
            now=clock.now(),
            case_id=case_id,
        )
        sent += 1
    return sent


def brief_involved_agencies(db: Database, client: WebClient, clock: Clock, case_id: int) -> None:
    """A set-up step: the agencies involved from the start are told what to do."""
    with db.session() as session:
        agencies = [row.agency_id for row in involved_agencies(session, case_id)]
    for agency_id in agencies:
        brief_agency(db, client, clock, case_id, agency_id)


def refresh_briefings(db: Database, client: WebClient, case_id: int, agency_id: int) -> None:
    """Redraw the agency's DMs after a task changed; a failure leaves the old text, which
    still works (its buttons re-check the task)."""
    with db.session() as session:
        briefing = briefing_for(session, case_id, agency_id)
        prefix = f"case:{case_id}:briefing:{agency_id}:"
        sent = list(
            session.execute(
                select(SentMessage.channel, SentMessage.ts).where(
                    SentMessage.key.startswith(prefix, autoescape=True)
                )
            )
        )
    message = briefing_message(briefing)
    for channel, ts in sent:
        try:
            client.chat_update(channel=channel, ts=ts, **message.as_kwargs())  # type: ignore[arg-type]
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("briefing DM of %s not updated: %s", briefing.reference, type(exc).__name__)


def upload_files(
    client: WebClient,
    *,
    channel: str,
    files: Sequence[tuple[str, bytes]],
    comment: str,
) -> list[str]:
    """Share files in the case channel through Slack's three-step upload. Returns their ids."""
    response = client.files_upload_v2(
        channel=channel,
        initial_comment=comment,
        file_uploads=[
            {"content": content, "filename": name, "title": name} for name, content in files
        ],
    )
    return [str(f["id"]) for f in response.get("files") or []]


def after_change(runtime: Runtime, client: WebClient, case_id: int, agency_id: int | None) -> None:
    """Bring Slack in step with a stored change: the case card, and the agency's DMs."""
    refresh_card(runtime, client, case_id)
    if agency_id is not None:
        refresh_briefings(runtime.db, client, case_id, agency_id)


def announce(runtime: Runtime, client: WebClient, case_id: int, text: str) -> None:
    with runtime.db.session() as session:
        channel = load_case(session, case_id).channel_id
    if channel is None:
        return
    try:
        client.chat_postMessage(channel=channel, **plain(text).as_kwargs())  # type: ignore[arg-type]
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("case channel not told: %s", type(exc).__name__)
