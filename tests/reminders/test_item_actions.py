"""Every reminder item offers Snooze, Not needed and Hand over beside its do-it button: each
by the right person only (re-checked when the form is submitted), audited, and with one
effect however often it is submitted."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.ids import INPUT_ACTION, Action, ItemBlock, ItemCallback
from bot.services.cases.audit import events_for
from bot.testing.harness import Harness
from storage.models import Reminder, Task
from storage.states import ReminderStatus
from tests.flow_helpers import agency_id, body_json, tampered_submission
from tests.referral.data import CHILD_NAME
from tests.reminders.reminder_helpers import DMLog, london, open_case, task_of, travel
from tests.sealed import read_text

RECORDS = "secure all relevant records"
CHRONOLOGY = "the chronology"


def _buttons(message: Any, task_id: int | None = None) -> list[dict[str, Any]]:
    """The message's buttons; with ``task_id``, those of that task's item only."""
    return [
        e
        for b in message.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if task_id is None or e.get("value") == str(task_id)
    ]


def _with_button(harness: Harness, user: str, action: Action, task_id: int) -> Any:
    """The latest message ``user`` saw carrying ``action`` for the task."""
    for message in reversed(harness.standin.messages_seen_by(user)):
        for button in _buttons(message):
            if button["action_id"] == action.value and button["value"] == str(task_id):
                return message
    raise AssertionError(f"{user} was shown no {action} button for task {task_id}")


def _click(harness: Harness, user: str, action: Action, task_id: int, message: Any) -> None:
    harness.driver.block_action(
        user, action.value, str(task_id), channel_id=message.channel, message_ts=message.ts
    )
    harness.wait()


def _open_form(harness: Harness, user: str, action: Action, task_id: int, message: Any) -> str:
    _click(harness, user, action, task_id, message)
    view = harness.standin.open_view_for(user)
    assert view is not None, f"{action} opened no form for {user}"
    return view.id


def _open_home_form(harness: Harness, user: str, action: Action, task_id: int) -> str:
    """Click ``action`` for the task on ``user``'s App Home; the form it opened."""
    harness.driver.app_home_opened(user)
    harness.wait()
    home = harness.standin.home_view(user)
    assert home is not None
    harness.driver.block_action(user, action.value, str(task_id), view_id=home["id"])
    harness.wait()
    view = harness.standin.open_view_for(user)
    assert view is not None, f"{action} opened no form for {user}"
    return view.id


def _submit(harness: Harness, user: str, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
    answers = {block.value: {INPUT_ACTION: value} for block, value in values.items()}
    response = harness.driver.submit_view(user, answers, view_id=view_id)
    harness.wait()
    assert response.status == 200
    return body_json(response)


def _audited(harness: Harness, case_id: int, action: str) -> list[dict[str, Any]]:
    with harness.runtime.db.session() as session:
        return [dict(e.detail or {}) for e in events_for(session, case_id) if e.action == action]


def _task(harness: Harness, task_id: int) -> Task:
    with harness.runtime.db.session() as session:
        task = session.get(Task, task_id)
        assert task is not None
        return task


def _planned(harness: Harness, task_id: int) -> list[Reminder]:
    with harness.runtime.db.session() as session:
        return list(
            session.scalars(
                select(Reminder)
                .where(Reminder.task_id == task_id, Reminder.status == ReminderStatus.PLANNED)
                .order_by(Reminder.at)
            )
        )


def _refusals(harness: Harness, user: str) -> list[str]:
    return [str(p.payload.get("text", "")) for p in harness.standin.hook_posts if p.user == user]


# Snooze ---------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_the_owner_snoozes_an_overdue_task_its_reminders_pause_and_resume_that_morning(
    harness,
) -> None:
    case = open_case(harness)
    records = task_of(harness, case.id, "records_secured", agency_id(harness, "Health"))
    log = DMLog(harness)
    travel(harness, log, london(2026, 12, 2, 10), timedelta(hours=1))
    assert [s for s in log.to("U0DPH") if RECORDS in s.text.lower()], "the overdue task was nudged"
    dm = _with_button(harness, "U0DPH", Action.SNOOZE, records.id)
    snooze = next(b for b in _buttons(dm) if b["action_id"] == Action.SNOOZE.value)
    assert (
        snooze["accessibility_label"]
        == "Snooze for SCR-2026-001, secure all relevant records, Health"
    )
    view_id = _open_form(harness, "U0DPH", Action.SNOOZE, records.id, dm)
    assert harness.standin.views[view_id].callback_id == ItemCallback.SNOOZE.value
    again = _open_form(harness, "U0DPH", Action.SNOOZE, records.id, dm)

    # The case's next deadline (the initial panel's and the chronologies', Sun 27 Dec) is the
    # latest a snooze of an overdue task may run to; today is not after today.
    for too_far in ("2026-12-28", "2026-12-02", "2026-11-30"):
        answer = _submit(
            harness,
            "U0DPH",
            view_id,
            {ItemBlock.SNOOZE_UNTIL: too_far, ItemBlock.SNOOZE_REASON: "Records office closed"},
        )
        assert answer["response_action"] == "errors"
        assert "no later than Sun 27 Dec" in answer["errors"][ItemBlock.SNOOZE_UNTIL.value]
    naming = _submit(
        harness,
        "U0DPH",
        view_id,
        {ItemBlock.SNOOZE_UNTIL: "2026-12-14", ItemBlock.SNOOZE_REASON: f"{CHILD_NAME}'s file"},
    )
    assert ItemBlock.SNOOZE_REASON.value in naming["errors"], "a reason naming the child"
    assert _task(harness, records.id).snoozed_until is None, "nothing changed"
    assert not _audited(harness, case.id, "task.snoozed")

    answer = _submit(
        harness,
        "U0DPH",
        view_id,
        {ItemBlock.SNOOZE_UNTIL: "2026-12-14", ItemBlock.SNOOZE_REASON: "Records office closed"},
    )
    assert answer["response_action"] == "update"
    assert "is snoozed until Mon 14 Dec" in json.dumps(answer["view"])
    harness.driver.redeliver()  # Slack's retry of the same submission
    harness.wait()
    twice = _submit(
        harness,
        "U0DPH",
        again,
        {ItemBlock.SNOOZE_UNTIL: "2026-12-14", ItemBlock.SNOOZE_REASON: "Records office closed"},
    )
    assert "was already snoozed until Mon 14 Dec" in json.dumps(twice["view"])

    snoozed = _task(harness, records.id)
    assert snoozed.snoozed_until is not None and snoozed.snoozed_until.isoformat() == "2026-12-14"
    assert snoozed.snoozed_by == "U0DPH"
    assert snoozed.snooze_reason is not None
    assert read_text(harness.runtime, case.id, snoozed.snooze_reason) == "Records office closed"
    assert _audited(harness, case.id, "task.snoozed") == [
        {"task_id": records.id, "kind": "records_secured", "until": "2026-12-14"}
    ]
    assert _planned(harness, records.id)[0].at == london(2026, 12, 14, 9)
    harness.driver.app_home_opened("U0DPH")
    harness.wait()
    home = json.dumps(harness.standin.home_view("U0DPH"), ensure_ascii=False)
    assert "Secure all relevant records · Health · *overdue* (due Tue 1 Dec) · " in home
    assert "(due Tue 1 Dec) · snoozed until Mon 14 Dec" in home

    paused_from = len(log.sent)
    travel(harness, log, london(2026, 12, 14, 8), timedelta(hours=1))
    paused = log.sent[paused_from:]
    assert [s for s in paused if s.user == "U0DPH"], "the worker went on nudging other tasks"
    assert not [s for s in paused if RECORDS in s.text.lower()], "nobody is nudged meanwhile"
    travel(harness, log, london(2026, 12, 14, 10), timedelta(hours=1))
    resumed = log.sent[paused_from + len(paused) :]
    assert [s.when for s in resumed if s.user == "U0DPH" and RECORDS in s.text.lower()] == [
        "Mon 14 Dec 2026 09:00"
    ], "the nudges resume on the snooze date's first working moment"


def test_someone_else_cannot_snooze_it_from_the_button_nor_by_submitting_its_form(
    harness,
) -> None:
    case = open_case(harness)
    records = task_of(harness, case.id, "records_secured", agency_id(harness, "Health"))
    log = DMLog(harness)
    travel(harness, log, london(2026, 12, 2, 10), timedelta(hours=1))
    dm = _with_button(harness, "U0DPH", Action.SNOOZE, records.id)

    _click(harness, "U0DPP", Action.SNOOZE, records.id, dm)  # a forwarded message
    assert _refusals(harness, "U0DPP") == ["This task belongs to someone else."]
    assert harness.standin.open_view_for("U0DPP") is None

    view_id = _open_form(harness, "U0DPH", Action.SNOOZE, records.id, dm)
    values = {
        ItemBlock.SNOOZE_UNTIL.value: {INPUT_ACTION: "2026-12-10"},
        ItemBlock.SNOOZE_REASON.value: {INPUT_ACTION: "Waiting for the archive"},
    }
    answer = body_json(tampered_submission(harness, "U0DPP", view_id, values))
    assert answer["response_action"] == "errors"
    assert "someone else" in json.dumps(answer["errors"])
    assert _task(harness, records.id).snoozed_until is None
    assert not _audited(harness, case.id, "task.snoozed")


# Not needed -----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_the_cpu_marks_an_overdue_chronology_not_needed_and_its_owner_cannot(harness) -> None:
    case = open_case(harness)
    chronology = task_of(harness, case.id, "chronology_submitted", agency_id(harness, "Health"))
    log = DMLog(harness)
    harness.clock.set(london(2026, 11, 28, 9))
    travel(harness, log, london(2026, 12, 29, 10), timedelta(days=1))
    owner_dm = _with_button(harness, "U0RLH", Action.SNOOZE, chronology.id)
    assert Action.NOT_NEEDED.value not in [
        b["action_id"] for b in _buttons(owner_dm, chronology.id)
    ]
    told = _with_button(harness, "U0CPU1", Action.NOT_NEEDED, chronology.id)
    assert [b["text"]["text"] for b in _buttons(told, chronology.id)] == ["Not needed"]

    referral_form = harness.standin.open_view_for("U0RLH")  # left open with its web link
    _click(harness, "U0RLH", Action.NOT_NEEDED, chronology.id, told)
    assert _refusals(harness, "U0RLH") == ["Only the CPU can mark this task not needed."]
    assert harness.standin.open_view_for("U0RLH") == referral_form

    first = _open_form(harness, "U0CPU1", Action.NOT_NEEDED, chronology.id, told)
    second = _open_form(harness, "U0CPU1", Action.NOT_NEEDED, chronology.id, told)
    reason = ItemBlock.NOT_NEEDED_REASON
    forged = {reason.value: {INPUT_ACTION: "No involvement"}}
    answer = body_json(tampered_submission(harness, "U0RLH", first, forged))
    assert answer["errors"] == {reason.value: "Only the CPU can mark this task not needed."}
    naming = _submit(harness, "U0CPU1", first, {reason: f"{CHILD_NAME} was not known to Health"})
    assert reason.value in naming["errors"]
    assert _task(harness, chronology.id).status == "open"

    for view_id in (first, second):
        answer = _submit(harness, "U0CPU1", view_id, {reason: "Health had no involvement"})
        assert answer["response_action"] == "update"
    assert "was already marked not needed" in json.dumps(answer["view"])

    waived = _task(harness, chronology.id)
    assert waived.status == "waived" and waived.completed_by == "U0CPU1"
    assert waived.waive_reason is not None
    assert read_text(harness.runtime, case.id, waived.waive_reason) == "Health had no involvement"
    assert len(_audited(harness, case.id, "task.waived")) == 1
    assert _planned(harness, chronology.id) == []
    mark = len(log.sent)
    travel(harness, log, london(2027, 1, 12, 10), timedelta(days=1))
    assert not [s for s in log.sent[mark:] if "chronology" in s.text.lower() and "Health" in s.text]


# Hand over ------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_the_owner_hands_a_task_to_someone_of_the_same_agency_who_is_told_and_nudged(
    harness,
) -> None:
    case = open_case(harness)
    records = task_of(harness, case.id, "records_secured", agency_id(harness, "Health"))
    log = DMLog(harness, everything=True)
    travel(harness, log, london(2026, 11, 30, 10), timedelta(hours=1))
    harness.driver.app_home_opened("U0DPH")
    harness.wait()
    home = harness.standin.home_view("U0DPH")
    assert home is not None
    labels = [
        e["accessibility_label"]
        for b in home["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["value"] == str(records.id)
    ]
    assert labels == [
        "Confirm records secured for SCR-2026-001, Health",
        "Snooze for SCR-2026-001, secure all relevant records, Health",
        "Hand over for SCR-2026-001, secure all relevant records, Health",
    ]
    first = _open_home_form(harness, "U0DPH", Action.HAND_OVER, records.id)
    assert harness.standin.views[first].callback_id == ItemCallback.HAND_OVER.value
    second = _open_home_form(harness, "U0DPH", Action.HAND_OVER, records.id)
    assert second != first

    refusals = {
        "U0DPP": "You can hand this task only to someone else at Health.",
        "U0OUTSIDER": "You can hand this task only to someone else at Health.",
        "U0DPH": "Choose someone other than yourself.",
    }
    for someone, refusal in refusals.items():
        answer = _submit(harness, "U0DPH", first, {ItemBlock.HAND_TO: someone})
        assert answer["errors"] == {ItemBlock.HAND_TO.value: refusal}
    assert _task(harness, records.id).assignee is None
    assert not _audited(harness, case.id, "task.handed_over")

    told_from = len(log.sent)
    for view_id in (first, second):
        answer = _submit(harness, "U0DPH", view_id, {ItemBlock.HAND_TO: "U0RLH"})
        assert answer["response_action"] == "update"
    assert "is already <@U0RLH>'s" in json.dumps(answer["view"])

    told = [s for s in log.collect() if s.user == "U0RLH"]
    assert [s.text.splitlines()[0] for s in told] == [
        "<@U0DPH> handed you “Secure all relevant records” for Health on SCR-2026-001, "
        "due Tue 1 Dec."
    ]
    assert len(log.sent) == told_from + 1
    assert _task(harness, records.id).assignee == "U0RLH"
    assert _audited(harness, case.id, "task.handed_over") == [
        {"task_id": records.id, "kind": "records_secured", "to": "U0RLH"}
    ]
    dm = _with_button(harness, "U0RLH", Action.SNOOZE, records.id)
    assert [b["text"]["text"] for b in _buttons(dm, records.id)] == [
        "Confirm records secured",
        "Snooze",
        "Hand over",
    ]

    mark = len(log.sent)
    travel(harness, log, london(2026, 12, 2, 10), timedelta(hours=1))
    nudged = {s.user for s in log.sent[mark:] if RECORDS in s.text.lower()}
    assert "U0RLH" in nudged and "U0DPH" not in nudged
    harness.driver.app_home_opened("U0RLH")
    harness.driver.app_home_opened("U0DPH")
    harness.wait()
    assert "Secure all relevant records" in json.dumps(harness.standin.home_view("U0RLH"))
    assert "Secure all relevant records" not in json.dumps(harness.standin.home_view("U0DPH"))


def test_a_cpu_task_goes_to_another_member_of_the_cpu_and_never_to_an_agency(harness) -> None:
    case = open_case(harness)
    check = task_of(harness, case.id, "cpu_cp_plan_checked")
    form = _open_home_form(harness, "U0CPU1", Action.HAND_OVER, check.id)

    refused = _submit(harness, "U0CPU1", form, {ItemBlock.HAND_TO: "U0DPH"})
    assert refused["errors"] == {
        ItemBlock.HAND_TO.value: "You can hand this task only to someone else in the CPU."
    }
    assert _submit(harness, "U0CPU1", form, {ItemBlock.HAND_TO: "U0CPU2"})["response_action"] == (
        "update"
    )
    assert _task(harness, check.id).assignee == "U0CPU2"
    assert "<@U0CPU1> handed you “Check for a child protection plan”" in (
        harness.standin.dms_to("U0CPU2")[-1].text
    )
    for user in ("U0CPU1", "U0CPU2"):
        harness.driver.app_home_opened(user)
    harness.wait()
    assert "Check for a child protection plan" in json.dumps(harness.standin.home_view("U0CPU2"))
    assert "Check for a child protection plan" not in json.dumps(
        harness.standin.home_view("U0CPU1")
    )
