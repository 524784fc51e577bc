"""Chronology entries in the framework's Appendix 1 format (date `dd.mm.yy`, agency, name
of worker, event/action; plus whether the child was seen and their wishes and feelings
sought), validated one by one, and whole CSV files parsed into them (pure: no database).

Problems are reported by spreadsheet row number and column, never by quoting a cell:
a cell may name the child."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from bot.ids import ChronologyFlag
from bot.ids import FirstMonthBlock as B

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_WORKER = 200
MAX_EVENT = 4000
MAX_PROBLEMS_SHOWN = 25
DATE_HINT = "use dd.mm.yy or dd/mm/yyyy"
TOO_LARGE = "The file is larger than 10 MB; please split it."

_DATE = re.compile(r"^(\d{1,2})([./])(\d{1,2})\2(\d{2}|\d{4})$")
_YES = frozenset({"yes", "y", "true", "1", "✓"})
_NO = frozenset({"no", "n", "false", "0"})
_UNKNOWN = frozenset({"", "n/a", "na", "not known", "unknown", "not recorded"})


@dataclass(frozen=True)
class Period:
    """The period under review; entries outside it are refused once it is set."""

    starts_on: date
    ends_on: date | None = None


def _problem(message: str) -> PydanticCustomError:
    return PydanticCustomError("chronology", message)


def parse_day_first(text: str) -> tuple[date, bool]:
    """`dd.mm.yy`, `dd/mm/yyyy` (either separator, either year width). Two-digit years are
    20yy, so a year before 2000 must be written in full. Returns the date and whether the
    year was two digits."""
    match = _DATE.match(text.strip())
    if match is None:
        raise _problem(f"not a date ({DATE_HINT})")
    day, _, month, year = match.groups()
    full_year = int(year) + (2000 if len(year) == 2 else 0)
    try:
        return date(full_year, int(month), int(day)), len(year) == 2
    except ValueError:
        raise _problem(f"no such day ({DATE_HINT}, day first)") from None


def _context(info: ValidationInfo) -> tuple[date, Period | None]:
    context = info.context or {}
    today = context.get("today")
    if not isinstance(today, date):
        raise RuntimeError("chronology validation needs context={'today': date}")
    period = context.get("period")
    return today, period if isinstance(period, Period) else None


def _flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _YES:
        return True
    if text in _NO:
        return False
    if text in _UNKNOWN:
        return None
    raise _problem("answer yes or no, or leave it blank")


class ChronologyEntryInput(BaseModel):
    """One entry, from a modal (a `date`) or a CSV row (text, day first)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    entry_date: date
    worker: Annotated[str, Field(min_length=1, max_length=MAX_WORKER)]
    event: Annotated[str, Field(min_length=1, max_length=MAX_EVENT)]
    child_seen: bool | None = None
    wishes_sought: bool | None = None

    @field_validator("entry_date", mode="before")
    @classmethod
    def _parse_date(cls, value: Any, info: ValidationInfo) -> date:
        if isinstance(value, date):
            when, short_year = value, False
        elif isinstance(value, str) and value.strip():
            when, short_year = parse_day_first(value)
        else:
            raise _problem("required")
        today, period = _context(info)
        if when > today:
            hint = " (write years before 2000 in full: dd/mm/yyyy)" if short_year else ""
            raise _problem(f"in the future{hint}")
        if period is not None and when < period.starts_on:
            raise _problem(f"before the period under review (from {period.starts_on:%d.%m.%Y})")
        if period is not None and period.ends_on is not None and when > period.ends_on:
            raise _problem(f"after the period under review (to {period.ends_on:%d.%m.%Y})")
        return when

    @field_validator("child_seen", "wishes_sought", mode="before")
    @classmethod
    def _parse_flag(cls, value: Any) -> bool | None:
        return _flag(value)

    def key(self) -> tuple[date, str, str, bool | None, bool | None]:
        """What makes two entries the same entry (a row uploaded twice)."""
        return (self.entry_date, self.worker, self.event, self.child_seen, self.wishes_sought)


FIELD_LABELS = {
    "entry_date": "date",
    "agency": "agency",
    "worker": "name of worker",
    "event": "event/action",
    "child_seen": "child seen",
    "wishes_sought": "wishes and feelings sought",
}


def problems_of(exc: ValidationError) -> dict[str, str]:
    """{field: reason}, one reason per field, in words a person can act on."""
    out: dict[str, str] = {}
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "entry_date"
        kind = err["type"]
        if kind in {"missing", "string_too_short"}:
            reason = "required"
        elif kind == "string_too_long":
            reason = f"longer than {err['ctx']['max_length']} characters"
        elif kind == "chronology":
            reason = err["msg"]
        else:
            reason = "not valid"
        out.setdefault(name, reason)
    return out


def validate_entry(
    values: dict[str, Any], *, today: date, period: Period | None
) -> ChronologyEntryInput | dict[str, str]:
    try:
        return ChronologyEntryInput.model_validate(
            values, context={"today": today, "period": period}
        )
    except ValidationError as exc:
        return problems_of(exc)


# Entries from a modal -------------------------------------------------------------------

ENTRY_SLOTS = 5
ENTRY_FIELDS = {
    "entry_date": B.ENTRY_DATE,
    "worker": B.ENTRY_WORKER,
    "event": B.ENTRY_EVENT,
    "flags": B.ENTRY_FLAGS,
}
"""A modal entry's fields, and the prefix of the block holding each."""


def entry_block_id(name: str, slot: int) -> str:
    return f"{ENTRY_FIELDS[name].value}_{slot}"


@dataclass(frozen=True)
class SlotProblems:
    errors: dict[str, str]
    """{block id: message}"""


def entries_from_slots(
    values: dict[str, Any], *, today: date, period: Period | None
) -> list[tuple[int, ChronologyEntryInput]] | SlotProblems:
    """The filled-in entries of the modal, or every problem by its input. A slot with no
    date, worker or event is left out; at least one is needed."""
    entries: list[tuple[int, ChronologyEntryInput]] = []
    errors: dict[str, str] = {}
    for slot in range(1, ENTRY_SLOTS + 1):
        raw = {name: values.get(entry_block_id(name, slot)) for name in ENTRY_FIELDS}
        if not any(raw[name] for name in ("entry_date", "worker", "event")):
            continue
        flags = raw.pop("flags") or []
        when = raw["entry_date"]
        raw["entry_date"] = date.fromisoformat(when) if isinstance(when, str) and when else None
        raw["child_seen"] = ChronologyFlag.CHILD_SEEN.value in flags
        raw["wishes_sought"] = ChronologyFlag.WISHES_SOUGHT.value in flags
        checked = validate_entry(
            {k: v for k, v in raw.items() if v is not None}, today=today, period=period
        )
        if isinstance(checked, dict):
            for name, reason in checked.items():
                block = entry_block_id(name if name in ENTRY_FIELDS else "flags", slot)
                errors.setdefault(block, reason[:1].upper() + reason[1:] + ".")
        else:
            entries.append((slot, checked))
    if not entries and not errors:
        errors[entry_block_id("entry_date", 1)] = "Add at least one entry."
    return SlotProblems(errors) if errors else entries


# CSV files ------------------------------------------------------------------------------

COLUMNS: dict[str, frozenset[str]] = {
    "entry_date": frozenset({"date", "date of event", "event date", "dd mm yy"}),
    "agency": frozenset({"agency", "organisation", "organization"}),
    "worker": frozenset({"name of worker", "worker", "worker name", "worker s name"}),
    "event": frozenset(
        {"event action", "event or action", "events actions", "event", "action", "event and action"}
    ),
    "child_seen": frozenset({"child seen", "was the child seen", "seen"}),
    "wishes_sought": frozenset(
        {
            "wishes and feelings sought",
            "child s wishes and feelings sought",
            "wishes and feelings",
            "wishes sought",
            "were the child s wishes and feelings sought",
        }
    ),
}
REQUIRED = ("entry_date", "agency", "worker", "event")


@dataclass(frozen=True)
class Problem:
    """What is wrong, where: ``row`` as a spreadsheet numbers it (the heading is row 1);
    None for the file as a whole."""

    row: int | None
    reason: str

    def text(self) -> str:
        return self.reason if self.row is None else f"row {self.row}: {self.reason}"


@dataclass
class ParsedFile:
    entries: list[tuple[int, ChronologyEntryInput]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.entries)


def _heading_key(text: str) -> str:
    text = text.replace("\ufeff", "").casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def decode(raw: bytes) -> str:
    """UTF-8, with or without the byte-order mark a spreadsheet adds. Anything else is
    refused rather than guessed: a wrong guess would garble workers' names silently."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError(
            "The file is saved as UTF-16 (Unicode text). Save it as “CSV UTF-8 (Comma "
            "delimited)” and upload it again."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValueError(
            f"The file is not UTF-8 text (the first problem is on line {line}). In Excel, "
            "use File › Save As › “CSV UTF-8 (Comma delimited)” and upload it again."
        ) from None


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _columns(heading: Sequence[str]) -> tuple[dict[str, int], list[Problem]]:
    found: dict[str, int] = {}
    problems: list[Problem] = []
    for index, cell in enumerate(heading):
        key = _heading_key(cell)
        if not key:
            continue
        name = next((n for n, aliases in COLUMNS.items() if key in aliases), None)
        if name is None:
            problems.append(Problem(1, f"column {index + 1} has a heading I don't recognise"))
        elif name in found:
            problems.append(Problem(1, f"column {index + 1} repeats the {FIELD_LABELS[name]}"))
        else:
            found[name] = index
    missing = [FIELD_LABELS[n] for n in REQUIRED if n not in found]
    if missing:
        expected = ", ".join(FIELD_LABELS[n] for n in COLUMNS)
        problems.insert(
            0,
            Problem(None, f"missing column(s): {', '.join(missing)}. The columns are: {expected}."),
        )
    return found, problems


def _records(text: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    try:
        yield from reader
    except csv.Error:
        raise ValueError("The file is not a readable CSV file.") from None


def parse_csv(raw: bytes, *, agency_name: str, today: date, period: Period | None) -> ParsedFile:
    """Every row checked; the caller stores the entries only when there is no problem."""
    result = ParsedFile()
    if len(raw) > MAX_FILE_BYTES:
        result.problems.append(Problem(None, TOO_LARGE))
        return result
    try:
        records = _records(decode(raw))
        heading = next(records, None)
        if heading is None:
            result.problems.append(Problem(None, "The file is empty."))
            return result
        columns, result.problems = _columns(heading)
        if result.problems:
            return result
        for number, record in enumerate(records, start=2):
            if number - 1 > MAX_ROWS:
                result.problems = [Problem(None, f"The file has more than {MAX_ROWS:,} rows.")]
                return result
            _check_row(result, number, record, columns, agency_name, today, period)
    except ValueError as exc:
        result.problems = [Problem(None, str(exc))]
        return result
    if not result.entries and not result.problems:
        result.problems.append(Problem(None, "The file has no entries below its heading row."))
    return result


def _check_row(
    result: ParsedFile,
    number: int,
    record: list[str],
    columns: dict[str, int],
    agency_name: str,
    today: date,
    period: Period | None,
) -> None:
    if not any(cell.strip() for cell in record):
        return
    used = set(columns.values())
    if any(cell.strip() for i, cell in enumerate(record) if i not in used):
        result.problems.append(Problem(number, "a cell outside the chronology's columns"))
        return
    values = {name: record[index] if index < len(record) else "" for name, index in columns.items()}
    agency = values.pop("agency").strip()
    reasons: dict[str, str] = {}
    if agency and agency.casefold() != agency_name.casefold():
        reasons["agency"] = f"not {agency_name} (each agency uploads its own entries)"
    checked = validate_entry(values, today=today, period=period)
    if isinstance(checked, dict):
        reasons.update(checked)
    if reasons:
        text = "; ".join(f"{FIELD_LABELS[name]}: {reason}" for name, reason in reasons.items())
        result.problems.append(Problem(number, text))
    elif isinstance(checked, ChronologyEntryInput):
        result.entries.append((number, checked))


def problems_summary(problems: Sequence[Problem]) -> list[str]:
    shown = [p.text() for p in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        shown.append(f"…and {len(problems) - MAX_PROBLEMS_SHOWN} more.")
    return shown
