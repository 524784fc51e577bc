"""Papers before the Initial Panel: each agency's chronology and synopsis fall due one month
after the referral until the panel is booked, then a set number of working days before it
(5 unless the partnership file says otherwise), and follow it when it moves; the CPU sends
the panel's members the integrated chronology, a task of its own, reminded, done by sending.
The referral is on Fri 27 Nov 2026; one month later is Sun 27 Dec."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.ids import PanelAction
from bot.partnership_config import parse_partnership
from bot.process.working_days import london_date
from bot.testing.harness import Harness, start_harness
from bot.testing.seed import SEED_TOML
from storage.models import AuditEvent, CaseDocument, Reminder, Task
from tests.panel.helpers import (
    CHAIR,
    MEMBERS,
    ORGANISER,
    open_modal,
    referred_case,
    schedule_answers,
    schedule_panel,
    submit,
)
from tests.portal.helpers import PUBLIC_URL, start_portal
from tests.reminders.reminder_helpers import DMLog, item_buttons, london, travel

PAPERS = ("chronology_submitted", "synopsis_submitted")
SEND = "panel_papers_sent"
LATE_PANEL = {"panel_date": "2026-12-31", "panel_override": "The chair's first free day"}


def tasks(harness: Harness, case_id: int, *kinds: str) -> list[Task]:
    with harness.runtime.db.session() as session:
        return list(
            session.scalars(
                select(Task)
                .where(Task.case_id == case_id, Task.kind.in_(kinds))
                .order_by(Task.kind, Task.agency_id)
            )
        )


def due_dates(harness: Harness, case_id: int, *kinds: str) -> set[date]:
    return {london_date(task.due_at) for task in tasks(harness, case_id, *kinds)}


def planned_days(harness: Harness, task_id: int) -> list[tuple[date, str]]:
    with harness.runtime.db.session() as session:
        rows = session.scalars(
            select(Reminder)
            .where(Reminder.task_id == task_id, Reminder.status == "planned")
            .order_by(Reminder.at)
        )
        return [(london_date(r.at), r.kind) for r in rows]


def change_panel(harness: Harness, case, **overrides) -> dict:
    view_id = open_modal(harness, ORGANISER, "panel change", case.channel_id)
    return submit(harness, ORGANISER, schedule_answers(**overrides), view_id)


def test_papers_fall_due_a_month_after_the_referral_until_the_panel_is_booked(harness) -> None:
    case = referred_case(harness)

    assert due_dates(harness, case.id, *PAPERS) == {date(2026, 12, 27)}
    assert tasks(harness, case.id, SEND) == []

    schedule_panel(harness, case)  # Tue 15 Dec

    assert due_dates(harness, case.id, *PAPERS) == {date(2026, 12, 8)}
    [send] = tasks(harness, case.id, SEND)
    assert (send.owner_role, send.status) == ("cpu", "open")
    assert london_date(send.due_at) == date(2026, 12, 8)
    for task in tasks(harness, case.id, *PAPERS, SEND):
        assert planned_days(harness, task.id) == [
            (date(2026, 12, 7), "before"),
            (date(2026, 12, 8), "due"),
            (date(2026, 12, 9), "overdue"),
        ]


def test_five_working_days_before_the_panel_skip_the_bank_holidays(harness) -> None:
    case = referred_case(harness)

    schedule_panel(harness, case, **LATE_PANEL)  # Thu 31 Dec, after the month: overridden

    # Wed 30, Tue 29, (Mon 28 and Fri 25 are bank holidays), Thu 24, Wed 23, Tue 22 Dec
    assert due_dates(harness, case.id, *PAPERS, SEND) == {date(2026, 12, 22)}


def test_moving_the_panel_moves_the_papers_and_their_reminders(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    [chronology] = tasks(harness, case.id, "chronology_submitted")

    assert change_panel(harness, case, **LATE_PANEL) == {}

    assert due_dates(harness, case.id, *PAPERS, SEND) == {date(2026, 12, 22)}
    assert planned_days(harness, chronology.id) == [
        (date(2026, 12, 11), "before"),
        (date(2026, 12, 21), "before"),
        (date(2026, 12, 22), "due"),
        (date(2026, 12, 23), "overdue"),
    ]
    with harness.runtime.db.session() as session:
        moved = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "task.deadline_moved")
        ).all()
    assert len(moved) == 2 * len(PAPERS) + 1  # booked, then moved; the CPU's task moved once

    assert change_panel(harness, case) == {}  # back to Tue 15 Dec

    assert due_dates(harness, case.id, *PAPERS, SEND) == {date(2026, 12, 8)}
    assert planned_days(harness, chronology.id)[-1] == (date(2026, 12, 9), "overdue")


def test_the_cpu_is_reminded_and_sends_the_panel_the_integrated_chronology(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)
    [send] = tasks(harness, case.id, SEND)
    log = DMLog(harness)

    travel(harness, log, london(2026, 12, 8, 10), timedelta(hours=12))

    [nudge] = [s for s in log.to(ORGANISER, "Send the integrated chronology to the panel")][-1:]
    assert "due today" in nudge.text
    message = [
        m for m in harness.standin.dms_to(ORGANISER) if "integrated chronology" in str(m.blocks)
    ][-1]
    [button] = [b for b in item_buttons(message, send.id) if b["action_id"] == "panel_send_papers"]
    assert button["text"]["text"] == "Send chronology to panel"

    harness.driver.block_action(
        ORGANISER,
        PanelAction.SEND_PAPERS.value,
        value=str(send.id),
        block_id=f"today_item:{send.id}",
        channel_id=message.channel,
        message_ts=message.ts,
    )
    harness.wait()

    [done] = tasks(harness, case.id, SEND)
    assert (done.status, done.completed_by) == ("done", ORGANISER)
    assert planned_days(harness, send.id) == []
    for member in (*MEMBERS, CHAIR):
        [dm] = [m for m in harness.standin.dms_to(member) if "integrated chronology" in m.text]
        assert f"Initial Panel on Tue 15 Dec 10:00 is in <#{case.channel_id}>" in dm.text
    uploaded = [f.name for f in harness.standin.files.values() if case.channel_id in f.channels]
    stem = "scr-2026-001-integrated-chronology"
    assert {f"{stem}.csv", f"{stem}.docx"} <= set(uploaded)

    harness.driver.slash_command(ORGANISER, "panel papers", channel_id=case.channel_id)
    harness.wait()
    said = " ".join(str(p.payload) for p in harness.standin.hook_posts)
    assert "sent to the panel already" in said


def test_only_the_cpu_sends_the_papers(harness) -> None:
    case = referred_case(harness)
    schedule_panel(harness, case)

    harness.driver.slash_command("U0DPP", "panel papers", channel_id=case.channel_id)
    harness.wait()

    said = " ".join(str(p.payload) for p in harness.standin.hook_posts)
    assert "Only the CPU sends the integrated chronology" in said
    assert [t.status for t in tasks(harness, case.id, SEND)] == ["open"]


@pytest.fixture
def three_days(standin, database, clock) -> Iterator[Harness]:
    config = parse_partnership(SEED_TOML + "\n[panel]\npapers_days_before = 3\n")
    harness = start_harness(standin, database, clock, partnership=config)
    yield harness
    harness.close()


def test_the_partnership_sets_how_many_working_days_before(three_days) -> None:
    harness = three_days
    case = referred_case(harness)

    schedule_panel(harness, case)  # Tue 15 Dec: Fri 11, Thu 10 and Wed 9 Dec before it
    harness.driver.slash_command(ORGANISER, "agency add Police", channel_id=case.channel_id)
    harness.wait()

    assert len(tasks(harness, case.id, *PAPERS)) == 2 * len(PAPERS)
    assert due_dates(harness, case.id, *PAPERS, SEND) == {date(2026, 12, 10)}


@pytest.fixture
def case_room(standin, database, clock) -> Iterator[Harness]:
    harness = start_portal(standin, database, clock)
    yield harness
    harness.close()


def test_with_the_case_room_the_panel_is_sent_its_link(case_room) -> None:
    harness = case_room
    case = referred_case(harness)
    schedule_panel(harness, case)

    harness.driver.slash_command(ORGANISER, "panel papers", channel_id=case.channel_id)
    harness.wait()

    link = f"<{PUBLIC_URL}/portal/cases/SCR-2026-001|SCR-2026-001 in the case room>"
    for member in (*MEMBERS, CHAIR):
        [dm] = [m for m in harness.standin.dms_to(member) if "integrated chronology" in m.text]
        assert f"on Tue 15 Dec 10:00 is in {link}" in dm.text
    with harness.runtime.db.session() as session:
        kept = session.scalars(select(CaseDocument.title)).all()
    assert set(kept) == {"Integrated chronology (CSV)", "Integrated chronology (Word)"}
    assert not [f for f in harness.standin.files.values() if f.name.endswith(".docx")]
    assert [t.status for t in tasks(harness, case.id, SEND)] == ["done"]
    said = " ".join(str(p.payload) for p in harness.standin.hook_posts)
    assert "the panel's members have been told" in said
