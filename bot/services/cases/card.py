"""What the case card shows, gathered from the database (the rendering is in
bot.views.cases): the next deadlines from the case's open tasks, and a row per involved
agency with a cell per agency task of the current stage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.process.definition import StageDefinition
from bot.process.registry import get_process
from bot.process.states import Stage, TaskKind
from bot.process.working_days import LONDON, WorkingCalendar, deadline_words
from bot.services.cases.access import load_case
from bot.services.cases.records import Present, holding_rows
from bot.services.cases.schema import AgencyRow, CaseCard, Deadline
from bot.services.first_month.chronology import entry_counts
from bot.services.first_month.tasks import card_actions, with_entry_count
from bot.services.monitoring.plan import monitoring_state
from bot.services.national_panel.service import card_state as national_panel_state
from bot.services.panel.answers import panel_card_state
from bot.services.partners.service import card_lines as partners_lines
from bot.services.referral.schema import CRITERION_SHORT, Criterion
from bot.services.reminders.tasks import case_tasks
from bot.services.review.card import imr_reviews, review_notes, with_imr_status
from bot.services.review.meetings import booked_notes
from storage.db import Database
from storage.models import (
    Agency,
    Base,
    Case,
    CaseAgency,
    CaseSignOff,
    ChairDecision,
    ChronologyEntry,
    ManagementReview,
    MonitoringRound,
    NationalPanelNotice,
    PanelMeeting,
    PanelRecommendation,
    Recommendation,
    ReviewFindings,
    Task,
)
from storage.states import TaskStatus

DEADLINE_LABELS: dict[str, str] = {TaskKind.SCHEDULE_INITIAL_PANEL: "Initial Panel"}
DEADLINE_NOTES: dict[str, str] = {TaskKind.SCHEDULE_INITIAL_PANEL: "not scheduled yet"}
COLUMN_LABELS: dict[str, str] = {
    TaskKind.DP_NOTIFIED: "notified",
    TaskKind.RECORDS_SECURED: "records secured",
    TaskKind.CHRONOLOGY_SUBMITTED: "chronology",
    TaskKind.SYNOPSIS_SUBMITTED: "synopsis",
    TaskKind.IMR: "management review",
    TaskKind.MANAGEMENT_REVIEW: "management review",
}
MAX_DEADLINES = 5
SECTION_TABLES: tuple[type[Base], ...] = (
    ChronologyEntry,
    ManagementReview,
    ChairDecision,
    PanelRecommendation,
    ReviewFindings,
    PanelMeeting,
    CaseSignOff,
    Recommendation,
    MonitoringRound,
    NationalPanelNotice,
)
"""The tables of the card's later sections: it asks which the case has rows in, in one
statement, and reads only those."""


def stage_title(case: Case) -> str:
    if case.closed_at is not None:
        return "closed"
    try:
        stage = get_process(case.process_key).stage(case.stage)
        return stage.card_title or stage.title
    except KeyError:
        return case.stage.replace("_", " ").capitalize()


def _london_date(instant: datetime) -> date:
    return instant.astimezone(LONDON).date()


def _open_tasks(tasks: Sequence[Task]) -> list[Task]:
    """The case's open tasks, soonest first: for the card's deadlines, agency columns and
    buttons."""
    return sorted((t for t in tasks if t.status == TaskStatus.OPEN), key=lambda t: (t.due_at, t.id))


def _deadlines(
    session: Session, case: Case, cal: WorkingCalendar, open_tasks: list[Task]
) -> list[Deadline]:
    """Case-wide open tasks, soonest first; a headline deadline (the Initial Panel) always."""
    process = get_process(case.process_key)
    referrers = {t.kind for t in process.all_tasks if t.per == "referring_agency"}
    tasks = [t for t in open_tasks if t.agency_id is None or t.kind in referrers]
    headline = [t for t in tasks if t.kind in DEADLINE_LABELS]
    others = [t for t in tasks if t.kind not in DEADLINE_LABELS]
    shown = sorted(
        headline + others[: max(0, MAX_DEADLINES - len(headline))],
        key=lambda t: (t.due_at, t.id),
    )
    notes = {**DEADLINE_NOTES, **booked_notes(session, case)}
    deadlines = []
    for task in shown:
        due = _london_date(task.due_at)
        deadlines.append(
            Deadline(
                DEADLINE_LABELS.get(task.kind, process.task(task.kind).title)
                + (" (the referring agency)" if task.kind in referrers else ""),
                due,
                note=notes.get(task.kind, ""),
                last_working_day=cal.last_working_day(due),
            )
        )
    return deadlines


def _cell(task: Task | None, today: date, cal: WorkingCalendar) -> str:
    """An agency's task as a cell; one the case has moved past (superseded) shows nothing."""
    if task is None or task.status == TaskStatus.SUPERSEDED:
        return "–"
    if task.status == TaskStatus.WAIVED:
        return "waived"
    if task.status == TaskStatus.DONE:
        done_on = _london_date(task.completed_at) if task.completed_at else today
        return f"✓ {done_on.day} {done_on:%b}"
    due = _london_date(task.due_at)
    words = deadline_words(due, cal.last_working_day(due), today)
    return f"overdue (due {words})" if due < today else f"due {words}"


def _agency_kinds(case: Case, stage: StageDefinition | None, tasks: Sequence[Task]) -> list[str]:
    """The current stage's per-agency tasks, and an earlier stage's while any is still open
    (the chronologies run on past the referral stage, until the Initial Panel)."""
    process = get_process(case.process_key)
    wanted: set[str] = {t.kind for t in stage.tasks if t.per == "agency"} if stage else set()
    wanted |= {t.kind for t in tasks if t.status == TaskStatus.OPEN and t.agency_id is not None}
    every = [t for s in (*process.stages, *process.side_stages) for t in s.tasks]
    return [t.kind for t in every if t.per == "agency" and t.kind in wanted]


def _agency_table(
    session: Session,
    case: Case,
    stage: StageDefinition | None,
    today: date,
    cal: WorkingCalendar,
    tasks: Sequence[Task],
    present: Present,
    involved: Sequence[tuple[int, str]] | None = None,
) -> tuple[list[str], list[AgencyRow]]:
    kinds = _agency_kinds(case, stage, tasks)
    if not kinds:
        return [], []
    if involved is None:
        involved = involved_agency_names(session, case.id)
    latest: dict[tuple[int | None, str], Task] = {}
    for task in sorted((t for t in tasks if t.kind in kinds), key=lambda t: (t.round_no, t.id)):
        latest[(task.agency_id, task.kind)] = task
    process = get_process(case.process_key)
    columns = [COLUMN_LABELS.get(kind, process.task(kind).title) for kind in kinds]
    counts = entry_counts(session, case.id) if ChronologyEntry in present else {}
    reviews = imr_reviews(session, case) if ManagementReview in present else {}
    rows = [
        AgencyRow(
            name,
            tuple(
                with_imr_status(
                    reviews,
                    agency_id,
                    kind,
                    with_entry_count(
                        counts, agency_id, kind, _cell(latest.get((agency_id, kind)), today, cal)
                    ),
                )
                for kind in kinds
            ),
        )
        for agency_id, name in involved
    ]
    return columns, rows


def involved_agency_names(session: Session, case_id: int) -> list[tuple[int, str]]:
    """The agencies involved in the case (id, name), in the order they joined it."""
    rows = session.execute(
        select(CaseAgency.agency_id, Agency.name)
        .join(Agency, Agency.id == CaseAgency.agency_id)
        .where(CaseAgency.case_id == case_id, CaseAgency.removed_at.is_(None))
        .order_by(CaseAgency.id)
    )
    return [(agency_id, name) for agency_id, name in rows]


def build_case_card(
    session: Session,
    case: Case,
    today: date,
    cal: WorkingCalendar,
    tasks: Sequence[Task] | None = None,
    involved: Sequence[tuple[int, str]] | None = None,
) -> CaseCard:
    """The card of ``case`` on ``today``. ``tasks``: the case's (`case_tasks`), and
    ``involved``: its agencies (`involved_agency_names`), when the caller has read them."""
    try:
        stage: StageDefinition | None = get_process(case.process_key).stage(case.stage)
    except KeyError:
        stage = None
    tasks = case_tasks(session, case.id) if tasks is None else tasks
    open_tasks = _open_tasks(tasks)
    present = holding_rows(session, case.id, SECTION_TABLES)
    columns, rows = _agency_table(session, case, stage, today, cal, tasks, present, involved)
    return CaseCard(
        reference=case.reference,
        stage_title=stage_title(case),
        referral_date=case.referral_date,
        referring_agency=case.referring_agency.name,
        criteria=[CRITERION_SHORT[Criterion(c)] for c in case.criteria],
        today=today,
        deadlines=_deadlines(session, case, cal, open_tasks),
        agency_columns=columns,
        agency_rows=rows,
        notes=[*partners_lines(session, case), *review_notes(session, case, today, cal, present)],
        panel=panel_card_state(session, case, today, cal, present, tasks),
        first_month=card_actions(case, open_tasks),
        monitoring=monitoring_state(session, case, today, cal, present),
        closed=case.closed_at is not None,
        review_case_id=case.id if case.stage == Stage.REVIEW and case.closed_at is None else None,
        national_panel=national_panel_state(session, case, open_tasks, present),
    )


def case_card(db: Database, case_id: int, now: datetime, cal: WorkingCalendar) -> CaseCard:
    """The case's card as it stands at ``now``."""
    with db.reading() as session:
        case = load_case(session, case_id)
        return build_case_card(session, case, cal.london_date(now), cal)
