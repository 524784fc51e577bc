"""Free text typed into the action plan and its progress returns is screened for the child's
identifying details before it is stored: the recommendation modal and a progress return are
refused inline on the field that names the child; an action-plan CSV is refused whole, by row
number. Nothing of a refused form or file is stored, and no owner is told of it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.ids import INPUT_ACTION, MonitoringCallback
from bot.ids import MonitoringBlock as B
from storage.models import ProgressReturn, Recommendation
from tests.flow_helpers import agency_id, all_calls_text, body_json
from tests.monitoring.monitoring_helpers import (
    PLAN,
    SlackLog,
    add_owners,
    import_plan,
    london,
    plan_csv,
    return_task,
    send_return,
    to_monitoring,
    travel,
)
from tests.referral.data import NAMED_INLINE

HOUSE_STYLE = '"the child" or "Child A", "Mother"'


@pytest.fixture
def case(harness):
    add_owners(harness)
    return to_monitoring(harness, london(2026, 12, 27, 10))


def recs(harness, case_id):
    with harness.runtime.db.session() as session:
        return list(
            session.scalars(select(Recommendation).where(Recommendation.case_id == case_id))
        )


def returns(harness):
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(ProgressReturn)))


def refused_inline(response, block: str, label: str) -> None:
    answer = body_json(response)
    assert answer["response_action"] == "errors", answer
    assert list(answer["errors"]) == [block]
    message = answer["errors"][block]
    assert message.startswith(f"The {label} seems to name the child"), message
    assert HOUSE_STYLE in message


def add_values(harness, **changes):
    values = {
        B.NUMBER.value: "4",
        B.AGENCY.value: str(agency_id(harness, "Police")),
        B.ACTION.value: "Review the referral pathway",
        B.OWNER.value: "U0OWNP",
        B.TARGET_DATE.value: "2027-09-30",
        B.OUTCOME.value: "Referrals reach the CPU the same day",
        B.SOURCE.value: "overview_report",
    }
    values.update(changes)
    return {block: {INPUT_ACTION: value} for block, value in values.items()}


@pytest.mark.postgres
@pytest.mark.parametrize("text", NAMED_INLINE)
@pytest.mark.parametrize(
    ("block", "label"), [(B.ACTION.value, "action"), (B.OUTCOME.value, "expected outcome")]
)
def test_a_recommendation_naming_the_child_is_refused_inline(harness, case, block, label, text):
    harness.driver.slash_command("U0CPU1", "actions add", channel_id=case.channel_id)
    harness.wait()
    view = harness.standin.open_view_for("U0CPU1")
    assert view.callback_id == MonitoringCallback.RECOMMENDATION.value

    response = harness.driver.submit_view(
        "U0CPU1", add_values(harness, **{block: f"Make sure {text}"}), view_id=view.id
    )
    harness.wait()

    refused_inline(response, block, label)
    assert recs(harness, case.id) == []
    assert harness.standin.dms_to("U0OWNP") == []


@pytest.mark.postgres
def test_the_same_recommendation_in_house_style_is_added(harness, case):
    harness.driver.slash_command("U0CPU1", "actions add", channel_id=case.channel_id)
    harness.wait()
    view = harness.standin.open_view_for("U0CPU1")
    text = "The panel may meet the child's nursery; Mother seen by the health visitor"
    response = harness.driver.submit_view(
        "U0CPU1", add_values(harness, **{B.ACTION.value: text}), view_id=view.id
    )
    harness.wait()
    assert body_json(response) == {}
    assert len(recs(harness, case.id)) == 1


@pytest.mark.postgres
def test_an_action_plan_csv_naming_the_child_is_refused_whole_with_its_rows(harness, case):
    surname, possessive, born, postcode = NAMED_INLINE
    rows = [
        PLAN[0],
        [*PLAN[1][:2], f"Share call-outs; {surname}", *PLAN[1][3:]],
        PLAN[2],
        ["4", "Police", "Review the referral pathway", "U0OWNP", "31/03/2027", born, ""],
        ["5", "Health", f"Visit; {possessive}", "U0OWNH", "31/03/2027", postcode, ""],
    ]
    response, view_id = import_plan(harness, case, plan_csv(rows))

    answer = body_json(response)
    assert answer["response_action"] == "errors", answer
    error = answer["errors"][B.PLAN_FILE.value]
    assert error.startswith("Nothing was imported. Rows 3, 5, 6 seem to name the child"), error
    assert "Nothing from the file was stored" in error and HOUSE_STYLE in error
    assert harness.standin.views[view_id].callback_id == MonitoringCallback.PLAN_IMPORT.value
    assert recs(harness, case.id) == []
    assert harness.standin.dms_to("U0OWNH") == [] and harness.standin.dms_to("U0OWNP") == []
    assert "Quillfeather" not in all_calls_text(harness)
    assert "quillfeather" not in all_calls_text(harness)


@pytest.fixture
def due(harness, case):
    """The plan imported, and the clock at the first round's nudges: recommendation 2's
    return task (owned by U0OWNP)."""
    harness.clock.set(london(2027, 1, 4, 10))
    import_plan(harness, case, plan_csv(PLAN))
    travel(harness, SlackLog(harness), london(2027, 6, 14, 10))
    return return_task(harness, case.id, 2, 1)


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("progress", NAMED_INLINE[0]),
        ("reason", NAMED_INLINE[1]),
        ("evidence", NAMED_INLINE[2]),
        ("progress", NAMED_INLINE[3]),
    ],
)
def test_a_progress_return_naming_the_child_is_refused_inline(harness, due, field, text):
    answers = {
        "progress": "Call-outs are shared weekly",
        "reason": "The team was restructured",
        "evidence": "Audit of the shared call-outs",
        field: text,
    }
    response = send_return(harness, "U0OWNP", due.id, status="not_implemented", **answers)

    refused_inline(response, getattr(B, field.upper()).value, field)
    assert returns(harness) == []
    assert return_task(harness, due.case_id, 2, 1).status == "open"
