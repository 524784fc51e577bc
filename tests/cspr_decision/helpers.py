"""A CSPR case brought to the partners' decision (its notification recorded through the
engine, the leads asked by the worker's tick), and the leads' clicks as Slack sends them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.ids import INPUT_ACTION, PartnersAction, PartnersBlock
from bot.jobs.worker import tick
from bot.testing.harness import Harness
from bot.testing.standin import Message
from storage.models import AuditEvent, Case, CaseEvent, LocalReviewDecision, PartnerAnswer, Task
from tests.process.helpers import PARTNER_LEADS, card_text, refer_with
from tests.reminders.reminder_helpers import complete

LA, POLICE, HEALTH = (PARTNER_LEADS[p] for p in ("local_authority", "police", "health"))
LEADS = (LA, POLICE, HEALTH)
HOLD, NO_REVIEW = PartnersAction.HOLD, PartnersAction.NO_REVIEW


def at_rapid_review(harness: Harness, *, report_sent: bool = True) -> Case:
    """A CSPR case whose national panel has been notified: the rapid review is open (its
    report sent to the national panel unless told otherwise, so the partners' decision is
    all it waits for), and the worker's tick has asked the leads for their decision."""
    case = refer_with(harness, "U0ADMIN", "cspr")
    complete(harness, case.id, "notify_national_panel")
    if report_sent:
        complete(harness, case.id, "rapid_review_report")
    tick(harness.runtime)
    harness.wait()
    return stored(harness, case.id)


def stored(harness: Harness, case_id: int) -> Case:
    with harness.runtime.db.session() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case


def asks(message: Message) -> bool:
    return PartnersAction.OPEN_PANEL_VIEW.value in str(message.blocks)


def request_to(harness: Harness, user: str) -> Message:
    """The request in ``user``'s DM (as it stands now)."""
    [dm] = [m for m in harness.standin.dms_to(user) if asks(m)]
    return dm


def request_in_channel(harness: Harness, case: Case) -> Message:
    assert case.channel_id is not None
    [posted] = [m for m in harness.standin.messages_in(case.channel_id) if asks(m)]
    return posted


def click(harness: Harness, user: str, action: PartnersAction, message: Message | None = None):
    """``user`` clicks ``action`` on ``message`` (their own DM's request by default)."""
    message = message or request_to(harness, user)
    response = harness.driver.block_action(
        user, action.value, channel_id=message.channel, message_ts=message.ts
    )
    harness.wait()
    return response


def panel_view(harness: Harness, user: str, view: str, reason: str = "", message=None):
    """``user`` records the national panel's view from the request (their DM's)."""
    click(harness, user, PartnersAction.OPEN_PANEL_VIEW, message)
    opened = harness.standin.open_view_for(user)
    assert opened is not None, "the national panel's view did not open"
    values: dict[str, dict[str, Any]] = {PartnersBlock.PANEL_VIEW.value: {INPUT_ACTION: view}}
    if reason:
        values[PartnersBlock.PANEL_REASON.value] = {INPUT_ACTION: reason}
    response = harness.driver.submit_view(user, values, view_id=opened.id)
    harness.wait()
    return response


def buttons(message: Message) -> list[dict[str, Any]]:
    return [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def said_to(harness: Harness, user: str) -> str:
    """Everything said to ``user`` alone (ephemeral answers)."""
    return " ".join(m.text for m in harness.standin.ephemerals_for(user))


def decisions(harness: Harness) -> list[LocalReviewDecision]:
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(LocalReviewDecision)))


def answers(harness: Harness, case_id: int) -> dict[str, tuple[str, str]]:
    """Each partner's answer: (outcome, by whom)."""
    with harness.runtime.db.session() as session:
        rows = session.scalars(select(PartnerAnswer).where(PartnerAnswer.case_id == case_id))
        return {row.partner: (row.outcome, row.answered_by) for row in rows}


def audited(harness: Harness, action: str) -> list[AuditEvent]:
    with harness.runtime.db.session() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def events(harness: Harness, case_id: int, event: str) -> list[CaseEvent]:
    with harness.runtime.db.session() as session:
        return list(
            session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.event == event)
            )
        )


def tasks(harness: Harness, case_id: int, kind: str) -> list[Task]:
    with harness.runtime.db.session() as session:
        return list(
            session.scalars(
                select(Task).where(Task.case_id == case_id, Task.kind == kind).order_by(Task.id)
            )
        )


def card(harness: Harness, case: Case) -> str:
    return card_text(harness, case.id)
