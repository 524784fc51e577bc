"""The invites are checked with two parsers: icalendar (which wrote them) and ical."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from ical.calendar import Calendar as IcalCalendar
from ical.calendar_stream import CalendarStream
from ical.timezone import IcsTimezoneInfo
from pydantic import ValidationError

from bot.calendar.invites import (
    PRODID,
    Attendee,
    Meeting,
    Organizer,
    build_cancel,
    build_request,
    ics_filename,
    new_uid,
)

LONDON = ZoneInfo("Europe/London")
DTSTAMP = datetime(2026, 10, 1, 8, 30, tzinfo=UTC)
UID = "0f8e0d52-52a4-4d1e-9d0e-3d2f0c4a9b11@scr.example.org"


def make_meeting(**changes: Any) -> Meeting:
    fields: dict[str, Any] = {
        "uid": UID,
        "sequence": 0,
        "case_reference": "scr-2026-001",
        "summary": "SCR-2026-001: Initial SCR Panel",
        "description": "Initial SCR Panel for scr-2026-001. Papers are in the case channel.",
        "start": datetime(2026, 10, 24, 10, tzinfo=LONDON),
        "end": datetime(2026, 10, 24, 12, tzinfo=LONDON),
        "location": "Committee Room 2, Town Hall",
        "url": "https://example.slack.com/archives/C0123456789",
        "organizer": Organizer(email="cpu@council.example.gov.uk", name="Child Protection Unit"),
        "attendees": [
            Attendee(email="chair@council.example.gov.uk", name="Panel Chair", role="CHAIR"),
            Attendee(email="health@nhs.example.net", name="Health Designated Nurse"),
            Attendee(
                email="police@police.example.uk",
                name="Police Reviewer",
                role="OPT-PARTICIPANT",
                partstat="ACCEPTED",
            ),
        ],
    }
    fields.update(changes)
    return Meeting(**fields)


def parse_icalendar(ics: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(ics)


def parse_ical(ics: bytes) -> IcalCalendar:
    stream = CalendarStream.from_ics(ics.decode("utf-8"))
    assert len(stream.calendars) == 1
    calendar: IcalCalendar = stream.calendars[0]
    return calendar


def only_event(calendar: icalendar.Calendar) -> icalendar.Event:
    (event,) = calendar.events
    return event


def only_timezone(calendar: icalendar.Calendar) -> icalendar.Timezone:
    (timezone,) = calendar.timezones
    return timezone


def raw(component: icalendar.Component, name: str) -> Any:
    """A property as icalendar parsed it, for parameters and values it has no typed accessor for."""
    return component[name]


def attendee_list(event: icalendar.Event) -> list[icalendar.vCalAddress]:
    return list(event.attendees)


def utc(value: object) -> datetime:
    assert isinstance(value, datetime)
    assert value.tzinfo is not None
    return value.astimezone(UTC)


# --- RFC 5546 required properties -------------------------------------------------------------


def test_request_carries_the_rfc5546_request_properties() -> None:
    ics = build_request(make_meeting(), dtstamp=DTSTAMP)

    calendar = parse_icalendar(ics)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == PRODID
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "REQUEST"
    event = only_event(calendar)
    for name in ("ORGANIZER", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "SUMMARY", "UID"):
        assert name in event, name
    assert str(event["UID"]) == UID
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event["TRANSP"] == "OPAQUE"
    assert event["SUMMARY"] == "SCR-2026-001: Initial SCR Panel"
    assert event["LOCATION"] == "Committee Room 2, Town Hall"
    assert event["URL"] == "https://example.slack.com/archives/C0123456789"
    assert str(event["ORGANIZER"]) == "mailto:cpu@council.example.gov.uk"
    assert event["ORGANIZER"].params["CN"] == "Child Protection Unit"

    parsed = parse_ical(ics)
    assert parsed.method == "REQUEST"
    assert parsed.version == "2.0"
    assert parsed.prodid == PRODID
    (other,) = parsed.events
    assert other.uid == UID
    assert other.sequence == 0
    assert other.dtstamp == DTSTAMP
    assert other.organizer is not None
    assert other.organizer.uri == "mailto:cpu@council.example.gov.uk"
    assert other.summary == "SCR-2026-001: Initial SCR Panel"
    assert other.description == (
        "Initial SCR Panel for scr-2026-001. Papers are in the case channel."
    )
    assert [a.uri for a in other.attendees] == [
        "mailto:chair@council.example.gov.uk",
        "mailto:health@nhs.example.net",
        "mailto:police@police.example.uk",
    ]


def test_every_attendee_is_an_individual_asked_to_reply() -> None:
    ics = build_request(make_meeting(), dtstamp=DTSTAMP)

    attendees = attendee_list(only_event(parse_icalendar(ics)))
    assert [(a.params["ROLE"], a.params["PARTSTAT"]) for a in attendees] == [
        ("CHAIR", "NEEDS-ACTION"),
        ("REQ-PARTICIPANT", "NEEDS-ACTION"),
        ("OPT-PARTICIPANT", "ACCEPTED"),
    ]
    for attendee in attendees:
        assert attendee.params["RSVP"] == "TRUE"
        assert attendee.params["CUTYPE"] == "INDIVIDUAL"
        assert attendee.params["CN"]

    (event,) = parse_ical(ics).events
    assert [(a.common_name, a.rsvp, a.user_type) for a in event.attendees] == [
        ("Panel Chair", True, "INDIVIDUAL"),
        ("Health Designated Nurse", True, "INDIVIDUAL"),
        ("Police Reviewer", True, "INDIVIDUAL"),
    ]


def test_request_has_a_display_alarm_one_day_before() -> None:
    ics = build_request(make_meeting(), dtstamp=DTSTAMP)

    (alarm,) = only_event(parse_icalendar(ics)).walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY"
    assert raw(alarm, "TRIGGER").dt == timedelta(days=-1)
    assert "SCR-2026-001" in str(alarm["DESCRIPTION"])

    (event,) = parse_ical(ics).events
    (other,) = event.alarm
    assert other.action == "DISPLAY"
    assert other.trigger == timedelta(days=-1)


def test_cancel_carries_the_rfc5546_cancel_properties() -> None:
    cancelled = make_meeting(sequence=1)
    ics = build_cancel(cancelled, dtstamp=DTSTAMP + timedelta(days=2))

    calendar = parse_icalendar(ics)
    assert calendar["METHOD"] == "CANCEL"
    event = only_event(calendar)
    for name in ("ATTENDEE", "DTSTAMP", "ORGANIZER", "SEQUENCE", "UID", "STATUS"):
        assert name in event, name
    assert event["STATUS"] == "CANCELLED"
    assert str(event["UID"]) == UID
    assert event["SEQUENCE"] == 1
    assert event.walk("VALARM") == []
    assert len(attendee_list(event)) == 3

    parsed = parse_ical(ics)
    assert parsed.method == "CANCEL"
    (other,) = parsed.events
    assert other.status == "CANCELLED"
    assert other.uid == UID
    assert other.sequence == 1
    assert other.dtstamp == DTSTAMP + timedelta(days=2)


def test_cancel_names_only_the_attendees_being_cancelled() -> None:
    first = make_meeting()
    dropped = make_meeting(sequence=1, attendees=first.attendees[2:])

    event = only_event(parse_icalendar(build_cancel(dropped, dtstamp=DTSTAMP)))

    assert [str(a) for a in attendee_list(event)] == ["mailto:police@police.example.uk"]


def test_reschedule_keeps_the_uid_and_raises_the_sequence() -> None:
    first = make_meeting()
    moved = make_meeting(
        sequence=first.sequence + 1,
        start=datetime(2026, 10, 27, 14, tzinfo=LONDON),
        end=datetime(2026, 10, 27, 16, tzinfo=LONDON),
    )

    before = parse_ical(build_request(first, dtstamp=DTSTAMP)).events[0]
    after = parse_ical(build_request(moved, dtstamp=DTSTAMP + timedelta(hours=1))).events[0]

    assert after.uid == before.uid == UID
    assert (before.sequence, after.sequence) == (0, 1)
    assert utc(after.dtstart) == datetime(2026, 10, 27, 14, tzinfo=UTC)
    assert after.dtstamp > before.dtstamp


# --- time zones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local_start", "utc_start"),
    [
        # Saturday 24 October 2026: still British Summer Time (UTC+1).
        (datetime(2026, 10, 24, 10, tzinfo=LONDON), datetime(2026, 10, 24, 9, tzinfo=UTC)),
        # Sunday 25 October 2026: clocks went back at 02:00, so GMT (UTC+0).
        (datetime(2026, 10, 25, 10, tzinfo=LONDON), datetime(2026, 10, 25, 10, tzinfo=UTC)),
    ],
)
def test_times_are_right_across_the_clock_change(
    local_start: datetime, utc_start: datetime
) -> None:
    meeting = make_meeting(start=local_start, end=local_start + timedelta(hours=2))
    ics = build_request(meeting, dtstamp=DTSTAMP)
    utc_end = utc_start + timedelta(hours=2)

    calendar = parse_icalendar(ics)
    event = only_event(calendar)
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event["DTEND"].params["TZID"] == "Europe/London"
    assert utc(event.start) == utc_start
    assert utc(event.end) == utc_end

    # The embedded VTIMEZONE alone, without the system zone database, gives the same instants.
    written = event.start
    assert isinstance(written, datetime)
    naive_start = written.replace(tzinfo=None)
    assert naive_start == local_start.replace(tzinfo=None)
    from_vtimezone = only_timezone(calendar).to_tz(lookup_tzid=False)
    assert utc(naive_start.replace(tzinfo=from_vtimezone)) == utc_start

    parsed = parse_ical(ics)
    (other,) = parsed.events
    assert utc(other.dtstart) == utc_start
    assert utc(other.dtend) == utc_end
    (ical_timezone,) = parsed.timezones
    tzinfo = IcsTimezoneInfo.from_timezone(ical_timezone)
    assert utc(naive_start.replace(tzinfo=tzinfo)) == utc_start


def test_an_instant_given_in_utc_is_written_as_london_wall_time() -> None:
    meeting = make_meeting(
        start=datetime(2026, 7, 1, 13, tzinfo=UTC), end=datetime(2026, 7, 1, 15, tzinfo=UTC)
    )

    ics = build_request(meeting, dtstamp=DTSTAMP)

    assert b"DTSTART;TZID=Europe/London:20260701T140000\r\n" in ics
    assert b"DTEND;TZID=Europe/London:20260701T160000\r\n" in ics


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 1, 15, 10, tzinfo=LONDON),
        datetime(2026, 7, 15, 10, tzinfo=LONDON),
        datetime(2026, 10, 25, 10, tzinfo=LONDON),
        datetime(2026, 12, 31, 23, tzinfo=LONDON),
    ],
)
def test_vtimezone_has_summer_and_winter_rules(start: datetime) -> None:
    meeting = make_meeting(start=start, end=start + timedelta(hours=2))
    ics = build_request(meeting, dtstamp=DTSTAMP)

    vtimezone = only_timezone(parse_icalendar(ics))
    assert vtimezone.tz_name == "Europe/London"
    standard = vtimezone.standard
    daylight = vtimezone.daylight
    assert standard
    assert daylight
    assert {raw(s, "TZOFFSETTO").td for s in standard} == {timedelta(0)}
    assert {raw(d, "TZOFFSETTO").td for d in daylight} == {timedelta(hours=1)}
    assert {raw(d, "TZOFFSETFROM").td for d in daylight} == {timedelta(0)}
    assert {"GMT", "BST"} == {str(c["TZNAME"]) for c in [*standard, *daylight]}

    (other,) = parse_ical(ics).timezones
    assert other.tz_id == "Europe/London"
    assert other.standard
    assert other.daylight
    wall_time = start.replace(tzinfo=None)
    expected = start.utcoffset()
    assert wall_time.replace(tzinfo=IcsTimezoneInfo.from_timezone(other)).utcoffset() == expected
    assert wall_time.replace(tzinfo=vtimezone.to_tz(lookup_tzid=False)).utcoffset() == expected


def test_dtstamp_is_written_in_utc() -> None:
    stamp = datetime(2026, 7, 1, 9, 15, tzinfo=LONDON)

    ics = build_request(make_meeting(), dtstamp=stamp)

    assert b"DTSTAMP:20260701T081500Z\r\n" in ics


# --- encoding ---------------------------------------------------------------------------------


def test_long_lines_are_folded_at_75_octets() -> None:
    description = "Agenda for scr-2026-001 — décision du panel; " * 20
    ics = build_request(make_meeting(description=description), dtstamp=DTSTAMP)

    assert ics.endswith(b"\r\n")
    lines = ics.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)
    for line in lines:
        line.decode("utf-8")  # a fold never splits a multi-byte character
    assert only_event(parse_icalendar(ics))["DESCRIPTION"] == description
    assert parse_ical(ics).events[0].description == description


def test_non_ascii_names_survive_in_cn() -> None:
    meeting = make_meeting(
        organizer=Organizer(email="cpu@council.example.gov.uk", name="Siân Ní Bhriain"),
        attendees=[
            Attendee(email="zoe@nhs.example.net", name="Zoë Ó Súilleabháin-Łukasiewicz"),
            Attendee(email="pat@police.example.uk", name='Pat "PJ" O\'Neill, DS'),
        ],
    )

    ics = build_request(meeting, dtstamp=DTSTAMP)

    event = only_event(parse_icalendar(ics))
    assert event["ORGANIZER"].params["CN"] == "Siân Ní Bhriain"
    assert [a.params["CN"] for a in attendee_list(event)] == [
        "Zoë Ó Súilleabháin-Łukasiewicz",
        'Pat "PJ" O\'Neill, DS',
    ]
    (other,) = parse_ical(ics).events
    assert other.organizer is not None
    assert other.organizer.common_name == "Siân Ní Bhriain"
    assert other.attendees[0].common_name == "Zoë Ó Súilleabháin-Łukasiewicz"


def test_output_depends_only_on_its_inputs() -> None:
    meeting = make_meeting()

    assert build_request(meeting, dtstamp=DTSTAMP) == build_request(meeting, dtstamp=DTSTAMP)


def test_optional_location_and_url_are_left_out() -> None:
    ics = build_request(make_meeting(location=None, url=None), dtstamp=DTSTAMP)

    event = only_event(parse_icalendar(ics))
    assert "LOCATION" not in event
    assert "URL" not in event


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"summary": ""},
        {"summary": "   "},
        {"description": ""},
        {"description": "\n"},
        {"attendees": []},
        {"sequence": -1},
        {"start": datetime(2026, 10, 24, 10)},
        {"end": datetime(2026, 10, 24, 9, tzinfo=LONDON)},
        {"case_reference": "Jane Smith"},
        {"organizer": {"email": "not-an-address", "name": "CPU"}},
    ],
)
def test_invalid_meetings_are_rejected(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        make_meeting(**changes)


def test_validation_errors_do_not_echo_the_input() -> None:
    with pytest.raises(ValidationError) as caught:
        make_meeting(case_reference="Jane Smith 01.02.2015")

    assert "Jane" not in str(caught.value)


def test_a_naive_dtstamp_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_request(make_meeting(), dtstamp=datetime(2026, 10, 1, 9))


# --- file names and UIDs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case_reference", "kind", "expected"),
    [
        ("scr-2026-001", "initial-panel", "scr-2026-001-initial-panel.ics"),
        ("SCR-2026-001", "Initial Panel", "scr-2026-001-initial-panel.ics"),
        (
            "scr-2026-012",
            "panel meeting #3 (cancelled)",
            "scr-2026-012-panel-meeting-3-cancelled.ics",
        ),
    ],
)
def test_ics_filename_uses_the_case_reference_and_kind(
    case_reference: str, kind: str, expected: str
) -> None:
    assert ics_filename(case_reference, kind) == expected


@pytest.mark.parametrize(
    ("case_reference", "kind"),
    [
        ("Jane Smith", "panel"),
        ("scr-2026-001/../x", "panel"),
        ("scr-2026-001", "--"),
        ("scr-2026-001", "x" * 41),
    ],
)
def test_ics_filename_rejects_anything_else(case_reference: str, kind: str) -> None:
    with pytest.raises(ValueError) as caught:
        ics_filename(case_reference, kind)

    assert "Jane" not in str(caught.value)


def test_new_uid_is_unique_and_scoped_to_the_domain() -> None:
    uids = {new_uid("scr.example.org") for _ in range(100)}

    assert len(uids) == 100
    assert all(uid.endswith("@scr.example.org") for uid in uids)


@pytest.mark.parametrize("domain", ["", "a b", "x@y", "-bad.example"])
def test_new_uid_rejects_a_bad_domain(domain: str) -> None:
    with pytest.raises(ValueError):
        new_uid(domain)
