"""The review's papers kept in the web case room (Word): a version of the terms of reference,
and a "not met" path's findings. Pure builders: the flow gives them what they say, people by
name (a document has no Slack mentions)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from bot.views.format import day


def _docx(title: str, heading: str, lines: Sequence[tuple[str, str]], note: str) -> bytes:
    # python-docx (with lxml, about 7 MB resident) is loaded when a Word document is first made
    from docx import Document

    document = Document()
    document.core_properties.title = title
    document.core_properties.author = "scr-bot"
    document.add_heading(heading, level=1)
    for label, value in lines:
        document.add_heading(label, level=2)
        for paragraph in value.split("\n"):
            document.add_paragraph(paragraph)
    document.add_paragraph().add_run(note).italic = True
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def terms_document(
    reference: str, version: int, lines: Sequence[tuple[str, str]], recorded: str
) -> bytes:
    """The terms of reference, one heading per issue, as the case channel used to show them."""
    title = f"{reference} terms of reference, version {version}"
    return _docx(title, f"{reference} · Terms of reference, version {version}", lines, recorded)


def findings_document(
    reference: str, path: str, summary: str, shared_on: date, recorded: str
) -> bytes:
    """A "not met" path's findings, as shared with the panel."""
    lines = [("Findings", summary), ("Shared with the panel", day(shared_on))]
    return _docx(f"{reference} findings", f"{reference} · Findings of the {path}", lines, recorded)
