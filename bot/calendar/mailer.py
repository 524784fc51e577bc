"""Sending meeting invitations by e-mail, shaped the way Outlook and Google Calendar expect.

Each message is ``multipart/mixed`` holding a ``multipart/alternative`` (a plain
text body and the ``text/calendar; method=...`` part that calendar clients act
on) followed by the same ``.ics`` as an ``application/ics`` attachment for
clients that only offer attachments.

Every recipient gets a message of their own, addressed only to them: panel
members come from different agencies, and a shared To or Cc line would tell
each of them who else sits on the review. The ATTENDEE list inside the
``.ics`` still names the panel, as calendar clients need it to show the
meeting.

The messages come from ``SmtpSettings.sender``, the mailbox the callers name as the
ORGANIZER: a client compares the two before acting on an invitation (RFC 6047 section
2.2.1), and sends its answer to the ORGANIZER. The text body is plain text as a mail
client shows it, links written out.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from bot.calendar.invites import Method

Recipient = tuple[str, str]
"""A (display name, e-mail address) pair."""


class SmtpSettings(BaseModel):
    """How to reach the council's mail relay.

    With ``starttls`` the connection is upgraded when the server offers it. A
    server that does not offer it still receives the invitations, but never the
    credentials: with a user set, sending fails instead.
    """

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    user: str | None = None
    password: SecretStr | None = None
    sender: str = Field(min_length=3)
    sender_name: str = "Safeguarding Children Board"
    starttls: bool = True
    timeout: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _credentials_in_pairs(self) -> SmtpSettings:
        if (self.user is None) != (self.password is None):
            raise ValueError("give both an SMTP user and a password, or neither")
        _address("", self.sender)
        return self


class InviteMailError(Exception):
    """Delivery failed for some or all recipients.

    The message names no person, as it may end up in a log; ``delivered`` holds
    the positions (in the ``to`` list) of the recipients whose message the
    server accepted, so a caller can retry the rest without repeating them.
    """

    def __init__(
        self,
        reason: str,
        *,
        delivered: Sequence[int],
        total: int,
        smtp_code: int | None = None,
    ) -> None:
        code = f" (SMTP {smtp_code})" if smtp_code is not None else ""
        super().__init__(
            f"invitation e-mail failed, {len(delivered)} of {total} delivered: {reason}{code}"
        )
        self.reason = reason
        self.delivered = tuple(delivered)
        self.total = total
        self.smtp_code = smtp_code

    @property
    def sent(self) -> int:
        return len(self.delivered)


class _StartTlsMissingError(Exception):
    pass


def build_invite_message(
    *,
    sender: Recipient,
    recipient: Recipient,
    subject: str,
    text_body: str,
    ics: bytes,
    method: Method,
    filename: str,
    date: datetime,
) -> EmailMessage:
    """One invitation e-mail to one recipient."""
    _check_ics(ics, method)
    _check_filename(filename)
    if date.tzinfo is None:
        raise ValueError("date must be timezone-aware")
    from_address = _address(*sender)
    message = EmailMessage()
    message["From"] = from_address
    message["To"] = _address(*recipient)
    message["Subject"] = subject
    message["Date"] = date
    message["Message-ID"] = make_msgid(domain=from_address.domain)
    message.set_content(text_body)
    message.add_alternative(
        ics,
        maintype="text",
        subtype="calendar",
        params={"method": method, "charset": "UTF-8"},
    )
    message.add_attachment(
        ics, maintype="application", subtype="ics", filename=filename, params={"name": filename}
    )
    return message


def _utc_now() -> datetime:
    return datetime.now(UTC)


class InviteMailer:
    """Sends invitations through one SMTP connection per call."""

    def __init__(self, settings: SmtpSettings, *, now: Callable[[], datetime] = _utc_now) -> None:
        self._settings = settings
        self._now = now

    def send_invite(
        self,
        *,
        to: Sequence[Recipient],
        subject: str,
        text_body: str,
        ics: bytes,
        method: Method,
        filename: str,
    ) -> None:
        """Send one message per recipient; raise `InviteMailError` if any was not accepted.

        All messages are built before connecting, so a malformed address fails
        before anyone has been sent anything. A recipient the server refuses
        does not stop the others; a broken connection does.
        """
        if not to:
            raise ValueError("an invitation needs at least one recipient")
        sender = (self._settings.sender_name, self._settings.sender)
        date = self._now()
        messages = [
            (
                recipient[1],
                build_invite_message(
                    sender=sender,
                    recipient=recipient,
                    subject=subject,
                    text_body=text_body,
                    ics=ics,
                    method=method,
                    filename=filename,
                    date=date,
                ),
            )
            for recipient in to
        ]
        delivered: list[int] = []
        try:
            refusal = self._deliver(messages, delivered)
        except _StartTlsMissingError:
            raise InviteMailError(
                "server did not offer STARTTLS; credentials not sent",
                delivered=delivered,
                total=len(messages),
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            # `from None`: smtplib's own messages quote addresses and server replies.
            raise InviteMailError(
                type(error).__name__,
                delivered=delivered,
                total=len(messages),
                smtp_code=_smtp_code(error),
            ) from None
        if refusal is not None:
            raise InviteMailError(
                type(refusal).__name__,
                delivered=delivered,
                total=len(messages),
                smtp_code=_smtp_code(refusal),
            )

    def _deliver(
        self, messages: Sequence[tuple[str, EmailMessage]], delivered: list[int]
    ) -> smtplib.SMTPRecipientsRefused | None:
        """Send each message, carrying on past refused recipients; return the first refusal."""
        first_refusal: smtplib.SMTPRecipientsRefused | None = None
        with self._connect() as smtp:
            for index, (address, message) in enumerate(messages):
                try:
                    smtp.send_message(message, from_addr=self._settings.sender, to_addrs=[address])
                except smtplib.SMTPRecipientsRefused as refusal:
                    if first_refusal is None:
                        first_refusal = refusal
                    continue
                delivered.append(index)
        return first_refusal

    def _connect(self) -> smtplib.SMTP:
        settings = self._settings
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            smtp.ehlo()
            encrypted = False
            if settings.starttls and smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
                encrypted = True
            if settings.user is not None and settings.password is not None:
                if settings.starttls and not encrypted:
                    raise _StartTlsMissingError
                smtp.login(settings.user, settings.password.get_secret_value())
        except BaseException:
            smtp.close()
            raise
        return smtp


def _smtp_code(error: Exception) -> int | None:
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        for code, _reply in error.recipients.values():
            return code
    return None


def _address(name: str, email: str) -> Address:
    try:
        return Address(display_name=name, addr_spec=email)
    except (ValueError, IndexError, HeaderParseError):
        # `from None`: the parser's message quotes the address.
        raise ValueError("not a plain e-mail address") from None


def _check_ics(ics: bytes, method: Method) -> None:
    """Outlook ignores an invitation whose MIME method differs from the calendar's METHOD."""
    if f"\r\nMETHOD:{method}\r\n".encode() not in ics:
        raise ValueError(f"the calendar does not carry METHOD:{method}")


def _check_filename(filename: str) -> None:
    if not filename.endswith(".ics") or any(c in filename for c in '/\\"\r\n'):
        raise ValueError("filename must be a bare name ending in .ics")
