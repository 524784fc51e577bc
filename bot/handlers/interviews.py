"""Interviews with workers (Appendix 2): `/scr interview` in the case channel schedules one
(optionally with a calendar invitation), and the reviewer records the summary's outcome."""

from __future__ import annotations

import logging
from datetime import date
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.calendar.invites import Attendee, Organizer, new_uid
from bot.flows.review import to_channel
from bot.gateway import SlackError, SlackGateway
from bot.handlers import review_common as common
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction, ViewSubmission
from bot.ids import ReviewAction, ReviewBlock, ReviewCallback
from bot.runtime import Runtime
from bot.services.cases import load_case
from bot.services.engine import involved_agencies
from bot.services.imr import IMR_KINDS
from bot.services.interviews import (
    InterviewForm,
    OutcomeForm,
    interview_for,
    invitation,
    record_outcome,
    schedule_interview,
)
from bot.services.panel_invites import uid_domain
from bot.services.review import ReviewRefusedError
from bot.services.review_access import acts_for_agency
from bot.views.imr import Choice
from bot.views.interviews import (
    invited,
    outcome_modal,
    outcome_recorded,
    schedule_modal,
    scheduled,
)
from storage.models import Agency, Case, WorkerInterview

log = logging.getLogger(__name__)


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    opener = partial(_schedule_opener, runtime)
    router.add(
        "interview",
        "/scr interview",
        "arrange an interview with a worker for your agency's review (in the case channel)",
        common.command(runtime, opener),
    )
    app.action(ReviewAction.OPEN_INTERVIEW.value)(common.button(runtime, opener))
    app.view(ReviewCallback.INTERVIEW.value)(_submit_schedule(runtime))
    app.action(ReviewAction.OPEN_INTERVIEW_OUTCOME.value)(_open_outcome(runtime))
    app.view(ReviewCallback.INTERVIEW_OUTCOME.value)(_submit_outcome(runtime))


def _schedule_opener(
    runtime: Runtime, session: Session, case: Case, user: str, today: date
) -> View | str:
    if case.stage not in IMR_KINDS or case.closed_at is not None:
        return "Interviews belong to the management reviews, which are not under way."
    mine = [
        session.get(Agency, a.agency_id)
        for a in involved_agencies(session, case.id)
        if acts_for_agency(session, case.id, a.agency_id, user)
    ]
    choices = [Choice(a.id, a.name) for a in mine if a is not None]
    if not choices:
        return "The agency's reviewer arranges its interviews."
    return schedule_modal(case.reference, case.id, choices, today)


def _submit_schedule(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        case_id = int(payload.view.private_metadata)
        values = {k: v for k, v in payload.values().items() if v not in (None, "", [])}
        values["invite"] = bool(values.get(ReviewBlock.INVITE.value))
        now = runtime.clock.now()
        cal = runtime.working_calendar()
        form = common.validated(ack, InterviewForm, values, {"today": cal.london_date(now)})
        if form is None:
            return
        texts = {"interviewee_role": form.interviewee_role, "location": form.location}
        uid = new_uid(uid_domain(runtime.settings.smtp_from))
        try:
            with runtime.db.session() as session:
                if common.names_child(runtime, session, ack, case_id, texts):
                    return
                row = schedule_interview(
                    session, cal, now, runtime.cipher, case_id, form, actor=payload.user.id, uid=uid
                )
                agency = session.get(Agency, form.agency_id)
                reference = load_case(session, case_id).reference
        except ReviewRefusedError as exc:
            common.refused(ack, ReviewBlock.AGENCY.value, exc)
            return
        ack()
        name = agency.name if agency else ""
        message = scheduled(reference, name, row.starts_at, row.id)
        slack = SlackGateway(client, runtime.db, runtime.clock)
        slack.try_post_once(f"interview:{row.id}:scheduled", row.reviewer, message, case_id=case_id)
        if form.invite:
            _send_invitation(runtime, client, row, reference, form.location)

    return handle


def _person(slack: SlackGateway, user: str) -> Attendee | None:
    try:
        profile = slack.user(user)
    except SlackError:
        return None
    email = (profile.get("profile") or {}).get("email")
    return Attendee(email=email, name=profile.get("real_name") or user) if email else None


def _send_invitation(
    runtime: Runtime, client: WebClient, row: WorkerInterview, reference: str, location: str
) -> None:
    """Upload the `.ics` to the reviewer's (and a Slack interviewee's) DM."""
    people = [row.reviewer] + ([row.interviewee] if row.interviewee else [])
    slack = SlackGateway(client, runtime.db, runtime.clock)
    attendees = [a for a in (_person(slack, p) for p in people) if a is not None]
    if not attendees:
        log.warning("interview %s: no e-mail address for an invitation", row.id)
        return
    organizer = Organizer(email=attendees[0].email, name=attendees[0].name)
    built = invitation(
        row,
        reference,
        organizer=organizer,
        attendees=attendees,
        location=location,
        now=runtime.clock.now(),
    )
    for person in people:
        try:
            slack.upload(
                slack.dm_channel(person),
                filename=built.filename,
                title=built.filename,
                content=built.ics,
                comment=invited(reference),
            )
        except SlackError:
            log.warning("interview %s: invitation not delivered to one person", row.id)


def _open_outcome(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        value = payload.action.value or ""
        with runtime.db.session() as session:
            row = interview_for(session, int(value)) if value.isdigit() else None
            allowed = row is not None and acts_for_agency(
                session, row.case_id, row.agency_id, payload.user.id
            )
            reference = load_case(session, row.case_id).reference if row else ""
        if row is None or not allowed or row.status != "scheduled":
            respond(
                text="This interview's outcome is not yours to record now.", replace_original=False
            )
            return
        today = runtime.working_calendar().london_date(runtime.clock.now())
        client.views_open(
            trigger_id=payload.trigger_id, view=outcome_modal(reference, row.id, today)
        )

    return handle


def _submit_outcome(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        interview_id = int(payload.view.private_metadata)
        values = payload.answered()
        now = runtime.clock.now()
        form = common.validated(
            ack, OutcomeForm, values, {"today": runtime.working_calendar().london_date(now)}
        )
        if form is None:
            return
        field = ReviewBlock.DISAGREEMENT.value
        try:
            with runtime.db.session() as session:
                row = interview_for(session, interview_id)
                if row is None:
                    raise ReviewRefusedError("That interview is not on record.")
                case_id = row.case_id
                if common.names_child(runtime, session, ack, case_id, {field: form.disagreement}):
                    return
                changed = record_outcome(
                    session, now, runtime.cipher, interview_id, form, actor=payload.user.id
                )
                reference = load_case(session, case_id).reference
        except ReviewRefusedError as exc:
            common.refused(ack, field, exc)
            return
        ack()
        if changed:
            message = outcome_recorded(reference, form.agreed, payload.user.id, form.shared_on)
            to_channel(runtime, client, case_id, f"interview:{interview_id}:outcome", message)

    return handle
