"""Bringing a case to the Initial Panel being held, through the services (not the panel's
own screens), and the clicks and forms of the decision as Slack would send them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.ids import INPUT_ACTION, DecisionAction, DecisionBlock
from bot.process.bolton import REVIEW_QUESTIONS
from bot.services.decision.schema import QUESTION_BLOCK
from bot.services.reminders.tasks import EngineContext, complete_task
from bot.testing.harness import Harness
from bot.testing.standin import Message
from storage.models import AuditEvent, Case, ChairDecision, Task
from tests.flow_helpers import cases, refer

REFERRAL_CHORES = (
    "cpu_cp_plan_checked",
    "cpu_other_children_considered",
    "cpu_organisations_informed",
    "cpu_chair_informed",
    "schedule_initial_panel",
)
RATIONALE = "Inter-agency concerns about how the head injury was followed up; the child died."
NON_CHAIRS = ("U0CPU1", "U0ADMIN", "U0DPH", "U0RLH", "U0DPP", "U0OUTSIDER")


def panel_held(harness: Harness, **referral: Any) -> Case:
    """A referred case whose Initial Panel has met: its recommendation is now due. Its
    criteria are concerns about inter-agency working unless told otherwise (a death where
    abuse or neglect is suspected would leave the Chair no "not met" to choose)."""
    referral.setdefault("criteria", ["inter_agency"])
    refer(harness, **referral)
    case = cases(harness)[-1]
    runtime = harness.runtime
    with runtime.db.session() as session:
        ctx = EngineContext(session, runtime.working_calendar(), runtime.clock.now())
        for task in session.scalars(
            select(Task).where(Task.case_id == case.id, Task.kind.in_(REFERRAL_CHORES))
        ):
            complete_task(ctx, task, actor="U0CPU1", check_permission=False)
    return stored_case(harness, case.id)


def stored_case(harness: Harness, case_id: int) -> Case:
    with harness.runtime.db.session() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case


def recommend(
    harness: Harness,
    case: Case,
    *,
    user: str = "U0CPU1",
    met: bool = True,
    criteria: tuple[str, ...] = ("inter_agency",),
    rationale: str = RATIONALE,
    answers: dict[str, tuple[str, str]] | None = None,
):
    assert case.channel_id is not None
    harness.driver.slash_command(user, "recommendation", channel_id=case.channel_id)
    harness.wait()
    view = harness.standin.open_view_for(user)
    assert view is not None, "the recommendation modal did not open"
    values: dict[str, dict[str, Any]] = {
        DecisionBlock.CRITERIA_MET.value: {INPUT_ACTION: "true" if met else "false"},
        DecisionBlock.RATIONALE.value: {INPUT_ACTION: rationale},
    }
    if criteria:
        values[DecisionBlock.CRITERIA.value] = {INPUT_ACTION: list(criteria)}
    for key, _ in REVIEW_QUESTIONS:
        answer, note = (answers or {}).get(key, ("unknown", ""))
        values[f"{QUESTION_BLOCK}{key}"] = {INPUT_ACTION: answer}
        if note:
            values[f"{QUESTION_BLOCK}{key}_note"] = {INPUT_ACTION: note}
    response = harness.driver.submit_view(user, values, view_id=view.id)
    harness.wait()
    return response


def decision_requests(harness: Harness, case: Case) -> tuple[Message, Message]:
    """The Chair's DM and the case channel's message asking for the decision."""
    assert case.channel_id is not None
    asking = DecisionAction.APPROVE.value

    def asks(message: Message) -> bool:
        return asking in str(message.blocks) or "decided by" in str(message.blocks)

    [dm] = [m for m in harness.standin.dms_to("U0CHAIR") if asks(m)]
    [posted] = [m for m in harness.standin.messages_in(case.channel_id) if asks(m)]
    return dm, posted


def click(harness: Harness, user: str, action: DecisionAction, message: Message):
    response = harness.driver.block_action(
        user, action.value, channel_id=message.channel, message_ts=message.ts
    )
    harness.wait()
    return response


def decisions(harness: Harness) -> list[ChairDecision]:
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(ChairDecision)))


def audit_rows(harness: Harness, action: str) -> list[AuditEvent]:
    with harness.runtime.db.session() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def tasks_of(harness: Harness, case_id: int, kind: str) -> list[Task]:
    with harness.runtime.db.session() as session:
        return list(
            session.scalars(
                select(Task).where(Task.case_id == case_id, Task.kind == kind).order_by(Task.id)
            )
        )


def ephemerals_text(harness: Harness, user: str) -> str:
    return " ".join(m.text for m in harness.standin.ephemerals_for(user))


def decided(harness: Harness, action: DecisionAction = DecisionAction.APPROVE) -> Case:
    """A case the Board Chair has decided: a Serious Case Review unless told otherwise."""
    case = panel_held(harness)
    recommend(harness, case, met=action is DecisionAction.APPROVE)
    dm, _ = decision_requests(harness, case)
    click(harness, "U0CHAIR", action, dm)
    if action is not DecisionAction.APPROVE:
        harness.driver.submit_view(
            "U0CHAIR",
            {DecisionBlock.REASON.value: {INPUT_ACTION: "No concern about joint working."}},
        )
        harness.wait()
    return stored_case(harness, case.id)


def modal_of(harness: Harness, user: str, callback: str):
    view = harness.standin.open_view_for(user)
    assert view is not None and view.callback_id == callback, f"no {callback} modal for {user}"
    return view


def submit(harness: Harness, user: str, values: dict[str, Any], view_id: str | None = None):
    response = harness.driver.submit_view(
        user, {block: {INPUT_ACTION: value} for block, value in values.items()}, view_id=view_id
    )
    harness.wait()
    return response
