"""From the Initial Panel's recommendation to the Board Chair's decision, through signed
requests: each outcome, and what follows it in Slack."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.ids import INPUT_ACTION, DecisionAction, DecisionBlock
from bot.partnership_config import parse_partnership
from bot.services.decision.service import recommendation_of
from bot.testing.harness import start_harness
from bot.testing.seed import SEED_TOML
from storage.models import DecisionNotice, Task
from tests.decision.helpers import (
    RATIONALE,
    audit_rows,
    click,
    decision_requests,
    decisions,
    panel_held,
    recommend,
    stored_case,
    tasks_of,
)
from tests.flow_helpers import all_calls_text, body_json, tampered_submission
from tests.referral.data import IDENTIFYING
from tests.sealed import read_text


def test_the_recommendation_reaches_the_chair_with_four_buttons(harness) -> None:
    case = panel_held(harness)
    assert case.stage == "initial_panel"

    response = recommend(harness, case)

    assert response.status == 200 and body_json(response) == {}
    case = stored_case(harness, case.id)
    assert case.stage == "decision"
    [outcome_task] = tasks_of(harness, case.id, "initial_panel_outcome")
    assert outcome_task.status == "done" and outcome_task.completed_by == "U0CPU1"
    assert tasks_of(harness, case.id, "chair_decision")[0].status == "open"
    with harness.runtime.db.session() as session:
        rec = recommendation_of(session, case.id)
        assert rec is not None and rec.criteria_met and rec.criteria == ["inter_agency"]
        assert RATIONALE.encode() not in rec.rationale
        assert (
            harness.runtime.cipher.for_case(session, case.id).decrypt_text(rec.rationale)
            == RATIONALE
        )

    dm, posted = decision_requests(harness, case)
    for message in (dm, posted):
        [actions] = [b for b in message.blocks if b["type"] == "actions"]
        buttons = {e["action_id"]: e for e in actions["elements"]}
        assert set(buttons) == {a.value for a in DecisionAction if "decision_" in a.value} - {
            DecisionAction.OPEN_RECOMMENDATION.value,
            DecisionAction.RECORD_NOTICE.value,
        }
        assert [e["text"]["text"] for e in actions["elements"]] == [
            "Approve SCR",
            "Not met: commission an audit",
            "Not met: commission management reviews",
            "Not met: no further action",
        ]
        assert all(e["confirm"]["confirm"]["text"] for e in actions["elements"])
        assert all(e["value"] == str(case.id) for e in actions["elements"])
        assert "SCR-2026-001" in message.text
    assert [a.detail["criteria_met"] for a in audit_rows(harness, "recommendation.recorded")] == [
        True
    ]


def test_a_rationale_naming_the_child_is_sent_back_and_nothing_is_stored(harness) -> None:
    case = panel_held(harness)
    response = recommend(harness, case, rationale="Jamie was seen twice by the GP in October.")
    answer = body_json(response)
    assert answer["response_action"] == "errors"
    assert "name the child" in answer["errors"][DecisionBlock.RATIONALE.value]
    with harness.runtime.db.session() as session:
        assert recommendation_of(session, case.id) is None
    assert stored_case(harness, case.id).stage == "initial_panel"


def test_criteria_met_needs_the_criteria(harness) -> None:
    case = panel_held(harness)
    response = recommend(harness, case, criteria=())
    answer = body_json(response)
    assert answer["errors"] == {DecisionBlock.CRITERIA.value: "Please say which criteria are met."}


def test_only_the_cpu_or_panel_chair_records_the_recommendation(harness) -> None:
    case = panel_held(harness)
    assert case.channel_id is not None
    response = harness.driver.slash_command("U0DPH", "recommendation", channel_id=case.channel_id)
    harness.wait()
    assert not [
        v for v in harness.standin.views.values() if v.callback_id == "decision_recommendation"
    ]
    refusal = body_json(response)
    assert refusal["response_type"] == "ephemeral"
    assert "Only the CPU or the panel chair" in refusal["text"]


@pytest.mark.postgres
def test_approve_scr_starts_the_review_and_replaces_both_messages(harness) -> None:
    case = panel_held(harness)
    recommend(harness, case)
    dm, posted = decision_requests(harness, case)
    harness.clock.advance(timedelta(hours=2))

    response = click(harness, "U0CHAIR", DecisionAction.APPROVE, dm)

    assert response.status == 200
    [decision] = decisions(harness)
    assert decision.outcome == "scr" and decision.decided_by == "U0CHAIR"
    assert decision.reason is None
    case = stored_case(harness, case.id)
    assert case.stage == "review"
    kinds = {t.kind for t in tasks_of_case(harness, case.id) if t.status == "open"}
    assert {
        "notify_board",
        "notify_safeguarding_executive",
        "notify_ofsted",
        "notify_chief_officers",
        "terms_of_reference",
        "overview_report",
        "imr",
    } <= kinds
    dm, posted = decision_requests(harness, case)
    for message in (dm, posted):
        assert not [b for b in message.blocks if b["type"] == "actions"]
        assert "decided by <@U0CHAIR>" in str(message.blocks)
        assert "Fri 27 Nov 2026 12:00" in str(message.blocks)
        assert "a Serious Case Review will be held" in message.text
    assert len(harness.standin.calls_to("chat.update")) >= 2
    channel_text = " ".join(str(m.blocks) for m in harness.standin.messages_in(case.channel_id))
    assert "Appoint the panel chair" in channel_text
    assert "Notify OFSTED of the decision: not yet recorded" in channel_text
    assert "Write the overview report: by Sat 27 Mar 2027" in channel_text
    [made] = audit_rows(harness, "decision.made")
    assert made.actor == "U0CHAIR" and made.detail == {"outcome": "scr"}


def tasks_of_case(harness, case_id: int):
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(Task).where(Task.case_id == case_id)))


@pytest.mark.parametrize(
    ("action", "outcome", "stage", "work"),
    [
        (DecisionAction.AUDIT, "audit", "audit", "audit_findings_shared"),
        (
            DecisionAction.MANAGEMENT_REVIEWS,
            "management_reviews",
            "management_reviews",
            "management_review",
        ),
    ],
)
def test_not_met_asks_the_reason_then_takes_the_side_path(
    harness, action, outcome, stage, work
) -> None:
    case = panel_held(harness)
    recommend(harness, case, met=False, criteria=())
    dm, _ = decision_requests(harness, case)

    click(harness, "U0CHAIR", action, dm)

    assert decisions(harness) == []
    view = harness.standin.open_view_for("U0CHAIR")
    assert view is not None and view.callback_id == "decision_reason"
    empty = tampered_submission(harness, "U0CHAIR", view.id, {})
    assert body_json(empty)["errors"] == {DecisionBlock.REASON.value: "Please give the reason."}
    assert decisions(harness) == []

    reason = "The panel found no concern about how agencies worked together."
    harness.driver.submit_view("U0CHAIR", {DecisionBlock.REASON.value: {INPUT_ACTION: reason}})
    harness.wait()

    [decision] = decisions(harness)
    assert decision.outcome == outcome
    assert decision.reason is not None and reason.encode() not in decision.reason
    assert read_text(harness.runtime, decision.case_id, decision.reason) == reason
    case = stored_case(harness, case.id)
    assert case.stage == stage
    assert tasks_of(harness, case.id, work)
    assert not tasks_of(harness, case.id, "terms_of_reference")
    dm, posted = decision_requests(harness, case)
    assert "the criteria are not met" in dm.text and "decided by" in str(posted.blocks)
    assert reason not in all_calls_text(harness)


def test_the_decision_goes_to_the_board_channel_when_one_is_configured(
    standin, database, clock
) -> None:
    board = standin.add_channel("scb-board", members=["U0BOT", "U0CHAIR", "U0ADMIN"])
    config = parse_partnership(SEED_TOML.replace("[board]\n", f'[board]\nchannel = "{board}"\n'))
    harness = start_harness(standin, database, clock, partnership=config)
    try:
        case = panel_held(harness)
        recommend(harness, case)
        dm, _ = decision_requests(harness, case)
        click(harness, "U0CHAIR", DecisionAction.APPROVE, dm)
        [announcement] = standin.messages_in(board)
        assert announcement.text == (
            "SCR-2026-001: the Chair of the Demo Safeguarding Children Board decided on "
            "Fri 27 Nov 2026: a Serious Case Review will be held."
        )
        assert [a.detail for a in audit_rows(harness, "decision.board_told")] == [
            {"channel": board}
        ]
    finally:
        harness.close()


def test_the_business_unit_records_who_was_told(harness) -> None:
    case = panel_held(harness)
    recommend(harness, case)
    dm, _ = decision_requests(harness, case)
    click(harness, "U0CHAIR", DecisionAction.APPROVE, dm)
    action = f"{DecisionAction.RECORD_NOTICE.value}_ofsted"

    harness.driver.block_action("U0DPH", action)
    harness.wait()
    assert not [v for v in harness.standin.views.values() if v.callback_id == "decision_notice"]
    assert "business unit" in harness.standin.ephemerals_for("U0DPH")[-1].text

    harness.driver.block_action("U0ADMIN", action)
    harness.wait()
    harness.driver.submit_view(
        "U0ADMIN",
        {
            DecisionBlock.NOTIFIED_ON.value: {INPUT_ACTION: "2026-11-27"},
            DecisionBlock.NOTIFIED_BY.value: {INPUT_ACTION: "U0CHAIR"},
        },
    )
    harness.wait()

    [task] = tasks_of(harness, case.id, "notify_ofsted")
    assert task.status == "done" and task.completed_by == "U0ADMIN"
    with harness.runtime.db.session() as session:
        [notice] = session.scalars(select(DecisionNotice))
    assert (notice.audience, notice.notified_on.isoformat(), notice.notified_by) == (
        "ofsted",
        "2026-11-27",
        "U0CHAIR",
    )
    checklist = [
        m for m in harness.standin.messages_in(case.channel_id) if "who has been told" in m.text
    ]
    assert len(checklist) == 1
    assert "✓ Notify OFSTED of the decision: Fri 27 Nov 2026 by <@U0CHAIR>" in str(
        checklist[0].blocks
    )
    assert action not in str(checklist[0].blocks)


def test_nothing_identifying_reaches_slack_through_the_decision(harness) -> None:
    case = panel_held(harness)
    recommend(harness, case)
    dm, _ = decision_requests(harness, case)
    click(harness, "U0CHAIR", DecisionAction.APPROVE, dm)
    text = all_calls_text(harness)
    for value in IDENTIFYING:
        assert value not in text
