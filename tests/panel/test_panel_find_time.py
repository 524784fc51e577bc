"""Finding a time: up to five proposed times before the deadline, each member's
availability by DM, the tally on the card, and the organiser's pick becoming the meeting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.ids import PanelAction, PanelBlock
from bot.services.reminders.tasks import event_time
from storage.models import PanelSlot, Task
from tests.panel.helpers import (
    CHAIR,
    MEMBERS,
    ORGANISER,
    card_message,
    card_text,
    files_in,
    latest_dm,
    meetings,
    open_modal,
    parse_ical,
    referred_case,
    submit,
    values,
)

TIMES = {
    PanelBlock.SLOT_1_DATE: "2026-12-08",
    PanelBlock.SLOT_1_TIME: "10:00",
    PanelBlock.SLOT_2_DATE: "2026-12-09",
    PanelBlock.SLOT_2_TIME: "14:00",
    PanelBlock.SLOT_3_DATE: "2026-12-10",
    PanelBlock.SLOT_3_TIME: "09:30",
}


def find_answers(**overrides):
    answers = {
        PanelBlock.DURATION.value: "120",
        PanelBlock.LOCATION.value: "Committee Room 2, Town Hall",
        PanelBlock.MEMBERS.value: list(MEMBERS),
        PanelBlock.CHAIR.value: CHAIR,
        **{block.value: value for block, value in TIMES.items()},
    }
    answers.update(overrides)
    return values(**{k: v for k, v in answers.items() if v is not None})


def propose(harness, case, user=ORGANISER, **overrides):
    view_id = open_modal(harness, user, "panel find", case.channel_id)
    return submit(harness, user, find_answers(**overrides), view_id)


def slots(harness) -> list[PanelSlot]:
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(PanelSlot).order_by(PanelSlot.position)))


def say(harness, user: str, slot: PanelSlot, available: bool) -> None:
    action = PanelAction.SLOT_YES if available else PanelAction.SLOT_NO
    dm = latest_dm(harness, user, action.value)
    harness.driver.block_action(
        user,
        action.value,
        channel_id=dm.channel,
        message_ts=dm.ts,
        block_id=f"{PanelBlock.SLOT_ROW.value}_{slot.id}",
    )
    harness.wait()


def test_proposed_times_go_to_each_member_and_the_tally_shows_on_the_card(harness) -> None:
    case = referred_case(harness)

    answer = propose(harness, case)

    assert answer == {}
    [meeting] = meetings(harness)
    assert meeting.status == "proposed"
    first, second, third = slots(harness)
    assert first.start_at == datetime(2026, 12, 8, 10, tzinfo=UTC)
    assert first.end_at == datetime(2026, 12, 8, 12, tzinfo=UTC)
    assert third.start_at == datetime(2026, 12, 10, 9, 30, tzinfo=UTC)
    for user in (*MEMBERS, CHAIR):
        dm = latest_dm(harness, user, PanelAction.SLOT_YES.value)
        assert "Tue 8 Dec 2026, 10:00–12:00" in str(dm.blocks)
    assert harness.standin.calls_to("files.completeUploadExternal") == []

    say(harness, "U0DPP", first, True)
    say(harness, "U0DPR", first, True)
    say(harness, "U0DPC", first, False)
    say(harness, "U0DPC", second, True)

    text = card_text(harness, case)
    assert "finding a time" in text
    assert "• Tue 8 Dec 2026, 10:00–12:00 · 2 of 5 available (<@U0DPP>, <@U0DPR>) · 1 can't" in text
    assert "• Wed 9 Dec 2026, 14:00–16:00 · 1 of 5 available (<@U0DPC>)" in text
    dm = latest_dm(harness, "U0DPC", PanelAction.SLOT_YES.value)
    shown = str(dm.blocks)
    assert "Tue 8 Dec 2026, 10:00–12:00 · ✗ you can't" in shown
    assert "Wed 9 Dec 2026, 14:00–16:00 · ✓ you can make it" in shown


@pytest.mark.postgres
def test_the_organiser_picks_a_time_and_it_becomes_the_meeting(harness) -> None:
    case = referred_case(harness)
    propose(harness, case)
    _, second, _ = slots(harness)
    card = card_message(harness, case)

    harness.driver.block_action(
        ORGANISER,
        PanelAction.SLOT_CONFIRM.value,
        str(second.id),
        channel_id=case.channel_id,
        message_ts=card.ts,
    )
    harness.wait()

    [meeting] = meetings(harness)
    assert meeting.status == "scheduled"
    assert meeting.start_at == datetime(2026, 12, 9, 14, tzinfo=UTC)
    with harness.runtime.db.session() as session:
        assert event_time(session, case.id, "panel_date") == meeting.start_at
        scheduling = session.scalar(
            select(Task).where(Task.case_id == case.id, Task.kind == "schedule_initial_panel")
        )
        assert scheduling is not None and scheduling.status == "done"
    [file] = files_in(harness, case.channel_id)
    assert parse_ical(file.content).events[0].uid == meeting.uid
    for user in (*MEMBERS, CHAIR):
        latest_dm(harness, user, PanelAction.ACCEPT.value)
    assert "scheduled for Wed 9 Dec 14:00" in card_text(harness, case)


def test_only_the_organiser_picks_the_time(harness) -> None:
    case = referred_case(harness)
    propose(harness, case)
    first, _, _ = slots(harness)
    card = card_message(harness, case)

    harness.driver.block_action(
        "U0CPU2",
        PanelAction.SLOT_CONFIRM.value,
        str(first.id),
        channel_id=case.channel_id,
        message_ts=card.ts,
    )
    harness.wait()

    assert any("Only the panel's organiser" in str(p.payload) for p in harness.standin.hook_posts)
    [meeting] = meetings(harness)
    assert meeting.status == "proposed"


def test_times_after_the_deadline_or_already_past_are_refused(harness) -> None:
    case = referred_case(harness)

    answer = propose(
        harness,
        case,
        **{
            PanelBlock.SLOT_2_DATE.value: "2026-12-28",
            PanelBlock.SLOT_3_DATE.value: "2026-11-27",
            PanelBlock.SLOT_3_TIME.value: "09:00",
        },
    )

    assert answer["response_action"] == "errors"
    assert "by the deadline, Sun 27 Dec 2026" in answer["errors"][PanelBlock.SLOT_2_DATE.value]
    assert "has passed" in answer["errors"][PanelBlock.SLOT_3_DATE.value]
    assert meetings(harness) == []


def test_someone_not_asked_cannot_answer(harness) -> None:
    case = referred_case(harness)
    propose(harness, case)
    first, _, _ = slots(harness)
    dm = latest_dm(harness, "U0DPP", PanelAction.SLOT_YES.value)

    harness.driver.block_action(
        "U0DPE", PanelAction.SLOT_YES.value, str(first.id), channel_id=dm.channel, message_ts=dm.ts
    )
    harness.wait()

    assert any("not among the people asked" in str(p.payload) for p in harness.standin.hook_posts)
    assert "0 of 5 available" in card_text(harness, case)
