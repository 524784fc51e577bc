"""The mailbox the invitations' answers come back to, over IMAP (stdlib ``imaplib``).

The bot reads the messages in one folder without marking them read (``BODY.PEEK[]``); the
calendar answers it has handled are marked ``\\Seen`` and filed into another folder (MOVE
when the server has it, else COPY and ``\\Deleted``, then an expunge of that message alone
when the server has UIDPLUS; without it the original stays marked deleted, for the server or a
person's mail client to expunge, because a plain EXPUNGE would also remove what people
deleted and may still want back); everything else is left where it is, unread, for people.

Errors name no message, address or server reply: they may reach a log line.
"""

from __future__ import annotations

import imaplib
import ipaddress
import re
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, SecretStr

_FETCH_UID = re.compile(rb"\bUID (\d+)")


class ImapSettings(BaseModel):
    """How to reach the mailbox. Without ``ssl`` the connection is upgraded with STARTTLS
    when the server offers it; credentials go over a connection left unencrypted only to a
    server on this machine (loopback)."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    host: str = Field(min_length=1)
    port: int = Field(default=993, ge=1, le=65535)
    user: str = Field(min_length=1)
    password: SecretStr
    folder: str = Field(default="INBOX", min_length=1)
    processed_folder: str = Field(default="Processed", min_length=1)
    ssl: bool = True
    timeout: float = Field(default=30.0, gt=0)


class MailboxError(Exception):
    """The mailbox could not be read or a message not filed (the reason is a type or an
    IMAP status, never content)."""


@dataclass(frozen=True)
class MailMessage:
    uid: int
    raw: bytes


class ReplyMailbox:
    """One IMAP session on the replies folder."""

    def __init__(self, connection: imaplib.IMAP4, settings: ImapSettings) -> None:
        self._imap = connection
        self._settings = settings
        self.uidvalidity = 0

    def select(self) -> None:
        status, _ = self._imap.select(_quote(self._settings.folder))
        if status != "OK":
            raise MailboxError(f"the replies folder could not be opened ({status})")
        given = _bytes(self._imap.response("UIDVALIDITY")[1])
        self.uidvalidity = int(given[-1]) if given and given[-1].isdigit() else 0

    def uids(self) -> list[int]:
        """The messages in the folder that are not marked for deletion."""
        status, data = self._imap.uid("SEARCH", "UNDELETED")
        if status != "OK":
            raise MailboxError(f"the replies folder could not be searched ({status})")
        return [int(n) for n in b" ".join(_bytes(data)).split()]

    def fetch(self, uid: int) -> MailMessage | None:
        """The whole message, left unread; None when it has gone meanwhile."""
        status, data = self._imap.uid("FETCH", str(uid), "(UID BODY.PEEK[])")
        if status != "OK":
            raise MailboxError(f"a message could not be read ({status})")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                found = _FETCH_UID.search(item[0])
                if found and int(found.group(1)) == uid:
                    return MailMessage(uid, bytes(item[1]))
        return None

    def file(self, uid: int) -> None:
        """Mark the message read and file it into the processed folder."""
        target = _quote(self._settings.processed_folder)
        self._imap.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen)")
        if "MOVE" in self._imap.capabilities:
            self._transfer("MOVE", uid, target)
            return
        self._transfer("COPY", uid, target)
        self._imap.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)")
        if "UIDPLUS" in self._imap.capabilities:
            self._imap.uid("EXPUNGE", str(uid))

    def _transfer(self, command: str, uid: int, target: str) -> None:
        status, data = self._imap.uid(command, str(uid), target)
        if status == "NO" and b"[TRYCREATE]" in b" ".join(_bytes(data)):
            self._imap.create(target)
            status, _ = self._imap.uid(command, str(uid), target)
        if status != "OK":
            raise MailboxError(f"a message could not be filed ({command} {status})")


@contextmanager
def open_mailbox(settings: ImapSettings) -> Iterator[ReplyMailbox]:
    """Log in, open the replies folder, and log out at the end whatever happens."""
    try:
        connection = _connect(settings)
    except (imaplib.IMAP4.error, OSError) as exc:
        # `from None`: imaplib's messages may quote the server's reply.
        raise MailboxError(f"could not log in to the mailbox ({type(exc).__name__})") from None
    try:
        mailbox = ReplyMailbox(connection, settings)
        mailbox.select()
        yield mailbox
    except (imaplib.IMAP4.error, OSError) as exc:
        raise MailboxError(f"the mailbox failed ({type(exc).__name__})") from None
    finally:
        with suppress(imaplib.IMAP4.error, OSError):
            connection.logout()


def _connect(settings: ImapSettings) -> imaplib.IMAP4:
    if settings.ssl:
        connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            settings.host,
            settings.port,
            ssl_context=ssl.create_default_context(),
            timeout=settings.timeout,
        )
    else:
        connection = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
        if "STARTTLS" in connection.capabilities:
            connection.starttls(ssl_context=ssl.create_default_context())
        elif not _is_loopback(settings.host):
            connection.shutdown()
            raise MailboxError("the server offers no encryption; credentials not sent")
    try:
        connection.login(settings.user, settings.password.get_secret_value())
    except BaseException:
        connection.shutdown()
        raise
    return connection


def _is_loopback(host: str) -> bool:
    try:
        return all(
            ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None)
        )
    except (OSError, ValueError):
        return False


def _quote(name: str) -> str:
    """A mailbox name as an IMAP quoted string."""
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _bytes(data: list[object] | None) -> list[bytes]:
    return [item for item in data or [] if isinstance(item, bytes)]


__all__ = ["ImapSettings", "MailMessage", "MailboxError", "ReplyMailbox", "open_mailbox"]
