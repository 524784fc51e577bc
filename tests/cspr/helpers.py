"""A CSPR partnership, a case referred on a given day, and the national panel's forms as
Slack would send them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from bot.ids import INPUT_ACTION, NationalPanelAction, NationalPanelBlock
from bot.testing.harness import Harness
from bot.testing.standin import View
from storage.models import AuditEvent, Case, CaseEvent, NationalPanelNotice, Task
from tests.flow_helpers import agency_id, cases, open_referral_modal
from tests.referral.data import referral_values
from tests.reminders.reminder_helpers import london

ADMIN = "U0ADMIN"
HEALTH_DP = "U0DPH"


def refer_on(harness: Harness, day: date, user: str = ADMIN) -> Case:
    """A case referred at 10:00 on ``day``, learnt of that day (the referral date)."""
    harness.clock.set(london(day.year, day.month, day.day, 10))
    view_id = open_referral_modal(harness, user)
    values = referral_values(agency_id(harness, "Health"), referral_date=day.isoformat())
    response = harness.driver.submit_view(user, values, view_id=view_id)
    assert response.status == 200, response.body
    harness.wait()
    case = cases(harness)[-1]
    assert case.process_key == "cspr", "the partnership's cases follow a CSPR"
    return case


def stored_case(harness: Harness, case_id: int) -> Case:
    with harness.runtime.db.session() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case


def task(harness: Harness, case_id: int, kind: str) -> Task:
    with harness.runtime.db.session() as session:
        found = session.scalar(select(Task).where(Task.case_id == case_id, Task.kind == kind))
        assert found is not None, f"no {kind} task"
        return found


def due_day(found: Task) -> date:
    return found.due_at.astimezone(london(2026, 1, 1).tzinfo).date()


def notices(harness: Harness, case_id: int) -> list[NationalPanelNotice]:
    with harness.runtime.db.session() as session:
        return list(
            session.scalars(
                select(NationalPanelNotice)
                .where(NationalPanelNotice.case_id == case_id)
                .order_by(NationalPanelNotice.id)
            )
        )


def event_at(harness: Harness, case_id: int, event: str) -> datetime | None:
    with harness.runtime.db.session() as session:
        return session.scalar(
            select(CaseEvent.at).where(CaseEvent.case_id == case_id, CaseEvent.event == event)
        )


def audits(harness: Harness, action: str, case_id: int) -> list[AuditEvent]:
    with harness.runtime.db.session() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == action, AuditEvent.case_id == case_id)
                .order_by(AuditEvent.id)
            )
        )


def click_on_card(harness: Harness, user: str, case: Case, action: NationalPanelAction) -> Any:
    """``user`` clicks the case card's button ``action`` in the case channel."""
    fresh = stored_case(harness, case.id)
    assert fresh.channel_id and fresh.card_ts
    response = harness.driver.block_action(
        user, action.value, channel_id=fresh.channel_id, message_ts=fresh.card_ts
    )
    harness.wait()
    return response


def command(harness: Harness, user: str, case: Case, text: str) -> Any:
    assert case.channel_id is not None
    response = harness.driver.slash_command(user, text, channel_id=case.channel_id)
    harness.wait()
    return response


def open_modal(harness: Harness, user: str, callback: str) -> View:
    view = harness.standin.open_view_for(user)
    assert view is not None, f"no modal is open for {user}"
    assert view.callback_id == callback
    return view


def notification_values(sent_on: str, reference: str) -> dict[str, dict[str, Any]]:
    return {
        NationalPanelBlock.NOTIFIED_ON.value: {INPUT_ACTION: sent_on},
        NationalPanelBlock.REFERENCE.value: {INPUT_ACTION: reference},
    }


def report_values(sent_on: str) -> dict[str, dict[str, Any]]:
    return {NationalPanelBlock.REPORT_SENT_ON.value: {INPUT_ACTION: sent_on}}


def submit(harness: Harness, user: str, view: View, values: dict[str, Any]) -> Any:
    response = harness.driver.submit_view(user, values, view_id=view.id)
    assert response.status == 200, response.body
    harness.wait()
    return response


def view_text(harness: Harness, view_id: str) -> str:
    return " ".join(
        str((block.get("text") or {}).get("text", ""))
        for block in harness.standin.views[view_id].blocks
    )
