"""The management reviews' recommendations carried into the action plan: offered one by one
in the recommendation form, filled in, with the owner chosen by the Board."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from bot.ids import INPUT_ACTION, MonitoringAction
from bot.ids import MonitoringBlock as B
from storage.models import ImrRecommendation, ManagementReview, Recommendation, Task
from tests.flow_helpers import agency_id, body_json
from tests.monitoring.monitoring_helpers import add_owners, london, to_monitoring
from tests.monitoring.test_action_plan_entry import listing


def accepted_review(harness, case_id, agency, recommendations):
    runtime = harness.runtime
    agency_row_id = agency_id(harness, agency)
    with runtime.db.session() as session:
        task_id = session.scalar(select(Task.id).where(Task.case_id == case_id).limit(1))
        review = ManagementReview(
            case_id=case_id,
            agency_id=agency_row_id,
            task_id=task_id,
            author="U0RLH",
            due_on=date(2027, 2, 1),
            status="accepted",
            requested_by="U0CPU1",
            requested_at=runtime.clock.now(),
        )
        session.add(review)
        session.flush()
        for number, (action, by_when) in enumerate(recommendations, start=1):
            content = {
                "action": action,
                "by_whom": f"{agency} safeguarding lead",
                "expected_outcome": "Seen in the next audit",
                "review_of_outcome": "Audit in a year",
            }
            session.add(
                ImrRecommendation(
                    review_id=review.id,
                    number=number,
                    content=runtime.cipher.for_case(session, review.case_id).encrypt_json(content),
                    by_when=by_when,
                )
            )


def test_management_review_recommendations_are_offered_until_all_are_in(harness) -> None:
    add_owners(harness)
    case = to_monitoring(harness, london(2026, 12, 27, 10))
    accepted_review(
        harness, case.id, "Health", [("Train health visitors on bruising", date(2027, 6, 30))]
    )
    accepted_review(harness, case.id, "Police", [("Share call-outs with health", None)])

    plan = listing(harness, "U0ADMIN", channel_id=case.channel_id)
    assert "Add from the management reviews (2 left)" in json.dumps(plan.blocks)
    harness.driver.block_action(
        "U0ADMIN",
        MonitoringAction.ADD_CARRIED.value,
        channel_id=plan.channel,
        message_ts=plan.ts,
    )
    harness.wait()
    view = harness.standin.open_view_for("U0ADMIN")
    shown = json.dumps(view.blocks)
    assert "Train health visitors on bruising" in shown
    assert '"initial_date": "2027-06-30"' in shown
    response = harness.driver.submit_view(
        "U0ADMIN", {B.OWNER.value: {INPUT_ACTION: "U0OWNH"}}, view_id=view.id
    )
    harness.wait()
    assert body_json(response) == {}

    plan = listing(harness, "U0ADMIN", channel_id=case.channel_id)
    assert "Add from the management reviews (1 left)" in json.dumps(plan.blocks)
    harness.driver.block_action(
        "U0ADMIN",
        MonitoringAction.ADD_CARRIED.value,
        channel_id=plan.channel,
        message_ts=plan.ts,
    )
    harness.wait()
    view = harness.standin.open_view_for("U0ADMIN")
    assert "Share call-outs with health" in json.dumps(view.blocks)
    with_date = harness.driver.submit_view(
        "U0ADMIN",
        {
            B.OWNER.value: {INPUT_ACTION: "U0OWNP"},
            B.TARGET_DATE.value: {INPUT_ACTION: "2027-09-30"},
        },
        view_id=view.id,
    )
    harness.wait()
    assert body_json(with_date) == {}

    with harness.runtime.db.session() as session:
        recs = session.scalars(select(Recommendation).order_by(Recommendation.number)).all()
    assert [(r.number, r.source) for r in recs] == [
        (1, "management_review"),
        (2, "management_review"),
    ]
    plan = listing(harness, "U0ADMIN", channel_id=case.channel_id)
    assert MonitoringAction.ADD_CARRIED.value not in json.dumps(plan.blocks)
