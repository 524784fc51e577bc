"""Every calendar file a panel's life sends by e-mail (the invitation, its update, the
cancellation for a member taken off, the panel's cancellation; a summer and a winter
panel), caught by a real SMTP server and read by icalendar, vobject and ical: the start at
the right instant, and the iMIP rules a calendar client acts on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from bot.ids import PanelAction
from bot.testing.harness import Harness, start_harness
from bot.testing.seed import PEOPLE
from tests.calendar.readers import Reading, readings
from tests.flow_helpers import cases, refer
from tests.panel.helpers import (
    CHAIR,
    MEMBERS,
    ORGANISER,
    card_message,
    open_modal,
    referred_case,
    schedule_answers,
    schedule_panel,
    submit,
)
from tests.panel.test_panel_mail import SENDER, Inbox, free_port, mail_settings, parts

LONDON = ZoneInfo("Europe/London")
EMAILS = {p.user_id: p.email for p in PEOPLE}
BOARD = f"mailto:{SENDER}"
CONVENER = f"mailto:{EMAILS[ORGANISER]}"
TAKEN_OFF = "U0DPC"
SLACK_MARKUP = re.compile(r"<[^>\s]*\|[^>]*>|<@U|\*[^*\s][^*]*\*")


@dataclass(frozen=True)
class Sent:
    """One e-mail as received, with its calendar read by every reader."""

    to: str
    subject: str
    text: str
    mime_method: str
    readings: list[Reading]


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def relay(inbox: Inbox, smtp_port: int) -> Iterator[Controller]:
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def mail_harness(standin, database, clock, smtp_port, relay) -> Iterator[Harness]:
    settings = mail_settings(standin, database, smtp_port)
    harness = start_harness(standin, database, clock, settings=settings)
    yield harness
    harness.close()


def received(inbox: Inbox) -> list[Sent]:
    """What reached the relay since the last call, each calendar checked as it is read."""
    out = []
    for to, message in inbox.received:
        plain, calendar, attachment = parts(message)
        content = calendar.get_content()
        ics = content.encode() if isinstance(content, str) else content
        assert attachment.get_content() == ics
        out.append(
            Sent(
                to=to[0],
                subject=str(message["Subject"]),
                text=plain.get_content(),
                mime_method=str(calendar.get_param("method")),
                readings=readings(ics),
            )
        )
    inbox.received.clear()
    return out


def attendees(reading: Reading) -> dict[str, dict[str, str]]:
    return {a.address.lower(): a.params for a in reading.attendees}


def assert_imip(sent: Sent, *, uid: str, sequence: int) -> None:
    """The rules every file keeps, whoever reads it."""
    for reading in sent.readings:
        where = (sent.to, reading.reader)
        assert reading.method == sent.mime_method, where  # RFC 6047 2.4
        assert (reading.uid, reading.sequence) == (uid, sequence), where
        assert reading.organizer.address.lower() == BOARD, where
        assert reading.organizer.params["SENT-BY"].lower() == CONVENER, where
        for address, params in attendees(reading).items():
            assert address.startswith("mailto:"), where
            if address == BOARD or params["ROLE"] == "NON-PARTICIPANT":
                assert params["RSVP"] == "FALSE", where
    assert not SLACK_MARKUP.search(sent.text), sent.text


def change_panel(harness: Harness, case, **overrides) -> None:
    view_id = open_modal(harness, ORGANISER, "panel change", case.channel_id)
    assert submit(harness, ORGANISER, schedule_answers(**overrides), view_id) == {}


def test_every_file_of_a_winter_panels_life(mail_harness, inbox) -> None:
    case = referred_case(mail_harness)
    panel = {EMAILS[u] for u in (*MEMBERS, CHAIR)}
    kept = {EMAILS[u] for u in (*MEMBERS, CHAIR) if u != TAKEN_OFF}

    schedule_panel(mail_harness, case)
    invited = received(inbox)
    uid = invited[0].readings[0].uid
    assert {s.to for s in invited} == {*panel, EMAILS[ORGANISER], SENDER}
    for sent in invited:
        assert_imip(sent, uid=uid, sequence=0)
        for reading in sent.readings:
            assert reading.status == "CONFIRMED"
            assert reading.start == datetime(2026, 12, 15, 10, tzinfo=UTC)  # GMT
            assert reading.end == datetime(2026, 12, 15, 12, tzinfo=UTC)
            people = attendees(reading)
            assert set(people) == {f"mailto:{e}" for e in (*panel, EMAILS[ORGANISER])}
            assert people[CONVENER]["ROLE"] == "NON-PARTICIPANT"
            assert {people[f"mailto:{e}"]["RSVP"] for e in panel} == {"TRUE"}
    by_address = {s.to: s for s in invited}
    assert by_address[EMAILS["U0DPP"]].subject == "Invitation: SCR-2026-001 Initial SCR Panel"
    assert "Join online: https://meet.example.org/scr-panel" in by_address[EMAILS["U0DPP"]].text
    assert "need not answer" in by_address[EMAILS[ORGANISER]].text
    assert by_address[SENDER].subject == "Copy: Invitation: SCR-2026-001 Initial SCR Panel"

    change_panel(mail_harness, case, panel_members=[u for u in MEMBERS if u != TAKEN_OFF])
    changed = received(inbox)
    uninvites = [
        s
        for s in changed
        if s.subject.endswith("Taken off the panel: SCR-2026-001 Initial SCR Panel")
    ]
    updates = [s for s in changed if s not in uninvites]
    assert {s.to for s in uninvites} == {EMAILS[TAKEN_OFF], SENDER}
    assert {s.to for s in updates} == {*kept, EMAILS[ORGANISER], SENDER}
    for sent in uninvites:
        assert_imip(sent, uid=uid, sequence=1)
        assert sent.mime_method == "CANCEL"
        for reading in sent.readings:
            assert reading.status is None, reading.reader  # RFC 5546 3.2.5
            assert list(attendees(reading)) == [f"mailto:{EMAILS[TAKEN_OFF]}"]
    [taken_off] = [s for s in uninvites if s.to == EMAILS[TAKEN_OFF]]
    assert taken_off.subject == "Taken off the panel: SCR-2026-001 Initial SCR Panel"
    assert "You have been taken off" in taken_off.text
    assert "still meets" in taken_off.text
    assert "is cancelled" not in taken_off.text
    for sent in updates:
        assert_imip(sent, uid=uid, sequence=1)
        assert sent.mime_method == "REQUEST"
        for reading in sent.readings:
            assert f"mailto:{EMAILS[TAKEN_OFF]}" not in attendees(reading)
    assert {s.subject for s in updates if s.to != SENDER} == {
        "Updated invitation: SCR-2026-001 Initial SCR Panel"
    }

    card = card_message(mail_harness, case)
    mail_harness.driver.block_action(
        ORGANISER, PanelAction.CANCEL.value, channel_id=case.channel_id, message_ts=card.ts
    )
    mail_harness.wait()
    cancelled = received(inbox)
    assert {s.to for s in cancelled} == {*kept, EMAILS[ORGANISER], SENDER}
    for sent in cancelled:
        assert_imip(sent, uid=uid, sequence=2)
        assert sent.mime_method == "CANCEL"
        assert {r.status for r in sent.readings} == {"CANCELLED"}
        assert "is cancelled" in sent.text


def test_a_summer_panel_chaired_by_its_convener(mail_harness, inbox) -> None:
    """British Summer Time: 10:00 in London is 09:00 UTC, for every reader. The convener
    chairs, so they are an attendee once, asked to answer like the rest of the panel; when
    they hand the chair on and leave the panel, they are copied on it from then on, and
    never sent a cancellation."""
    mail_harness.clock.set(datetime(2026, 6, 1, 10, tzinfo=LONDON))
    refer(mail_harness, referral_date="2026-06-01", incident_date="2026-05-28")
    [case] = cases(mail_harness)

    schedule_panel(
        mail_harness,
        case,
        panel_date="2026-06-23",
        panel_start="10:00",
        panel_end="12:00",
        panel_chair=ORGANISER,
    )

    sent = received(inbox)
    assert {s.to for s in sent} == {EMAILS[u] for u in (*MEMBERS, ORGANISER)} | {SENDER}
    uid = sent[0].readings[0].uid
    for mail in sent:
        assert_imip(mail, uid=uid, sequence=0)
        for reading in mail.readings:
            assert reading.start == datetime(2026, 6, 23, 9, tzinfo=UTC), reading.reader
            assert reading.end == datetime(2026, 6, 23, 11, tzinfo=UTC), reading.reader
            convener = [a for a in reading.attendees if a.address.lower() == CONVENER]
            assert [(a.params["ROLE"], a.params["RSVP"]) for a in convener] == [
                ("CHAIR", "TRUE")
            ], reading.reader
    assert "When: Tue 23 Jun 2026, 10:00–12:00 (London time)" in sent[0].text

    change_panel(
        mail_harness,
        case,
        panel_date="2026-06-23",
        panel_start="10:00",
        panel_end="12:00",
        panel_chair=CHAIR,
    )

    after = received(inbox)
    assert {s.mime_method for s in after} == {"REQUEST"}
    [to_convener] = [s for s in after if s.to == EMAILS[ORGANISER]]
    assert "need not answer" in to_convener.text
    for reading in to_convener.readings:
        params = attendees(reading)[CONVENER]
        assert (params["ROLE"], params["RSVP"]) == ("NON-PARTICIPANT", "FALSE"), reading.reader
        assert reading.sequence == 1
