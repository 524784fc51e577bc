"""Three independent readings of one `.ics`: icalendar (which wrote it), vobject and ical.

Each reading keeps only what the iMIP rules are about, so that a test states a rule once
and checks it against every reader. Times are read through the file's own VTIMEZONE,
never through the machine's zone database, the way a calendar client on another system
would read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import icalendar
import vobject
from ical.calendar_stream import CalendarStream
from ical.timezone import IcsTimezoneInfo

READERS = ("icalendar", "vobject", "ical")


@dataclass(frozen=True)
class Person:
    address: str
    params: dict[str, str]


@dataclass(frozen=True)
class Reading:
    reader: str
    method: str
    uid: str
    sequence: int
    status: str | None
    start: datetime
    end: datetime
    organizer: Person
    attendees: tuple[Person, ...]


def _utc(value: object) -> datetime:
    assert isinstance(value, datetime), value
    assert value.tzinfo is not None, value
    return value.astimezone(UTC)


def _wall(value: object, tzinfo: Any) -> datetime:
    """A TZID-bound time re-read through ``tzinfo`` (the file's VTIMEZONE)."""
    assert isinstance(value, datetime)
    return _utc(value.replace(tzinfo=None).replace(tzinfo=tzinfo))


def _params(raw: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, list):
            (value,) = value
        out[key.upper()] = str(value)
    return out


def read_icalendar(ics: bytes) -> Reading:
    calendar = icalendar.Calendar.from_ical(ics)
    (event,) = calendar.events
    (timezone,) = calendar.timezones
    tzinfo = timezone.to_tz(lookup_tzid=False)
    organizer = event["ORGANIZER"]
    return Reading(
        reader="icalendar",
        method=str(calendar["METHOD"]),
        uid=str(event["UID"]),
        sequence=int(event["SEQUENCE"]),
        status=str(event["STATUS"]) if "STATUS" in event else None,
        start=_wall(event.start, tzinfo),
        end=_wall(event.end, tzinfo),
        organizer=Person(str(organizer), _params(dict(organizer.params))),
        attendees=tuple(Person(str(a), _params(dict(a.params))) for a in event.attendees),
    )


def read_vobject(ics: bytes) -> Reading:
    calendar = vobject.readOne(ics.decode("utf-8"))
    (event,) = calendar.vevent_list
    tzinfo = calendar.vtimezone.gettzinfo()
    status = event.contents.get("status")
    return Reading(
        reader="vobject",
        method=calendar.method.value,
        uid=event.uid.value,
        sequence=int(event.sequence.value),
        status=status[0].value if status else None,
        start=_wall(event.dtstart.value, tzinfo),
        end=_wall(event.dtend.value, tzinfo),
        organizer=Person(event.organizer.value, _params(event.organizer.params)),
        attendees=tuple(
            Person(a.value, _params(a.params)) for a in event.contents.get("attendee", [])
        ),
    )


def _ical_params(person: Any) -> dict[str, str]:
    """The ical package models the parameters as fields; named here as RFC 5545 does."""
    fields = {
        "CN": person.common_name,
        "ROLE": getattr(person, "role", None),
        "PARTSTAT": getattr(person, "status", None),
        "RSVP": {True: "TRUE", False: "FALSE"}.get(getattr(person, "rsvp", None)),
        "CUTYPE": getattr(person, "user_type", None),
        "SENT-BY": getattr(person, "sent_by", None),
    }
    return {k: str(getattr(v, "value", v)) for k, v in fields.items() if v is not None}


def read_ical(ics: bytes) -> Reading:
    stream = CalendarStream.from_ics(ics.decode("utf-8"))
    (calendar,) = stream.calendars
    (event,) = calendar.events
    (timezone,) = calendar.timezones
    tzinfo = IcsTimezoneInfo.from_timezone(timezone)
    assert event.organizer is not None
    return Reading(
        reader="ical",
        method=str(calendar.method),
        uid=str(event.uid),
        sequence=int(event.sequence or 0),
        status=str(getattr(event.status, "value", event.status)) if event.status else None,
        start=_wall(event.dtstart, tzinfo),
        end=_wall(event.dtend, tzinfo),
        organizer=Person(event.organizer.uri, _ical_params(event.organizer)),
        attendees=tuple(Person(a.uri, _ical_params(a)) for a in event.attendees),
    )


def readings(ics: bytes) -> list[Reading]:
    """The file as each reader sees it; a reader that fails to parse it fails the test."""
    return [read_icalendar(ics), read_vobject(ics), read_ical(ics)]
