"""An interview (Appendix 2) in Slack and by e-mail, through the gateway only: the reviewer's
message about it (redrawn at each change) and each revision of its calendar invitation, by
DM and e-mail, each once (the gateway's ledger, by key); the case card redrawn after."""

from __future__ import annotations

import logging

from bot.calendar.invites import Attendee, Organizer
from bot.calendar.mailer import InviteMailError
from bot.flows.cases import refresh_card
from bot.flows.panel import mailer_for, organizer_for
from bot.flows.review import attendee_of, post, redraw
from bot.gateway import SlackError, SlackGateway
from bot.runtime import Runtime
from bot.services.panel.delivery import UID_DOMAIN
from bot.services.review.interviews import Invitation, interview_facts, invitation
from bot.services.review.schema import InterviewFacts
from bot.views.interviews import ics_comment, interview_email, revision_dm, scheduled

log = logging.getLogger(__name__)


def _interview(runtime: Runtime, interview_id: int) -> InterviewFacts:
    with runtime.db.session() as session:
        return interview_facts(session, runtime.cipher, interview_id)


def redraw_interview(runtime: Runtime, slack: SlackGateway, interview_id: int) -> None:
    """The reviewer's message about the interview, as it now stands; the card."""
    facts = _interview(runtime, interview_id)
    redraw(slack, f"interview:{interview_id}:scheduled", scheduled(facts))
    refresh_card(runtime, slack.client, facts.case_id)


def send_interview(runtime: Runtime, slack: SlackGateway, interview_id: int) -> None:
    """The interview's latest revision to everyone it concerns: the reviewer's message
    (posted once, then redrawn), and to the reviewer and a Slack interviewee a DM with the
    calendar file (a REQUEST, or a CANCEL once cancelled; same UID, the revision's
    SEQUENCE); by e-mail too when the Board's mail is set up. Each DM goes once per
    revision, and the e-mail with the revision's first DM."""
    facts = _interview(runtime, interview_id)
    key = f"interview:{interview_id}:scheduled"
    if slack.sent(key) is None:
        post(slack, key, facts.reviewer, scheduled(facts), facts.case_id)
    else:
        redraw(slack, key, scheduled(facts))
    people = [facts.reviewer] + ([facts.interviewee] if facts.interviewee else [])
    contacts = {p: attendee_of(slack, p) for p in dict.fromkeys(people)}
    attendees = [
        a.model_copy(update={"role": "CHAIR"}) if p == facts.reviewer else a
        for p, a in contacts.items()
        if a is not None
    ]
    built = None
    if attendees:
        organizer = _organizer(runtime, contacts.get(facts.reviewer))
        built = invitation(facts, organizer=organizer, attendees=attendees, now=runtime.clock.now())
    else:
        log.warning("interview %s: nobody invited is known to Slack", interview_id)
    fresh = False
    for person in contacts:
        dm_key = f"interview:{interview_id}:{facts.sequence}:dm:{person}"
        if slack.sent(dm_key) is not None:
            continue
        message = revision_dm(
            facts, interviewee=person != facts.reviewer, with_file=built is not None
        )
        if post(slack, dm_key, person, message, facts.case_id):
            fresh = True
            if built is not None:
                _share(slack, person, built, ics_comment(facts, built.method), interview_id)
    if built is not None and fresh:
        _email(runtime, facts, built, attendees)
    refresh_card(runtime, slack.client, facts.case_id)


def _organizer(runtime: Runtime, reviewer: Attendee | None) -> Organizer:
    """The Board's mailbox organises, as for the panel; without one, the reviewer who
    arranged the interview does, so that a calendar's answer reaches a person."""
    board: Organizer | None = organizer_for(runtime)
    if board is not None:
        return board
    if reviewer is not None and reviewer.email is not None:
        return Organizer(email=reviewer.email, name=reviewer.name)
    return Organizer(email=f"scr-bot@{UID_DOMAIN}", name=runtime.partnership.board.name)


def _share(
    slack: SlackGateway, person: str, built: Invitation, comment: str, interview_id: int
) -> None:
    try:
        slack.upload(
            slack.dm_channel(person), filename=built.filename, content=built.ics, comment=comment
        )
    except SlackError as exc:
        log.warning(
            "interview %s: calendar file not delivered to one person (%s)", interview_id, exc.code
        )


def _email(
    runtime: Runtime, facts: InterviewFacts, built: Invitation, attendees: list[Attendee]
) -> None:
    mailer = mailer_for(runtime)
    if mailer is None:
        return
    subject, body = interview_email(facts, built.method)
    try:
        mailer.send_invite(
            to=[(a.name, a.email) for a in attendees if a.email is not None],
            subject=subject,
            text_body=body,
            ics=built.ics,
            method=built.method,
            filename=built.filename,
        )
    except InviteMailError as exc:
        log.warning("interview %s: %s", facts.interview_id, exc)
