"""Invitation e-mails, delivered to a real SMTP server (aiosmtpd) on the loopback interface."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from aiosmtpd.controller import Controller
from ical.calendar_stream import CalendarStream
from pydantic import SecretStr, ValidationError

from bot.calendar.invites import Attendee, Meeting, Organizer, build_cancel, build_request
from bot.calendar.mailer import (
    InviteMailer,
    InviteMailError,
    SmtpSettings,
    build_invite_message,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 10, 1, 8, 30, tzinfo=UTC)
UID = "5a1d4e0c-8a3b-4c55-9d0f-1b2c3d4e5f60@scr.example.org"
REFUSED = "refused@police.example.uk"
RECIPIENTS = [
    ("Panel Chair", "chair@council.example.gov.uk"),
    ("Zoë Ó Súilleabháin", "zoe@nhs.example.net"),
]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it is sent and refuses one address."""

    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 - the name aiosmtpd calls
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[int, Recorder]]:
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, recorder
    finally:
        controller.stop()


@pytest.fixture
def server(smtp_server: tuple[int, Recorder]) -> tuple[int, Recorder]:
    smtp_server[1].received.clear()
    return smtp_server


def settings(port: int, **changes: Any) -> SmtpSettings:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "sender": "scr-bot@council.example.gov.uk",
        "timeout": 5,
    }
    values.update(changes)
    return SmtpSettings(**values)


def meeting(sequence: int = 0) -> Meeting:
    return Meeting(
        uid=UID,
        sequence=sequence,
        case_reference="scr-2026-001",
        summary="SCR-2026-001: Initial SCR Panel",
        description="Initial SCR Panel for scr-2026-001.",
        start=datetime(2026, 10, 24, 10, tzinfo=LONDON),
        end=datetime(2026, 10, 24, 12, tzinfo=LONDON),
        location="Committee Room 2",
        url=None,
        organizer=Organizer(email="cpu@council.example.gov.uk", name="Child Protection Unit"),
        attendees=[Attendee(email=email, name=name) for name, email in RECIPIENTS],
    )


def send(port: int, ics: bytes, method: Any, **changes: Any) -> None:
    InviteMailer(settings(port, **changes), now=lambda: NOW).send_invite(
        to=RECIPIENTS,
        subject="SCR-2026-001: Initial SCR Panel, Sat 24 Oct 2026",
        text_body="You are invited to the Initial SCR Panel for SCR-2026-001.",
        ics=ics,
        method=method,
        filename="scr-2026-001-initial-panel.ics",
    )


def calendar_parts(message: EmailMessage) -> tuple[EmailMessage, EmailMessage, EmailMessage]:
    """The (text/plain, text/calendar, attachment) parts, asserting the nesting on the way."""
    assert message.get_content_type() == "multipart/mixed"
    outer = list(message.iter_parts())
    assert [p.get_content_type() for p in outer] == ["multipart/alternative", "application/ics"]
    alternative, attachment = outer
    assert isinstance(alternative, EmailMessage)
    assert isinstance(attachment, EmailMessage)
    inner = list(alternative.iter_parts())
    assert [p.get_content_type() for p in inner] == ["text/plain", "text/calendar"]
    plain, calendar = inner
    assert isinstance(plain, EmailMessage)
    assert isinstance(calendar, EmailMessage)
    return plain, calendar, attachment


def uid_from(ics: bytes) -> tuple[str, str]:
    """The UID as read by icalendar and by ical, to check both agree with the sender."""
    (event,) = icalendar.Calendar.from_ical(ics).events
    (other,) = CalendarStream.from_ics(ics.decode("utf-8")).calendars[0].events
    return event.uid, other.uid


# --- delivery ---------------------------------------------------------------------------------


def test_a_request_reaches_each_recipient_separately(server: tuple[int, Recorder]) -> None:
    port, recorder = server
    ics = build_request(meeting(), dtstamp=NOW)

    send(port, ics, "REQUEST")

    assert [r.rcpt_tos for r in recorder.received] == [[email] for _, email in RECIPIENTS]
    message_ids = set()
    for (name, email), received in zip(RECIPIENTS, recorder.received, strict=True):
        message = received.message
        assert received.mail_from == "scr-bot@council.example.gov.uk"
        (to,) = message["To"].addresses
        assert (to.display_name, to.addr_spec) == (name, email)
        assert "Cc" not in message
        assert "Bcc" not in message
        assert message["From"].addresses[0].addr_spec == "scr-bot@council.example.gov.uk"
        assert message["Subject"] == "SCR-2026-001: Initial SCR Panel, Sat 24 Oct 2026"
        assert message["Date"].datetime == NOW
        assert message["Message-ID"].endswith("@council.example.gov.uk>")
        message_ids.add(message["Message-ID"])
    assert len(message_ids) == len(RECIPIENTS)


def test_the_request_has_the_mime_shape_calendar_clients_accept(
    server: tuple[int, Recorder],
) -> None:
    port, recorder = server
    ics = build_request(meeting(), dtstamp=NOW)

    send(port, ics, "REQUEST")

    plain, calendar, attachment = calendar_parts(recorder.received[0].message)
    assert "SCR-2026-001" in plain.get_content()
    assert calendar.get_param("method") == "REQUEST"
    assert str(calendar.get_param("charset")).upper() == "UTF-8"
    assert calendar.get_content_disposition() is None
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "scr-2026-001-initial-panel.ics"
    inline = calendar.get_payload(decode=True)
    attached = attachment.get_payload(decode=True)
    assert isinstance(inline, bytes)
    assert isinstance(attached, bytes)
    assert inline == attached == ics
    assert uid_from(inline) == (UID, UID)


def test_a_cancel_carries_method_cancel(server: tuple[int, Recorder]) -> None:
    port, recorder = server
    ics = build_cancel(meeting(sequence=1), dtstamp=NOW + timedelta(days=1))

    send(port, ics, "CANCEL")

    assert len(recorder.received) == len(RECIPIENTS)
    _, calendar, _ = calendar_parts(recorder.received[0].message)
    assert calendar.get_param("method") == "CANCEL"
    payload = calendar.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert uid_from(payload) == (UID, UID)
    assert b"STATUS:CANCELLED" in payload


# --- failures ---------------------------------------------------------------------------------


def test_connection_refused_raises_a_clear_error() -> None:
    ics = build_request(meeting(), dtstamp=NOW)

    with pytest.raises(InviteMailError) as caught:
        send(free_port(), ics, "REQUEST")

    assert caught.value.delivered == ()
    assert caught.value.total == len(RECIPIENTS)
    assert "ConnectionRefusedError" in str(caught.value)
    assert caught.value.__cause__ is None


def test_a_refused_recipient_does_not_stop_the_others_and_is_not_named(
    server: tuple[int, Recorder],
) -> None:
    port, recorder = server
    ics = build_request(meeting(), dtstamp=NOW)

    with pytest.raises(InviteMailError) as caught:
        InviteMailer(settings(port), now=lambda: NOW).send_invite(
            to=[RECIPIENTS[0], ("Morag Pemberton", REFUSED), RECIPIENTS[1]],
            subject="SCR-2026-001: Initial SCR Panel",
            text_body="SCR-2026-001",
            ics=ics,
            method="REQUEST",
            filename="scr-2026-001-initial-panel.ics",
        )

    error = caught.value
    assert (error.delivered, error.sent, error.total, error.smtp_code) == ((0, 2), 2, 3, 550)
    assert "SMTPRecipientsRefused" in str(error)
    assert "@" not in str(error)
    assert "Morag" not in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None
    assert [r.rcpt_tos for r in recorder.received] == [[email] for _, email in RECIPIENTS]


def test_credentials_are_not_sent_without_starttls(server: tuple[int, Recorder]) -> None:
    port, recorder = server
    ics = build_request(meeting(), dtstamp=NOW)

    with pytest.raises(InviteMailError, match="STARTTLS"):
        send(port, ics, "REQUEST", user="scr-bot", password="s3cret")

    assert recorder.received == []


def test_a_server_without_auth_is_reported(server: tuple[int, Recorder]) -> None:
    port, _ = server
    ics = build_request(meeting(), dtstamp=NOW)

    with pytest.raises(InviteMailError, match="SMTPNotSupportedError"):
        send(port, ics, "REQUEST", user="scr-bot", password="s3cret", starttls=False)


# --- building without a server ----------------------------------------------------------------


def build(**changes: Any) -> EmailMessage:
    values: dict[str, Any] = {
        "sender": ("SCR Bot", "scr-bot@council.example.gov.uk"),
        "recipient": RECIPIENTS[1],
        "subject": "SCR-2026-001: Initial SCR Panel",
        "text_body": "SCR-2026-001",
        "ics": build_request(meeting(), dtstamp=NOW),
        "method": "REQUEST",
        "filename": "scr-2026-001-initial-panel.ics",
        "date": NOW,
    }
    values.update(changes)
    return build_invite_message(**values)


def test_a_non_ascii_display_name_is_encoded_in_the_header() -> None:
    message = build()

    wire = message.as_bytes()
    assert b"Zo\xc3\xab" not in wire.split(b"\n\n", 1)[0]
    reparsed = message_from_bytes(wire, policy=default_policy)
    assert reparsed["To"].addresses[0].display_name == "Zoë Ó Súilleabháin"


@pytest.mark.parametrize(
    "changes",
    [
        {"method": "CANCEL"},
        {"filename": "../scr-2026-001.ics"},
        {"filename": "scr-2026-001.txt"},
        {"date": datetime(2026, 10, 1, 9)},
        {"recipient": ("Someone", "not an address")},
        {"recipient": ("Someone", "a@example.org\r\nBcc: b@example.org")},
        {"subject": "SCR-2026-001\r\nBcc: b@example.org"},
    ],
)
def test_a_malformed_invitation_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as caught:
        build(**changes)

    assert "example.org" not in str(caught.value)


def test_no_message_is_sent_if_any_address_is_malformed(server: tuple[int, Recorder]) -> None:
    port, recorder = server
    ics = build_request(meeting(), dtstamp=NOW)

    with pytest.raises(ValueError):
        InviteMailer(settings(port)).send_invite(
            to=[RECIPIENTS[0], ("Someone", "not an address")],
            subject="SCR-2026-001",
            text_body="SCR-2026-001",
            ics=ics,
            method="REQUEST",
            filename="scr-2026-001-initial-panel.ics",
        )

    assert recorder.received == []


def test_settings_keep_the_password_secret_and_in_pairs() -> None:
    configured = settings(587, user="scr-bot", password="s3cret")

    assert isinstance(configured.password, SecretStr)
    assert "s3cret" not in repr(configured)
    with pytest.raises(ValidationError):
        settings(587, user="scr-bot")
    with pytest.raises(ValidationError):
        settings(587, sender="not an address")


def test_the_mail_says_a_calendar_answer_counts_only_when_the_mailbox_is_read() -> None:
    from bot.views.panel import email_text

    start = datetime(2026, 12, 15, 10, tzinfo=LONDON)
    args = ("SCR-2026-001", "REQUEST", start, start + timedelta(hours=2), "Room 1", None)
    read = email_text(*args, replies_read=True)
    unread = email_text(*args)
    assert "answer in your calendar" in read and "Board's mailbox" not in read
    assert "answer in your calendar" not in unread and "goes to the Board's mailbox" in unread
