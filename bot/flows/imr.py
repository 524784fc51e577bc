"""Management reviews in Slack: the author's DM with the Appendix 3 format, the panel
chair's DM on each submission (replaced by their answer), the author's DM on a return, and
a line in the case channel at each step."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.flows.card_refresh import refresh_card
from bot.flows.review import invite_pending, to_channel
from bot.flows.sent_once import already_sent
from bot.gateway import SlackGateway
from bot.runtime import Runtime
from bot.services.cases import load_case
from bot.services.imr import ImrStatus
from bot.services.review_access import panel_chairs
from bot.services.review_forms import london_date
from bot.views.format import day, user_link
from bot.views.forms import section
from bot.views.imr import author_request, chair_answered, returned_to_author, submitted_to_chair
from bot.views.messages import Message
from storage.models import Agency, ManagementReview


def _facts(runtime: Runtime, review_id: int) -> tuple[ManagementReview, str, str, list[str]]:
    with runtime.db.session() as session:
        row = session.get(ManagementReview, review_id)
        assert row is not None
        agency = session.get(Agency, row.agency_id)
        reference = load_case(session, row.case_id).reference
        chairs = panel_chairs(session, row.case_id)
        return row, reference, agency.name if agency else "", chairs


def _note(text: str) -> Message:
    return Message(text=text, blocks=[section(text)])


def ask_author(runtime: Runtime, client: WebClient, review_id: int) -> None:
    row, reference, agency, _ = _facts(runtime, review_id)
    invite_pending(runtime, client, row.case_id)
    message = author_request(reference, agency, row.due_on, row.requested_by, review_id)
    key = f"imr:{review_id}:request:{row.author}:{row.due_on.isoformat()}"
    slack = SlackGateway(client, runtime.db, runtime.clock)
    slack.try_post_once(key, row.author, message, case_id=row.case_id)
    note = _note(
        f"{reference}: {agency}'s management review is requested from {user_link(row.author)}, "
        f"due {day(row.due_on)}."
    )
    to_channel(runtime, client, row.case_id, f"{key}:note", note)
    refresh_card(runtime, client, row.case_id)


def tell_chair_submitted(runtime: Runtime, client: WebClient, review_id: int) -> None:
    row, reference, agency, chairs = _facts(runtime, review_id)
    message = submitted_to_chair(reference, agency, row.submissions, review_id)
    slack = SlackGateway(client, runtime.db, runtime.clock)
    for chair in chairs:
        key = f"imr:{review_id}:submitted:{row.submissions}:{chair}"
        slack.try_post_once(key, chair, message, case_id=row.case_id)
    to_channel(
        runtime,
        client,
        row.case_id,
        f"imr:{review_id}:submitted:{row.submissions}",
        _note(f"{reference}: {agency}'s management review is submitted."),
    )
    refresh_card(runtime, client, row.case_id)


def after_chair_answer(runtime: Runtime, client: WebClient, review_id: int) -> None:
    row, reference, agency, chairs = _facts(runtime, review_id)
    accepted = row.status == ImrStatus.ACCEPTED
    if row.decided_by is None or row.decided_at is None:
        return
    answered = chair_answered(
        reference, agency, accepted, row.decided_by, london_date(row.decided_at)
    )
    slack = SlackGateway(client, runtime.db, runtime.clock)
    for chair in chairs:
        sent = already_sent(runtime.db, f"imr:{review_id}:submitted:{row.submissions}:{chair}")
        if sent is not None:
            slack.try_update(sent.channel, sent.ts, answered)
    if row.status == ImrStatus.RETURNED and row.return_comments is not None:
        comments = runtime.cipher.decrypt_text(row.return_comments)
        message = returned_to_author(reference, agency, comments, row.due_on, review_id)
        key = f"imr:{review_id}:returned:{row.submissions}"
        slack.try_post_once(key, row.author, message, case_id=row.case_id)
    verb = "accepted" if accepted else "returned to its author with comments"
    to_channel(
        runtime,
        client,
        row.case_id,
        f"imr:{review_id}:answer:{row.submissions}",
        _note(f"{reference}: {agency}'s management review is {verb}."),
    )
    refresh_card(runtime, client, row.case_id)
