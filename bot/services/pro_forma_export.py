"""The monitoring pro forma (Appendix 5 of the framework: number, agency, progress) as a Word
document and as CSV. Pure: a round's summary in, bytes out. File names carry the case
reference and the round's date only."""

from __future__ import annotations

import csv
import io
from datetime import date

from docx import Document

from bot.services.round_summary import RoundSummary

COLUMNS = ("Recommendation number", "Agency", "Progress")


def file_stem(reference: str, round_date: date) -> str:
    """``scr-2026-001-progress-2027-06-27``."""
    return f"{reference.lower()}-progress-{round_date.isoformat()}"


def title(summary: RoundSummary) -> str:
    return (
        f"{summary.reference}: progress on the recommendations, round {summary.round_no} "
        f"(due {summary.due.day} {summary.due:%B %Y})"
    )


def pro_forma_docx(summary: RoundSummary) -> bytes:
    document = Document()
    document.core_properties.title = title(summary)
    document.core_properties.author = "scr-bot"
    document.add_heading("Monitoring of recommendations", level=1)
    document.add_paragraph(title(summary))
    table = document.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(heading)
        run.bold = True
    for row in summary.rows:
        cells = table.add_row().cells
        cells[0].text = str(row.number)
        cells[1].text = row.agency
        cells[2].text = row.progress
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pro_forma_csv(summary: RoundSummary) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read it as UTF-8."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in summary.rows:
        writer.writerow((row.number, row.agency, row.progress))
    return out.getvalue().encode("utf-8-sig")
