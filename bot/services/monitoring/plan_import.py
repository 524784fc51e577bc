"""An action plan from a CSV file (UTF-8, with or without the BOM a spreadsheet writes).

Every row is checked; if any is wrong the whole file is refused with the row numbers (as
the spreadsheet shows them, the header being row 1) and the reasons, and nothing is stored.
Owners are given as Slack member ids or email addresses; turning those into people is the
caller's (it needs Slack), and its findings join the same list of problems.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.process.working_days import WorkingCalendar
from bot.services.cases import audit
from bot.services.cases.access import active_agencies
from bot.services.cases.identifying import naming_rows, rows_refusal
from bot.services.monitoring.plan import add_recommendation, recommendations
from bot.services.monitoring.schema import (
    COLUMNS_HELP,
    LONG_TEXT,
    MAX_NUMBER,
    SLACK_USER,
    RecommendationForm,
    Source,
)
from bot.services.refusal import RefusedError
from bot.services.reminders.tasks import EngineContext
from storage.db import Database
from storage.models import Case, Recommendation

MAX_BYTES = 1_000_000
MAX_ROWS = 300
DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("number", "no", "no.", "recommendation number", "#"),
    "agency": ("agency", "organisation", "organization"),
    "action": ("action", "recommendation"),
    "owner": ("owner", "action owner", "by whom"),
    "target_date": ("target date", "by when", "target"),
    "expected_outcome": ("expected outcome", "outcome"),
    "source": ("source", "from"),
}
REQUIRED = ("number", "agency", "action", "owner", "target_date", "expected_outcome")
SOURCE_WORDS = {
    "": Source.OVERVIEW_REPORT,
    "overview report": Source.OVERVIEW_REPORT,
    "overview": Source.OVERVIEW_REPORT,
    "management review": Source.MANAGEMENT_REVIEW,
    "imr": Source.MANAGEMENT_REVIEW,
    "individual management review": Source.MANAGEMENT_REVIEW,
}


@dataclass(frozen=True)
class PlanRow:
    line: int
    number: int
    agency_id: int
    action: str
    owner: str
    """As written: a Slack member id or an email address."""
    target_date: date
    expected_outcome: str
    source: Source


@dataclass(frozen=True)
class Problem:
    line: int | None
    """The spreadsheet row, or None for the file as a whole."""
    message: str

    def __str__(self) -> str:
        return self.message if self.line is None else f"Row {self.line}: {self.message}"


@dataclass(frozen=True)
class ParsedPlan:
    rows: tuple[PlanRow, ...]
    problems: tuple[Problem, ...]


def _refuse(message: str) -> ParsedPlan:
    return ParsedPlan((), (Problem(None, message),))


def _header_map(header: list[str]) -> dict[str, int]:
    names = {alias: key for key, aliases in HEADERS.items() for alias in aliases}
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = names.get(" ".join(cell.strip().lower().split()))
        if key is not None and key not in found:
            found[key] = index
    return found


def _shown(value: str) -> str:
    """A cell quoted back to the uploader, cut short."""
    return repr(value if len(value) <= 20 else value[:20] + "…")


def parse_date(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def parse_plan(data: bytes, *, agencies: Mapping[str, int], taken_numbers: set[int]) -> ParsedPlan:
    """``agencies`` maps each partnership agency's name, case-folded, to its id."""
    if len(data) > MAX_BYTES:
        return _refuse(f"The file is larger than {MAX_BYTES // 1000} kB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _refuse("The file is not UTF-8 text: save it as “CSV UTF-8” and upload it again.")
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        return _refuse(f"The file is not a readable CSV file ({exc}).")
    if not table:
        return _refuse("The file is empty.")
    columns = _header_map(table[0])
    missing = [k.replace("_", " ") for k in REQUIRED if k not in columns]
    if missing:
        return _refuse(f"Missing columns: {', '.join(missing)}. Expected: {COLUMNS_HELP}.")
    body = [(i, r) for i, r in enumerate(table[1:], start=2) if any(c.strip() for c in r)]
    if not body:
        return _refuse("The file has no recommendations under its header.")
    if len(body) > MAX_ROWS:
        return _refuse(f"The file has {len(body)} rows; at most {MAX_ROWS} can be imported.")
    rows: list[PlanRow] = []
    problems: list[Problem] = []
    seen: dict[int, int] = {}
    for line, cells in body:
        row, row_problems = _parse_row(line, cells, columns, agencies)
        problems += row_problems
        if row is None:
            continue
        if row.number in taken_numbers:
            problems.append(Problem(line, f"recommendation {row.number} is already in the plan."))
        elif row.number in seen:
            problems.append(
                Problem(line, f"number {row.number} is also on row {seen[row.number]}.")
            )
        else:
            seen[row.number] = line
            rows.append(row)
    return ParsedPlan(tuple(rows), tuple(problems))


def _parse_row(
    line: int, cells: list[str], columns: dict[str, int], agencies: Mapping[str, int]
) -> tuple[PlanRow | None, list[Problem]]:
    def cell(key: str) -> str:
        index = columns.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    problems: list[str] = []
    number = cell("number")
    if not number.isdigit() or not 1 <= int(number) <= MAX_NUMBER:
        problems.append(f"number {_shown(number)} is not a whole number from 1 to {MAX_NUMBER}")
    agency_id = agencies.get(cell("agency").casefold())
    if agency_id is None:
        problems.append(f"agency {_shown(cell('agency'))} is not in the partnership")
    for key, label in (("action", "action"), ("expected_outcome", "expected outcome")):
        if not cell(key):
            problems.append(f"the {label} is empty")
        elif len(cell(key)) > LONG_TEXT:
            problems.append(f"the {label} is longer than {LONG_TEXT} characters")
    owner = cell("owner")
    if not (re.fullmatch(SLACK_USER, owner) or EMAIL.fullmatch(owner)):
        problems.append("the owner must be a Slack member id (U…) or an email address")
    target = parse_date(cell("target_date"))
    if target is None:
        problems.append(f"target date {_shown(cell('target_date'))} is not a date like 30/06/2027")
    source = SOURCE_WORDS.get(" ".join(cell("source").lower().split()))
    if source is None:
        problems.append("the source must be “overview report” or “management review”")
    if problems or agency_id is None or target is None or source is None:
        return None, [Problem(line, "; ".join(problems) + ".")]
    row = PlanRow(
        line,
        int(number),
        agency_id,
        cell("action"),
        owner,
        target,
        cell("expected_outcome"),
        source,
    )
    return row, []


def forms(rows: tuple[PlanRow, ...], owners: Mapping[int, str]) -> list[RecommendationForm]:
    """The rows as recommendations, with each row's owner resolved to a Slack member id."""
    out = []
    for row in rows:
        try:
            out.append(
                RecommendationForm(
                    number=row.number,
                    agency_id=row.agency_id,
                    action=row.action,
                    owner=owners[row.line],
                    target_date=row.target_date,
                    expected_outcome=row.expected_outcome,
                    source=row.source,
                )
            )
        except ValidationError as exc:
            raise RefusedError(f"Row {row.line} could not be read.") from exc
    return out


def parse_for_case(session: Session, cipher: FieldCipher, case_id: int, data: bytes) -> ParsedPlan:
    """The file read against the partnership's agencies and the plan's numbers so far, and
    screened: a file with any row naming the child is refused whole, by row number."""
    agencies = {a.name.casefold(): a.id for a in active_agencies(session)}
    taken = {r.number for r in recommendations(session, case_id)}
    parsed = parse_plan(data, agencies=agencies, taken_numbers=taken)
    texts = [(row.line, [row.action, row.expected_outcome]) for row in parsed.rows]
    naming = naming_rows(session, cipher, case_id, texts)
    return _refuse(rows_refusal(naming)) if naming else parsed


def store_plan(
    db: Database,
    cal: WorkingCalendar,
    now: datetime,
    case_id: int,
    plan: list[RecommendationForm],
    *,
    actor: str,
    cipher: FieldCipher,
    view_id: str,
) -> list[int]:
    """Add every recommendation in one transaction, or none; the ids stored from this modal
    (an import already stored from it is not stored twice)."""
    try:
        with db.session() as session:
            case = session.get(Case, case_id)
            assert case is not None
            if not imported_from(session, view_id):
                ctx = EngineContext(session, cal, now)
                for form in plan:
                    add_recommendation(ctx, case, form, actor=actor, cipher=cipher, view_id=view_id)
                audit.record(
                    session,
                    at=now,
                    actor=actor,
                    action="action_plan.imported",
                    case_id=case.id,
                    count=len(plan),
                )
    except IntegrityError as exc:
        raise RefusedError("Another change to the plan came first; please try again.") from exc
    with db.session() as session:
        return imported_from(session, view_id)


def imported_from(session: Session, view_id: str) -> list[int]:
    return list(
        session.scalars(
            select(Recommendation.id)
            .where(Recommendation.source_view_id == view_id)
            .order_by(Recommendation.number)
        )
    )


def import_refused(
    session: Session, *, case_id: int, actor: str, now: datetime, problems: int
) -> None:
    audit.record(
        session,
        at=now,
        actor=actor,
        action="action_plan.import_refused",
        case_id=case_id,
        problems=problems,
    )
