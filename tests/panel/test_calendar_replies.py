"""Reading iMIP replies out of e-mail (`bot.calendar.replies`) and the IMAP side of it
(`bot.calendar.imap`) against the loopback IMAP server, without and with the MOVE and
UIDPLUS extensions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from bot.calendar.imap import ImapSettings, MailboxError, _is_loopback, open_mailbox
from bot.calendar.replies import read_message
from bot.services.panel.schema import PartStat
from bot.testing.imap_standin import ImapStandIn

STAMP = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
UID = "4f0c2a52-5d0e-4a8e-9a8c-0b7c1c3a9f11@board.example"


def ics(method: str = "REPLY", *, attendees: str | None = None, extra: str = "") -> bytes:
    attendees = attendees or "ATTENDEE;PARTSTAT=ACCEPTED;CN=Kim:mailto:Kim@Health.Example\r\n"
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Client//EN\r\n"
        f"METHOD:{method}\r\nBEGIN:VEVENT\r\nUID:{UID}\r\nSEQUENCE:2\r\n"
        "DTSTAMP:20261202T093000Z\r\nORGANIZER:mailto:panels@board.example\r\n"
        f"{attendees}{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def mail(*parts: tuple[bytes, str, str, str | None], sender: str = "kim@health.example") -> bytes:
    message = EmailMessage()
    message["From"] = f"Kim <{sender}>"
    message["Subject"] = "Accepted: SCR-2026-001 Initial SCR Panel"
    message.set_content("Kim has accepted.")
    for content, maintype, subtype, filename in parts:
        if filename is None:
            message.add_alternative(
                content, maintype=maintype, subtype=subtype, params={"method": "REPLY"}
            )
        else:
            message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(message)


def test_an_outlook_reply_is_read_with_its_uid_sequence_stamp_and_answer() -> None:
    read = read_message(mail((ics(), "text", "calendar", None)))

    assert read.is_reply
    [reply] = read.replies
    assert (reply.uid, reply.sequence, reply.dtstamp) == (UID, 2, STAMP)
    assert (reply.attendee, reply.partstat) == ("kim@health.example", PartStat.ACCEPTED)
    assert reply.from_attendee


def test_the_same_answer_inline_and_attached_counts_once() -> None:
    raw = mail((ics(), "text", "calendar", None), (ics(), "application", "ics", "invite.ics"))
    assert len(read_message(raw).replies) == 1


def test_an_attachment_named_ics_of_any_type_is_read() -> None:
    raw = mail((ics(), "application", "octet-stream", "reply.ics"))
    assert [r.partstat for r in read_message(raw).replies] == [PartStat.ACCEPTED]


def test_an_answer_sent_by_a_delegate_is_from_the_attendee() -> None:
    attendee = (
        'ATTENDEE;PARTSTAT=DECLINED;SENT-BY="mailto:pa@health.example":'
        "mailto:kim@health.example\r\n"
    )
    raw = mail((ics(attendees=attendee), "text", "calendar", None), sender="pa@health.example")
    [reply] = read_message(raw).replies
    assert reply.from_attendee and reply.partstat == PartStat.DECLINED


def test_a_reply_from_another_address_is_not_from_the_attendee() -> None:
    raw = mail((ics(), "text", "calendar", None), sender="someone@elsewhere.example")
    [reply] = read_message(raw).replies
    assert not reply.from_attendee


@pytest.mark.parametrize(
    "raw",
    [
        mail((ics("REQUEST"), "text", "calendar", None)),
        mail((ics("COUNTER"), "text", "calendar", None)),
        mail(),
        mail((b"not a calendar at all", "text", "calendar", None)),
    ],
    ids=["invitation", "counter", "plain mail", "broken calendar"],
)
def test_what_is_not_a_reply_is_left_alone(raw: bytes) -> None:
    read = read_message(raw)
    assert (read.is_reply, read.replies) == (False, ())


@pytest.mark.parametrize(
    "attendee",
    [
        "ATTENDEE;PARTSTAT=DELEGATED:mailto:kim@health.example\r\n",
        "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:kim@health.example\r\n",
        "ATTENDEE;PARTSTAT=ACCEPTED:urn:uuid:0a3c8d0e-2f4b-5c6d-8e9f-0a1b2c3d4e5f\r\n",
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:not-an-address\r\n",
    ],
)
def test_a_reply_without_a_usable_answer_is_a_reply_with_no_answer(attendee: str) -> None:
    read = read_message(mail((ics(attendees=attendee), "text", "calendar", None)))
    assert (read.is_reply, read.replies) == (True, ())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
def test_any_bytes_are_read_without_an_error(raw: bytes) -> None:
    read_message(raw)


@given(st.text(max_size=300))
@settings(max_examples=100, deadline=None)
def test_any_calendar_text_is_read_without_an_error(body: str) -> None:
    text = (
        f"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n{body}\r\nEND:VEVENT\r\nEND:VCALENDAR"
    )
    read_message(mail((text.encode("utf-8", "replace"), "text", "calendar", None)))


# IMAP ----------------------------------------------------------------------------------


@pytest.fixture(params=["MOVE", "COPY and UID EXPUNGE", "COPY and EXPUNGE"])
def server(request: pytest.FixtureRequest) -> Iterator[ImapStandIn]:
    move, uidplus = {
        "MOVE": (True, True),
        "COPY and UID EXPUNGE": (False, True),
        "COPY and EXPUNGE": (False, False),
    }[request.param]
    standin = ImapStandIn("panels@board.example", 'pass "word"', move=move, uidplus=uidplus)
    yield standin.start()
    standin.stop()


def imap(server: ImapStandIn, **overrides: object) -> ImapSettings:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": server.port,
        "user": "panels@board.example",
        "password": SecretStr('pass "word"'),
        "ssl": False,
        "processed_folder": "Calendar replies",
    }
    values.update(overrides)
    return ImapSettings.model_validate(values)


def test_a_filed_message_is_read_moved_and_nothing_else_is_touched(server: ImapStandIn) -> None:
    other = server.deliver(b"Subject: someone's letter\r\n\r\nHello")
    reply = server.deliver(mail((ics(), "text", "calendar", None)))
    server.folders["INBOX"].messages[0].flags.add("\\Deleted")  # deleted by a person

    with open_mailbox(imap(server)) as mailbox:
        assert mailbox.uids() == [reply]
        fetched = mailbox.fetch(reply)
        assert fetched is not None and read_message(fetched.raw).is_reply
        mailbox.file(reply)
        assert mailbox.uids() == []

    kept = {m.uid: m.flags for m in server.messages_in("INBOX")}
    if server.move or server.uidplus:
        assert kept == {other: {"\\Deleted"}}
    else:  # no EXPUNGE: that would remove what people deleted too
        assert kept == {other: {"\\Deleted"}, reply: {"\\Seen", "\\Deleted"}}
        assert server.called("EXPUNGE") == []
    [filed] = server.messages_in("Calendar replies")
    assert filed.flags == {"\\Seen"}
    assert server.called("CREATE") == [("CREATE", "Calendar replies")]


def test_a_message_gone_meanwhile_is_none(server: ImapStandIn) -> None:
    with open_mailbox(imap(server)) as mailbox:
        assert mailbox.fetch(42) is None


def test_wrong_credentials_fail_without_quoting_the_server(server: ImapStandIn) -> None:
    with (
        pytest.raises(MailboxError) as failed,
        open_mailbox(imap(server, password=SecretStr("wrong"))),
    ):
        pass
    assert "AUTHENTICATIONFAILED" not in str(failed.value)
    assert "wrong" not in str(failed.value)


@pytest.mark.parametrize(
    ("host", "in_clear"),
    [("127.0.0.1", True), ("::1", True), ("192.0.2.1", False), ("2001:db8::1", False)],
)
def test_credentials_go_unencrypted_only_to_this_machine(host: str, in_clear: bool) -> None:
    """Decided from the address alone (no connection is made here)."""
    assert _is_loopback(host) is in_clear
