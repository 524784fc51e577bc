"""iCalendar (RFC 5545) scheduling messages (RFC 5546) for panel meetings.

Pure: every input, including the DTSTAMP, is a parameter. The caller passes text
that names only the case reference; this module never sees child data and
checks what it can (non-empty text, address shape, filename built from the
case reference alone). Validation errors hide their input, so a value typed in
the wrong field never reaches a log line.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from icalendar import STATUS, TRANSP, Alarm, Calendar, Event, vCalAddress
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from bot.services.panel.schema import PartStat

LONDON_TZID = "Europe/London"
LONDON = ZoneInfo(LONDON_TZID)
PRODID = "-//Safeguarding Children Board//scr-bot//EN"
REMINDER_BEFORE = timedelta(days=1)

Method = Literal["REQUEST", "CANCEL"]
Role = Literal["CHAIR", "REQ-PARTICIPANT", "OPT-PARTICIPANT", "NON-PARTICIPANT"]

_EMAIL = re.compile(r"^[^@\s<>,;:\"]+@[^@\s<>,;:\"]+\.[^@\s<>,;:\"]+$")
_CASE_REFERENCE = re.compile(r"^[A-Za-z]{2,10}-\d{4}-\d{1,6}$")
_DOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_MAX_KIND_SLUG = 40


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("not a plain e-mail address")
    return value


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _case_reference(value: str) -> str:
    if not _CASE_REFERENCE.match(value):
        raise ValueError("not a case reference such as 'scr-2026-001'")
    return value


Email = Annotated[str, AfterValidator(_email)]
NonEmptyText = Annotated[str, AfterValidator(_text)]
CaseReference = Annotated[str, AfterValidator(_case_reference)]


class Organizer(BaseModel):
    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    email: Email
    name: NonEmptyText


class Attendee(Organizer):
    role: Role = "REQ-PARTICIPANT"
    partstat: PartStat = PartStat.NEEDS_ACTION


class Meeting(BaseModel):
    """One panel meeting; `uid` stays fixed for its life, `sequence` rises per revision."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    uid: NonEmptyText
    sequence: int = Field(ge=0)
    case_reference: CaseReference
    summary: NonEmptyText
    description: NonEmptyText
    start: AwareDatetime
    end: AwareDatetime
    location: str | None = None
    url: str | None = None
    organizer: Organizer
    attendees: list[Attendee] = Field(min_length=1)

    @model_validator(mode="after")
    def _end_after_start(self) -> Meeting:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


def build_request(meeting: Meeting, *, dtstamp: datetime) -> bytes:
    """A METHOD:REQUEST invitation (new meeting or a reschedule with a higher sequence)."""
    event = _event(meeting, dtstamp=dtstamp, status=STATUS.CONFIRMED)
    event.add_component(
        Alarm.new_display(description=f"Reminder: {meeting.summary}", trigger=-REMINDER_BEFORE)
    )
    return _serialise("REQUEST", event, meeting)


def build_cancel(meeting: Meeting, *, dtstamp: datetime) -> bytes:
    """A METHOD:CANCEL for the attendees listed in `meeting`.

    The caller passes the same UID and the incremented sequence.
    """
    event = _event(meeting, dtstamp=dtstamp, status=STATUS.CANCELLED)
    return _serialise("CANCEL", event, meeting)


def ics_filename(case_reference: str, kind: str) -> str:
    """A file name such as ``scr-2026-001-initial-panel.ics`` from the case reference and kind."""
    reference = _case_reference(case_reference).lower()
    slug = _NOT_SLUG.sub("-", kind.lower()).strip("-")
    if not slug:
        raise ValueError("kind must contain letters or digits")
    if len(slug) > _MAX_KIND_SLUG:
        raise ValueError(f"kind must be at most {_MAX_KIND_SLUG} characters once slugified")
    return f"{reference}-{slug}.ics"


def new_uid(domain: str) -> str:
    """A globally unique UID (RFC 5545 section 3.8.4.7) of the form ``<uuid>@<domain>``."""
    if not _DOMAIN.match(domain):
        raise ValueError("domain must be a host name such as 'scr.example.org'")
    return f"{uuid.uuid4()}@{domain}"


def _event(meeting: Meeting, *, dtstamp: datetime, status: STATUS) -> Event:
    if dtstamp.tzinfo is None or dtstamp.utcoffset() is None:
        raise ValueError("dtstamp must be timezone-aware")
    return Event.new(
        uid=meeting.uid,
        stamp=dtstamp.astimezone(UTC),
        sequence=meeting.sequence,
        start=meeting.start.astimezone(LONDON),
        end=meeting.end.astimezone(LONDON),
        summary=meeting.summary,
        description=meeting.description,
        location=meeting.location,
        url=meeting.url,
        organizer=vCalAddress.new(meeting.organizer.email, cn=meeting.organizer.name),
        attendees=[_attendee(a) for a in meeting.attendees],
        status=status,
        transparency=TRANSP.OPAQUE,
    )


def _attendee(attendee: Attendee) -> vCalAddress:
    return vCalAddress.new(
        attendee.email,
        cn=attendee.name,
        role=attendee.role,
        partstat=str(attendee.partstat),
        rsvp=True,
        cutype="INDIVIDUAL",
    )


def _serialise(method: Method, event: Event, meeting: Meeting) -> bytes:
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", method)
    calendar.add_component(event)
    first, last = _timezone_span(meeting.start, meeting.end)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return bytes(calendar.to_ical())


def _timezone_span(start: datetime, end: datetime) -> tuple[date, date]:
    """The years the VTIMEZONE covers: the meeting's own, plus the one before.

    Whole years give both the BST and the GMT rule. Starting a year early puts
    the meeting year's transitions in RDATE lists rather than in an observance's
    DTSTART, which some readers (the ``ical`` package among them) only honour
    when an RRULE is present.
    """
    first = start.astimezone(LONDON).year - 1
    last = end.astimezone(LONDON).year + 1
    return date(first, 1, 1), date(last, 1, 1)


__all__ = [
    "LONDON_TZID",
    "PRODID",
    "Attendee",
    "Meeting",
    "Method",
    "Organizer",
    "PartStat",
    "Role",
    "build_cancel",
    "build_request",
    "ics_filename",
    "new_uid",
]
