"""The builder's iMIP rules, checked in the files as icalendar, vobject and ical read them:
who organises and on whose behalf, who is asked to answer, and the two kinds of CANCEL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.calendar.invites import (
    Attendee,
    Meeting,
    Organizer,
    build_cancel,
    build_request,
    build_uninvite,
)
from tests.calendar.readers import READERS, Reading, readings

LONDON = ZoneInfo("Europe/London")
DTSTAMP = datetime(2026, 6, 1, 8, tzinfo=UTC)
BOARD = Organizer(email="board@board.example", name="The Board", sent_by="sam.cpu@council.example")
CHAIR = Attendee(email="jo.cpu@council.example", name="Jo CPU", role="CHAIR")
KIM = Attendee(email="kim@health.example", name="Kim Health Lead")
CHRIS = Attendee(email="chris@cs.example", name="Chris")


def meeting(**changes: Any) -> Meeting:
    fields: dict[str, Any] = {
        "uid": "0f8e0d52@board.example",
        "sequence": 0,
        "case_reference": "scr-2026-001",
        "summary": "SCR-2026-001: Initial SCR Panel",
        "description": "Initial SCR Panel for scr-2026-001.",
        "start": datetime(2026, 6, 23, 10, tzinfo=LONDON),
        "end": datetime(2026, 6, 23, 12, tzinfo=LONDON),
        "organizer": BOARD,
        "attendees": [CHAIR, KIM, CHRIS],
    }
    fields.update(changes)
    return Meeting(**fields)


def by_address(reading: Reading) -> dict[str, dict[str, str]]:
    return {a.address.lower(): a.params for a in reading.attendees}


def test_the_board_organises_and_the_convener_is_its_sent_by() -> None:
    ics = build_request(meeting(), dtstamp=DTSTAMP)

    # RFC 5545 3.2.18: SENT-BY is a quoted cal-address.
    assert b'SENT-BY="mailto:sam.cpu@council.example"' in ics.replace(b"\r\n ", b"")
    for reading in readings(ics):
        assert reading.organizer.address.lower() == "mailto:board@board.example", reading.reader
        assert reading.organizer.params["CN"] == "The Board", reading.reader
        assert reading.organizer.params["SENT-BY"].lower() == "mailto:sam.cpu@council.example"


def test_every_attendee_is_a_mailto_address_asked_to_answer() -> None:
    ics = build_request(meeting(), dtstamp=DTSTAMP)

    for reading in readings(ics):
        assert list(by_address(reading)) == [
            "mailto:jo.cpu@council.example",
            "mailto:kim@health.example",
            "mailto:chris@cs.example",
        ], reading.reader
        assert {p["RSVP"] for p in by_address(reading).values()} == {"TRUE"}, reading.reader


def test_the_organising_mailbox_is_never_an_attendee_asked_to_answer() -> None:
    itself = Attendee(email="Board@board.example", name="The Board")
    ics = build_request(meeting(attendees=[itself, KIM]), dtstamp=DTSTAMP)

    for reading in readings(ics):
        params = by_address(reading)["mailto:board@board.example"]
        assert (params["RSVP"], params["PARTSTAT"]) == ("FALSE", "ACCEPTED"), reading.reader
        assert by_address(reading)["mailto:kim@health.example"]["RSVP"] == "TRUE"


def test_a_convener_on_the_panel_appears_once_as_what_they_are_on_it() -> None:
    convener_as_chair = Attendee(email="sam.cpu@council.example", name="Sam CPU", role="CHAIR")
    copy = Attendee(
        email="SAM.CPU@council.example", name="Sam CPU", role="NON-PARTICIPANT", rsvp=False
    )
    ics = build_request(meeting(attendees=[convener_as_chair, KIM, copy]), dtstamp=DTSTAMP)

    for reading in readings(ics):
        assert len(reading.attendees) == 2, reading.reader
        params = by_address(reading)["mailto:sam.cpu@council.example"]
        assert (params["ROLE"], params["RSVP"]) == ("CHAIR", "TRUE"), reading.reader


def test_someone_copied_for_information_is_not_asked_to_answer() -> None:
    copy = Attendee(
        email="sam.cpu@council.example",
        name="Sam CPU",
        role="NON-PARTICIPANT",
        partstat="ACCEPTED",
        rsvp=False,
    )
    ics = build_request(meeting(attendees=[KIM, copy]), dtstamp=DTSTAMP)

    for reading in readings(ics):
        params = by_address(reading)["mailto:sam.cpu@council.example"]
        assert (params["ROLE"], params["RSVP"]) == ("NON-PARTICIPANT", "FALSE"), reading.reader


def test_uninviting_one_member_is_a_cancel_naming_them_alone_without_a_status() -> None:
    before = meeting()
    after = meeting(sequence=1, attendees=[CHRIS])

    request = build_request(before, dtstamp=DTSTAMP)
    ics = build_uninvite(after, dtstamp=DTSTAMP + timedelta(hours=1))

    assert b"STATUS" not in ics.split(b"BEGIN:VEVENT")[1]
    for old, reading in zip(readings(request), readings(ics), strict=True):
        assert reading.method == "CANCEL", reading.reader
        assert reading.status is None, reading.reader
        assert list(by_address(reading)) == ["mailto:chris@cs.example"], reading.reader
        assert reading.uid == old.uid, reading.reader
        assert reading.sequence > old.sequence, reading.reader


def test_cancelling_the_meeting_is_a_cancel_with_status_cancelled_for_everyone() -> None:
    ics = build_cancel(meeting(sequence=2), dtstamp=DTSTAMP)

    for reading in readings(ics):
        assert (reading.method, reading.status, reading.sequence) == ("CANCEL", "CANCELLED", 2)
        assert len(reading.attendees) == 3, reading.reader


@pytest.mark.parametrize(
    ("start", "utc_start"),
    [
        (datetime(2026, 6, 23, 10, tzinfo=LONDON), datetime(2026, 6, 23, 9, tzinfo=UTC)),
        (datetime(2026, 12, 15, 10, tzinfo=LONDON), datetime(2026, 12, 15, 10, tzinfo=UTC)),
        (datetime(2026, 3, 29, 2, tzinfo=LONDON), datetime(2026, 3, 29, 1, tzinfo=UTC)),
        (datetime(2026, 10, 25, 9, tzinfo=LONDON), datetime(2026, 10, 25, 9, tzinfo=UTC)),
    ],
    ids=["summer", "winter", "spring-change", "autumn-change"],
)
def test_every_reader_reads_the_start_at_the_right_instant(
    start: datetime, utc_start: datetime
) -> None:
    ics = build_request(meeting(start=start, end=start + timedelta(hours=2)), dtstamp=DTSTAMP)

    got = {r.reader: (r.start, r.end) for r in readings(ics)}

    assert got == dict.fromkeys(READERS, (utc_start, utc_start + timedelta(hours=2)))
