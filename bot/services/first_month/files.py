"""Chronology files (pure: bytes in, bytes out). In: a CSV (UTF-8, with or without a
spreadsheet's byte-order mark) parsed row by row into entries, or refused with every problem
by row and column; problems never quote a cell or a heading (either may name the child).
Out: the integrated chronology as a CSV and a Word document with the Appendix 1 columns, all
agencies merged in date order."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.services.first_month.schema import (
    FIELD_LABELS,
    ChronologyEntryInput,
    Period,
    validate_entry,
)

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_PROBLEMS_SHOWN = 25
TOO_LARGE = "The file is larger than 10 MB; please split it."

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


# The integrated chronology -------------------------------------------------------------

HEADINGS = (
    "Date",
    "Agency",
    "Name of worker",
    "Event/action",
    "Child seen",
    "Wishes and feelings sought",
)
COLUMN_WIDTHS_CM = (2.2, 3.2, 3.8, 12.0, 2.0, 2.8)


@dataclass(frozen=True)
class IntegratedEntry:
    entry_date: date
    agency: str
    worker: str
    event: str
    child_seen: bool | None
    wishes_sought: bool | None


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


def chronology_cells(entry: IntegratedEntry) -> tuple[str, ...]:
    return (
        f"{entry.entry_date:%d.%m.%y}",
        entry.agency,
        entry.worker,
        entry.event,
        _yes_no(entry.child_seen),
        _yes_no(entry.wishes_sought),
    )


def merged(entries: Sequence[IntegratedEntry]) -> list[IntegratedEntry]:
    """Date order; within a day, by agency; an agency's own order otherwise kept."""
    return sorted(entries, key=lambda e: (e.entry_date, e.agency.casefold()))


def file_stem(reference: str) -> str:
    """The files are named from the case reference only."""
    return f"{reference.lower()}-integrated-chronology"


def _safe(cell: str) -> str:
    """A cell a spreadsheet would run as a formula is written as text."""
    return "'" + cell if cell[:1] in {"=", "+", "-", "@", "\t", "\r"} else cell


def chronology_csv(entries: Sequence[IntegratedEntry]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads the names right."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADINGS)
    for entry in merged(entries):
        writer.writerow([_safe(c) for c in chronology_cells(entry)])
    return out.getvalue().encode("utf-8-sig")


def chronology_docx(
    entries: Sequence[IntegratedEntry], *, reference: str, agencies: Sequence[str], made_on: date
) -> bytes:
    """A landscape Word document: a title naming the case reference, then one table."""
    # python-docx (with lxml, about 7 MB resident) is loaded when a Word document is first made
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(9)
    document.add_heading(f"{reference}: integrated chronology", level=1)
    document.add_paragraph(
        f"Agencies: {', '.join(agencies) or 'none'}. Prepared {made_on:%d.%m.%Y}. "
        "Confidential: for the Serious Case Review panel only."
    )
    rows = merged(entries)
    table = document.add_table(rows=len(rows) + 1, cols=len(HEADINGS))
    table.style = "Table Grid"
    heading_row, *entry_rows = table.rows
    for cell, heading in zip(heading_row.cells, HEADINGS, strict=True):
        cell.text = heading
        for run in cell.paragraphs[0].runs:
            run.font.bold = True
    for row, entry in zip(entry_rows, rows, strict=True):
        for cell, text in zip(row.cells, chronology_cells(entry), strict=True):
            cell.text = text
    for column, size in enumerate(COLUMN_WIDTHS_CM):
        table.columns[column].width = Cm(size)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
