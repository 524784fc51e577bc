"""People see their work: App Home, `/scr my`, and "Mark done"."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from bot.ids import Action, FirstMonthAction
from bot.services.cases.audit import events_for
from bot.services.reminders.my_tasks import mark_done
from bot.services.reminders.tasks import EngineContext, add_agency
from storage.models import Case, Task
from tests.flow_helpers import agency_id, all_calls_text, body_json
from tests.referral.data import IDENTIFYING
from tests.reminders.reminder_helpers import (
    DMLog,
    item_buttons,
    london,
    message_of_the_day,
    open_case,
    rendered,
    task_of,
    travel,
)


def _home_texts(harness, user: str) -> list[str]:
    home = harness.standin.home_view(user)
    assert home is not None, f"no Home tab was published for {user}"
    return [
        str(b.get("text", {}).get("text", "")) for b in home["blocks"] if b["type"] == "section"
    ]


def _open_home(harness, user: str) -> list[str]:
    assert harness.driver.app_home_opened(user).status == 200
    harness.wait()
    return _home_texts(harness, user)


def _card_text(harness, case_id: int) -> str:
    with harness.runtime.db.session() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.channel_id and case.card_ts
        channel, ts = case.channel_id, case.card_ts
    card = harness.standin.find_message(channel, ts)
    assert card is not None
    return json.dumps(card.blocks, ensure_ascii=False)


@pytest.mark.postgres
def test_app_home_lists_my_open_tasks_overdue_first_and_my_cases(harness) -> None:
    case = open_case(harness)
    harness.clock.set(london(2026, 12, 1, 12))

    texts = _open_home(harness, "U0DPH")

    tasks = [t for t in texts if t.startswith("*SCR-")]
    assert tasks == [
        "*SCR-2026-001* · Consider other children at risk · Health · *overdue* (due Mon 30 Nov)",
        "*SCR-2026-001* · Confirm the CPU has been notified · Health · *overdue* (due Mon 30 Nov)",
        "*SCR-2026-001* · Secure all relevant records · Health · due Tue 1 Dec",
    ]
    assert any("SCR-2026-001" in t and f"<#{case.channel_id}>" in t for t in texts)
    home = harness.standin.home_view("U0DPH")
    assert home is not None and home["type"] == "home"
    rows = [
        [e["action_id"] for e in b["elements"]] for b in home["blocks"] if b["type"] == "actions"
    ]
    item = [Action.SNOOZE.value, Action.HAND_OVER.value]
    assert rows == [
        [FirstMonthAction.TASK.value, *item],
        [Action.MARK_DONE.value, *item],
        [FirstMonthAction.TASK.value, *item],
    ]

    lead = _open_home(harness, "U0RLH")
    assert [t.split(" · ")[1] for t in lead if t.startswith("*SCR-")] == [
        "Submit the chronology",
        "Submit a brief synopsis of involvement",
    ]
    assert any(t.startswith("• *SCR-2026-001*") for t in lead)  # the referrer is a member
    cpu = [t for t in _open_home(harness, "U0CPU1") if t.startswith("*SCR-")]
    assert len(cpu) == 4 and cpu[-1].startswith("*SCR-2026-001* · Schedule the initial panel")
    assert "Nothing is waiting for you." in _open_home(harness, "U0OUTSIDER")
    assert not [v for v in IDENTIFYING if v in all_calls_text(harness)]


def test_scr_my_answers_the_same_ephemerally(harness) -> None:
    open_case(harness)
    harness.clock.set(london(2026, 12, 1, 12))

    posted = len(harness.standin.calls_to("chat.postMessage"))
    response = harness.driver.slash_command("U0DPH", "my")
    harness.wait()

    answer = body_json(response)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == "You have 3 open tasks (2 overdue) in 1 case."
    rendered = json.dumps(answer["blocks"])
    assert "Confirm the CPU has been notified" in rendered
    assert rendered.index("CPU has been notified") < rendered.index("Secure all relevant records")
    assert len(harness.standin.calls_to("chat.postMessage")) == posted, "nothing posted"


@pytest.mark.postgres
def test_mark_done_from_a_reminder_updates_the_dm_the_card_and_stops_the_nudges(harness) -> None:
    case = open_case(harness)
    log = DMLog(harness)
    travel(harness, log, london(2026, 12, 1, 9), timedelta(hours=1))
    dm = message_of_the_day(harness, "U0DPH", "Confirm the CPU has been notified")
    assert "*1 working day late*" in rendered({"text": dm.text, "blocks": dm.blocks})
    notified = task_of(harness, case.id, "dp_notified")
    records = task_of(harness, case.id, "records_secured")
    assert "✓" not in _card_text(harness, case.id)

    harness.driver.block_action("U0DPH", Action.MARK_DONE.value, message_ts=dm.ts)
    harness.driver.redeliver()  # the same click, delivered twice
    harness.wait()

    notified = task_of(harness, case.id, "dp_notified")
    assert notified.status == "done" and notified.completed_by == "U0DPH"
    replaced = harness.standin.find_message(dm.channel, dm.ts)
    assert replaced is not None
    assert replaced.text == dm.text, "the message of the day stays, one item changes"
    assert item_buttons(replaced, notified.id) == []
    settled = [b for b in replaced.blocks if b["type"] == "context"][-1]
    assert settled["elements"][0]["text"].startswith(
        "✓ SCR-2026-001: confirm the CPU has been notified for Health"
    )
    assert [b["text"]["text"] for b in item_buttons(replaced, records.id)] == [
        "Confirm records secured",
        "Snooze",
        "Hand over",
    ], "the other item keeps its buttons"
    with harness.runtime.db.session() as session:
        done = [e for e in events_for(session, case.id) if e.action == "task.done"]
    assert len(done) == 1, "a second click has no second effect"
    assert len(harness.standin.hook_posts) == 2, "both deliveries were answered"
    assert "✓ 1 Dec" in _card_text(harness, case.id)
    updates = [c for c in harness.standin.calls_to("chat.update") if c.ok]
    assert updates and all(c.args["channel"] == case.channel_id for c in updates)

    travel(harness, log, london(2026, 12, 10, 18), timedelta(hours=2))
    told = log.to("U0DPH", "Confirm the CPU has been notified")
    assert [s.when for s in told] == ["Mon 30 Nov 2026 09:00", "Tue 01 Dec 2026 09:00"]
    assert len(log.to("U0DPH", "Secure all relevant records")) > 2, "the other goes on"


def test_mark_done_from_app_home_and_someone_elses_task_refused(harness) -> None:
    case = open_case(harness)
    runtime = harness.runtime
    police = agency_id(harness, "Police")
    with runtime.db.session() as session:
        stored = session.get(Case, case.id)
        assert stored is not None
        ctx = EngineContext(session, runtime.working_calendar(), runtime.clock.now())
        add_agency(ctx, stored, police, actor="U0CPU1")
    health_records = task_of(harness, case.id, "dp_notified", agency_id(harness, "Health"))
    _open_home(harness, "U0DPP")

    harness.driver.block_action("U0DPP", Action.MARK_DONE.value, value=str(health_records.id))
    harness.wait()

    assert task_of(harness, case.id, "dp_notified", health_records.agency_id).status == "open"
    assert "This task belongs to someone else." in _home_texts(harness, "U0DPP")[0]

    police_before = [t for t in _home_texts(harness, "U0DPP") if t.startswith("*SCR-")]
    harness.driver.block_action("U0DPP", Action.MARK_DONE.value)  # the first of their own
    harness.wait()

    police_after = [t for t in _home_texts(harness, "U0DPP") if t.startswith("*SCR-")]
    assert police_after == police_before[1:]
    with runtime.db.session() as session:
        police_tasks = [
            t for t in session.query(Task).filter(Task.agency_id == police) if t.status == "done"
        ]
    assert [t.completed_by for t in police_tasks] == ["U0DPP"]


@pytest.mark.postgres
def test_two_clicks_at_once_complete_a_task_once(harness) -> None:
    case = open_case(harness)
    records = task_of(harness, case.id, "dp_notified")
    runtime = harness.runtime
    outcomes = []

    def click() -> None:
        outcomes.append(
            mark_done(
                runtime.db, runtime.working_calendar(), runtime.clock.now(), records.id, "U0DPH"
            )
        )

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(o.changed for o in outcomes) == [False, False, False, True]
    assert all(o.refusal is None for o in outcomes)
    with runtime.db.session() as session:
        done = [e for e in events_for(session, case.id) if e.action == "task.done"]
    assert len(done) == 1
