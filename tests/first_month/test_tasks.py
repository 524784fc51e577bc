"""The designated person's notification, records secured, and the CPU's checklist: each
completed by the right person from a button and a short form, refused to anyone else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.ids import FirstMonthAction, FirstMonthCallback
from bot.ids import FirstMonthBlock as B
from bot.services.first_month.tasks import answers_of
from storage.models import Reminder, TaskAnswer
from tests.first_month.helpers import (
    agency_on_card,
    audit_actions,
    briefing,
    card,
    card_text,
    channel_of,
    open_case,
    task,
    values,
)
from tests.flow_helpers import agency_id, body_json, refer, tampered_submission

SECURED = {
    B.WHEN_DATE.value: "2026-11-27",
    B.WHEN_TIME.value: "09:30",
    B.SYSTEMS.value: "SystmOne record, health visiting paper file",
    B.NOTE.value: "Locked by the records manager",
}
NOTIFIED = {B.WHEN_DATE.value: "2026-11-27", B.BY_WHOM.value: "Dr Lee, named nurse"}


def click_briefing(harness, user: str, kind: str):
    dm = briefing(harness, user)
    response = harness.driver.block_action(
        user,
        FirstMonthAction.TASK.value,
        block_id=f"{B.BRIEFING_ITEM.value}_{kind}",
        channel_id=dm.channel,
        message_ts=dm.ts,
    )
    harness.wait()
    return response


def submit(harness, user: str, answers: dict):
    response = harness.driver.submit_view(user, values(answers))
    harness.wait()
    return response


@pytest.mark.postgres
def test_the_designated_person_confirms_records_secured_from_their_dm(harness) -> None:
    open_case(harness)
    before = task(harness, "records_secured", "Health")
    assert before.status == "open"

    click_briefing(harness, "U0DPH", "records_secured")
    view = harness.standin.open_view_for("U0DPH")
    assert view is not None and view.callback_id == FirstMonthCallback.TASK_FORM.value
    assert submit(harness, "U0DPH", SECURED).status == 200

    done = task(harness, "records_secured", "Health")
    assert (done.status, done.completed_by) == ("done", "U0DPH")
    with harness.runtime.db.session() as session:
        answers = answers_of(session, harness.runtime.cipher, done.id)
        stored = session.scalars(select(TaskAnswer)).one().answers
        planned = session.scalars(
            select(Reminder).where(Reminder.task_id == done.id, Reminder.status == "planned")
        ).all()
    assert answers is not None
    assert answers["systems"] == SECURED[B.SYSTEMS.value]
    assert answers["when_time"] == "09:30:00"
    assert b"SystmOne" not in stored
    assert planned == []
    assert "task.done" in audit_actions(harness)

    dm = briefing(harness, "U0DPH")
    lines = {b.get("block_id"): b for b in dm.blocks}
    secured = lines[f"{B.BRIEFING_ITEM.value}_records_secured"]
    assert "✓ done" in secured["text"]["text"] and "accessory" not in secured
    notified = lines[f"{B.BRIEFING_ITEM.value}_dp_notified"]
    assert "✓ done" in notified["text"]["text"] and "accessory" not in notified, "the referral"
    assert agency_on_card(harness, "Health")[1:3] == [
        "notified: ✓ 27 Nov",
        "records secured: ✓ 27 Nov",
    ]
    channel = harness.standin.messages_in(channel_of(harness))
    assert any("records secured for Health, recorded by <@U0DPH>." in m.text for m in channel)


def test_the_notification_is_recorded_from_the_case_card(harness) -> None:
    refer(harness, user="U0RLH")  # not by the designated person, who is then asked
    message = card(harness)
    harness.driver.block_action(
        "U0DPH",
        FirstMonthAction.DP_NOTIFIED.value,
        channel_id=message.channel,
        message_ts=message.ts,
    )
    harness.wait()
    submit(harness, "U0DPH", NOTIFIED)
    done = task(harness, "dp_notified", "Health")
    assert (done.status, done.completed_by) == ("done", "U0DPH")
    assert agency_on_card(harness, "Health")[1:3] == [
        "notified: ✓ 27 Nov",
        "records secured: due Tue 1 Dec",
    ]


def test_a_review_lead_of_the_agency_may_act_for_it(harness) -> None:
    open_case(harness)
    click_briefing(harness, "U0RLH", "records_secured")
    submit(harness, "U0RLH", SECURED)
    assert task(harness, "records_secured", "Health").completed_by == "U0RLH"


def test_another_agencys_designated_person_is_refused_and_nothing_changes(harness) -> None:
    open_case(harness)
    target = task(harness, "records_secured", "Health")
    dm = briefing(harness, "U0DPH")
    response = harness.driver.block_action(
        "U0DPP",
        FirstMonthAction.TASK.value,
        value=str(target.id),
        block_id=f"{B.BRIEFING_ITEM.value}_records_secured",
        channel_id=dm.channel,
        message_ts=dm.ts,
    )
    harness.wait()
    assert response.status == 200
    assert harness.standin.open_view_for("U0DPP") is None
    replies = [p.payload.get("text", "") for p in harness.standin.hook_posts if p.user == "U0DPP"]
    assert any("belongs to someone else" in text for text in replies)
    assert task(harness, "records_secured", "Health").status == "open"


def test_a_forged_submission_by_someone_else_is_refused_inline(harness) -> None:
    open_case(harness)
    click_briefing(harness, "U0DPH", "records_secured")
    view = harness.standin.open_view_for("U0DPH")
    assert view is not None
    for outsider in ("U0DPP", "U0OUTSIDER"):
        response = tampered_submission(harness, outsider, view.id, values(SECURED))
        answer = body_json(response)
        assert answer["response_action"] == "errors"
        assert "belongs to someone else" in str(answer["errors"])
    assert task(harness, "records_secured", "Health").status == "open"
    with harness.runtime.db.session() as session:
        assert session.scalars(select(TaskAnswer)).all() == []


@pytest.mark.parametrize(
    ("answers", "block", "message", "forged"),
    [
        ({**SECURED, B.WHEN_DATE.value: "2026-11-28"}, B.WHEN_DATE, "in the future", False),
        ({**SECURED, B.WHEN_TIME.value: "11:00"}, B.WHEN_TIME, "later than now", False),
        ({**SECURED, B.SYSTEMS.value: ""}, B.SYSTEMS, "required", True),
        ({**SECURED, B.NOTE.value: "x" * 2001}, B.NOTE, "under 2000", True),
    ],
)
def test_invalid_answers_come_back_inline_and_store_nothing(
    harness, answers, block, message, forged
):
    open_case(harness)
    click_briefing(harness, "U0DPH", "records_secured")
    view = harness.standin.open_view_for("U0DPH")
    if forged:
        response = tampered_submission(harness, "U0DPH", view.id, values(answers))
    else:
        response = harness.driver.submit_view("U0DPH", values(answers))
    answer = body_json(response)
    assert answer["response_action"] == "errors"
    assert message in answer["errors"][block.value]
    assert task(harness, "records_secured", "Health").status == "open"


def test_a_second_submission_changes_nothing(harness) -> None:
    refer(harness, user="U0RLH")
    click_briefing(harness, "U0DPH", "dp_notified")
    submit(harness, "U0DPH", NOTIFIED)
    again = harness.driver.redeliver()
    harness.wait()
    assert body_json(again)["response_action"] == "update"
    first = task(harness, "dp_notified", "Health")
    assert first.status == "done"
    assert audit_actions(harness).count("task.done") == 1
    with harness.runtime.db.session() as session:
        assert len(session.scalars(select(TaskAnswer)).all()) == 1

    click_briefing(harness, "U0DPH", "records_secured")  # the DM still works
    assert harness.standin.open_view_for("U0DPH") is not None


CPU_CHECKS = [
    (
        "cpu_cp_plan_checked",
        FirstMonthAction.CP_PLAN,
        {B.CP_PLAN.value: "previously"},
        ("status", B.CP_PLAN.value),
    ),
    (
        "cpu_organisations_informed",
        FirstMonthAction.ORGANISATIONS,
        {B.OTHER_ORGANISATIONS.value: "Coroner's office"},
        ("others", B.OTHER_ORGANISATIONS.value),
    ),
    (
        "cpu_chair_informed",
        FirstMonthAction.CHAIR_INFORMED,
        {B.WHEN_DATE.value: "2026-11-27", B.HOW.value: "By phone"},
        ("how", B.HOW.value),
    ),
]


@pytest.mark.parametrize(("kind", "action", "answers", "stored_as"), CPU_CHECKS)
def test_each_cpu_check_is_recorded_by_the_cpu_from_the_card(
    harness, kind, action, answers, stored_as
) -> None:
    field, block = stored_as
    open_case(harness)
    message = card(harness)
    harness.driver.block_action(
        "U0CPU2", action.value, channel_id=message.channel, message_ts=message.ts
    )
    harness.wait()
    submit(harness, "U0CPU2", answers)
    done = task(harness, kind)
    assert (done.status, done.completed_by) == ("done", "U0CPU2")
    with harness.runtime.db.session() as session:
        stored = answers_of(session, harness.runtime.cipher, done.id)
        raw = session.scalars(select(TaskAnswer)).one().answers
    assert stored is not None
    assert stored[field] == answers[block]
    for text in answers.values():
        assert text.encode() not in raw
    assert action.value not in str(card(harness).blocks)


def test_the_organisations_check_needs_one_organisation_and_takes_partner_agencies(harness):
    open_case(harness)
    message = card(harness)
    harness.driver.block_action(
        "U0CPU1",
        FirstMonthAction.ORGANISATIONS.value,
        channel_id=message.channel,
        message_ts=message.ts,
    )
    harness.wait()
    view = harness.standin.open_view_for("U0CPU1")
    answer = body_json(tampered_submission(harness, "U0CPU1", view.id, values({})))
    assert "Choose the organisations" in answer["errors"][B.ORGANISATIONS.value]
    assert task(harness, "cpu_organisations_informed").status == "open"
    police = str(agency_id(harness, "Police"))
    submit(harness, "U0CPU1", {B.ORGANISATIONS.value: [police]})
    done = task(harness, "cpu_organisations_informed")
    assert done.status == "done"
    with harness.runtime.db.session() as session:
        assert answers_of(session, harness.runtime.cipher, done.id)["agencies"] == [int(police)]


def test_a_designated_person_cannot_do_the_cpus_checks(harness) -> None:
    open_case(harness)
    message = card(harness)
    opened = len(harness.standin.calls_to("views.open"))
    harness.driver.block_action(
        "U0DPH", FirstMonthAction.CP_PLAN.value, channel_id=message.channel, message_ts=message.ts
    )
    harness.wait()
    assert len(harness.standin.calls_to("views.open")) == opened
    assert task(harness, "cpu_cp_plan_checked").status == "open"


def test_a_late_confirmation_still_counts_and_the_card_shows_it(harness) -> None:
    open_case(harness)
    harness.clock.advance(timedelta(days=5))
    click_briefing(harness, "U0DPH", "records_secured")
    submit(harness, "U0DPH", {**SECURED, B.WHEN_DATE.value: "2026-12-02"})
    assert task(harness, "records_secured", "Health").status == "done"
    assert "✓ 2 Dec" in card_text(harness)
