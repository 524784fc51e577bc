"""Entering the action plan: the CSV import (whole file or nothing), the recommendation modal,
`/scr actions`, and the Board editing and closing recommendations."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.ids import INPUT_ACTION, MonitoringAction, MonitoringCallback
from bot.ids import MonitoringBlock as B
from bot.services.cases.audit import events_for
from storage.models import CaseAssignment, Recommendation, Task
from tests.flow_helpers import agency_id, all_calls_text, body_json, tampered_submission
from tests.monitoring.monitoring_helpers import (
    PLAN,
    add_owners,
    import_plan,
    london,
    plan_csv,
    to_monitoring,
)
from tests.referral.data import IDENTIFYING
from tests.sealed import read_text


@pytest.fixture
def case(harness):
    add_owners(harness)
    return to_monitoring(harness, london(2026, 12, 27, 10))


def text_of(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def bot_dms(harness, user):
    """The bot's DMs to ``user`` (not the files the user put in that DM to upload them)."""
    return [m for m in harness.standin.dms_to(user) if m.user == harness.standin.bot_user_id]


def recs(harness, case_id):
    with harness.runtime.db.session() as session:
        return list(
            session.scalars(
                select(Recommendation)
                .where(Recommendation.case_id == case_id)
                .order_by(Recommendation.number)
            )
        )


def owners(harness, case_id):
    with harness.runtime.db.session() as session:
        rows = session.scalars(
            select(CaseAssignment).where(
                CaseAssignment.case_id == case_id, CaseAssignment.role == "action_owner"
            )
        )
        return {row.subject_key: row.slack_user_id for row in rows}


def view_text(harness, view_id):
    return text_of(harness.standin.views[view_id].blocks)


@pytest.mark.postgres
def test_a_csv_plan_is_imported_whole_owners_are_told_and_the_card_lists_it(harness, case):
    response, view_id = import_plan(harness, case, plan_csv(PLAN))

    assert body_json(response)["response_action"] == "update"
    assert "3 recommendations read" in view_text(harness, view_id)
    [outcome] = bot_dms(harness, "U0ADMIN")
    assert outcome.text == (
        "SCR-2026-001: 3 recommendations imported into the action plan. "
        "Each owner has been told; the case card lists them."
    )
    stored = recs(harness, case.id)
    assert [(r.number, r.source, r.target_date.isoformat()) for r in stored] == [
        (1, "overview_report", "2027-06-30"),
        (2, "management_review", "2027-03-31"),
        (3, "overview_report", "2027-12-31"),
    ]
    action = read_text(harness.runtime, case.id, stored[1].action)
    assert action.startswith("Share domestic abuse")
    assert b"Share domestic" not in stored[1].action
    assert owners(harness, case.id) == {
        f"rec:{stored[0].id}": "U0OWNH",
        f"rec:{stored[1].id}": "U0OWNP",
        f"rec:{stored[2].id}": "U0OWNC",
    }
    for user, number in (("U0OWNH", 1), ("U0OWNP", 2), ("U0OWNC", 3)):
        [dm] = harness.standin.dms_to(user)
        assert f"you own recommendation {number}" in dm.text
        assert "first progress return is due Sun 27 Jun 2027" in dm.text
        assert "Health visitors" not in dm.text and "domestic abuse" not in dm.text
    with harness.runtime.db.session() as session:
        tasks = session.scalars(select(Task).where(Task.kind == "progress_return")).all()
        assert {(t.round_no, t.status) for t in tasks} == {(1, "open")}
        assert len(tasks) == 3
        actions = [e.action for e in events_for(session, case.id)]
    assert actions.count("recommendation.added") == 3
    assert "action_plan.imported" in actions
    card = harness.standin.find_any_message(case.card_ts, case.channel_id)
    card_text = text_of(card.blocks)
    assert "*Action plan*: 3 recommendations · 3 open" in card_text
    assert "2 · Police · <@U0OWNP> · open · no return yet" in card_text
    assert "round 1: due Fri 25 Jun 2027 (deadline Sun 27 Jun 2027) · 0 of 3 in" in card_text
    assert "domestic abuse" not in card_text


def file_error(response) -> str:
    answer = body_json(response)
    assert answer["response_action"] == "errors", answer
    return answer["errors"][B.PLAN_FILE.value]


def test_a_bad_file_is_refused_whole_with_row_numbers_and_nothing_is_stored(harness, case):
    rows = [
        PLAN[0],
        ["2", "Fire Service", "Do a thing", "U0OWNP", "31/03/2027", "It is done", ""],
        ["3", "Police", "Do a thing", "U0OWNP", "2027-13-45", "It is done", ""],
        ["1", "Police", "Do a thing", "U0OWNP", "31/03/2027", "It is done", ""],
        ["4", "Police", "", "nobody", "31/03/2027", "", "press release"],
    ]
    response, view_id = import_plan(harness, case, plan_csv(rows))

    error = file_error(response)
    assert error.startswith("Nothing was imported. ")
    assert "Row 3: agency 'Fire Service' is not in the partnership." in error
    assert "Row 4: target date '2027-13-45' is not a date like 30/06/2027." in error
    assert "Row 5: number 1 is also on row 2." in error
    assert "Row 6: the action is empty; the expected outcome is empty; the owner must be" in error
    assert "the source must be" in error
    assert harness.standin.views[view_id].callback_id == MonitoringCallback.PLAN_IMPORT.value
    assert recs(harness, case.id) == []
    assert harness.standin.dms_to("U0OWNH") == []
    assert harness.standin.calls_to("users.info") == []
    with harness.runtime.db.session() as session:
        assert "action_plan.import_refused" in [e.action for e in events_for(session, case.id)]


def test_an_owner_unknown_to_slack_refuses_the_whole_plan_by_dm(harness, case):
    rows = [*PLAN, ["4", "Police", "Do a thing", "stranger@nowhere.example", "31/03/2027", "x", ""]]
    harness.standin.add_user("U0GONE", "Gone", "gone@owners.example", deleted=True)
    rows.append(["5", "Police", "Do a thing", "U0GONE", "31/03/2027", "x", ""])
    response, _ = import_plan(harness, case, plan_csv(rows))

    assert body_json(response)["response_action"] == "update"
    [outcome] = bot_dms(harness, "U0ADMIN")
    assert "the action plan was not imported; nothing was stored" in outcome.text
    text = text_of(outcome.blocks)
    assert "Row 5: the owner is not an active member of this Slack." in text
    assert "Row 6: the owner is not an active member of this Slack." in text
    assert MonitoringAction.IMPORT.value in text
    assert recs(harness, case.id) == []
    assert harness.standin.dms_to("U0OWNH") == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"Number,Agency\n1,Health\n", "Missing columns: action, owner, target date"),
        (plan_csv(PLAN).replace(b"Health visitors", b"Health \xff visitors"), "not UTF-8"),
        (plan_csv([]), "no recommendations under its header"),
        (b"", "The file is empty"),
    ],
)
def test_malformed_files_are_refused_inline(harness, case, content, expected) -> None:
    response, _ = import_plan(harness, case, content)
    assert expected in file_error(response)
    assert recs(harness, case.id) == []


def test_a_file_without_a_byte_order_mark_reads_the_same(harness, case):
    import_plan(harness, case, plan_csv(PLAN, bom=False))
    assert [r.number for r in recs(harness, case.id)] == [1, 2, 3]


def test_a_plan_with_a_number_already_in_it_is_refused(harness, case):
    import_plan(harness, case, plan_csv(PLAN[:1]))
    response, _ = import_plan(harness, case, plan_csv(PLAN))
    assert "Row 2: recommendation 1 is already in the plan." in file_error(response)
    assert [r.number for r in recs(harness, case.id)] == [1]


def test_a_duplicate_delivery_of_the_import_stores_once(harness, case):
    import_plan(harness, case, plan_csv(PLAN))
    harness.driver.redeliver()
    harness.wait()
    assert len(recs(harness, case.id)) == 3
    assert len(harness.standin.dms_to("U0OWNH")) == 1
    assert len(bot_dms(harness, "U0ADMIN")) == 1


def test_only_the_board_and_the_cpu_may_change_the_plan(harness, case):
    harness.driver.slash_command("U0DPH", "actions import", channel_id=case.channel_id)
    harness.wait()
    [refusal] = harness.standin.ephemerals_for("U0DPH")
    assert refusal.text.startswith("Only the Board business unit")
    assert harness.standin.open_view_for("U0DPH").callback_id != MonitoringCallback.PLAN_IMPORT
    view_id = _open_add_modal(harness, case, "U0ADMIN")
    values = _rec_values(harness, number="7")
    answer = body_json(tampered_submission(harness, "U0DPH", view_id, values))
    assert answer["response_action"] == "errors"
    assert recs(harness, case.id) == []


def _open_add_modal(harness, case, user):
    harness.driver.slash_command(user, "actions add", channel_id=case.channel_id)
    harness.wait()
    view = harness.standin.open_view_for(user)
    assert view is not None and view.callback_id == MonitoringCallback.RECOMMENDATION.value
    return view.id


def _rec_values(harness, *, number="4", owner="U0OWNP", action="Review the referral pathway"):
    return {
        B.NUMBER.value: {INPUT_ACTION: number},
        B.AGENCY.value: {INPUT_ACTION: str(agency_id(harness, "Police"))},
        B.ACTION.value: {INPUT_ACTION: action},
        B.OWNER.value: {INPUT_ACTION: owner},
        B.TARGET_DATE.value: {INPUT_ACTION: "2027-09-30"},
        B.OUTCOME.value: {INPUT_ACTION: "Referrals reach the CPU the same day"},
        B.SOURCE.value: {INPUT_ACTION: "overview_report"},
    }


def test_a_recommendation_is_added_by_modal_once_with_errors_inline(harness, case):
    import_plan(harness, case, plan_csv(PLAN[:1]))
    view_id = _open_add_modal(harness, case, "U0CPU1")

    taken = harness.driver.submit_view("U0CPU1", _rec_values(harness, number="1"), view_id=view_id)
    assert body_json(taken) == {
        "response_action": "errors",
        "errors": {B.NUMBER.value: "Recommendation 1 is already in the plan."},
    }
    words = harness.driver.submit_view("U0CPU1", _rec_values(harness, number="x"), view_id=view_id)
    assert body_json(words)["errors"] == {
        B.NUMBER.value: "Please give a whole number from 1 to 999."
    }
    assert len(recs(harness, case.id)) == 1

    done = harness.driver.submit_view("U0CPU1", _rec_values(harness), view_id=view_id)
    harness.wait()
    harness.driver.redeliver()
    harness.wait()

    assert done.status == 200 and body_json(done) == {}
    assert [r.number for r in recs(harness, case.id)] == [1, 4]
    assert len(harness.standin.dms_to("U0OWNP")) == 1
    with harness.runtime.db.session() as session:
        assert (
            session.scalar(
                select(Task.round_no).where(
                    Task.subject_key == f"rec:{recs(harness, case.id)[1].id}"
                )
            )
            == 1
        )


def listing(harness, user, text="actions", channel_id="D0DIRECT"):
    """`/scr actions` as the user sees it: the ephemeral answer, or the refusal."""
    before = len(harness.standin.ephemerals_for(user))
    response = harness.driver.slash_command(user, text, channel_id=channel_id)
    harness.wait()
    fresh = harness.standin.ephemerals_for(user)[before:]
    if fresh:
        return fresh[-1]
    return body_json(response)["text"]


def test_actions_lists_the_plan_to_members_and_refuses_others(harness, case):
    import_plan(harness, case, plan_csv(PLAN))

    member = listing(harness, "U0CPU2", channel_id=case.channel_id)
    text = text_of(member.blocks)
    assert "SCR-2026-001 · action plan" in text
    assert "Health visitors to review the threshold" in text
    assert "Progress returns, round 1: due Sun 27 Jun 2027" in text
    assert MonitoringAction.ADD.value in text

    lead = listing(harness, "U0DPH", "actions SCR-2026-001")
    assert "SCR-2026-001 · action plan" in text_of(lead.blocks)
    assert MonitoringAction.ADD.value not in text_of(lead.blocks)
    assert MonitoringAction.MANAGE.value not in text_of(lead.blocks)

    outsider = listing(harness, "U0OUTSIDER", "actions SCR-2026-001")
    unknown = listing(harness, "U0OUTSIDER", "actions SCR-2026-999")
    assert outsider == unknown
    assert "can't show that" in outsider
    for value in IDENTIFYING:
        assert value not in all_calls_text(harness)


def choose(harness, user, case, verb, number):
    """Pick ``verb`` in the overflow menu of recommendation ``number`` in `/scr actions`."""
    message = listing(harness, user, channel_id=case.channel_id)
    rec = next(r for r in recs(harness, case.id) if r.number == number)
    block = next(b for b in message.blocks if b.get("block_id") == f"rec_{rec.id}")
    option = next(o for o in block["accessory"]["options"] if o["value"] == f"{verb}:{rec.id}")
    harness.driver.block_action(
        user,
        MonitoringAction.MANAGE.value,
        block_id=f"rec_{rec.id}",
        channel_id=message.channel,
        message_ts=message.ts,
        selected_option=option,
    )
    harness.wait()
    return harness.standin.open_view_for(user)


def test_the_board_edits_a_recommendation_and_the_new_owner_is_told(harness, case):
    import_plan(harness, case, plan_csv(PLAN))
    view = choose(harness, "U0ADMIN", case, "edit", 2)
    assert view.callback_id == MonitoringCallback.RECOMMENDATION.value
    assert "Share domestic abuse call-outs" in text_of(view.blocks)

    response = harness.driver.submit_view(
        "U0ADMIN",
        {
            B.OWNER.value: {INPUT_ACTION: "U0RLP"},
            B.TARGET_DATE.value: {INPUT_ACTION: "2027-05-31"},
        },
        view_id=view.id,
    )
    harness.wait()

    assert body_json(response) == {}
    rec = recs(harness, case.id)[1]
    assert rec.target_date.isoformat() == "2027-05-31"
    assert owners(harness, case.id)[f"rec:{rec.id}"] == "U0RLP"
    [told] = harness.standin.dms_to("U0RLP")
    assert "you own recommendation 2" in told.text
    with harness.runtime.db.session() as session:
        events = events_for(session, case.id)
    [edit] = [e for e in events if e.action == "recommendation.updated"]
    assert edit.detail["fields"] == ["target_date", "owner"]
    [opened] = [e for e in events if e.action == "recommendation.form_opened"]
    assert (opened.actor, opened.detail["recommendation_id"]) == ("U0ADMIN", rec.id)


def test_the_board_closes_recommendations_and_others_cannot(harness, case):
    import_plan(harness, case, plan_csv(PLAN))
    assert "implemented:" not in text_of(
        listing(harness, "U0CPU1", channel_id=case.channel_id).blocks
    )

    view = choose(harness, "U0ADMIN", case, "close", 3)
    empty = tampered_submission(harness, "U0ADMIN", view.id, {})
    assert body_json(empty)["errors"] == {
        B.CLOSE_NOTE.value: "Please give the reason for closing it."
    }
    harness.driver.submit_view(
        "U0ADMIN",
        {B.CLOSE_NOTE.value: {INPUT_ACTION: "Superseded by a national review"}},
        view_id=view.id,
    )
    harness.wait()
    view = choose(harness, "U0ADMIN", case, "implemented", 1)
    done = harness.driver.submit_view("U0ADMIN", {}, view_id=view.id)
    harness.wait()

    assert "recommendation 1 is implemented" in text_of(body_json(done))
    statuses = {r.number: r.status for r in recs(harness, case.id)}
    assert statuses == {1: "implemented", 2: "open", 3: "closed"}
    closed = recs(harness, case.id)[2]
    assert read_text(harness.runtime, case.id, closed.closure_reason).startswith("Superseded")
    with harness.runtime.db.session() as session:
        tasks = {
            t.subject_key: t.status
            for t in session.scalars(select(Task).where(Task.kind == "progress_return"))
        }
    assert sorted(tasks.values()) == ["open", "waived", "waived"]
    view = choose(harness, "U0ADMIN", case, "close", 2)
    stale = tampered_submission(
        harness, "U0DPH", view.id, {B.CLOSE_NOTE.value: {INPUT_ACTION: "x"}}
    )
    assert "Only the Board" in text_of(body_json(stale))
    assert recs(harness, case.id)[1].status == "open"
