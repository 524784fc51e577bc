"""Each agency's chronology and synopsis for a case, in the database: a submission is stored
whole or not at all, once per source (modal or file), its text encrypted. Marking an agency's
chronology complete, or submitting its synopsis, completes its task on the engine (its
reminders stop). The period under review bounds the entries; the ledger of exports lets a
double click upload the integrated chronology once."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.ids import FirstMonthBlock
from bot.process.states import TaskKind
from bot.services.cases import audit
from bot.services.cases.identifying import naming_rows, rows_refusal, screen
from bot.services.first_month.agencies import acting_agencies, involved_agency_rows
from bot.services.first_month.files import IntegratedEntry, ParsedFile, Problem
from bot.services.first_month.schema import (
    MAX_SYNOPSIS,
    AgencyCount,
    Choice,
    ChronologyEntryInput,
    ChronologyForm,
    ChronologyModal,
    Period,
    entry_block_id,
    parse_day_first,
)
from bot.services.first_month.tasks import lock_task
from bot.services.refusal import RefusedError
from bot.services.reminders.tasks import EngineContext, TaskRefusedError, complete_task
from storage.claim import claimed
from storage.db import Database
from storage.models import (
    Agency,
    AgencySynopsis,
    Case,
    CaseAgency,
    ChronologyBatch,
    ChronologyEntry,
    ChronologyExport,
    ReviewPeriod,
    Task,
)
from storage.states import TaskStatus

NOT_FOR_YOU = (
    "Chronologies and synopses are submitted by the involved agencies' designated persons "
    "and review leads."
)
EXPORT_COOLDOWN = timedelta(minutes=10)


SYNOPSIS_BLOCK = FirstMonthBlock.SYNOPSIS.value


class SubmissionRefusedError(RefusedError):
    """A chronology or synopsis submission refused."""


@dataclass(frozen=True)
class Submitter:
    case_id: int
    reference: str
    agency_id: int
    agency_name: str


@dataclass
class SubmissionResult:
    status: str
    """accepted, rejected or duplicate"""
    added: int = 0
    skipped: int = 0
    total: int = 0
    problems: list[Problem] = field(default_factory=list)
    batch_id: int | None = None


def review_period(session: Session, case_id: int) -> Period | None:
    row = session.get(ReviewPeriod, case_id)
    return None if row is None else Period(row.starts_on, row.ends_on)


def set_review_period(
    session: Session,
    case: Case,
    starts_on: date,
    ends_on: date | None,
    *,
    actor: str,
    now: datetime,
) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise SubmissionRefusedError("The period under review must end after it starts.")
    row = session.get(ReviewPeriod, case.id)
    if row is None:
        row = ReviewPeriod(case_id=case.id, starts_on=starts_on, set_by=actor, set_at=now)
        session.add(row)
    row.starts_on, row.ends_on, row.set_by, row.set_at = starts_on, ends_on, actor, now
    audit.record(
        session,
        at=now,
        actor=actor,
        action="review_period.set",
        case_id=case.id,
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat() if ends_on else None,
    )


def submitter(session: Session, case: Case, user_id: str, agency_id: int | None) -> Submitter:
    """The involved agency ``user_id`` submits for: ``agency_id`` when given, else their only
    one. Refused when they act for none (or not for the one given)."""
    agencies = acting_agencies(session, case, user_id)
    chosen = [a for a in agencies if agency_id is None or a.id == agency_id]
    if not chosen or (agency_id is None and len(chosen) > 1):
        raise SubmissionRefusedError(NOT_FOR_YOU)
    return Submitter(case.id, case.reference, chosen[0].id, chosen[0].name)


def submitter_for(
    session: Session, case_id: int | None, user_id: str, agency_id: int | None
) -> Submitter:
    """Re-check who submits a form, and for which agency, from the case and the answers."""
    case = session.get(Case, case_id) if case_id is not None else None
    if case is None or case.closed_at is not None:
        raise SubmissionRefusedError(NOT_FOR_YOU)
    return submitter(session, case, user_id, agency_id)


def chronology_modal(
    session: Session,
    case_id: int,
    user_id: str,
    which: ChronologyForm,
    agency_id: int | None = None,
) -> ChronologyModal:
    """What the entries, completion or synopsis modal shows, for the agencies ``user_id``
    acts for in the case (only ``agency_id``, when given); refused when there is none."""
    case = session.get(Case, case_id)
    if case is None or case.closed_at is not None:
        raise SubmissionRefusedError(NOT_FOR_YOU)
    choices = [
        Choice(a.id, a.name)
        for a in acting_agencies(session, case, user_id)
        if agency_id in (None, a.id)
    ]
    if not choices:
        raise SubmissionRefusedError(NOT_FOR_YOU)
    counts = [AgencyCount(c, count_for(session, case.id, c.id)) for c in choices]
    return ChronologyModal(which, case.id, case.reference, counts)


def _existing_keys(
    session: Session, cipher: FieldCipher, case_id: int, agency_id: int
) -> set[tuple[date, str, str, bool | None, bool | None]]:
    rows = session.execute(
        select(
            ChronologyEntry.entry_date,
            ChronologyEntry.worker,
            ChronologyEntry.event,
            ChronologyEntry.child_seen,
            ChronologyEntry.wishes_sought,
        ).where(ChronologyEntry.case_id == case_id, ChronologyEntry.agency_id == agency_id)
    )
    sealed = cipher.for_case(session, case_id)
    return {
        (d, sealed.decrypt_text(w), sealed.decrypt_text(e), seen, wishes)
        for d, w, e, seen, wishes in rows
    }


def count_for(session: Session, case_id: int, agency_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(ChronologyEntry.id)).where(
                ChronologyEntry.case_id == case_id, ChronologyEntry.agency_id == agency_id
            )
        )
        or 0
    )


def _store(
    session: Session,
    cipher: FieldCipher,
    batch: ChronologyBatch,
    entries: Sequence[tuple[int, ChronologyEntryInput]],
) -> SubmissionResult:
    """Entries already in the agency's chronology (a row uploaded twice) are skipped."""
    assert batch.agency_id is not None
    seen = _existing_keys(session, cipher, batch.case_id, batch.agency_id)
    sealed = cipher.for_case(session, batch.case_id)
    rows = []
    for row_no, entry in entries:
        if entry.key() in seen:
            continue
        seen.add(entry.key())
        rows.append(
            {
                "case_id": batch.case_id,
                "agency_id": batch.agency_id,
                "batch_id": batch.id,
                "row_no": row_no,
                "entry_date": entry.entry_date,
                "worker": sealed.encrypt_text(entry.worker),
                "event": sealed.encrypt_text(entry.event),
                "child_seen": entry.child_seen,
                "wishes_sought": entry.wishes_sought,
            }
        )
    if rows:
        session.execute(insert(ChronologyEntry), rows)
    batch.status, batch.entry_count = "accepted", len(rows)
    batch.skipped_count = len(entries) - len(rows)
    return SubmissionResult(
        "accepted",
        added=len(rows),
        skipped=batch.skipped_count,
        total=count_for(session, batch.case_id, batch.agency_id),
        batch_id=batch.id,
    )


def _audit_batch(session: Session, batch: ChronologyBatch, now: datetime) -> None:
    audit.record(
        session,
        at=now,
        actor=batch.submitted_by,
        action=f"chronology.{batch.status}",
        case_id=batch.case_id,
        agency_id=batch.agency_id,
        batch_id=batch.id,
        source=batch.source,
        entries=batch.entry_count,
        skipped=batch.skipped_count,
        problems=batch.error_count,
    )


def submit_entries(
    session: Session,
    cipher: FieldCipher,
    who: Submitter,
    *,
    source_key: str,
    actor: str,
    now: datetime,
    entries: Sequence[tuple[int, ChronologyEntryInput]],
) -> SubmissionResult:
    """Entries from a modal, already validated and screened: stored whole, once per view."""
    _screen_entries(session, cipher, who.case_id, entries)
    try:
        with session.begin_nested():
            batch = _new_batch(who, "modal", source_key, actor, now)
            session.add(batch)
            session.flush()
    except IntegrityError:
        return SubmissionResult("duplicate")
    result = _store(session, cipher, batch, entries)
    _audit_batch(session, batch, now)
    return result


@dataclass(frozen=True)
class BatchOutcome:
    """A batch of entries as stored: who sent them, for which agency, and what came of it."""

    who: Submitter
    actor: str
    source: str
    added: int
    skipped: int
    total: int


def batch_outcome(session: Session, batch_id: int) -> BatchOutcome | None:
    """What a stored batch of entries added (None for an unknown or refused one)."""
    batch = session.get(ChronologyBatch, batch_id)
    if batch is None or batch.agency_id is None or batch.status != "accepted":
        return None
    case = session.get(Case, batch.case_id)
    agency = session.get(Agency, batch.agency_id)
    if case is None or agency is None:
        return None
    who = Submitter(case.id, case.reference, agency.id, agency.name)
    total = count_for(session, case.id, agency.id)
    return BatchOutcome(
        who, batch.submitted_by, batch.source, batch.entry_count, batch.skipped_count, total
    )


def _screen_entries(
    session: Session,
    cipher: FieldCipher,
    case_id: int,
    entries: Sequence[tuple[int, ChronologyEntryInput]],
) -> None:
    """Refuse, inline on each, the entries' worker and event that name the child."""
    texts: dict[str, str] = {}
    labels: dict[str, str] = {}
    for slot, entry in entries:
        for name, label in (("worker", "name of worker"), ("event", "event/action")):
            block = entry_block_id(name, slot)
            texts[block], labels[block] = getattr(entry, name), f"{label} in entry {slot}"
    screen(session, cipher, case_id, texts, labels)


def _new_batch(
    who: Submitter, source: str, source_key: str, actor: str, now: datetime
) -> ChronologyBatch:
    return ChronologyBatch(
        case_id=who.case_id,
        agency_id=who.agency_id,
        source=source,
        source_key=source_key,
        submitted_by=actor,
        submitted_at=now,
        status="processing",
        entry_count=0,
        skipped_count=0,
        error_count=0,
    )


def claim_file(
    db: Database, who: Submitter, *, file_id: str, actor: str, now: datetime
) -> int | None:
    """Take an uploaded file for processing; None when it was taken already (Slack sent the
    event twice)."""
    try:
        with db.session() as session:
            batch = _new_batch(who, "file", f"file:{file_id}", actor, now)
            session.add(batch)
            session.flush()
            return batch.id
    except IntegrityError:
        return None


def release_file(db: Database, batch_id: int) -> None:
    """The file could not be fetched: let a later delivery try again."""
    with db.session() as session:
        session.execute(delete(ChronologyBatch).where(ChronologyBatch.id == batch_id))


def finish_file(
    db: Database, cipher: FieldCipher, batch_id: int, parsed: ParsedFile, now: datetime
) -> SubmissionResult:
    """Store every entry of a file without problems; store none of a file with any."""
    with db.session() as session:
        batch = session.get(ChronologyBatch, batch_id)
        assert batch is not None
        naming = (
            naming_rows(
                session,
                cipher,
                batch.case_id,
                [(no, [e.worker, e.event]) for no, e in parsed.entries],
            )
            if parsed.ok
            else []
        )
        if naming:
            parsed = ParsedFile(parsed.entries, [Problem(None, rows_refusal(naming))])
        if parsed.ok:
            result = _store(session, cipher, batch, parsed.entries)
        else:
            batch.status, batch.error_count = "rejected", len(parsed.problems)
            result = SubmissionResult("rejected", problems=list(parsed.problems))
        _audit_batch(session, batch, now)
        return result


def entry_counts(session: Session, case_id: int) -> dict[int, int]:
    return {
        int(agency): int(n)
        for agency, n in session.execute(
            select(ChronologyEntry.agency_id, func.count(ChronologyEntry.id))
            .where(ChronologyEntry.case_id == case_id)
            .group_by(ChronologyEntry.agency_id)
        )
    }


def integrated_entries(
    session: Session, cipher: FieldCipher, case_id: int
) -> tuple[list[IntegratedEntry], list[str]]:
    """Every involved agency's entries (an agency removed from the case drops out), and the
    agencies' names."""
    agencies = {a.id: a.name for a in involved_agency_rows(session, case_id)}
    rows = session.scalars(
        select(ChronologyEntry)
        .where(ChronologyEntry.case_id == case_id, ChronologyEntry.agency_id.in_(agencies))
        .order_by(ChronologyEntry.entry_date, ChronologyEntry.batch_id, ChronologyEntry.row_no)
    )
    sealed = cipher.for_case(session, case_id)
    entries = [
        IntegratedEntry(
            entry_date=row.entry_date,
            agency=agencies[row.agency_id],
            worker=sealed.decrypt_text(row.worker),
            event=sealed.decrypt_text(row.event),
            child_seen=row.child_seen,
            wishes_sought=row.wishes_sought,
        )
        for row in rows
    ]
    return entries, list(agencies.values())


# Completing the agency's chronology and synopsis tasks ----------------------------------


def _agency_task(session: Session, case_id: int, agency_id: int, kind: str) -> Task | None:
    task_id = session.scalar(
        select(Task.id)
        .where(Task.case_id == case_id, Task.agency_id == agency_id, Task.kind == kind)
        .order_by(Task.round_no.desc())
        .limit(1)
    )
    return None if task_id is None else lock_task(session, task_id)


def _complete(ctx: EngineContext, task: Task | None, actor: str) -> bool:
    if task is None:
        return False
    try:
        return complete_task(ctx, task, actor=actor)
    except TaskRefusedError as exc:
        raise SubmissionRefusedError(str(exc)) from exc


def mark_chronology_complete(ctx: EngineContext, who: Submitter, actor: str) -> tuple[bool, int]:
    """The agency says its chronology is complete. Returns (changed, entries)."""
    session = ctx.session
    entries = count_for(session, who.case_id, who.agency_id)
    task = _agency_task(session, who.case_id, who.agency_id, TaskKind.CHRONOLOGY_SUBMITTED)
    if task is not None and task.status == TaskStatus.OPEN and entries == 0:
        raise SubmissionRefusedError(
            f"{who.agency_name} has no chronology entries yet: add them first."
        )
    return _complete(ctx, task, actor), entries


def submit_synopsis(
    ctx: EngineContext, cipher: FieldCipher, who: Submitter, *, actor: str, text: str
) -> int:
    """Store (or revise) the agency's synopsis and complete its task. Returns the revision."""
    text = text.strip()
    if not text or len(text) > MAX_SYNOPSIS:
        raise SubmissionRefusedError(f"A synopsis is 1 to {MAX_SYNOPSIS} characters.")
    session = ctx.session
    screen(session, cipher, who.case_id, {SYNOPSIS_BLOCK: text}, {SYNOPSIS_BLOCK: "synopsis"})
    task = _agency_task(session, who.case_id, who.agency_id, TaskKind.SYNOPSIS_SUBMITTED)
    row = session.scalar(
        select(AgencySynopsis).where(
            AgencySynopsis.case_id == who.case_id, AgencySynopsis.agency_id == who.agency_id
        )
    )
    if row is None:
        row = AgencySynopsis(case_id=who.case_id, agency_id=who.agency_id, revision=0)
        session.add(row)
    sealed = cipher.for_case(session, who.case_id).encrypt_text(text)
    row.text, row.submitted_by, row.submitted_at = sealed, actor, ctx.now
    row.revision += 1
    audit.record(
        session,
        at=ctx.now,
        actor=actor,
        action="synopsis.submitted",
        case_id=who.case_id,
        agency_id=who.agency_id,
        revision=row.revision,
    )
    _complete(ctx, task, actor)
    return row.revision


# The ledger of integrated-chronology exports --------------------------------------------


def claim_export(db: Database, case_id: int, *, actor: str, now: datetime) -> bool:
    """One export per state of the chronology; the same state again only after a pause, so
    that a double click uploads the files once."""
    with db.session() as session:
        fingerprint, count = _fingerprint(session, case_id)
    try:
        with db.session() as session:
            session.add(
                ChronologyExport(
                    case_id=case_id,
                    fingerprint=fingerprint,
                    requested_by=actor,
                    requested_at=now,
                    entry_count=count,
                )
            )
            return True
    except IntegrityError:
        with db.session() as session:
            return claimed(
                session,
                ChronologyExport,
                ChronologyExport.case_id == case_id,
                ChronologyExport.fingerprint == fingerprint,
                ChronologyExport.requested_at <= now - EXPORT_COOLDOWN,
                requested_at=now,
                requested_by=actor,
            )


def release_export(db: Database, case_id: int, requested_at: datetime) -> None:
    """The upload failed: the same export may be asked for again at once."""
    with db.session() as session:
        session.execute(
            delete(ChronologyExport).where(
                ChronologyExport.case_id == case_id, ChronologyExport.requested_at == requested_at
            )
        )


def _fingerprint(session: Session, case_id: int) -> tuple[str, int]:
    involved = sorted(
        session.scalars(
            select(CaseAgency.agency_id).where(
                CaseAgency.case_id == case_id, CaseAgency.removed_at.is_(None)
            )
        )
    )
    last, count = session.execute(
        select(func.max(ChronologyEntry.id), func.count(ChronologyEntry.id)).where(
            ChronologyEntry.case_id == case_id
        )
    ).one()
    state = f"{last or 0}:{count}:{','.join(map(str, involved))}"
    return hashlib.sha256(state.encode()).hexdigest(), int(count)


# The period under review ----------------------------------------------------------------

PERIOD_HINT = (
    "Give the start (and optionally the end) of the period under review, "
    "e.g. `/scr chronology period 01.01.24 27.11.26`."
)


def period_from_words(words: Sequence[str]) -> Period:
    """`<from dd.mm.yy> [<to dd.mm.yy>]`, or refused with how to write it."""
    try:
        dates = [parse_day_first(word)[0] for word in words[:2]]
    except ValueError:
        dates = []
    if not dates:
        raise RefusedError(PERIOD_HINT)
    return Period(dates[0], dates[1] if len(dates) > 1 else None)
