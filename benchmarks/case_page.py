"""One case's page among the board's cases, for `benchmarks.portal`: a case in review given
what such a case has by then (its agencies, their chronologies, a year of audit trail, its
business-unit member), then the page's data and HTML timed as the case room serves them."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial

from sqlalchemy import insert, select

from bot.crypto import FieldCipher
from bot.process.working_days import WorkingCalendar
from bot.services.cases import audit
from bot.services.portal import cases as portal_cases
from bot.views.web.portal import Chrome, render_case_page
from storage.db import Database
from storage.models import (
    Case,
    CaseAgency,
    CaseEvent,
    CaseMember,
    ChairDecision,
    ChronologyBatch,
    ChronologyEntry,
    Task,
)

VIEWER = "U0ADMIN"
"""The business unit: the page with the audit trail, the longest it gets."""
ENTRIES_PER_AGENCY = 30
AUDIT_EVENTS = 150
ACTIONS = ("task.completed", "reminder.sent", "chronology.submitted", "case.stage_changed")


def fill_case(db: Database, cipher: FieldCipher, now: datetime) -> str:
    """Gives the first case in review a typical chronology and audit trail; its reference."""
    rng = random.Random(6)
    with db.session() as session:
        case = session.scalars(select(Case).where(Case.stage == "review").order_by(Case.id)).first()
        assert case is not None, "no case in review"
        agencies = sorted(
            {
                agency
                for agency in session.scalars(select(Task.agency_id).where(Task.case_id == case.id))
                if agency is not None
            }
        )
        at = now.astimezone(UTC) - timedelta(days=200)
        session.add(CaseMember(case_id=case.id, slack_user_id=VIEWER, reason="business_unit"))
        decided = session.scalar(
            select(CaseEvent.at).where(CaseEvent.case_id == case.id, CaseEvent.event == "decision")
        )
        session.add(
            ChairDecision(
                case_id=case.id, outcome="scr", decided_by="U0CHAIR", decided_at=decided or at
            )
        )
        sealed = cipher.for_case(session, case.id)
        for agency_id in agencies:
            session.add(
                CaseAgency(case_id=case.id, agency_id=agency_id, added_at=at, added_by=VIEWER)
            )
            batch = ChronologyBatch(
                case_id=case.id,
                agency_id=agency_id,
                source="modal",
                source_key=f"bench-{case.id}-{agency_id}",
                submitted_by="U0DPH",
                submitted_at=at,
                status="done",
                entry_count=ENTRIES_PER_AGENCY,
            )
            session.add(batch)
            session.flush()
            rows = [
                {
                    "case_id": case.id,
                    "agency_id": agency_id,
                    "batch_id": batch.id,
                    "row_no": n,
                    "entry_date": date(2025, 1, 1) + timedelta(days=rng.randint(0, 600)),
                    "worker": sealed.encrypt_text(f"Worker {rng.randint(1, 40)}"),
                    "event": sealed.encrypt_text("Home visit; concerns noted and shared. " * 3),
                    "child_seen": rng.random() < 0.7,
                    "wishes_sought": rng.random() < 0.4,
                }
                for n in range(1, ENTRIES_PER_AGENCY + 1)
            ]
            session.execute(insert(ChronologyEntry), rows)
        for n in range(AUDIT_EVENTS):
            audit.record(
                session,
                at=at + timedelta(hours=n * 30),
                actor=rng.choice(("U0CPU1", "U0DPH", "U0ADMIN", "bot")),
                action=rng.choice(ACTIONS),
                case_id=case.id,
            )
        return case.reference


def case_page_html(
    db: Database, cipher: FieldCipher, reference: str, now: datetime, cal: WorkingCalendar
) -> str:
    """What `/portal/cases/<reference>` computes for the business unit: the membership check,
    the page's data (the view audited) and its HTML."""
    with db.session() as session:
        case = portal_cases.case_for(session, reference, VIEWER, now)
        page = portal_cases.case_page(
            session,
            cipher,
            case,
            VIEWER,
            now,
            cal,
            chronology_href=f"/portal/cases/{reference}/chronology.csv",
            document_href=f"/portal/cases/{reference}/documents/{{id}}",
        )
    chrome = Chrome(person="Pat Admin", csrf_token="t", dashboard="/portal/dashboard")
    return render_case_page(chrome, page, {"U0CPU1": "Sam CPU", "U0DPH": "Dr Lee"})


def case_page_step(
    db: Database, cipher: FieldCipher, now: datetime, cal: WorkingCalendar
) -> Callable[[], str]:
    return partial(case_page_html, db, cipher, fill_case(db, cipher, now), now, cal)
