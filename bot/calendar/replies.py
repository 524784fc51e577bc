"""Reading iMIP answers (RFC 6047, RFC 5546 METHOD:REPLY) out of an e-mail message.

Calendar clients answer an invitation by mailing the organiser a ``text/calendar;
method=REPLY`` part (Outlook, Apple Mail), often with the same calendar attached as an
``.ics`` file too (Google Calendar). Every such part is read; the same answer found twice in
one message counts once.

Pure: bytes in, plain records out. Nothing here logs, and errors never quote the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.policy import default as default_policy
from email.utils import getaddresses

from icalendar import Calendar, Component

from bot.services.panel.schema import PartStat

ANSWERS = frozenset({PartStat.ACCEPTED, PartStat.DECLINED, PartStat.TENTATIVE})
_CALENDAR_TYPES = frozenset({"text/calendar", "application/ics"})
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError)


@dataclass(frozen=True)
class CalendarReply:
    """One attendee's answer to one meeting, as their calendar sent it."""

    uid: str
    sequence: int
    dtstamp: datetime
    attendee: str
    """The attendee's e-mail address, lower-case, without ``mailto:``."""
    partstat: PartStat
    senders: frozenset[str]
    """The message's From and Sender addresses (lower-case), to check against the attendee."""
    sent_by: str | None = None
    """Someone answering for the attendee (the ATTENDEE's SENT-BY), lower-case."""

    @property
    def from_attendee(self) -> bool:
        """The message comes from the attendee, or from whoever the reply says answers for
        them (RFC 6047 section 3: the sender and the attendee must agree)."""
        return self.attendee in self.senders or (
            self.sent_by is not None and self.sent_by in self.senders
        )


@dataclass(frozen=True)
class ReadMessage:
    """What one message holds: its answers, and whether it was a calendar reply at all."""

    replies: tuple[CalendarReply, ...]
    is_reply: bool


def read_message(raw: bytes) -> ReadMessage:
    """Every REPLY answer in the message. ``is_reply`` is False for a message carrying no
    METHOD:REPLY calendar (an ordinary e-mail, an invitation), which the caller leaves alone."""
    message = message_from_bytes(raw, policy=default_policy)
    senders = _senders(message)
    found: dict[tuple[str, str, int], CalendarReply] = {}
    is_reply = False
    for part in message.walk():
        if part.is_multipart() or not _is_calendar_part(part):
            continue
        calendar = _calendar(part)
        if calendar is None or str(calendar.get("METHOD", "")).upper() != "REPLY":
            continue
        is_reply = True
        for event in calendar.walk("VEVENT"):
            for reply in _answers(event, senders):
                found.setdefault((reply.uid, reply.attendee, reply.sequence), reply)
    return ReadMessage(tuple(found.values()), is_reply)


def _is_calendar_part(part: Message) -> bool:
    if part.get_content_type() in _CALENDAR_TYPES:
        return True
    filename = part.get_filename() or ""
    return filename.lower().endswith(".ics")


def _calendar(part: Message) -> Calendar | None:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload.strip():
        return None
    try:
        calendars = Calendar.from_ical(payload, multiple=True)
    except _PARSE_ERRORS:
        return None
    return calendars[0] if calendars else None


def _answers(event: Component, senders: frozenset[str]) -> list[CalendarReply]:
    uid = str(event.get("UID", "")).strip()
    stamp = _instant(event.get("DTSTAMP"))
    if not uid or stamp is None:
        return []
    try:
        sequence = int(event.get("SEQUENCE", 0))
    except _PARSE_ERRORS:
        return []
    listed = event.get("ATTENDEE")
    attendees = listed if isinstance(listed, list) else [listed] if listed is not None else []
    out = []
    for attendee in attendees:
        email = _mailto(str(attendee))
        partstat = str(getattr(attendee, "params", {}).get("PARTSTAT", "")).upper()
        if email is None or partstat not in ANSWERS:
            continue
        out.append(
            CalendarReply(
                uid=uid,
                sequence=sequence,
                dtstamp=stamp,
                attendee=email,
                partstat=PartStat(partstat),
                senders=senders,
                sent_by=_mailto(str(getattr(attendee, "params", {}).get("SENT-BY", ""))),
            )
        )
    return out


def _mailto(address: str) -> str | None:
    if address[:7].lower() != "mailto:":
        return None
    email = address[7:].strip().lower()
    return email if "@" in email else None


def _instant(prop: object) -> datetime | None:
    value = getattr(prop, "dt", None)
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def _senders(message: EmailMessage | Message) -> frozenset[str]:
    headers = [str(v) for key in ("From", "Sender") for v in message.get_all(key, [])]
    return frozenset(email.lower() for _, email in getaddresses(headers) if "@" in email)


__all__ = ["ANSWERS", "CalendarReply", "ReadMessage", "read_message"]
