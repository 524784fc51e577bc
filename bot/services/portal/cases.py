"""The web case room's read side: the signed-in person's cases, and a case's page.

Who may see a case is decided as on Slack (`/scr status`): its members; and, since they oversee
every case (the dashboard lists them all), the Board Chair and the business unit, read-only: they
see the page but not its documents (files people shared are not screened for the child's
details), and their view is audited as oversight. Anyone else is refused, an unknown reference
and someone else's case alike. The page shows what the case's
people see in Slack (the card, the tasks, the integrated chronology, the documents shared) and,
for the business unit, the case's audit trail. The child's identifying details are not on it:
Slack shows them to nobody after the referral, and neither does the page. Every view and
download is written to the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import EncryptionKeyError, FieldCipher
from bot.process.registry import get_process
from bot.process.working_days import LONDON, WorkingCalendar, deadline_words
from bot.services.cases import audit
from bot.services.cases.access import Role, case_by_reference, is_case_member, roles_of
from bot.services.cases.card import build_case_card, stage_title
from bot.services.cases.documents import DocumentKind, case_documents, is_kept_in
from bot.services.first_month.chronology import integrated_entries
from bot.services.first_month.files import chronology_csv, file_stem, merged
from bot.services.portal.schema import (
    AuditLine,
    CaseLine,
    CasePage,
    ChronologyLine,
    DocumentLine,
    TaskLine,
)
from bot.services.reminders.owners import task_owners
from storage.models import (
    Agency,
    Case,
    CaseMember,
    ManagementReview,
    OverviewDraft,
    ReviewFindings,
    Task,
)
from storage.states import TaskStatus

VIEWED = "portal.case_viewed"
DOWNLOADED = "portal.document_downloaded"
REFUSED = "portal.case_refused"

CHRONOLOGY_CSV = "chronology.csv"
"""The one document the bot keeps itself today: the integrated chronology, made on request."""

IN_SLACK = "shared in the case channel on Slack"
FOR_MEMBERS = "for the case's members"

OVERSEERS = frozenset({Role.BOARD_CHAIR, Role.ADMIN})
"""Who may open any case's page, read-only: the roles that see every case on the dashboard."""


class NotShownError(LookupError):
    """The case does not exist or the person is not one of its members (the same answer)."""


def is_business_unit(session: Session, user_id: str) -> bool:
    return Role.ADMIN in roles_of(session, user_id)


def case_for(session: Session, reference: str, user_id: str, now: datetime) -> Case:
    """The case at ``reference`` if ``user_id`` is a member; refused (and the refusal audited
    against the case, when there is one) otherwise."""
    case = case_by_reference(session, reference)
    if case is None or not is_case_member(session, case, user_id):
        if case is not None:
            audit.record(session, at=now, actor=user_id, action=REFUSED, case_id=case.id)
        raise NotShownError(reference)
    return case


def case_to_view(
    session: Session, reference: str, user_id: str, now: datetime
) -> tuple[Case, bool]:
    """The case at ``reference`` and whether ``user_id`` is one of its members; the Board Chair
    and the business unit see any case (not a member: read-only); anyone else is refused as
    by `case_for`."""
    case = case_by_reference(session, reference)
    overseen = case is not None and not is_case_member(session, case, user_id)
    if case is not None and overseen and roles_of(session, user_id) & OVERSEERS:
        return case, False
    return case_for(session, reference, user_id, now), True


def my_cases(session: Session, user_id: str, now: datetime, cal: WorkingCalendar) -> list[CaseLine]:
    """The cases ``user_id`` is a member of, newest first, each with its next deadline."""
    today = cal.london_date(now)
    cases = session.scalars(
        select(Case)
        .join(CaseMember, CaseMember.case_id == Case.id)
        .where(CaseMember.slack_user_id == user_id)
        .order_by(Case.year.desc(), Case.number.desc())
    )
    lines = []
    for case in cases:
        due = session.scalar(
            select(Task.due_at)
            .where(Task.case_id == case.id, Task.status == TaskStatus.OPEN)
            .order_by(Task.due_at)
            .limit(1)
        )
        day = due.astimezone(LONDON).date() if due else None
        words = deadline_words(day, cal.last_working_day(day), today) if day else "none open"
        lines.append(
            CaseLine(case.reference, stage_title(case), words, closed=case.closed_at is not None)
        )
    return lines


def _task_lines(
    session: Session, case: Case, cal: WorkingCalendar, now: datetime
) -> list[TaskLine]:
    process = get_process(case.process_key)
    agencies = {row.id: row.name for row in session.execute(select(Agency.id, Agency.name))}
    today = cal.london_date(now)
    lines = []
    for task in session.scalars(
        select(Task)
        .where(Task.case_id == case.id, Task.status != TaskStatus.SUPERSEDED)
        .order_by(Task.status != TaskStatus.OPEN, Task.due_at, Task.id)
    ):
        try:
            title = process.task(task.kind).title
        except KeyError:
            title = task.kind.replace("_", " ").capitalize()
        due = task.due_at.astimezone(LONDON).date()
        status, overdue = _status(task, due, today)
        lines.append(
            TaskLine(
                title=title,
                agency=agencies.get(task.agency_id, "") if task.agency_id else "",
                owners=tuple(task_owners(session, task)) if task.status == TaskStatus.OPEN else (),
                due=deadline_words(due, cal.last_working_day(due), today),
                status=status,
                overdue=overdue,
            )
        )
    return lines


def _status(task: Task, due: date, today: date) -> tuple[str, bool]:
    if task.status == TaskStatus.DONE:
        done = task.completed_at.astimezone(LONDON).date() if task.completed_at else None
        return (f"done {done.day} {done:%b %Y}" if done else "done"), False
    if task.status == TaskStatus.WAIVED:
        return "not needed", False
    overdue = due < today
    return ("overdue" if overdue else "open"), overdue


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def _chronology(session: Session, cipher: FieldCipher, case: Case) -> list[ChronologyLine]:
    try:
        entries, _ = integrated_entries(session, cipher, case.id)
    except EncryptionKeyError:
        return []  # erased under the retention policy: nothing left to show
    return [
        ChronologyLine(
            e.entry_date,
            e.agency,
            e.worker,
            e.event,
            _yes_no(e.child_seen),
            _yes_no(e.wishes_sought),
        )
        for e in merged(entries)
    ]


def _documents(
    session: Session,
    case: Case,
    has_chronology: bool,
    chronology_href: str | None,
    document_href: str | None,
) -> list[DocumentLine]:
    """The case's documents; without addresses (``None``) each is listed as for the members."""
    docs = []
    if has_chronology:
        docs.append(_line("Integrated chronology (CSV)", chronology_href))
    for kept in case_documents(session, case.id):
        title = kept.title if kept.version == 1 else f"{kept.title}, version {kept.version}"
        made = f"{kept.created_at.astimezone(LONDON):%d %b %Y %H:%M}"
        href = document_href.format(id=kept.id) if document_href is not None else None
        docs.append(_line(f"{title} ({made}, {_size(kept.size)})", href))
    for _review, agency in session.execute(
        select(ManagementReview, Agency.name)
        .join(Agency, Agency.id == ManagementReview.agency_id)
        .where(ManagementReview.case_id == case.id, ManagementReview.document_file_id.is_not(None))
        .order_by(Agency.name)
    ):
        docs.append(DocumentLine(f"Management review: {agency}", IN_SLACK))
    for draft in session.scalars(
        select(OverviewDraft)
        .where(OverviewDraft.case_id == case.id, OverviewDraft.document_file_id.is_not(None))
        .order_by(OverviewDraft.version)
    ):
        docs.append(DocumentLine(f"Overview report, draft {draft.version}", IN_SLACK))
    findings = session.scalar(
        select(ReviewFindings).where(
            ReviewFindings.case_id == case.id, ReviewFindings.document_file_id.is_not(None)
        )
    )
    if findings is not None and not is_kept_in(session, case.id, DocumentKind.FINDINGS):
        docs.append(DocumentLine("Findings (criteria not met)", IN_SLACK))
    return docs


def _line(title: str, href: str | None) -> DocumentLine:
    return DocumentLine(title, "download", href) if href else DocumentLine(title, FOR_MEMBERS)


def _size(size: int) -> str:
    return f"{size} bytes" if size < 1024 else f"{size / 1024:.0f} KB"


def _audit_lines(session: Session, case: Case) -> list[AuditLine]:
    return [
        AuditLine(f"{e.at.astimezone(LONDON):%d %b %Y %H:%M}", e.actor, e.action)
        for e in audit.events_for(session, case.id)
    ]


def case_page(
    session: Session,
    cipher: FieldCipher,
    case: Case,
    user_id: str,
    now: datetime,
    cal: WorkingCalendar,
    *,
    chronology_href: str,
    document_href: str = "",
    member: bool = True,
    forms: Sequence[tuple[str, str]] = (),
) -> CasePage:
    """The page of ``case`` (whose access `case_to_view` has checked) for ``user_id``; the view
    is audited first, so that the trail the business unit sees includes it. ``document_href``
    is the address of a kept document, with ``{id}`` for its id. Someone who oversees the case
    without being a member (``member`` False) sees no document's address, and their view is
    audited as oversight."""
    oversight = {} if member else {"oversight": True}
    audit.record(session, at=now, actor=user_id, action=VIEWED, case_id=case.id, **oversight)
    today = cal.london_date(now)
    card = build_case_card(session, case, today, cal)
    chronology = _chronology(session, cipher, case)
    return CasePage(
        reference=case.reference,
        stage_title=card.stage_title,
        referral_date=card.referral_date,
        referring_agency=card.referring_agency,
        criteria=card.criteria,
        today=today,
        closed=card.closed,
        deadlines=card.deadlines,
        agency_columns=card.agency_columns,
        agency_rows=card.agency_rows,
        tasks=_task_lines(session, case, cal, now),
        chronology=chronology,
        documents=_documents(
            session,
            case,
            bool(chronology),
            chronology_href if member else None,
            document_href if member else None,
        ),
        member=member,
        forms=tuple(forms) if member else (),
        audit=_audit_lines(session, case) if is_business_unit(session, user_id) else None,
    )


def chronology_download(
    session: Session, cipher: FieldCipher, case: Case, user_id: str, now: datetime
) -> tuple[str, bytes] | None:
    """The integrated chronology as CSV (file name, content), audited as a download; None
    while no agency has sent one (or once the case's data is erased)."""
    try:
        entries, _ = integrated_entries(session, cipher, case.id)
    except EncryptionKeyError:
        return None
    if not entries:
        return None
    audit.record(
        session, at=now, actor=user_id, action=DOWNLOADED, case_id=case.id, document=CHRONOLOGY_CSV
    )
    return f"{file_stem(case.reference)}.csv", chronology_csv(merged(entries))
