"""Answers that come back from people's calendars by e-mail, read by the worker over IMAP
from a real IMAP server on the loopback interface (`bot.testing.imap_standin`): a REPLY
changes the case card and the member's invitation DM as their answer in Slack would; a
reply that does not count changes nothing and is logged without content; every handled
message is filed, and reading one again has no effect."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
from icalendar import Calendar, Event, vCalAddress
from sqlalchemy import func, select

from bot.ids import PanelAction
from bot.jobs.worker import tick
from bot.testing.harness import Harness, make_settings, start_harness
from bot.testing.imap_standin import ImapStandIn
from bot.testing.seed import PEOPLE
from storage.models import AuditEvent, PanelMember
from tests.panel.helpers import (
    ORGANISER,
    card_message,
    card_text,
    latest_dm,
    meetings,
    open_modal,
    referred_case,
    schedule_answers,
    schedule_panel,
    submit,
)

MAILBOX_USER = "panels@board.example"
MAILBOX_PASSWORD = "correct horse battery staple"
EMAILS = {p.user_id: p.email for p in PEOPLE}
NAMES = {p.user_id: p.name for p in PEOPLE}
POLICE = "U0DPP"
SUBJECT = "Accepted: SCR-2026-001 Initial SCR Panel"


@pytest.fixture
def mailbox() -> Iterator[ImapStandIn]:
    server = ImapStandIn(MAILBOX_USER, MAILBOX_PASSWORD).start()
    yield server
    server.stop()


@pytest.fixture
def imap_harness(standin, database, clock, mailbox) -> Iterator[Harness]:
    settings = make_settings(
        standin,
        database.engine.url.render_as_string(hide_password=False),
        IMAP_HOST="127.0.0.1",
        IMAP_PORT=mailbox.port,
        IMAP_USER=MAILBOX_USER,
        IMAP_PASSWORD=MAILBOX_PASSWORD,
        IMAP_SSL=False,
        IMAP_PROCESSED_FOLDER="Calendar replies",
    )
    harness = start_harness(standin, database, clock, settings=settings)
    yield harness
    harness.close()


def reply_mail(
    uid: str,
    email: str,
    partstat: str = "ACCEPTED",
    *,
    sequence: int = 0,
    stamp: datetime,
    sender: str | None = None,
    attached_only: bool = False,
) -> bytes:
    """An iMIP REPLY as calendar clients send it: Outlook's text/calendar part, or (with
    ``attached_only``) Google's base64 `invite.ics` attachment beside a text part."""
    calendar = Calendar()
    calendar.add("PRODID", "-//Example Calendar Client//EN")
    calendar.add("VERSION", "2.0")
    calendar.add("METHOD", "REPLY")
    event = Event()
    event.add("UID", uid)
    event.add("SEQUENCE", sequence)
    event.add("DTSTAMP", stamp)
    event.add("DTSTART", datetime(2026, 12, 15, 10))
    event.add("ORGANIZER", vCalAddress("mailto:panels@board.example"))
    attendee = vCalAddress(f"MAILTO:{email.upper()}")
    attendee.params["PARTSTAT"] = partstat
    attendee.params["CN"] = "A Person"
    event.add("ATTENDEE", attendee)
    calendar.add_component(event)
    ics = calendar.to_ical()
    message = EmailMessage()
    message["From"] = sender or email
    message["To"] = MAILBOX_USER
    message["Subject"] = SUBJECT
    message.set_content("This person has answered the invitation.")
    if attached_only:
        message.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
    else:
        message.add_alternative(
            ics, maintype="text", subtype="calendar", params={"method": "REPLY"}
        )
    return bytes(message)


def scheduled(harness: Harness):
    case = referred_case(harness)
    schedule_panel(harness, case)
    [meeting] = meetings(harness)
    return case, meeting


def rsvps(harness: Harness) -> int:
    with harness.runtime.db.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "panel.rsvp")
            )
            or 0
        )


def member(harness: Harness, user: str) -> PanelMember:
    with harness.runtime.db.session() as session:
        return session.scalars(select(PanelMember).where(PanelMember.slack_user_id == user)).one()


def test_an_accept_read_over_imap_shows_on_the_card_and_the_dm(imap_harness, mailbox) -> None:
    case, meeting = scheduled(imap_harness)
    now = imap_harness.clock.now()
    mailbox.deliver(reply_mail(meeting.uid, EMAILS[POLICE], stamp=now + timedelta(minutes=5)))
    imap_harness.clock.advance(timedelta(minutes=10))

    report = tick(imap_harness.runtime)

    assert report.email_answers == 1
    assert f"Coming: <@{POLICE}> (by e-mail)" in card_text(imap_harness, case)
    dm = latest_dm(imap_harness, POLICE, PanelAction.ACCEPT.value)
    assert "coming (from your calendar, by e-mail)" in json.dumps(dm.blocks)
    answered = member(imap_harness, POLICE)
    assert (answered.partstat, answered.answered_by_email) == ("ACCEPTED", True)
    assert mailbox.messages_in("INBOX") == []
    [filed] = mailbox.messages_in("Calendar replies")
    assert "\\Seen" in filed.flags
    assert mailbox.called("UID FETCH")[0][-1] == "['UID', 'BODY.PEEK[]']"


def test_a_google_style_decline_attached_as_a_file_counts(imap_harness, mailbox) -> None:
    case, meeting = scheduled(imap_harness)
    stamp = imap_harness.clock.now() + timedelta(minutes=1)
    mailbox.deliver(
        reply_mail(meeting.uid, EMAILS[POLICE], "DECLINED", stamp=stamp, attached_only=True)
    )
    imap_harness.clock.advance(timedelta(minutes=2))

    tick(imap_harness.runtime)

    assert f"Not coming: <@{POLICE}>" in card_text(imap_harness, case)


@pytest.mark.postgres
def test_the_same_reply_read_again_has_no_effect(imap_harness, mailbox) -> None:
    case, meeting = scheduled(imap_harness)
    raw = reply_mail(
        meeting.uid, EMAILS[POLICE], stamp=imap_harness.clock.now() + timedelta(minutes=1)
    )
    mailbox.deliver(raw)
    imap_harness.clock.advance(timedelta(minutes=2))
    tick(imap_harness.runtime)
    recorded, updates = rsvps(imap_harness), len(imap_harness.standin.calls_to("chat.update"))
    card = card_text(imap_harness, case)

    mailbox.deliver(raw)  # as if filing had failed after the answer was stored
    imap_harness.clock.advance(timedelta(minutes=1))
    report = tick(imap_harness.runtime)

    assert report.email_answers == 0
    assert rsvps(imap_harness) == recorded == 1
    assert len(imap_harness.standin.calls_to("chat.update")) == updates
    assert card_text(imap_harness, case) == card
    assert mailbox.messages_in("INBOX") == []
    assert len(mailbox.messages_in("Calendar replies")) == 2


def test_a_reply_older_than_a_later_slack_answer_does_not_undo_it(imap_harness, mailbox) -> None:
    case, meeting = scheduled(imap_harness)
    written = imap_harness.clock.now() + timedelta(minutes=1)
    imap_harness.clock.advance(timedelta(minutes=5))
    dm = latest_dm(imap_harness, POLICE, PanelAction.ACCEPT.value)
    imap_harness.driver.block_action(
        POLICE, PanelAction.DECLINE.value, channel_id=dm.channel, message_ts=dm.ts
    )
    imap_harness.wait()
    mailbox.deliver(reply_mail(meeting.uid, EMAILS[POLICE], "ACCEPTED", stamp=written))

    tick(imap_harness.runtime)

    assert member(imap_harness, POLICE).partstat == "DECLINED"
    assert f"Not coming: <@{POLICE}>" in card_text(imap_harness, case)
    assert "by e-mail" not in card_text(imap_harness, case)
    assert mailbox.messages_in("INBOX") == []


def test_a_reply_for_an_unknown_meeting_changes_nothing_and_is_logged_without_content(
    imap_harness, mailbox, caplog
) -> None:
    case, meeting = scheduled(imap_harness)
    stamp = imap_harness.clock.now() + timedelta(minutes=1)
    mailbox.deliver(reply_mail("not-ours@elsewhere.example", EMAILS[POLICE], stamp=stamp))
    mailbox.deliver(reply_mail(meeting.uid, EMAILS["U0OUTSIDER"], stamp=stamp))
    mailbox.deliver(
        reply_mail(meeting.uid, EMAILS[POLICE], stamp=stamp, sender=EMAILS["U0OUTSIDER"])
    )
    card = card_text(imap_harness, case)
    updates = len(imap_harness.standin.calls_to("chat.update"))
    imap_harness.clock.advance(timedelta(minutes=2))

    with caplog.at_level(logging.DEBUG):
        report = tick(imap_harness.runtime)

    assert report.email_answers == 0
    assert rsvps(imap_harness) == 0
    assert card_text(imap_harness, case) == card
    assert len(imap_harness.standin.calls_to("chat.update")) == updates
    assert mailbox.messages_in("INBOX") == []
    assert len(mailbox.messages_in("Calendar replies")) == 3
    reasons = "\n".join(r.getMessage() for r in caplog.records if "calendar reply" in r.message)
    assert "not one of the bot's meetings" in reasons
    assert "from someone not on the panel" in reasons
    assert "sent by someone other than the attendee" in reasons
    logged = caplog.text.lower()
    for secret in (EMAILS[POLICE], EMAILS["U0OUTSIDER"], "elsewhere", SUBJECT, "a person"):
        assert secret.lower() not in logged


def test_a_reply_for_a_cancelled_meeting_is_filed_and_ignored(imap_harness, mailbox) -> None:
    case, meeting = scheduled(imap_harness)
    card = card_message(imap_harness, case)
    imap_harness.driver.block_action(
        ORGANISER, PanelAction.CANCEL.value, channel_id=case.channel_id, message_ts=card.ts
    )
    imap_harness.wait()
    mailbox.deliver(
        reply_mail(meeting.uid, EMAILS[POLICE], stamp=imap_harness.clock.now(), sequence=1)
    )
    imap_harness.clock.advance(timedelta(minutes=2))

    tick(imap_harness.runtime)

    assert member(imap_harness, POLICE).partstat == "NEEDS-ACTION"
    assert len(mailbox.messages_in("Calendar replies")) == 1


def change(harness: Harness, case, **overrides) -> None:
    view_id = open_modal(harness, ORGANISER, "panel change", case.channel_id)
    submit(harness, ORGANISER, schedule_answers(**overrides), view_id)


def test_a_reply_to_a_time_since_moved_is_not_an_answer_to_the_new_time(
    imap_harness, mailbox
) -> None:
    case, meeting = scheduled(imap_harness)
    change(imap_harness, case, panel_start="14:00", panel_end="16:00")
    stamp = imap_harness.clock.now() + timedelta(minutes=1)
    mailbox.deliver(reply_mail(meeting.uid, EMAILS[POLICE], stamp=stamp, sequence=0))
    imap_harness.clock.advance(timedelta(minutes=2))

    tick(imap_harness.runtime)

    assert member(imap_harness, POLICE).partstat == "NEEDS-ACTION"

    mailbox.deliver(reply_mail(meeting.uid, EMAILS[POLICE], stamp=stamp, sequence=1))
    tick(imap_harness.runtime)

    assert member(imap_harness, POLICE).partstat == "ACCEPTED"


def test_a_reply_to_an_earlier_revision_at_the_same_time_still_counts(
    imap_harness, mailbox
) -> None:
    case, meeting = scheduled(imap_harness)
    change(imap_harness, case, panel_location="Room 5, Town Hall")
    stamp = imap_harness.clock.now() + timedelta(minutes=1)
    mailbox.deliver(reply_mail(meeting.uid, EMAILS[POLICE], "TENTATIVE", stamp=stamp))
    imap_harness.clock.advance(timedelta(minutes=2))

    tick(imap_harness.runtime)

    assert member(imap_harness, POLICE).partstat == "TENTATIVE"
    assert f"Maybe: <@{POLICE}>" in card_text(imap_harness, case)


def test_other_mail_is_left_unread_where_it_is_and_read_once(imap_harness, mailbox) -> None:
    scheduled(imap_harness)
    letter = EmailMessage()
    letter["From"] = EMAILS[POLICE]
    letter["Subject"] = "Re: Invitation: SCR-2026-001 Initial SCR Panel"
    letter.set_content("I may be late.")
    mailbox.deliver(bytes(letter))

    tick(imap_harness.runtime)
    tick(imap_harness.runtime)

    [kept] = mailbox.messages_in("INBOX")
    assert kept.flags == set()
    assert len(mailbox.called("UID FETCH")) == 1
    assert mailbox.messages_in("Calendar replies") == []
