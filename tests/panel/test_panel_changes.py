"""Changing, cancelling and holding the panel: organiser-only changes announced in the
channel, refusals for everyone else, and the case moving on once it has met."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.ids import PanelAction, PanelBlock, PanelCallback
from bot.services.reminders.tasks import EngineContext, complete_task, event_time
from storage.models import Case, PanelReminder, Reminder, Task
from tests.decision.helpers import recommend
from tests.panel.helpers import (
    CHAIR,
    MEMBERS,
    ORGANISER,
    card_message,
    card_text,
    everyone_confirms_no_involvement,
    ics_files,
    latest_dm,
    meetings,
    modals_opened,
    open_modal,
    referred_case,
    schedule_answers,
    schedule_panel,
    submit,
    values,
)

LONDON = ZoneInfo("Europe/London")


def change_panel(harness, case, user=ORGANISER, **overrides):
    view_id = open_modal(harness, user, "panel change", case.channel_id)
    return submit(harness, user, schedule_answers(**overrides), view_id)


def click_card(harness, case, user, action: PanelAction):
    card = card_message(harness, case)
    response = harness.driver.block_action(
        user, action.value, channel_id=case.channel_id, message_ts=card.ts
    )
    harness.wait()
    return response


def refusals(harness) -> str:
    return " ".join(str(p.payload) for p in harness.standin.hook_posts)


def task(harness, case_id: int, kind: str) -> Task | None:
    with harness.runtime.db.session() as session:
        return session.scalar(select(Task).where(Task.case_id == case_id, Task.kind == kind))


def test_the_organiser_moves_the_panel_and_everyone_hears(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    dm = latest_dm(harness, "U0DPP", PanelAction.ACCEPT.value)
    harness.driver.block_action(
        "U0DPP", PanelAction.ACCEPT.value, channel_id=dm.channel, message_ts=dm.ts
    )
    harness.wait()

    answer = change_panel(
        harness, case, panel_date="2026-12-16", panel_start="14:00", panel_end="16:00"
    )

    assert answer == {}
    [meeting] = meetings(harness)
    assert (meeting.sequence, meeting.start_at) == (1, datetime(2026, 12, 16, 14, tzinfo=UTC))
    assert {m.partstat for m in meeting.members} == {"NEEDS-ACTION"}
    with harness.runtime.db.session() as session:
        assert event_time(session, case.id, "panel_date") == meeting.start_at
    [changed] = [
        m for m in harness.standin.messages_in(case.channel_id) if "Panel changed" in m.text
    ]
    assert "Wed 16 Dec 2026, 14:00–16:00" in changed.text
    for user in (*MEMBERS, CHAIR):
        update = latest_dm(harness, user, "has changed")
        assert "Wed 16 Dec 2026, 14:00–16:00" in update.text
    assert "scheduled for Wed 16 Dec 14:00" in card_text(harness, case)


def test_the_old_invitations_buttons_no_longer_count(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    old = latest_dm(harness, "U0DPP", PanelAction.ACCEPT.value)
    change_panel(harness, case, panel_start="11:00", panel_end="13:00")

    harness.driver.block_action(
        "U0DPP", PanelAction.ACCEPT.value, channel_id=old.channel, message_ts=old.ts
    )
    harness.wait()

    assert "updated since" in refusals(harness)
    [meeting] = meetings(harness)
    assert {m.slack_user_id: m.partstat for m in meeting.members}["U0DPP"] == "NEEDS-ACTION"


@pytest.mark.parametrize("user", [CHAIR, "U0ADMIN"])
def test_only_the_organiser_may_change_the_panel(harness, user) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    harness.driver.slash_command(user, "panel change", channel_id=case.channel_id)
    harness.wait()
    click_card(harness, case, user, PanelAction.OPEN_CHANGE)

    assert len(modals_opened(harness, PanelCallback.SCHEDULE.value)) == 1  # the organiser's
    assert refusals(harness).count("Only the panel's organiser") == 2
    [meeting] = meetings(harness)
    assert meeting.sequence == 0


def test_a_non_organiser_cannot_cancel_even_with_the_button(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    click_card(harness, case, CHAIR, PanelAction.CANCEL)

    assert "Only the panel's organiser (<@U0CPU1>)" in refusals(harness)
    [meeting] = meetings(harness)
    assert meeting.status == "scheduled"
    assert [f for f in ics_files(harness) if b"METHOD:CANCEL" in f.content] == []


@pytest.mark.postgres
def test_cancelling_tells_everyone_and_reopens_scheduling(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    click_card(harness, case, ORGANISER, PanelAction.CANCEL)
    calls = len(harness.standin.calls)
    harness.driver.redeliver()
    harness.wait()

    [meeting] = meetings(harness)
    assert (meeting.status, meeting.sequence, meeting.cancelled_by) == ("cancelled", 1, ORGANISER)
    [announcement] = [
        m for m in harness.standin.messages_in(case.channel_id) if "is cancelled" in m.text
    ]
    assert "Tue 15 Dec 10:00" in announcement.text
    assert "needed by Thu 24 Dec (deadline Sun 27 Dec)" in str(announcement.blocks)
    for user in (*MEMBERS, CHAIR):
        latest_dm(harness, user, "is cancelled")
    reopened = task(harness, case.id, "schedule_initial_panel")
    assert reopened is not None and reopened.status == "open"
    with harness.runtime.db.session() as session:
        planned = session.scalars(
            select(Reminder).where(Reminder.task_id == reopened.id, Reminder.status == "planned")
        ).all()
        panel_planned = session.scalars(
            select(PanelReminder).where(PanelReminder.status == "planned")
        ).all()
    assert planned
    assert panel_planned == []
    text = card_text(harness, case)
    assert "not scheduled yet (the last date was cancelled)" in text
    assert PanelAction.OPEN_SCHEDULE.value in text
    later = [c.method for c in harness.standin.calls[calls:]]
    assert "files.completeUploadExternal" not in later
    assert later.count("chat.postMessage") == 0


def test_a_new_date_after_a_cancellation_is_scheduled_afresh(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    click_card(harness, case, ORGANISER, PanelAction.CANCEL)

    schedule_panel(harness, case, panel_date="2026-12-18")

    first, second = meetings(harness)
    assert (first.status, second.status) == ("cancelled", "scheduled")
    assert first.uid != second.uid
    with harness.runtime.db.session() as session:
        assert event_time(session, case.id, "panel_date") == datetime(2026, 12, 18, 10, tzinfo=UTC)
    done = task(harness, case.id, "schedule_initial_panel")
    assert done is not None and done.status == "done"


def test_the_panel_cannot_be_marked_held_before_it_meets(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    harness.driver.slash_command(ORGANISER, "panel held", channel_id=case.channel_id)
    harness.wait()

    assert modals_opened(harness, PanelCallback.HELD.value) == []
    assert "has not met yet" in refusals(harness)


def test_the_cpu_marks_the_panel_held_with_attendance(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    for user in ("U0RLH", "U0DPP"):
        dm = latest_dm(harness, user, PanelAction.ACCEPT.value)
        harness.driver.block_action(
            user, PanelAction.ACCEPT.value, channel_id=dm.channel, message_ts=dm.ts
        )
        harness.wait()
    everyone_confirms_no_involvement(harness)
    harness.clock.set(datetime(2026, 12, 15, 12, 30, tzinfo=LONDON))
    harness.driver.slash_command("U0DPP", "panel held", channel_id=case.channel_id)
    harness.wait()
    assert "Only the CPU or the panel's organiser" in refusals(harness)

    click_card(harness, case, "U0CPU2", PanelAction.OPEN_HELD)
    [opened] = modals_opened(harness, PanelCallback.HELD.value)
    attendance = next(
        b for b in opened.args["view"]["blocks"] if b.get("block_id") == PanelBlock.ATTENDANCE
    )
    assert attendance["element"]["initial_users"] == ["U0RLH", "U0DPP"]
    view = harness.standin.open_view_for("U0CPU2")
    answer = submit(
        harness,
        "U0CPU2",
        values(**{PanelBlock.ATTENDANCE.value: ["U0RLH", "U0DPP", CHAIR]}),
        view.id,
    )

    assert answer == {}
    [meeting] = meetings(harness)
    assert (meeting.status, meeting.held_by) == ("held", "U0CPU2")
    attended = {m.slack_user_id for m in meeting.members if m.attended}
    assert attended == {"U0RLH", "U0DPP", CHAIR}
    outcome = task(harness, case.id, "initial_panel_outcome")
    assert outcome is not None and outcome.status == "open"
    [held] = [m for m in harness.standin.messages_in(case.channel_id) if "marked held" in m.text]
    assert "<@U0DPP>" in str(held.blocks)
    text = card_text(harness, case)
    assert "held Tue 15 Dec" in text
    assert PanelAction.OPEN_HELD.value not in text


def cpu_chores_done(harness, case_id: int) -> None:
    """The first month's chores done (one of them, other children, by the referring agency)."""
    runtime = harness.runtime
    with runtime.db.session() as session:
        ctx = EngineContext(session, runtime.working_calendar(), runtime.clock.now())
        for chore in session.scalars(
            select(Task).where(Task.case_id == case_id, Task.kind.startswith("cpu_"))
        ):
            complete_task(ctx, chore, actor=ORGANISER, check_permission=False)


def test_once_held_the_panels_recommendation_opens_the_chairs_decision(harness) -> None:
    case = referred_case(harness)
    cpu_chores_done(harness, case.id)
    schedule_panel(harness, case)
    with harness.runtime.db.session() as session:
        assert session.get(Case, case.id).stage == "initial_panel"  # type: ignore[union-attr]
    everyone_confirms_no_involvement(harness)
    harness.clock.set(datetime(2026, 12, 15, 12, 30, tzinfo=LONDON))
    view_id = open_modal(harness, ORGANISER, "panel held", case.channel_id)
    submit(harness, ORGANISER, values(**{PanelBlock.ATTENDANCE.value: list(MEMBERS)}), view_id)

    recommend(harness, case)

    with harness.runtime.db.session() as session:
        stored = session.get(Case, case.id)
        assert stored is not None and stored.stage == "decision"
        assert event_time(session, case.id, "initial_panel_held") is not None
    decision = task(harness, case.id, "chair_decision")
    assert decision is not None and decision.status == "open"
    assert decision.due_at > datetime(2026, 12, 15, 10, tzinfo=UTC) + timedelta(days=5)


def test_the_organiser_cancels_with_the_command(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    harness.driver.slash_command(CHAIR, "panel cancel", channel_id=case.channel_id)
    harness.wait()
    assert "Only the panel's organiser" in refusals(harness)
    assert not any("cancel the" in m.text for m in harness.standin.ephemerals_for(CHAIR))
    harness.driver.slash_command(ORGANISER, "panel cancel", channel_id=case.channel_id)
    harness.wait()
    [prompt] = [m for m in harness.standin.ephemerals_for(ORGANISER) if "cancel the" in m.text]
    harness.driver.block_action(
        ORGANISER, PanelAction.CANCEL.value, channel_id=prompt.channel, message_ts=prompt.ts
    )
    harness.wait()

    [meeting] = meetings(harness)
    assert meeting.status == "cancelled"
