"""The review's frame in Slack: the panel chair's appointment DM and its answer, each version
of the terms of reference posted to the case channel (the one before marked superseded),
and the channel notes that follow an extension or a "not met" path's findings."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from sqlalchemy import select

from bot.flows.card_refresh import refresh_card
from bot.flows.sent_once import already_sent
from bot.gateway import SlackError, SlackGateway
from bot.runtime import Runtime
from bot.services import audit
from bot.services.cases import load_case
from bot.services.identifying import case_identifiers
from bot.services.overview_report import agency_names
from bot.services.review import TERMS_TEXTS, current_terms, terms_form
from bot.services.review_chair import AppointmentAnswer
from bot.views.messages import Message
from bot.views.review import TermsPosted, terms_message
from bot.views.review_chair import (
    appointment_answered,
    appointment_request,
    chair_declined,
    chair_in_post,
)
from storage.models import CaseMember, PanelChairAppointment, TermsOfReference

log = logging.getLogger(__name__)

TERMS_LABELS = {
    "key_issues": "key issues",
    "period_from": "period under review",
    "period_to": "period under review",
    "agency_ids": "agencies",
    "others": "others asked",
    "family_involvement": "family involvement",
    "proceedings": "parallel proceedings",
    "liaison": "liaison",
    "media": "media handling",
    "completion_date": "completion date",
}


def to_channel(
    runtime: Runtime, client: WebClient, case_id: int, key: str, message: Message
) -> None:
    """Post once to the case channel (the key names the occasion)."""
    with runtime.db.session() as session:
        channel = load_case(session, case_id).channel_id
    if channel is not None:
        slack = SlackGateway(client, runtime.db, runtime.clock)
        slack.try_post_once(f"case:{case_id}:{key}", channel, message, case_id=case_id)


def invite_pending(runtime: Runtime, client: WebClient, case_id: int) -> None:
    """Invite to the case channel whoever the case now needs and is not in it yet."""
    with runtime.db.session() as session:
        case = load_case(session, case_id)
        channel = case.channel_id
        pending = [m.slack_user_id for m in case.members if m.invited_at is None]
    if channel is None:
        return
    slack = SlackGateway(client, runtime.db, runtime.clock)
    for user in pending:
        try:
            refused = slack.invite(channel, [user]).refused.get(user)
        except SlackError as exc:
            refused = exc.code
        if refused is not None:
            log.warning("case %s: could not invite a member (%s)", case_id, refused)
            continue
        with runtime.db.session() as session:
            now = runtime.clock.now()
            for row in session.scalars(
                select(CaseMember).where(
                    CaseMember.case_id == case_id, CaseMember.slack_user_id == user
                )
            ):
                row.invited_at = now
            audit.record(
                session,
                at=now,
                actor="bot",
                action="case.members_invited",
                case_id=case_id,
                users=[user],
            )


# the panel chair -------------------------------------------------------------------------


def ask_appointee(runtime: Runtime, client: WebClient, appointment_id: int) -> None:
    with runtime.db.session() as session:
        row = session.get(PanelChairAppointment, appointment_id)
        assert row is not None
        reference = load_case(session, row.case_id).reference
        user, appointer, case_id = row.slack_user_id, row.appointed_by, row.case_id
    message = appointment_request(reference, appointer, appointment_id)
    slack = SlackGateway(client, runtime.db, runtime.clock)
    slack.try_post_once(f"appointment:{appointment_id}:ask", user, message, case_id=case_id)


def after_answer(runtime: Runtime, client: WebClient, answer: AppointmentAnswer) -> None:
    with runtime.db.session() as session:
        reference = load_case(session, answer.case_id).reference
    confirmed = answer.status == "confirmed"
    slack = SlackGateway(client, runtime.db, runtime.clock)
    asked = already_sent(runtime.db, f"appointment:{answer.appointment_id}:ask")
    if asked is not None:
        done = appointment_answered(reference, confirmed, answer.appointed_by)
        slack.try_update(asked.channel, asked.ts, done)
    if confirmed:
        invite_pending(runtime, client, answer.case_id)
        to_channel(
            runtime,
            client,
            answer.case_id,
            f"appointment:{answer.appointment_id}:in-post",
            chair_in_post(reference, answer.user),
        )
    elif answer.status == "declined":
        slack.try_post_once(
            f"appointment:{answer.appointment_id}:declined",
            answer.appointed_by,
            chair_declined(reference, answer.user, answer.case_id),
            case_id=answer.case_id,
        )
    refresh_card(runtime, client, answer.case_id)


# terms of reference ----------------------------------------------------------------------


def _posted(
    runtime: Runtime, row: TermsOfReference, previous: TermsOfReference | None
) -> TermsPosted:
    cipher = runtime.cipher
    with runtime.db.session() as session:
        reference = load_case(session, row.case_id).reference
        names = agency_names(session, list(row.agency_ids))
        born = case_identifiers(session, cipher, row.case_id).born
    form = terms_form(cipher, row)
    changed: list[str] = []
    if previous is not None:
        before = terms_form(cipher, previous)
        for key in (
            *TERMS_TEXTS,
            "period_from",
            "period_to",
            "agency_ids",
            "proceedings",
            "completion_date",
        ):
            if getattr(before, key) != getattr(form, key) and TERMS_LABELS[key] not in changed:
                changed.append(TERMS_LABELS[key])
    return TermsPosted(
        reference=reference,
        case_id=row.case_id,
        version=row.version,
        terms=form,
        agencies=[names[a] for a in row.agency_ids if a in names],
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
        born=born,
        changed=changed,
    )


def post_terms(runtime: Runtime, client: WebClient, case_id: int) -> None:
    """Post the current version; mark the one before it superseded."""
    with runtime.db.session() as session:
        row = current_terms(session, case_id)
        if row is None:
            return
        previous = session.scalar(
            select(TermsOfReference).where(
                TermsOfReference.case_id == case_id, TermsOfReference.version == row.version - 1
            )
        )
    posted = _posted(runtime, row, previous)
    to_channel(runtime, client, case_id, f"terms:v{row.version}", terms_message(posted))
    if previous is not None:
        sent = already_sent(runtime.db, f"case:{case_id}:terms:v{previous.version}")
        if sent is not None:
            old = terms_message(_posted(runtime, previous, None), superseded_by=row.version)
            SlackGateway(client, runtime.db, runtime.clock).try_update(sent.channel, sent.ts, old)
    refresh_card(runtime, client, case_id)
