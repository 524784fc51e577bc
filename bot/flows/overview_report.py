"""The overview report in Slack: a DM to each contributing agency's people when a draft is
ready (all of them redrawn once the agency has answered), the tally in the case channel,
and the note of the Board's acceptance."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.flows.card_refresh import refresh_card
from bot.flows.review import to_channel
from bot.flows.sent_once import already_sent
from bot.gateway import SlackGateway
from bot.runtime import Runtime
from bot.services.cases import load_case
from bot.services.overview_report import (
    CONFIRMED,
    agency_names,
    answers,
    report_recommendations,
)
from bot.services.review_access import agency_contacts
from bot.views.overview_report import accepted, agency_answered, agency_request, tally
from storage.models import OverviewDraft

STATUS_WORDS = {CONFIRMED: "✓ fully and fairly represented", "disputed": "✗ not fully represented"}


def _draft(runtime: Runtime, draft_id: int) -> tuple[OverviewDraft, str, dict[int, str]]:
    with runtime.db.session() as session:
        draft = session.get(OverviewDraft, draft_id)
        assert draft is not None
        return (
            draft,
            load_case(session, draft.case_id).reference,
            agency_names(session, list(draft.agency_ids)),
        )


def _contacts(runtime: Runtime, case_id: int, agency_id: int) -> list[str]:
    with runtime.db.session() as session:
        return agency_contacts(session, case_id, agency_id)


def send_draft(runtime: Runtime, client: WebClient, draft_id: int) -> None:
    draft, reference, names = _draft(runtime, draft_id)
    slack = SlackGateway(client, runtime.db, runtime.clock)
    for agency_id in draft.agency_ids:
        message = agency_request(reference, names[agency_id], draft.version, draft_id, agency_id)
        for person in _contacts(runtime, draft.case_id, agency_id):
            key = f"draft:{draft_id}:{agency_id}:{person}"
            slack.try_post_once(key, person, message, case_id=draft.case_id)
    redraw_tally(runtime, client, draft_id)


def redraw_tally(runtime: Runtime, client: WebClient, draft_id: int) -> None:
    draft, reference, names = _draft(runtime, draft_id)
    with runtime.db.session() as session:
        given = answers(session, draft_id)
    rows = [
        (names[a], STATUS_WORDS[given[a].status] if a in given else "waiting")
        for a in draft.agency_ids
    ]
    message = tally(reference, draft.version, draft.case_id, rows)
    key = f"case:{draft.case_id}:draft:{draft_id}:tally"
    sent = already_sent(runtime.db, key)
    if sent is None:
        to_channel(runtime, client, draft.case_id, f"draft:{draft_id}:tally", message)
    else:
        SlackGateway(client, runtime.db, runtime.clock).try_update(sent.channel, sent.ts, message)
    refresh_card(runtime, client, draft.case_id)


def after_agency_answer(runtime: Runtime, client: WebClient, draft_id: int, agency_id: int) -> None:
    draft, reference, names = _draft(runtime, draft_id)
    with runtime.db.session() as session:
        answer = answers(session, draft_id).get(agency_id)
    if answer is None:
        return
    done = agency_answered(
        reference, names[agency_id], answer.status == CONFIRMED, answer.answered_by
    )
    slack = SlackGateway(client, runtime.db, runtime.clock)
    for person in _contacts(runtime, draft.case_id, agency_id):
        sent = already_sent(runtime.db, f"draft:{draft_id}:{agency_id}:{person}")
        if sent is not None:
            slack.try_update(sent.channel, sent.ts, done)
    redraw_tally(runtime, client, draft_id)


def after_acceptance(runtime: Runtime, client: WebClient, draft_id: int) -> None:
    draft, reference, _ = _draft(runtime, draft_id)
    assert draft.accepted_on is not None
    with runtime.db.session() as session:
        count = len(report_recommendations(session, runtime.cipher, draft.case_id))
    note = accepted(reference, draft.accepted_on, count)
    to_channel(runtime, client, draft.case_id, "report:accepted", note)
    refresh_card(runtime, client, draft.case_id)
