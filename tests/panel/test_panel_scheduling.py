"""Scheduling the Initial Panel from the case channel, as the CPU would: the modal, its
inline refusals, what is stored, and what everyone sees."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.ids import PanelAction, PanelCallback
from bot.services.cases.audit import events_for
from bot.services.reminders.tasks import event_time
from storage.models import CaseMember, PanelMeeting, Task
from tests.flow_helpers import all_calls_text
from tests.panel.helpers import (
    CHAIR,
    ICS_NAME,
    MEMBERS,
    ORGANISER,
    card_message,
    card_text,
    files_in,
    latest_dm,
    meetings,
    modals_opened,
    open_modal,
    referred_case,
    schedule_answers,
    schedule_panel,
    submit,
)
from tests.referral.data import IDENTIFYING
from tests.sealed import read_text


def task_of(harness, case_id: int, kind: str) -> Task:
    with harness.runtime.db.session() as session:
        task = session.scalar(select(Task).where(Task.case_id == case_id, Task.kind == kind))
        assert task is not None
        return task


@pytest.mark.postgres
def test_the_cpu_schedules_the_panel_and_everyone_is_invited(harness) -> None:
    case = referred_case(harness)

    answer = schedule_panel(harness, case)

    assert answer == {}
    [meeting] = meetings(harness)
    assert (meeting.status, meeting.sequence, meeting.organiser, meeting.chair) == (
        "scheduled",
        0,
        ORGANISER,
        CHAIR,
    )
    assert meeting.start_at == datetime(2026, 12, 15, 10, tzinfo=UTC)
    assert meeting.end_at == datetime(2026, 12, 15, 12, tzinfo=UTC)
    assert {m.slack_user_id: m.role for m in meeting.members} == {
        CHAIR: "chair",
        **{u: "member" for u in MEMBERS},
    }
    with harness.runtime.db.session() as session:
        assert event_time(session, case.id, "panel_date") == meeting.start_at
    assert task_of(harness, case.id, "schedule_initial_panel").status == "done"

    text = card_text(harness, case)
    assert (
        "*Initial Panel*: by Thu 24 Dec (deadline Sun 27 Dec) · 30 days left · "
        "scheduled for Tue 15 Dec 10:00" in text
    )
    assert "No answer yet: <@U0CPU2>, <@U0RLH>, <@U0DPP>, <@U0DPR>, <@U0DPC>" in text
    assert "No previous involvement not yet confirmed by: <@U0CPU2>" in text

    [announcement] = [
        m
        for m in harness.standin.messages_in(case.channel_id)
        if "Initial Panel scheduled" in m.text
    ]
    assert "Tue 15 Dec 2026, 10:00–12:00" in announcement.text
    [in_channel] = files_in(harness, case.channel_id)
    assert in_channel.name == ICS_NAME
    for user in (*MEMBERS, CHAIR):
        dm = latest_dm(harness, user, PanelAction.ACCEPT.value)
        assert "Tue 15 Dec 2026, 10:00–12:00" in dm.text
        [file] = files_in(harness, harness.standin.im_with(user))
        assert file.name == ICS_NAME
    for call in harness.standin.calls_to("files.getUploadURLExternal"):
        assert call.args["filename"] == ICS_NAME
    looked_up = {c.args["user"] for c in harness.standin.calls_to("users.info")}
    assert looked_up >= {*MEMBERS, CHAIR, ORGANISER}


def test_panel_members_join_the_case_channel(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    channel = harness.standin.channels[case.channel_id]
    assert {*MEMBERS, CHAIR} <= channel.members
    with harness.runtime.db.session() as session:
        panel_rows = session.scalars(
            select(CaseMember).where(CaseMember.case_id == case.id, CaseMember.reason == "panel")
        ).all()
    assert {r.slack_user_id for r in panel_rows} == {"U0RLH", "U0DPP", "U0DPR", "U0DPC"}
    assert all(r.invited_at is not None for r in panel_rows)


def test_every_step_is_audited_without_personal_data(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    with harness.runtime.db.session() as session:
        events = events_for(session, case.id)
    actions = [e.action for e in events]
    assert "panel.scheduled" in actions
    assert "panel.members_invited" in actions
    scheduled = next(e for e in events if e.action == "panel.scheduled")
    assert scheduled.actor == ORGANISER
    assert scheduled.detail["members"] == 5
    text = all_calls_text(harness) + json.dumps([e.detail for e in events])
    for value in IDENTIFYING:
        assert value not in text


def test_a_date_after_the_deadline_is_refused_without_a_reason(harness) -> None:
    case = referred_case(harness)

    answer = schedule_panel(harness, case, panel_date="2026-12-29")

    assert answer["response_action"] == "errors"
    assert "after the one-month deadline (Sun 27 Dec 2026)" in answer["errors"]["panel_date"]
    assert meetings(harness) == []
    assert task_of(harness, case.id, "schedule_initial_panel").status == "open"
    assert harness.standin.calls_to("files.completeUploadExternal") == []


def test_an_override_reason_lets_a_late_date_through_and_shows_on_the_card(harness) -> None:
    case = referred_case(harness)
    reason = "Police lead unavailable until the new year"

    answer = schedule_panel(harness, case, panel_date="2026-12-29", panel_override=reason)

    assert answer == {}
    [meeting] = meetings(harness)
    assert meeting.override_by == ORGANISER
    assert meeting.override_reason is not None
    assert read_text(harness.runtime, meeting.case_id, meeting.override_reason) == reason
    text = card_text(harness, case)
    assert (
        "scheduled for Tue 29 Dec 10:00 · after the deadline: override recorded by <@U0CPU1>"
        in text
    )
    assert reason not in all_calls_text(harness)


@pytest.mark.parametrize(
    ("overrides", "block", "message"),
    [
        ({"panel_end": "09:00"}, "panel_end", "must end after it starts"),
        ({"panel_date": "2026-11-26"}, "panel_date", "still to come"),
        ({"panel_location": None, "panel_video": None}, "panel_location", "a video link"),
        ({"panel_video": "http://insecure.example/x"}, "panel_video", "starting https://"),
        ({"panel_members": [CHAIR]}, "panel_members", "besides the chair"),
    ],
)
def test_invalid_answers_come_back_inline_and_store_nothing(
    harness, overrides, block, message
) -> None:
    case = referred_case(harness)

    answer = schedule_panel(harness, case, **overrides)

    assert answer["response_action"] == "errors"
    assert message in answer["errors"][block]
    assert meetings(harness) == []


def test_an_involved_core_agency_missing_from_the_panel_is_warned_about(harness) -> None:
    case = referred_case(harness)
    view_id = open_modal(harness, ORGANISER, "panel schedule", case.channel_id)
    without_health = [u for u in MEMBERS if u != "U0RLH"]

    answer = submit(harness, ORGANISER, schedule_answers(panel_members=without_health), view_id)

    assert answer["response_action"] == "errors"
    assert "Nobody on the panel acts for Health" in answer["errors"]["panel_members"]
    assert meetings(harness) == []

    answer = submit(
        harness,
        ORGANISER,
        schedule_answers(panel_members=without_health, panel_go_ahead=["go_ahead"]),
        view_id,
    )
    assert answer == {}
    [meeting] = meetings(harness)
    assert "U0RLH" not in {m.slack_user_id for m in meeting.members}


@pytest.mark.parametrize("user", ["U0DPH", "U0CHAIR", "U0OUTSIDER"])
def test_only_the_cpu_or_board_admins_may_schedule(harness, user) -> None:
    case = referred_case(harness)

    harness.driver.slash_command(user, "panel schedule", channel_id=case.channel_id)
    harness.wait()

    assert modals_opened(harness, PanelCallback.SCHEDULE.value) == []
    assert any("CPU or the Board business unit" in str(p) for p in harness.standin.hook_posts)
    assert meetings(harness) == []


def test_a_board_admin_may_schedule_from_the_card_button(harness) -> None:
    case = referred_case(harness)
    card = card_message(harness, case)

    harness.driver.block_action(
        "U0ADMIN", PanelAction.OPEN_SCHEDULE.value, channel_id=case.channel_id, message_ts=card.ts
    )
    harness.wait()
    view = harness.standin.open_view_for("U0ADMIN")
    assert view is not None
    answer = submit(harness, "U0ADMIN", schedule_answers(), view.id)

    assert answer == {}
    [meeting] = meetings(harness)
    assert meeting.organiser == "U0ADMIN"


def test_the_card_button_refuses_someone_who_may_not_schedule(harness) -> None:
    case = referred_case(harness)
    card = card_message(harness, case)

    harness.driver.block_action(
        "U0DPH", PanelAction.OPEN_SCHEDULE.value, channel_id=case.channel_id, message_ts=card.ts
    )
    harness.wait()

    assert modals_opened(harness, PanelCallback.SCHEDULE.value) == []
    assert any("CPU or the Board business unit" in str(p) for p in harness.standin.hook_posts)


def test_scheduling_outside_a_case_channel_is_refused(harness) -> None:
    referred_case(harness)

    harness.driver.slash_command(ORGANISER, "panel schedule")
    harness.wait()

    assert harness.standin.open_view_for(ORGANISER) is None
    assert any("case channel" in str(p) for p in harness.standin.hook_posts)


def test_a_duplicate_delivery_schedules_once(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    calls = len(harness.standin.calls)

    again = harness.driver.redeliver()
    harness.wait()

    assert again.status == 200
    assert len(meetings(harness)) == 1
    sent = [c.method for c in harness.standin.calls[calls:]]
    assert "chat.postMessage" not in sent
    assert "files.completeUploadExternal" not in sent


def test_a_second_panel_cannot_be_scheduled_while_one_is(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    harness.driver.slash_command("U0CPU2", "panel schedule", channel_id=case.channel_id)
    harness.wait()

    assert harness.standin.open_view_for("U0CPU2") is None
    assert any("already being arranged" in str(p) for p in harness.standin.hook_posts)
    with harness.runtime.db.session() as session:
        assert len(session.scalars(select(PanelMeeting)).all()) == 1
