"""The Europe/London VTIMEZONE: two yearly rules whose transitions are the tz database's,
every year from 2020 to 2040, read back the same way by icalendar, vobject and ical."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from dateutil.rrule import rrulestr
from ical.calendar_stream import CalendarStream
from ical.timezone import IcsTimezoneInfo

from bot.calendar.invites import Attendee, Meeting, Organizer, build_request, london_vtimezone

LONDON = ZoneInfo("Europe/London")
YEARS = range(2020, 2041)


@cache
def tz_database_transitions(year: int) -> list[tuple[datetime, timedelta, timedelta]]:
    """(instant in UTC, offset before, offset after) of each change in ``year``, found by
    walking the year hour by hour and then narrowing to the minute."""
    found = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    before = moment.astimezone(LONDON).utcoffset()
    while moment < end:
        step = moment + timedelta(hours=1)
        after = step.astimezone(LONDON).utcoffset()
        if after != before:
            low, high = moment, step
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(LONDON).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            assert before is not None and after is not None
            found.append((high, before, after))
            before = after
        moment = step
    return found


def rule_transitions(year: int) -> list[tuple[datetime, timedelta, timedelta]]:
    """The same, expanded from the VTIMEZONE's own RRULEs: an observance starts at its
    DTSTART wall time in the offset it ends (TZOFFSETFROM)."""
    found = []
    for observance in london_vtimezone().subcomponents:
        start = observance["DTSTART"].dt
        offset_from = observance["TZOFFSETFROM"].td
        offset_to = observance["TZOFFSETTO"].td
        rule = rrulestr(observance["RRULE"].to_ical().decode(), dtstart=start)
        for wall in rule.between(datetime(year, 1, 1), datetime(year + 1, 1, 1), inc=True):
            found.append(((wall - offset_from).replace(tzinfo=UTC), offset_from, offset_to))
    return sorted(found)


def written_vtimezone() -> str:
    """The VTIMEZONE as it goes out inside an invitation."""
    return london_vtimezone().to_ical().decode()


def _rule(observance: str) -> set[str]:
    """An RRULE's parts, which RFC 5545 section 3.3.10 leaves in any order."""
    (line,) = [x for x in observance.splitlines() if x.startswith("RRULE:")]
    return set(line.removeprefix("RRULE:").split(";"))


def test_the_zone_is_two_yearly_rules_changing_at_one_in_the_morning_utc() -> None:
    text = written_vtimezone()

    assert "RDATE" not in text
    daylight = text[text.index("BEGIN:DAYLIGHT") : text.index("END:DAYLIGHT")]
    standard = text[text.index("BEGIN:STANDARD") : text.index("END:STANDARD")]
    assert _rule(daylight) == {"FREQ=YEARLY", "BYMONTH=3", "BYDAY=-1SU"}
    assert "TZOFFSETFROM:+0000" in daylight
    assert "TZOFFSETTO:+0100" in daylight
    assert "DTSTART:19810329T010000" in daylight  # 01:00 GMT = 01:00 UTC
    assert _rule(standard) == {"FREQ=YEARLY", "BYMONTH=10", "BYDAY=-1SU"}
    assert "TZOFFSETFROM:+0100" in standard
    assert "TZOFFSETTO:+0000" in standard
    assert "DTSTART:19961027T020000" in standard  # 02:00 BST = 01:00 UTC


@pytest.mark.parametrize("year", YEARS)
def test_the_rules_change_the_clocks_when_the_tz_database_does(year: int) -> None:
    expected = tz_database_transitions(year)

    assert len(expected) == 2
    assert rule_transitions(year) == expected
    assert all(instant.time() == datetime(2000, 1, 1, 1).time() for instant, _, _ in expected)


def _reader_zones() -> dict[str, Any]:
    """The VTIMEZONE turned into a tzinfo by each reader, without the zone database."""
    meeting = Meeting(
        uid="tz@scr.example.org",
        sequence=0,
        case_reference="scr-2026-001",
        summary="SCR-2026-001: Initial SCR Panel",
        description="Initial SCR Panel for scr-2026-001.",
        start=datetime(2026, 6, 23, 10, tzinfo=LONDON),
        end=datetime(2026, 6, 23, 12, tzinfo=LONDON),
        organizer=Organizer(email="board@board.example", name="The Board"),
        attendees=[Attendee(email="kim@health.example", name="Kim")],
    )
    ics = build_request(meeting, dtstamp=datetime(2026, 6, 1, tzinfo=UTC)).decode()
    (ical_zone,) = CalendarStream.from_ics(ics).calendars[0].timezones
    return {
        "icalendar": icalendar.Calendar.from_ical(ics).timezones[0].to_tz(lookup_tzid=False),
        "vobject": vobject.readOne(ics).vtimezone.gettzinfo(),
        "ical": IcsTimezoneInfo.from_timezone(ical_zone),
    }


@pytest.mark.parametrize("reader", ["icalendar", "vobject", "ical"])
def test_every_reader_puts_the_changes_where_the_tz_database_does(reader: str) -> None:
    zone = _reader_zones()[reader]
    for year in YEARS:
        for instant, before, after in tz_database_transitions(year):
            # The offset a minute before each change and at the change itself.
            assert (instant - timedelta(minutes=1)).astimezone(zone).utcoffset() == before
            assert instant.astimezone(zone).utcoffset() == after, (reader, instant)
            # How a start written in wall time is read: a minute before the change, and
            # an hour after it (clear of the hour October repeats).
            local_before = (instant - timedelta(minutes=1) + before).replace(tzinfo=None)
            local_after = (instant + timedelta(hours=1) + after).replace(tzinfo=None)
            for wall, offset in ((local_before, before), (local_after, after)):
                assert wall.replace(tzinfo=zone).utcoffset() == offset, (reader, wall)
