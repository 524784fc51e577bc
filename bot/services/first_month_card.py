"""What the case card shows of the first month: the CPU's checklist and the buttons that
complete the first month's tasks, and each agency's number of chronology entries."""

from __future__ import annotations

from slack_sdk.models.blocks import Block
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.chronology_store import entry_counts
from bot.services.first_month import FORMS
from bot.views.first_month import CardActions, CpuItem, card_action_blocks
from storage.models import Case, Task

AGENCY_FORM_KINDS = ("dp_notified", "records_secured")
CHRONOLOGY_KINDS = ("chronology_submitted", "synopsis_submitted")


def first_month_blocks(session: Session, case: Case) -> list[Block]:
    """Nothing once the case is closed; the CPU's open checks; agency buttons while any of
    their first-month tasks is open; always adding agencies and exporting."""
    if case.closed_at is not None:
        return []
    open_tasks = list(
        session.scalars(
            select(Task)
            .where(Task.case_id == case.id, Task.status == "open")
            .order_by(Task.due_at, Task.id)
        )
    )
    cpu_items = [
        CpuItem(task.id, task.kind)
        for task in open_tasks
        if task.kind in FORMS and task.agency_id is None
    ]
    kinds = {task.kind for task in open_tasks if task.agency_id is not None}
    return card_action_blocks(
        CardActions(
            case_id=case.id,
            cpu_items=cpu_items,
            agency_tasks_open=bool(kinds & set(AGENCY_FORM_KINDS)),
            chronology_open=bool(kinds & set(CHRONOLOGY_KINDS)) or case.stage == "referral",
        )
    )


def chronology_counts(session: Session, case: Case) -> dict[int, int]:
    return entry_counts(session, case.id)


def with_entry_count(counts: dict[int, int], agency_id: int, kind: str, cell: str) -> str:
    """The chronology cell of an agency's row, with its number of entries: "14 entries ·
    ✓ 30 Nov"."""
    n = counts.get(agency_id, 0)
    if kind != "chronology_submitted" or n == 0:
        return cell
    return f"{n} entr{'y' if n == 1 else 'ies'} · {cell}"
