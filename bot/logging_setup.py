"""Logging that never carries a case's personal data, whichever logger writes the line.

The bot's own lines carry ids and case references only. Libraries are not so careful:
Bolt's request verification logs a refused body whole, pydantic and SQLAlchemy put input
values and statement parameters in their exception messages, gunicorn's access log writes
query strings. So every line, from any logger, passes one filter (`Scrubber`) before it is
written:

- any value the bot has encrypted (the child's names, date of birth in its usual spellings,
  address, family details, free text about the case) is replaced by `[redacted]`; the
  cipher registers each value as it encrypts or decrypts it;
- a line that looks like a Slack request body (a `payload=` form, a view's state) is
  replaced whole;
- a traceback keeps its frames and exception types, but the message of an exception raised
  outside this project is withheld: it may quote what a user typed.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from collections import OrderedDict
from collections.abc import Iterable
from datetime import date
from types import TracebackType
from typing import Any

REDACTED = "[redacted]"
PAYLOAD_REMOVED = "[a Slack request body was logged here and removed]"
WITHHELD = "(message withheld)"
MAX_SECRETS = 5_000
MIN_LENGTH = 3
OWN_PACKAGES = ("bot.", "storage.")

_PAYLOAD_SHAPES = re.compile(
    r"payload=|\"view_submission\"|'view_submission'|\"state\":\s*\{\s*\"values\"|"
    r"'state':\s*\{\s*'values'|%22view_submission%22|\"private_metadata\"|'private_metadata'"
)


def date_spellings(value: str) -> list[str]:
    """An ISO date as people and systems write it: 2021-06-02, 02.06.21, 02/06/2021, 2 June
    2021, ..."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return []
    return [
        day.isoformat(),
        f"{day:%d.%m.%y}",
        f"{day:%d.%m.%Y}",
        f"{day:%d/%m/%y}",
        f"{day:%d/%m/%Y}",
        f"{day:%d-%m-%Y}",
        f"{day.day} {day:%B %Y}",
        f"{day.day} {day:%b %Y}",
        f"{day:%d %B %Y}",
    ]


class Redactor:
    """The values to keep out of logs: bounded (the most recent kept), safe across threads.

    A line is scrubbed in one pass over its words, whatever the number of values: a value of
    one word is found by set membership, a longer one by its first word and then compared in
    place. Matching ignores case and a possessive "'s"."""

    def __init__(self, limit: int = MAX_SECRETS) -> None:
        self._values: OrderedDict[str, None] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()
        self._words: set[str] = set()
        self._phrases: dict[str, set[str]] = {}

    def register(self, value: Any) -> None:
        """Remember ``value`` (a string, or the strings inside a JSON-like structure), dates
        in their usual spellings too."""
        found = list(_strings(value))
        if not found:
            return
        with self._lock:
            for text in found:
                for variant in _variants(text):
                    key = variant.lower()
                    if key not in self._values:
                        self._index(key, add=True)
                    self._values[key] = None
                    self._values.move_to_end(key)
            while len(self._values) > self._limit:
                oldest, _ = self._values.popitem(last=False)
                self._index(oldest, add=False)

    def register_words(self, words: Iterable[str]) -> None:
        """Remember single words that identify a person (a child's or a relative's name)."""
        with self._lock:
            for word in words:
                key = word.strip().lower()
                if len(key) < MIN_LENGTH:
                    continue
                if key not in self._values:
                    self._index(key, add=True)
                self._values[key] = None
                self._values.move_to_end(key)

    def _index(self, value: str, *, add: bool) -> None:
        tokens = [t for _, _, t in _tokens(value)]
        if not tokens:
            return
        if len(tokens) == 1 and tokens[0] == value:
            (self._words.add if add else self._words.discard)(value)
            return
        phrases = self._phrases.setdefault(tokens[0], set())
        (phrases.add if add else phrases.discard)(value)

    def scrub(self, text: str) -> str:
        if not text:
            return text
        lowered = text.lower()
        spans: list[tuple[int, int]] = []
        with self._lock:
            for start, end, token in _tokens(lowered):
                if token in self._words or _possessive(token) in self._words:
                    spans.append((start, end))
                for phrase in self._phrases.get(token, ()):
                    if lowered.startswith(phrase, start):
                        spans.append((start, start + len(phrase)))
        if not spans:
            return text
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        out, cursor = [], 0
        for start, end in merged:
            out += [text[cursor:start], REDACTED]
            cursor = end
        out.append(text[cursor:])
        return "".join(out)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._words, self._phrases = set(), {}


_TOKEN = re.compile(r"\w[\w'’./-]*")


def _tokens(text: str) -> Iterable[tuple[int, int, str]]:
    for match in _TOKEN.finditer(text):
        token = match.group().rstrip(".'’/-")
        yield match.start(), match.start() + len(token), token


def _possessive(token: str) -> str:
    return token.removesuffix("'s").removesuffix("’s")


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        if len(value.strip()) >= MIN_LENGTH:
            yield value.strip()
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _variants(text: str) -> list[str]:
    """A value as logs could spell it. A lone plain word ("never", "Police") is not kept:
    stored answers are full of them, and names are registered as words on their own
    (`Redactor.register_words`), from the referral's identifying fields only."""
    if " " not in text and not any(c.isdigit() for c in text) and len(text) < 12:
        return []
    return [text, *date_spellings(text)]


REDACTOR = Redactor()
"""The process's one register of values to keep out of logs."""


class Scrubber(logging.Filter):
    """Rewrites each record so that what is written carries no personal data."""

    def __init__(self, redactor: Redactor = REDACTOR) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        if _PAYLOAD_SHAPES.search(message):
            message = PAYLOAD_REMOVED
        record.msg, record.args = self.redactor.scrub(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redactor.scrub(_traceback_without_messages(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redactor.scrub(record.stack_info)
        return True


def _traceback_without_messages(
    exc_info: tuple[type[BaseException], BaseException, TracebackType | None]
    | tuple[None, None, None],
) -> str:
    error = exc_info[1]
    assert error is not None
    text = "".join(traceback.TracebackException.from_exception(error).format()).rstrip("\n")
    return "\n".join(_withhold(line) for line in text.splitlines())


def _withhold(line: str) -> str:
    """Frames are code; an exception line `pkg.Error: message` keeps its message only when
    the exception is this project's own."""
    if line.startswith((" ", "\t", "Traceback", "During handling", "The above exception")):
        return line
    name, sep, _ = line.partition(": ")
    if not sep or " " in name:
        return line
    return line if name.startswith(OWN_PACKAGES) else f"{name}: {WITHHELD}"


def install_scrubbing(scrubber: Scrubber | None = None) -> Scrubber:
    """Put the filter on every handler there is: the root's and any logger's own (gunicorn's
    access and error logs have theirs). Safe to call again after a library adds handlers."""
    scrubber = scrubber or Scrubber()
    loggers = [logging.getLogger(), *_named_loggers()]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, Scrubber) for f in handler.filters):
                handler.addFilter(scrubber)
    return scrubber


def _named_loggers() -> list[logging.Logger]:
    manager = logging.Logger.manager
    return [
        logger for logger in list(manager.loggerDict.values()) if isinstance(logger, logging.Logger)
    ]


def configure_logging(level: str = "INFO") -> None:
    """Log lines carry ids and case references only; payloads are never logged."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("slack_bolt", "slack_sdk", "sqlalchemy.engine", "sqlalchemy.pool"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    install_scrubbing()
