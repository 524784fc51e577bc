"""Invitation e-mails for the panel, delivered to a real SMTP server (aiosmtpd) on the
loopback interface when SMTP settings are given: one message per attendee, a copy for the
convener and one for the Board's mailbox, shaped the way Outlook and Google Calendar act
on, and caught up by the worker when the relay was down."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from bot.ids import PanelAction
from bot.jobs.worker import tick
from bot.settings import Settings
from bot.testing.harness import Harness, make_settings, start_harness
from bot.testing.seed import PEOPLE
from bot.testing.standin import SlackStandIn
from storage.db import Database
from tests.panel.helpers import (
    CHAIR,
    ICS_NAME,
    MEMBERS,
    ORGANISER,
    card_message,
    meetings,
    parse_ical,
    referred_case,
    schedule_panel,
)
from tests.referral.data import IDENTIFYING

SENDER = "scr-bot@board.example"
EMAILS = {p.user_id: p.email for p in PEOPLE}
PANEL_EMAILS = {EMAILS[u] for u in (*MEMBERS, CHAIR)}
CONVENER_EMAIL = EMAILS[ORGANISER]
EVERY_ADDRESS = {*PANEL_EMAILS, CONVENER_EMAIL, SENDER}


@dataclass
class Inbox:
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


def mail_settings(standin: SlackStandIn, database: Database, smtp_port: int) -> Settings:
    """The test settings, sending e-mail from the Board's mailbox to the local relay."""
    return make_settings(
        standin,
        database.engine.url.render_as_string(hide_password=False),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp_port,
        SMTP_FROM=SENDER,
    )


@pytest.fixture
def mail_harness(standin, database, clock, smtp_port) -> Iterator[Harness]:
    settings = mail_settings(standin, database, smtp_port)
    harness = start_harness(standin, database, clock, settings=settings)
    yield harness
    harness.close()


@pytest.fixture
def relay(inbox: Inbox, smtp_port: int) -> Iterator[Controller]:
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield controller
    controller.stop()


def parts(message: EmailMessage) -> tuple[EmailMessage, EmailMessage, EmailMessage]:
    """(text/plain, text/calendar, the .ics attachment) of a multipart/mixed invitation."""
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, calendar = alternative.iter_parts()
    return plain, calendar, attachment  # type: ignore[return-value]


def test_each_attendee_gets_their_own_invitation_email(mail_harness, inbox, relay) -> None:
    case = referred_case(mail_harness)

    schedule_panel(mail_harness, case)

    assert sorted(to for to, _ in inbox.received) == sorted([e] for e in EVERY_ADDRESS)
    [meeting] = meetings(mail_harness)
    for to, message in inbox.received:
        if to[0] == SENDER:
            assert message["Subject"] == "Copy: Invitation: SCR-2026-001 Initial SCR Panel"
            continue
        assert message["To"].addresses[0].addr_spec == to[0]
        assert message["From"].addresses[0].addr_spec == SENDER
        assert message["Subject"] == "Invitation: SCR-2026-001 Initial SCR Panel"
        plain, calendar, attachment = parts(message)
        assert plain.get_content_type() == "text/plain"
        assert "Tue 15 Dec 2026, 10:00–12:00" in plain.get_content()
        assert calendar.get_content_type() == "text/calendar"
        assert calendar.get_param("method") == "REQUEST"
        assert attachment.get_content_type() == "application/ics"
        assert attachment.get_filename() == ICS_NAME
        ics = calendar.get_content()
        ics_bytes = ics.encode() if isinstance(ics, str) else ics
        assert attachment.get_content() == ics_bytes
        parsed = parse_ical(ics_bytes)
        assert parsed.method == "REQUEST"
        [event] = parsed.events
        assert event.uid == meeting.uid
        assert {a.uri for a in event.attendees} == {
            f"mailto:{e}" for e in (*PANEL_EMAILS, CONVENER_EMAIL)
        }
        raw = message.as_string()
        for value in IDENTIFYING:
            assert value not in raw
    [announcement] = [
        m
        for m in mail_harness.standin.messages_in(case.channel_id)
        if "Initial Panel scheduled" in m.text
    ]
    assert "by DM and e-mail" in str(announcement.blocks)


def test_a_cancellation_is_emailed_as_method_cancel(mail_harness, inbox, relay) -> None:
    case = referred_case(mail_harness)
    schedule_panel(mail_harness, case)
    inbox.received.clear()
    card = card_message(mail_harness, case)

    mail_harness.driver.block_action(
        "U0CPU1", PanelAction.CANCEL.value, channel_id=case.channel_id, message_ts=card.ts
    )
    mail_harness.wait()

    assert sorted(to[0] for to, _ in inbox.received) == sorted(EVERY_ADDRESS)
    for to, message in inbox.received:
        copy = "Copy: " if to[0] == SENDER else ""
        assert message["Subject"] == f"{copy}Cancelled: SCR-2026-001 Initial SCR Panel"
        _, calendar, _ = parts(message)
        assert calendar.get_param("method") == "CANCEL"
        ics = calendar.get_content()
        parsed = parse_ical(ics.encode() if isinstance(ics, str) else ics)
        assert parsed.method == "CANCEL"
        assert parsed.events[0].sequence == 1


def _panel_posts(harness: Harness) -> list:
    """The bot's posts, the business unit's daily digest (sent by the tick) aside."""
    return [
        c
        for c in harness.standin.calls_to("chat.postMessage")
        if not str(c.args.get("text", "")).startswith("Daily digest")
    ]


def test_when_the_relay_is_down_the_worker_sends_the_emails_later_once(
    mail_harness, inbox, smtp_port
) -> None:
    case = referred_case(mail_harness)

    schedule_panel(mail_harness, case)

    assert inbox.received == []
    for user in (*MEMBERS, CHAIR):
        dms = mail_harness.standin.dms_to(user)
        assert any(PanelAction.ACCEPT.value in str(m.blocks) for m in dms)
    [meeting] = meetings(mail_harness)
    assert meeting.distributed_seq is None

    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        mail_harness.clock.advance(timedelta(minutes=2))
        posted = len(_panel_posts(mail_harness))
        tick(mail_harness.runtime)
        tick(mail_harness.runtime)
    finally:
        controller.stop()

    assert sorted(to[0] for to, _ in inbox.received) == sorted(EVERY_ADDRESS)
    assert len(_panel_posts(mail_harness)) == posted
    [meeting] = meetings(mail_harness)
    assert meeting.distributed_seq == 0
