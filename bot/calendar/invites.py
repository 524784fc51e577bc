"""iCalendar (RFC 5545) scheduling messages (RFC 5546) for meetings: panels, interviews.

Pure: every input, including the DTSTAMP, is a parameter. The caller passes text
that names only the case reference; this module never sees child data and
checks what it can (non-empty text, address shape, filename built from the
case reference alone). Validation errors hide their input, so a value typed in
the wrong field never reaches a log line.

Who organises: ORGANIZER is the mailbox the invitations are sent from (the Board's,
``SMTP_FROM``), and the person who convened the meeting is its ``SENT-BY``. The mail's
From and the ORGANIZER are then the same address, which clients check before acting on
an invitation, and every answer a calendar sends (an iMIP REPLY goes to the ORGANIZER)
comes back to that one mailbox, matched by UID and by the attendee's ``mailto:``
address. An attendee whose address is the ORGANIZER's is never asked to reply; an
address is written once however often it is passed.

Times are written in Europe/London wall time with a VTIMEZONE made of two yearly
rules (the last Sundays of March and October, at 01:00 UTC): the shape Outlook
imports, which approximates any zone to one yearly rule each way.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from icalendar import (
    STATUS,
    TRANSP,
    Alarm,
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
)
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
_NO_MAIL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "no-mail.scr-bot.local")


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


class _Person(BaseModel):
    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    email: Email
    name: NonEmptyText


class Organizer(_Person):
    """The mailbox that sends the invitations and receives the answers; ``sent_by`` is the
    person who convened the meeting on its behalf (RFC 5545 section 3.2.18)."""

    sent_by: Email | None = None


class Attendee(BaseModel):
    """Someone invited. ``rsvp=False`` for someone copied for information
    (``NON-PARTICIPANT``). With no e-mail address (reached only in Slack) they are listed
    under `no_mail_address`, a URI that names them but cannot be mailed, with RSVP=FALSE:
    their calendar cannot reply to it, they answer in Slack."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    email: Email | None
    name: NonEmptyText
    role: Role = "REQ-PARTICIPANT"
    partstat: PartStat = PartStat.NEEDS_ACTION
    rsvp: bool = True
    no_mail_address: str | None = None

    @model_validator(mode="after")
    def _addressed(self) -> Attendee:
        if self.email is None and not (self.no_mail_address or "").startswith("urn:uuid:"):
            raise ValueError("an attendee without e-mail needs a urn:uuid: address")
        return self

    @property
    def address(self) -> str:
        """The calendar address: the e-mail address, else the ``urn:uuid:`` one."""
        return (self.email or self.no_mail_address or "").lower()


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
    return _serialise("REQUEST", event)


def build_cancel(meeting: Meeting, *, dtstamp: datetime) -> bytes:
    """A METHOD:CANCEL of the whole meeting (``STATUS:CANCELLED``), for its attendees.

    The caller passes the same UID and the incremented sequence.
    """
    event = _event(meeting, dtstamp=dtstamp, status=STATUS.CANCELLED)
    return _serialise("CANCEL", event)


def build_uninvite(meeting: Meeting, *, dtstamp: datetime) -> bytes:
    """A METHOD:CANCEL for the attendees in `meeting` alone, taken off a meeting that goes
    ahead: RFC 5546 section 3.2.5 says STATUS must then be absent, since
    ``STATUS:CANCELLED`` would cancel the meeting for everyone. The others are sent the
    REQUEST that no longer lists them, at the same (raised) sequence."""
    event = _event(meeting, dtstamp=dtstamp, status=None)
    return _serialise("CANCEL", event)


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


def london_vtimezone() -> Timezone:
    """Europe/London as two yearly rules (RFC 5545 section 3.6.5).

    An observance's DTSTART is wall time in the offset it ends (TZOFFSETFROM): BST
    begins at 01:00 GMT and ends at 02:00 BST, both 01:00 UTC. Each DTSTART is the
    first year of the rule in force (last Sunday of March since 1981, of October since
    1996) and one of its own occurrences, as RFC 5545 asks.
    """
    daylight = TimezoneDaylight()
    daylight.add("DTSTART", datetime(1981, 3, 29, 1))
    daylight.add("TZOFFSETFROM", timedelta(0))
    daylight.add("TZOFFSETTO", timedelta(hours=1))
    daylight.add("TZNAME", "BST")
    daylight.add("RRULE", {"FREQ": "YEARLY", "BYMONTH": 3, "BYDAY": "-1SU"})
    standard = TimezoneStandard()
    standard.add("DTSTART", datetime(1996, 10, 27, 2))
    standard.add("TZOFFSETFROM", timedelta(hours=1))
    standard.add("TZOFFSETTO", timedelta(0))
    standard.add("TZNAME", "GMT")
    standard.add("RRULE", {"FREQ": "YEARLY", "BYMONTH": 10, "BYDAY": "-1SU"})
    timezone = Timezone()
    timezone.add("TZID", LONDON_TZID)
    timezone.add("X-LIC-LOCATION", LONDON_TZID)
    timezone.add_component(daylight)
    timezone.add_component(standard)
    return timezone


def _event(meeting: Meeting, *, dtstamp: datetime, status: STATUS | None) -> Event:
    if dtstamp.tzinfo is None or dtstamp.utcoffset() is None:
        raise ValueError("dtstamp must be timezone-aware")
    organizer = meeting.organizer
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
        organizer=vCalAddress.new(
            organizer.email,
            cn=organizer.name,
            sent_by=f"mailto:{organizer.sent_by}" if organizer.sent_by else None,
        ),
        attendees=[_attendee(a, organizer) for a in _once_each(meeting.attendees)],
        status=status,
        transparency=TRANSP.OPAQUE,
    )


def _once_each(attendees: list[Attendee]) -> list[Attendee]:
    """Each address once (the first time it is given): a calendar matches an answer to
    the attendee by address, and two entries for one address would make that ambiguous."""
    seen: set[str] = set()
    kept: list[Attendee] = []
    for attendee in attendees:
        if attendee.address not in seen:
            seen.add(attendee.address)
            kept.append(attendee)
    return kept


def no_mail_address(key: str) -> str:
    """A stable ``urn:uuid:`` calendar address (RFC 5545 section 3.3.3 allows any URI; only
    an e-mail address must be ``mailto:``) for someone the invitation cannot be mailed to."""
    return f"urn:uuid:{uuid.uuid5(_NO_MAIL_NAMESPACE, key)}"


def _attendee(attendee: Attendee, organizer: Organizer) -> vCalAddress:
    """The organiser's own mailbox, if listed, is shown as having accepted and is not asked
    to reply: it would be answering itself. Someone without e-mail is not asked either."""
    is_organizer = attendee.email is not None and attendee.address == organizer.email.lower()
    params = {
        "cn": attendee.name,
        "role": attendee.role,
        "partstat": str(PartStat.ACCEPTED if is_organizer else attendee.partstat),
        "cutype": "INDIVIDUAL",
    }
    if attendee.email is not None:
        return vCalAddress.new(attendee.email, rsvp=attendee.rsvp and not is_organizer, **params)
    address = vCalAddress(attendee.address)
    address.params.update({k.upper(): v for k, v in params.items()})
    address.params["RSVP"] = "FALSE"
    return address


def _serialise(method: Method, event: Event) -> bytes:
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", method)
    calendar.add_component(london_vtimezone())
    calendar.add_component(event)
    return bytes(calendar.to_ical())


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
    "build_uninvite",
    "ics_filename",
    "london_vtimezone",
    "new_uid",
    "no_mail_address",
]
