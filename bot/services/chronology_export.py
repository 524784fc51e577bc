"""The integrated chronology as files (pure: entries in, bytes out): a CSV and a Word
document with the Appendix 1 columns, all agencies merged in date order."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt

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


def _flag(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


def _cells(entry: IntegratedEntry) -> tuple[str, ...]:
    return (
        f"{entry.entry_date:%d.%m.%y}",
        entry.agency,
        entry.worker,
        entry.event,
        _flag(entry.child_seen),
        _flag(entry.wishes_sought),
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
        writer.writerow([_safe(c) for c in _cells(entry)])
    return out.getvalue().encode("utf-8-sig")


def chronology_docx(
    entries: Sequence[IntegratedEntry], *, reference: str, agencies: Sequence[str], made_on: date
) -> bytes:
    """A landscape Word document: a title naming the case reference, then one table."""
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
        for cell, text in zip(row.cells, _cells(entry), strict=True):
            cell.text = text
    for column, size in enumerate(COLUMN_WIDTHS_CM):
        table.columns[column].width = Cm(size)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
