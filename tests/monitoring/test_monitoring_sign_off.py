"""The Board's sign-off: only when no recommendation is open, only by the Board, once; the
channel archived even if Slack fails the first time; the case gone from App Home."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.ids import MonitoringAction
from bot.jobs.worker import tick
from storage.models import Case, CaseSignOff, Reminder
from tests.monitoring.monitoring_helpers import (
    PLAN,
    add_owners,
    import_plan,
    london,
    plan_csv,
    to_monitoring,
)
from tests.monitoring.test_action_plan_entry import choose, listing


@pytest.fixture
def case(harness):
    add_owners(harness)
    case = to_monitoring(harness, london(2026, 12, 27, 10))
    harness.clock.set(london(2027, 1, 4, 10))
    import_plan(harness, case, plan_csv(PLAN))
    return case


def implemented(harness, case, *numbers):
    for number in numbers:
        view = choose(harness, "U0ADMIN", case, "implemented", number)
        harness.driver.submit_view("U0ADMIN", {}, view_id=view.id)
        harness.wait()


def click_sign_off(harness, user, message):
    harness.driver.block_action(
        user, MonitoringAction.SIGN_OFF.value, channel_id=message.channel, message_ts=message.ts
    )
    harness.wait()


def text_of(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_no_sign_off_while_a_recommendation_is_open(harness, case):
    implemented(harness, case, 1)
    plan = listing(harness, "U0ADMIN", channel_id=case.channel_id)
    assert MonitoringAction.SIGN_OFF.value not in text_of(plan.blocks)
    assert "Sign-off: Recommendations still open: 2, 3." in text_of(plan.blocks)
    with harness.runtime.db.session() as session:
        assert session.get(CaseSignOff, case.id) is None


def test_the_board_signs_off_once_and_the_channel_is_archived(harness, case):
    implemented(harness, case, 1, 2, 3)
    plan = listing(harness, "U0ADMIN", channel_id=case.channel_id)
    assert MonitoringAction.SIGN_OFF.value in text_of(plan.blocks)
    cpu_view = listing(harness, "U0CPU1", channel_id=case.channel_id)
    assert MonitoringAction.SIGN_OFF.value not in text_of(cpu_view.blocks)

    click_sign_off(harness, "U0ADMIN", plan)
    harness.driver.redeliver()
    harness.wait()

    assert len(harness.standin.calls_to("conversations.archive")) == 1
    assert harness.standin.channels[case.channel_id].archived
    notices = [m for m in harness.standin.messages_in(case.channel_id) if "signed off" in m.text]
    assert len(notices) == 1
    with harness.runtime.db.session() as session:
        signed = session.get(CaseSignOff, case.id)
        closed = session.get(Case, case.id)
        planned = session.scalars(select(Reminder).where(Reminder.status == "planned")).all()
    assert signed.signed_off_by == "U0ADMIN" and signed.archived_at is not None
    assert closed.closed_at is not None and closed.stage == "monitoring"
    assert planned == []
    [again] = [m for m in harness.standin.ephemerals_for("U0ADMIN") if "already" in m.text]
    assert again.text == "This case was signed off already."

    harness.driver.app_home_opened("U0OWNH")
    harness.wait()
    assert "SCR-2026-001" not in text_of(harness.standin.home_view("U0OWNH")["blocks"])


def test_only_the_board_may_sign_off(harness, case):
    implemented(harness, case, 1, 2, 3)
    plan = listing(harness, "U0ADMIN", channel_id=case.channel_id)
    harness.driver.block_action(
        "U0CPU1",
        MonitoringAction.SIGN_OFF.value,
        channel_id=plan.channel,
        message_ts=plan.ts,
    )
    harness.wait()
    [refusal] = harness.standin.ephemerals_for("U0CPU1")[-1:]
    assert refusal.text.startswith("Only the Board")
    with harness.runtime.db.session() as session:
        assert session.get(CaseSignOff, case.id) is None
    assert harness.standin.calls_to("conversations.archive") == []


def test_an_archive_that_slack_refuses_is_finished_by_the_worker(harness, case):
    implemented(harness, case, 1, 2, 3)
    plan = listing(harness, "U0ADMIN", channel_id=case.channel_id)
    harness.standin.fail("conversations.archive", status=500, times=3)
    harness.clock.set(london(2027, 1, 4, 15))
    click_sign_off(harness, "U0ADMIN", plan)

    assert not harness.standin.channels[case.channel_id].archived
    card = harness.standin.find_any_message(case.card_ts, case.channel_id)
    assert "*Signed off* by <@U0ADMIN> on Mon 4 Jan 2027" in text_of(card.blocks)
    with harness.runtime.db.session() as session:
        assert session.get(CaseSignOff, case.id).archive_attempts == 1

    harness.clock.set(london(2027, 1, 5, 9))
    tick(harness.runtime)
    tick(harness.runtime)

    assert harness.standin.channels[case.channel_id].archived
    archived = [c for c in harness.standin.calls_to("conversations.archive") if c.ok]
    assert len(archived) == 1
