"""A small IMAP4rev1 server (RFC 3501) on the loopback interface, for the tests and the demo.

It speaks the part of the protocol that ``imaplib`` uses to read and file messages:
CAPABILITY, NOOP, LOGIN, SELECT, CREATE, LOGOUT, EXPUNGE, and UID SEARCH / FETCH / STORE /
COPY / MOVE (RFC 6851) / EXPUNGE (UIDPLUS, RFC 4315). Mailboxes live in memory; each
command is recorded, so a test can see what the bot asked for. ``move=False`` or
``uidplus=False`` leaves those extensions out of CAPABILITY, as older servers do.
"""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_SEEN = "\\Seen"
_DELETED = "\\Deleted"
_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\()|(\))|([^\s()"]+(?:\[[^\]]*\])?(?:<[\d.]+>)?)')


@dataclass
class StoredMessage:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Folder:
    uidvalidity: int
    messages: list[StoredMessage] = field(default_factory=list)
    uidnext: int = 1

    def add(self, raw: bytes, flags: set[str] | None = None) -> int:
        uid = self.uidnext
        self.uidnext += 1
        self.messages.append(StoredMessage(uid, raw, set(flags or ())))
        return uid


class ImapStandIn:
    """Start with ``start()``; ``port`` is then where it listens (127.0.0.1)."""

    def __init__(
        self, user: str, password: str, *, move: bool = True, uidplus: bool = True
    ) -> None:
        self.user, self.password = user, password
        self.move, self.uidplus = move, uidplus
        self.folders: dict[str, Folder] = {"INBOX": Folder(uidvalidity=1)}
        self.commands: list[tuple[str, ...]] = []
        self.lock = threading.Lock()
        self._server: socketserver.ThreadingTCPServer | None = None
        self.port = 0

    # what tests see -----------------------------------------------------------------

    def deliver(self, raw: bytes, folder: str = "INBOX") -> int:
        """Put a message in a folder (as the mail system would); returns its UID."""
        with self.lock:
            return self.folders.setdefault(folder, Folder(len(self.folders) + 1)).add(raw)

    def messages_in(self, folder: str) -> list[StoredMessage]:
        with self.lock:
            return list(self.folders[folder].messages) if folder in self.folders else []

    def called(self, name: str) -> list[tuple[str, ...]]:
        """The commands received named ``name`` ("LOGIN", "UID FETCH", ...)."""
        with self.lock:
            return [c for c in self.commands if " ".join(c[: len(name.split())]) == name]

    @property
    def capabilities(self) -> str:
        extensions = [name for name, on in (("MOVE", self.move), ("UIDPLUS", self.uidplus)) if on]
        return " ".join(["IMAP4rev1", *extensions])

    # running --------------------------------------------------------------------------

    def start(self) -> ImapStandIn:
        standin = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                _Session(standin, self).run()

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


class _Session:
    def __init__(self, standin: ImapStandIn, handler: socketserver.StreamRequestHandler) -> None:
        self.s = standin
        self.rfile, self.wfile = handler.rfile, handler.wfile
        self.logged_in = False
        self.folder: str | None = None

    def send(self, line: str | bytes) -> None:
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def run(self) -> None:
        self.send(f"* OK [CAPABILITY {self.s.capabilities}] IMAP stand-in ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            tag, _, rest = line.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            words = _tokens(rest)
            if not words:
                self.send(f"{tag} BAD empty command")
                continue
            name = words[0].upper()
            if name == "UID" and len(words) > 1:
                name = "UID " + str(words[1]).upper()
                args = words[2:]
            else:
                args = words[1:]
            with self.s.lock:
                self.s.commands.append((*name.split(), *(str(a) for a in args)))
            try:
                reply = self.dispatch(name, args)
            except _RefusedError as refusal:
                reply = f"NO {refusal}"
            except (IndexError, KeyError, ValueError) as exc:
                reply = f"BAD {type(exc).__name__}"
            self.send(f"{tag} {reply}")
            if name == "LOGOUT":
                return

    def dispatch(self, name: str, args: list[Any]) -> str:
        if name == "CAPABILITY":
            self.send(f"* CAPABILITY {self.s.capabilities}")
            return "OK CAPABILITY completed"
        if name == "NOOP":
            return "OK NOOP completed"
        if name == "LOGOUT":
            self.send("* BYE logging out")
            return "OK LOGOUT completed"
        if name == "LOGIN":
            if (str(args[0]), str(args[1])) != (self.s.user, self.s.password):
                raise _RefusedError("[AUTHENTICATIONFAILED] invalid credentials")
            self.logged_in = True
            return "OK LOGIN completed"
        if not self.logged_in:
            raise _RefusedError("log in first")
        if name == "SELECT":
            return self.select(str(args[0]))
        if name == "CREATE":
            with self.s.lock:
                if str(args[0]) in self.s.folders:
                    raise _RefusedError("[ALREADYEXISTS] mailbox exists")
                self.s.folders[str(args[0])] = Folder(uidvalidity=len(self.s.folders) + 1)
            return "OK CREATE completed"
        if self.folder is None:
            raise _RefusedError("select a mailbox first")
        handlers: dict[str, Callable[[list[Any]], str]] = {
            "UID SEARCH": self.search,
            "UID FETCH": self.fetch,
            "UID STORE": self.store,
            "UID COPY": lambda a: self.copy(a, move=False),
            "UID MOVE": lambda a: self.copy(a, move=True),
            "UID EXPUNGE": lambda a: self.expunge(_uid_set(str(a[0]))),
            "EXPUNGE": lambda a: self.expunge(None),
        }
        if name not in handlers or (name == "UID MOVE" and not self.s.move):
            return f"BAD unknown command {name}"
        if name == "UID EXPUNGE" and not self.s.uidplus:
            return f"BAD unknown command {name}"
        return handlers[name](args)

    def current(self) -> Folder:
        assert self.folder is not None
        return self.s.folders[self.folder]

    def select(self, name: str) -> str:
        with self.s.lock:
            if name not in self.s.folders:
                raise _RefusedError("no such mailbox")
            folder = self.s.folders[name]
            self.folder = name
            self.send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)")
            self.send(f"* {len(folder.messages)} EXISTS")
            self.send("* 0 RECENT")
            self.send(f"* OK [UIDVALIDITY {folder.uidvalidity}] UIDs valid")
            self.send(f"* OK [UIDNEXT {folder.uidnext}] predicted next UID")
        return "OK [READ-WRITE] SELECT completed"

    def search(self, args: list[Any]) -> str:
        criteria = " ".join(str(a) for a in args).upper()
        if criteria not in ("ALL", "UNDELETED", "UNSEEN"):
            return "BAD unsupported search"
        with self.s.lock:
            found = [
                m.uid
                for m in self.current().messages
                if criteria == "ALL"
                or (criteria == "UNDELETED" and _DELETED not in m.flags)
                or (criteria == "UNSEEN" and _SEEN not in m.flags)
            ]
        self.send("* SEARCH" + "".join(f" {uid}" for uid in found))
        return "OK SEARCH completed"

    def fetch(self, args: list[Any]) -> str:
        wanted = _uid_set(str(args[0]))
        items = [str(i).upper() for i in (args[1] if isinstance(args[1], list) else args[1:])]
        with self.s.lock:
            for number, message in enumerate(self.current().messages, start=1):
                if not wanted(message.uid):
                    continue
                parts = [f"UID {message.uid}".encode()]
                for item in items:
                    if item in ("BODY[]", "RFC822"):
                        message.flags.add(_SEEN)
                    if item in ("BODY[]", "BODY.PEEK[]", "RFC822"):
                        label = "RFC822" if item == "RFC822" else "BODY[]"
                        parts.append(f"{label} {{{len(message.raw)}}}\r\n".encode() + message.raw)
                    elif item == "FLAGS":
                        parts.append(f"FLAGS ({' '.join(sorted(message.flags))})".encode())
                    elif item == "RFC822.SIZE":
                        parts.append(f"RFC822.SIZE {len(message.raw)}".encode())
                self.send(f"* {number} FETCH (".encode() + b" ".join(parts) + b")")
        return "OK FETCH completed"

    def store(self, args: list[Any]) -> str:
        wanted = _uid_set(str(args[0]))
        mode = str(args[1]).upper()
        flags = {str(f) for f in (args[2] if isinstance(args[2], list) else args[2:])}
        with self.s.lock:
            for number, message in enumerate(self.current().messages, start=1):
                if not wanted(message.uid):
                    continue
                if mode.startswith("+"):
                    message.flags |= flags
                elif mode.startswith("-"):
                    message.flags -= flags
                else:
                    message.flags = set(flags)
                if not mode.endswith(".SILENT"):
                    self.send(f"* {number} FETCH (UID {message.uid} FLAGS ({' '.join(flags)}))")
        return "OK STORE completed"

    def copy(self, args: list[Any], *, move: bool) -> str:
        wanted, target = _uid_set(str(args[0])), str(args[1])
        with self.s.lock:
            if target not in self.s.folders:
                raise _RefusedError("[TRYCREATE] no such mailbox")
            source = self.current()
            chosen = [m for m in source.messages if wanted(m.uid)]
            for message in chosen:
                self.s.folders[target].add(message.raw, message.flags - {_DELETED})
            if move:
                for message in chosen:
                    number = source.messages.index(message) + 1
                    source.messages.remove(message)
                    self.send(f"* {number} EXPUNGE")
        return "OK MOVE completed" if move else "OK COPY completed"

    def expunge(self, only: Any) -> str:
        with self.s.lock:
            source = self.current()
            for message in list(source.messages):
                if _DELETED in message.flags and (only is None or only(message.uid)):
                    number = source.messages.index(message) + 1
                    source.messages.remove(message)
                    self.send(f"* {number} EXPUNGE")
        return "OK EXPUNGE completed"


class _RefusedError(Exception):
    pass


def _tokens(text: str) -> list[Any]:
    """Atoms and quoted strings, with parenthesised lists as nested lists."""
    stack: list[list[Any]] = [[]]
    for quoted, opening, closing, atom in _TOKEN.findall(text):
        if opening:
            stack.append([])
        elif closing:
            done = stack.pop()
            stack[-1].append(done)
        elif atom:
            stack[-1].append(atom)
        else:
            stack[-1].append(re.sub(r"\\(.)", r"\1", quoted))
    return stack[0]


def _uid_set(text: str) -> Any:
    """A UID set such as ``4``, ``2:7`` or ``1,3:*`` as a predicate."""
    ranges = []
    for piece in text.split(","):
        low, _, high = piece.partition(":")
        first = 0 if low == "*" else int(low)
        last = first if not high else (10**12 if high == "*" else int(high))
        ranges.append((min(first, last), max(first, last)))
    return lambda uid: any(low <= uid <= high for low, high in ranges)
