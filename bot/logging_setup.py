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
_WORD = re.compile(r"[^\W\d_][\w'’-]{3,}")
_NOT_NAMES = frozenset({"road", "street", "lane", "close", "avenue", "drive", "flat", "house"})


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
    """The values to keep out of logs: bounded, most recent kept, safe across threads."""

    def __init__(self, limit: int = MAX_SECRETS) -> None:
        self._values: OrderedDict[str, None] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def register(self, value: Any) -> None:
        """Remember ``value`` (a string, or the strings inside a JSON-like structure); for
        short values such as names and addresses, their words and date spellings too."""
        found = list(_strings(value))
        if not found:
            return
        with self._lock:
            added = False
            for text in found:
                for variant in _variants(text):
                    added = added or variant not in self._values
                    self._values[variant] = None
                    self._values.move_to_end(variant)
            while len(self._values) > self._limit:
                self._values.popitem(last=False)
            if added:
                self._pattern = None

    def scrub(self, text: str) -> str:
        if not text:
            return text
        with self._lock:
            if self._pattern is None and self._values:
                ordered = sorted(self._values, key=len, reverse=True)
                self._pattern = re.compile(
                    "|".join(re.escape(v) for v in ordered), flags=re.IGNORECASE
                )
            pattern = self._pattern
        return pattern.sub(REDACTED, text) if pattern is not None else text

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._pattern = None


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
    variants = [text, *date_spellings(text)]
    if len(text) <= 120:
        variants += [
            w for w in _WORD.findall(text) if w[0].isupper() and w.casefold() not in _NOT_NAMES
        ]
    return variants


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
