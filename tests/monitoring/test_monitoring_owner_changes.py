"""People who leave: a deactivated Slack account (event, or `users.info` before a nudge) or one
the Board says has left. Their recommendations go to the agency's review lead, who is told,
and no nudge reaches them again."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.ids import INPUT_ACTION, MonitoringCallback
from bot.ids import MonitoringBlock as B
from bot.services.cases.audit import events_for
from storage.models import CaseAssignment, DeactivatedUser, Recommendation
from tests.flow_helpers import agency_id, body_json
from tests.monitoring.monitoring_helpers import (
    PLAN,
    SlackLog,
    add_owners,
    import_plan,
    london,
    plan_csv,
    to_monitoring,
    travel,
)


@pytest.fixture
def case(harness):
    add_owners(harness)
    case = to_monitoring(harness, london(2026, 12, 27, 10))
    harness.clock.set(london(2027, 1, 4, 10))
    import_plan(harness, case, plan_csv(PLAN))
    return case


def owner_of(harness, case_id, number):
    with harness.runtime.db.session() as session:
        rec = session.scalar(
            select(Recommendation).where(
                Recommendation.case_id == case_id, Recommendation.number == number
            )
        )
        return session.scalar(
            select(CaseAssignment.slack_user_id).where(
                CaseAssignment.role == "action_owner", CaseAssignment.subject_key == f"rec:{rec.id}"
            )
        )


def deactivate(harness, user, *, deleted=True):
    harness.driver.event(
        {"type": "user_change", "user": {"id": user, "deleted": deleted, "is_bot": False}}
    )
    harness.wait()


def nudges_to(log, user):
    return [(s.when, s.text) for s in log.dms_to(user)]


@pytest.mark.postgres
def test_a_deactivated_owner_hands_over_to_the_review_lead_who_gets_the_nudges(harness, case):
    harness.clock.set(london(2027, 2, 1, 11))
    deactivate(harness, "U0OWNP")

    assert owner_of(harness, case.id, 2) == "U0RLP"
    [told] = harness.standin.dms_to("U0RLP")
    assert told.text == (
        "SCR-2026-001: recommendation 2 (Police) is now yours; it was <@U0OWNP>'s, who has "
        "left. Its progress returns come to you from now on."
    )
    card = harness.standin.find_any_message(case.card_ts, case.channel_id)
    assert "2 · Police · <@U0RLP>" in json.dumps(card.blocks, ensure_ascii=False)
    with harness.runtime.db.session() as session:
        assert session.get(DeactivatedUser, "U0OWNP").source == "slack"
        actions = [e.action for e in events_for(session, case.id)]
    assert "recommendation.reassigned" in actions

    log = SlackLog(harness)
    travel(harness, log, london(2027, 6, 28, 12))
    assert nudges_to(log, "U0OWNP") == []
    assert [when for when, _ in nudges_to(log, "U0RLP")] == [
        "Mon 14 Jun 2027 09:00",
        "Mon 21 Jun 2027 09:00",
        "Fri 25 Jun 2027 09:00",
        "Mon 28 Jun 2027 09:00",
    ]
    assert len(harness.standin.dms_to("U0OWNP")) == 1, "only the assignment, before they left"


def test_slack_saying_deleted_just_before_a_nudge_reassigns_first(harness, case):
    harness.standin.deactivate_user("U0OWNC")
    log = SlackLog(harness)
    travel(harness, log, london(2027, 6, 14, 12))

    assert owner_of(harness, case.id, 3) == "U0RLC"
    assert nudges_to(log, "U0OWNC") == []
    [handed, nudge] = nudges_to(log, "U0RLC")
    assert handed == (
        "Mon 14 Jun 2027 09:00",
        "SCR-2026-001: recommendation 3 (Children's Services) is now yours; it was "
        "<@U0OWNC>'s, who has left. Its progress returns come to you from now on.",
    )
    assert nudge[0] == "Mon 14 Jun 2027 09:00"
    assert nudge[1].endswith(
        "*Send the progress return* · Children's Services · recommendation 3\n"
        "by Fri 25 Jun (deadline Sun 27 Jun) · due in 9 working days"
    )
    checked = {c.args["user"] for c in harness.standin.calls_to("users.info")}
    assert {"U0OWNH", "U0OWNP", "U0OWNC"} <= checked
    with harness.runtime.db.session() as session:
        assert session.get(DeactivatedUser, "U0OWNC").source == "users_info"


def test_the_board_says_someone_has_left(harness, case):
    refused = harness.driver.slash_command("U0DPH", "owner left")
    assert body_json(refused)["text"].startswith("Only the Board")
    assert harness.standin.open_view_for("U0DPH").callback_id != MonitoringCallback.OWNER_LEFT

    harness.driver.slash_command("U0ADMIN", "owner left")
    harness.wait()
    view = harness.standin.open_view_for("U0ADMIN")
    assert view.callback_id == MonitoringCallback.OWNER_LEFT.value
    response = harness.driver.submit_view(
        "U0ADMIN", {B.LEFT_USER.value: {INPUT_ACTION: "U0OWNH"}}, view_id=view.id
    )
    harness.wait()

    assert "1 open recommendation of <@U0OWNH> moved" in json.dumps(body_json(response))
    assert owner_of(harness, case.id, 1) == "U0RLH"
    [told] = harness.standin.dms_to("U0RLH")[-1:]
    assert "recommendation 1 (Health) is now yours" in told.text
    with harness.runtime.db.session() as session:
        assert session.get(DeactivatedUser, "U0OWNH").source == "admin"
    deactivate(harness, "U0OWNH", deleted=False)
    with harness.runtime.db.session() as session:
        assert session.get(DeactivatedUser, "U0OWNH") is not None, "the Board's word stands"


def test_an_agency_without_a_review_lead_falls_back_and_then_to_the_board(harness, case):
    harness.driver.slash_command("U0ADMIN", "actions add", channel_id=case.channel_id)
    harness.wait()
    view = harness.standin.open_view_for("U0ADMIN")
    harness.driver.submit_view(
        "U0ADMIN",
        {
            B.NUMBER.value: {INPUT_ACTION: "4"},
            B.AGENCY.value: {INPUT_ACTION: str(agency_id(harness, "Probation"))},
            B.ACTION.value: {INPUT_ACTION: "Share licence conditions"},
            B.OWNER.value: {INPUT_ACTION: "U0OWNP"},
            B.TARGET_DATE.value: {INPUT_ACTION: "2027-09-30"},
            B.OUTCOME.value: {INPUT_ACTION: "Conditions known to the CPU"},
        },
        view_id=view.id,
    )
    harness.wait()
    deactivate(harness, "U0DPR")
    deactivate(harness, "U0OWNP")

    assert owner_of(harness, case.id, 2) == "U0RLP"
    assert owner_of(harness, case.id, 4) == "U0OWNP", "nobody left at Probation to take it"
    [alert] = [m for m in harness.standin.dms_to("U0ADMIN") if "has no owner" in m.text]
    assert "recommendation 4 (Probation) has no owner" in alert.text

    log = SlackLog(harness)
    travel(harness, log, london(2027, 6, 14, 12))
    assert nudges_to(log, "U0OWNP") == [] and nudges_to(log, "U0DPR") == []
