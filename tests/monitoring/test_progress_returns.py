"""The progress return: from the nudge's button (or App Home) to the stored, encrypted return,
with its checks, its permissions, amendments and duplicate deliveries."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.ids import INPUT_ACTION, MonitoringAction, MonitoringCallback
from bot.ids import MonitoringBlock as B
from bot.services.cases.audit import events_for
from bot.services.reminders.my_tasks import mark_done
from storage.models import ProgressReturn, Task
from tests.flow_helpers import body_json, tampered_submission
from tests.monitoring.monitoring_helpers import (
    PLAN,
    SlackLog,
    add_owners,
    import_plan,
    latest_with_button,
    london,
    plan_csv,
    return_task,
    send_return,
    to_monitoring,
    travel,
)
from tests.sealed import read_text


@pytest.fixture
def case(harness):
    add_owners(harness)
    case = to_monitoring(harness, london(2026, 12, 27, 10))
    harness.clock.set(london(2027, 1, 4, 10))
    import_plan(harness, case, plan_csv(PLAN))
    travel(harness, SlackLog(harness), london(2027, 6, 14, 10))
    return case


def returns(harness):
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(ProgressReturn).order_by(ProgressReturn.id)))


def open_form(harness, user, task_id):
    message = latest_with_button(harness, user, task_id)
    harness.driver.block_action(
        user,
        MonitoringAction.SEND_RETURN.value,
        channel_id=message.channel,
        message_ts=message.ts,
    )
    harness.wait()
    return harness.standin.open_view_for(user)


def test_the_nudge_opens_the_form_and_the_return_is_stored_encrypted(harness, case):
    task = return_task(harness, case.id, 1, 1)
    view = open_form(harness, "U0OWNH", task.id)

    assert view.callback_id == MonitoringCallback.PROGRESS_RETURN.value
    shown = json.dumps(view.blocks, ensure_ascii=False)
    assert "recommendation 1 (Health) · round 1, due Sun 27 Jun 2027" in shown
    assert "Health visitors to review the threshold" in shown
    response = harness.driver.submit_view(
        "U0OWNH",
        {
            B.PROGRESS.value: {INPUT_ACTION: "Guidance drafted, consultation under way"},
            B.STATUS.value: {INPUT_ACTION: "in_progress"},
            B.EVIDENCE.value: {INPUT_ACTION: "https://intranet.example/draft"},
        },
        view_id=view.id,
    )
    harness.wait()

    assert "is received" in json.dumps(body_json(response))
    [row] = returns(harness)
    assert (row.round_no, row.status, row.as_of.isoformat()) == (1, "in_progress", "2027-06-14")
    assert (
        read_text(harness.runtime, row.case_id, row.progress)
        == "Guidance drafted, consultation under way"
    )
    assert b"Guidance" not in row.progress
    assert read_text(harness.runtime, row.case_id, row.evidence) == "https://intranet.example/draft"
    with harness.runtime.db.session() as session:
        assert session.get(Task, task.id).status == "done"
        actions = [e.action for e in events_for(session, case.id)]
    assert {"progress.form_opened", "progress.returned"} <= set(actions)
    card = harness.standin.find_any_message(case.card_ts, case.channel_id)
    card_text = json.dumps(card.blocks, ensure_ascii=False)
    assert "1 · Health · <@U0OWNH> · open · round 1: in progress (Mon 14 Jun 2027)" in card_text
    assert "round 1: due Fri 25 Jun (deadline Sun 27 Jun) · 1 of 3 in" in card_text
    assert "Guidance drafted" not in card_text


def test_a_not_implemented_status_needs_a_reason_and_dates_cannot_be_ahead(harness, case):
    task = return_task(harness, case.id, 2, 1)
    view = open_form(harness, "U0OWNP", task.id)
    values = {
        B.PROGRESS.value: {INPUT_ACTION: "Not possible under current law"},
        B.STATUS.value: {INPUT_ACTION: "not_implemented"},
    }
    no_reason = harness.driver.submit_view("U0OWNP", values, view_id=view.id)
    assert body_json(no_reason) == {
        "response_action": "errors",
        "errors": {B.REASON.value: "Say why it will not be implemented."},
    }
    ahead = harness.driver.submit_view(
        "U0OWNP",
        {
            **values,
            B.REASON.value: {INPUT_ACTION: "Statute"},
            B.AS_OF.value: {INPUT_ACTION: "2027-07-01"},
        },
        view_id=view.id,
    )
    assert body_json(ahead)["errors"] == {B.AS_OF.value: "This date is in the future."}
    empty = tampered_submission(
        harness, "U0OWNP", view.id, {B.STATUS.value: {INPUT_ACTION: "in_progress"}}
    )
    assert body_json(empty)["errors"] == {
        B.PROGRESS.value: "This is required.",
        B.AS_OF.value: "This is required.",
    }
    assert returns(harness) == []


def test_only_the_owner_or_their_agency_may_send_it(harness, case):
    task = return_task(harness, case.id, 1, 1)
    harness.driver.block_action(
        "U0OWNC",
        MonitoringAction.SEND_RETURN.value,
        value=str(task.id),
        channel_id=latest_with_button(
            harness, "U0OWNC", return_task(harness, case.id, 3, 1).id
        ).channel,
        message_ts=latest_with_button(harness, "U0OWNC", return_task(harness, case.id, 3, 1).id).ts,
    )
    harness.wait()
    refusal = harness.standin.open_view_for("U0OWNC")
    assert refusal.callback_id != MonitoringCallback.PROGRESS_RETURN.value
    assert "not yours to send" in json.dumps(refusal.blocks)

    view = open_form(harness, "U0OWNH", task.id)
    values = {
        B.PROGRESS.value: {INPUT_ACTION: "x"},
        B.STATUS.value: {INPUT_ACTION: "in_progress"},
        B.AS_OF.value: {INPUT_ACTION: "2027-06-14"},
    }
    stranger = tampered_submission(harness, "U0DPP", view.id, values)
    assert body_json(stranger)["errors"] == {
        B.PROGRESS.value: "This progress return is not yours to send."
    }
    lead = tampered_submission(harness, "U0RLH", view.id, values)
    assert body_json(lead)["response_action"] == "update"
    [row] = returns(harness)
    assert row.submitted_by == "U0RLH"


def test_a_duplicate_delivery_stores_once_and_a_later_one_amends(harness, case):
    task = return_task(harness, case.id, 1, 1)
    send_return(harness, "U0OWNH", task.id, status="in_progress", progress="First draft")
    harness.driver.redeliver()
    harness.wait()
    assert len(returns(harness)) == 1

    send_return(harness, "U0OWNH", task.id, status="implemented", progress="Guidance issued")
    view = harness.standin.open_view_for("U0OWNH")
    assert "is amended" in json.dumps(view.blocks)
    [row] = returns(harness)
    assert (row.status, read_text(harness.runtime, row.case_id, row.progress)) == (
        "implemented",
        "Guidance issued",
    )
    with harness.runtime.db.session() as session:
        events = events_for(session, case.id)
    actions = [e.action for e in events]
    assert (actions.count("progress.returned"), actions.count("progress.amended")) == (1, 1)
    done = [e for e in events if e.action == "task.done" and e.detail["task_id"] == task.id]
    assert len(done) == 1


def test_app_home_shows_the_owners_case_and_return(harness, case):
    harness.driver.app_home_opened("U0OWNH")
    harness.wait()
    home = harness.standin.home_view("U0OWNH")
    text = json.dumps(home["blocks"], ensure_ascii=False)
    assert "Send the progress return" in text
    assert "*SCR-2026-001* · Monitoring the action plan" in text
    assert f"<#{case.channel_id}>" not in text
    assert "Mark done" not in text

    task = return_task(harness, case.id, 1, 1)
    harness.driver.block_action("U0OWNH", MonitoringAction.SEND_RETURN.value, view_id=home["id"])
    harness.wait()
    view = harness.standin.open_view_for("U0OWNH")
    assert view.callback_id == MonitoringCallback.PROGRESS_RETURN.value
    assert json.loads(view.private_metadata) == {"task": task.id}


def test_a_return_cannot_be_marked_done_without_its_form(harness, case):
    task = return_task(harness, case.id, 1, 1)
    message = latest_with_button(harness, "U0OWNH", task.id)
    assert "task_mark_done" not in json.dumps(message.blocks)
    runtime = harness.runtime
    outcome = mark_done(
        runtime.db, runtime.working_calendar(), runtime.clock.now(), task.id, "U0OWNH"
    )
    assert outcome.refusal == "This task is completed from its own form."
    with runtime.db.session() as session:
        assert session.get(Task, task.id).status == "open"
