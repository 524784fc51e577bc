"""The serious incident notification to the national Child Safeguarding Practice Review
Panel, and the rapid review report sent to it, on a CSPR case: each completed through its own
short form (from the case card, a reminder, App Home or a `/scr` command in the case
channel), counted in working days across England's bank holidays, recorded once, audited,
and shown on the case card."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import holidays
import pytest

from bot.ids import Action, NationalPanelAction, NationalPanelBlock, NationalPanelCallback
from bot.jobs.worker import tick
from bot.process.cspr import CSPR_2023
from bot.testing.harness import Harness, start_harness
from tests.cspr.helpers import (
    ADMIN,
    HEALTH_DP,
    audits,
    click_on_card,
    command,
    due_day,
    event_at,
    notices,
    notification_values,
    open_modal,
    refer_on,
    report_values,
    stored_case,
    submit,
    task,
    view_text,
)
from tests.decision.helpers import ephemerals_text
from tests.flow_helpers import body_json, cases, refer
from tests.process.helpers import card_text, home_text, partnership
from tests.referral.data import ADDRESS, CHILD_NAME
from tests.reminders.reminder_helpers import item_buttons, london, message_of_the_day

NOTIFY = "notify_national_panel"
REPORT = "rapid_review_report"
POSTCODE = " ".join(ADDRESS.split()[-2:])
ENGLAND = holidays.country_holidays("GB", subdiv="ENG", years=range(2026, 2028))


def working_days_after(start: date, n: int) -> date:
    """Counted by hand here, from the `holidays` package's England calendar."""
    day = start
    while n:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in ENGLAND:
            n -= 1
    return day


@pytest.fixture
def cspr(standin, database, clock) -> Iterator[Harness]:
    """A partnership whose cases follow a CSPR, with the three partners' leads named."""
    h = start_harness(standin, database, clock, partnership=partnership(default="cspr", leads=True))
    yield h
    h.close()


def test_the_definition_counts_the_report_from_the_notification() -> None:
    notify = CSPR_2023.task(NOTIFY)
    report = CSPR_2023.task(REPORT)
    assert (notify.owner, notify.anchor, notify.records_event) == (
        "admins",
        "referral",
        "notification",
    )
    assert (report.anchor, report.deadline.n) == ("notification", 15)
    assert CSPR_2023.stage_of(REPORT).key == "rapid_review"
    assert "notification" in CSPR_2023.stage("notification").events_certain_at_end()


@pytest.mark.postgres
def test_a_notification_learnt_of_before_christmas_and_its_report_across_new_year(cspr) -> None:
    # Learnt of on Wed 23 Dec 2026: Christmas Day, the Boxing Day holiday (Mon 28 Dec, for
    # Saturday's) and New Year's Day are not working days.
    assert {date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)} <= set(ENGLAND)
    case = refer_on(cspr, date(2026, 12, 23))
    assert stored_case(cspr, case.id).stage == "notification"
    notify = task(cspr, case.id, NOTIFY)
    assert due_day(notify) == date(2027, 1, 4) == working_days_after(date(2026, 12, 23), 5)
    card = card_text(cspr, case.id)
    assert "Notify the national panel" in card and "Mon 4 Jan 2027" in card
    assert "Record the notification" in card

    # On Thu 31 Dec the business unit records the notification it sent on Wed 30 Dec.
    cspr.clock.set(london(2026, 12, 31, 11))
    click_on_card(cspr, ADMIN, case, NationalPanelAction.OPEN_NOTIFICATION)
    view = open_modal(cspr, ADMIN, NationalPanelCallback.NOTIFICATION.value)
    assert "notify the national panel, due" in view_text(cspr, view.id)
    submit(cspr, ADMIN, view, notification_values("2026-12-30", "NP-2026-0417"))

    report_due = working_days_after(date(2026, 12, 30), 15)
    assert report_due == date(2027, 1, 21)
    shown = view_text(cspr, view.id)
    assert "Notified the national panel on Wed 30 Dec 2026, reference NP-2026-0417" in shown
    assert "send the rapid review report to the national panel, by Thu 21 Jan 2027" in shown
    [notice] = notices(cspr, case.id)
    assert (notice.kind, notice.sent_on, notice.reference) == (
        "notification",
        date(2026, 12, 30),
        "NP-2026-0417",
    )
    assert (notice.recorded_by, task(cspr, case.id, NOTIFY).status) == (ADMIN, "done")
    notified = event_at(cspr, case.id, "notification")
    assert notified is not None
    assert notified.astimezone(london(2026, 1, 1).tzinfo).date() == date(2026, 12, 30)
    [audited] = audits(cspr, "national_panel.notified", case.id)
    assert audited.actor == ADMIN
    assert audited.detail["sent_on"] == "2026-12-30"
    assert audited.detail["reference"] == "NP-2026-0417"

    assert stored_case(cspr, case.id).stage == "rapid_review"
    report = task(cspr, case.id, REPORT)
    assert (report.owner_role, due_day(report)) == ("admins", report_due)
    card = card_text(cspr, case.id)
    assert "Notified the national panel on Wed 30 Dec 2026, reference NP-2026-0417" in card
    assert "Send the rapid review report to the national panel*: by Thu 21 Jan 2027" in card
    assert "Record the report sent" in card and "Record the notification" not in card

    # The report: sent on Wed 20 Jan 2027, recorded with `/scr rapid report` that day.
    cspr.clock.set(london(2027, 1, 20, 15))
    command(cspr, ADMIN, stored_case(cspr, case.id), "rapid report")
    view = open_modal(cspr, ADMIN, NationalPanelCallback.REPORT_SENT.value)
    early = submit(cspr, ADMIN, view, report_values("2026-12-29"))
    assert (
        "before the notification (Wed 30 Dec 2026)"
        in (body_json(early)["errors"][NationalPanelBlock.REPORT_SENT_ON.value])
    )
    later = submit(cspr, ADMIN, view, report_values("2027-01-21"))
    assert (
        "cannot be in the future"
        in (body_json(later)["errors"][NationalPanelBlock.REPORT_SENT_ON.value])
    )
    assert [n.kind for n in notices(cspr, case.id)] == ["notification"], "nothing stored"
    submit(cspr, ADMIN, view, report_values("2027-01-20"))

    assert task(cspr, case.id, REPORT).status == "done"
    assert [(n.kind, n.sent_on) for n in notices(cspr, case.id)][1] == (
        "rapid_review_report",
        date(2027, 1, 20),
    )
    assert len(audits(cspr, "national_panel.report_sent", case.id)) == 1
    card = card_text(cspr, case.id)
    assert "Sent the rapid review report to the national panel on Wed 20 Jan 2027" in card
    assert "Record the report sent" not in card
    assert stored_case(cspr, case.id).stage == "rapid_review", "the partners still decide"


def test_the_notification_form_refuses_a_future_or_early_date_and_a_named_child(cspr) -> None:
    case = refer_on(cspr, date(2026, 11, 27))
    cspr.clock.set(london(2026, 12, 1, 9))
    command(cspr, ADMIN, case, "notification")
    view = open_modal(cspr, ADMIN, NationalPanelCallback.NOTIFICATION.value)
    date_block, reference_block = (
        NationalPanelBlock.NOTIFIED_ON.value,
        NationalPanelBlock.REFERENCE.value,
    )

    future = body_json(submit(cspr, ADMIN, view, notification_values("2026-12-02", "NP-1")))
    assert future["errors"] == {date_block: "This date cannot be in the future."}
    early = body_json(submit(cspr, ADMIN, view, notification_values("2026-11-26", "NP-1")))
    assert "before the referral (Fri 27 Nov 2026)" in early["errors"][date_block]
    surname = CHILD_NAME.split()[1]
    for naming in (f"NP {surname}", f"NP-{POSTCODE}"):
        named = body_json(submit(cspr, ADMIN, view, notification_values("2026-11-30", naming)))
        assert list(named["errors"]) == [reference_block]
        assert "seems to name the child" in named["errors"][reference_block]
    both = body_json(submit(cspr, ADMIN, view, notification_values("2026-11-20", surname)))
    assert set(both["errors"]) == {date_block, reference_block}, "every error at once"

    assert notices(cspr, case.id) == []
    assert task(cspr, case.id, NOTIFY).status == "open"
    assert event_at(cspr, case.id, "notification") is None
    assert audits(cspr, "national_panel.notified", case.id) == []
    assert stored_case(cspr, case.id).stage == "notification"
    assert surname not in card_text(cspr, case.id)

    submit(cspr, ADMIN, view, notification_values("2026-11-30", "NP-2026-0099"))
    assert [n.reference for n in notices(cspr, case.id)] == ["NP-2026-0099"]


@pytest.mark.postgres
def test_a_notification_submitted_twice_is_recorded_once(cspr) -> None:
    case = refer_on(cspr, date(2026, 11, 27))
    command(cspr, ADMIN, case, "notification")
    first = open_modal(cspr, ADMIN, NationalPanelCallback.NOTIFICATION.value)
    click_on_card(cspr, ADMIN, case, NationalPanelAction.OPEN_NOTIFICATION)
    second = open_modal(cspr, ADMIN, NationalPanelCallback.NOTIFICATION.value)
    assert first.id != second.id

    submit(cspr, ADMIN, first, notification_values("2026-11-27", "NP-2026-0001"))
    again = cspr.driver.redeliver()  # Slack's retry of the same submission
    cspr.wait()
    assert again.status == 200
    submit(cspr, ADMIN, second, notification_values("2026-11-26", "NP-2026-0002"))

    [notice] = notices(cspr, case.id)
    assert notice.reference == "NP-2026-0001"
    assert len(audits(cspr, "national_panel.notified", case.id)) == 1
    done = [a for a in audits(cspr, "task.done", case.id) if a.detail["kind"] == NOTIFY]
    assert len(done) == 1
    begun = [a.detail["stage"] for a in audits(cspr, "stage.begun", case.id)]
    assert begun.count("rapid_review") == 1
    assert "already recorded by <@U0ADMIN>" in view_text(cspr, second.id)
    assert "reference NP-2026-0001" in view_text(cspr, second.id)

    # The report too: a double submission has one effect.
    command(cspr, ADMIN, case, "rapid report")
    report = open_modal(cspr, ADMIN, NationalPanelCallback.REPORT_SENT.value)
    submit(cspr, ADMIN, report, report_values("2026-11-27"))
    cspr.driver.redeliver()
    cspr.wait()
    assert [n.kind for n in notices(cspr, case.id)] == ["notification", "rapid_review_report"]
    assert len(audits(cspr, "national_panel.report_sent", case.id)) == 1

    # Once recorded, the command says what was recorded instead of opening a form.
    opened = len(cspr.standin.calls_to("views.open"))
    answer = body_json(command(cspr, ADMIN, case, "notification"))
    assert (
        "Notified the national panel on Fri 27 Nov 2026, reference NP-2026-0001" in (answer["text"])
    )
    assert len(cspr.standin.calls_to("views.open")) == opened


def test_someone_else_is_refused_and_nothing_is_recorded(cspr) -> None:
    case = refer_on(cspr, date(2026, 11, 27))
    opened = len(cspr.standin.calls_to("views.open"))

    answer = body_json(command(cspr, HEALTH_DP, case, "notification"))
    assert answer["text"] == "Only the business unit can record this for the national panel."
    assert answer.get("response_type") == "ephemeral"
    click_on_card(cspr, HEALTH_DP, case, NationalPanelAction.OPEN_NOTIFICATION)
    assert "Only the business unit can record this" in ephemerals_text(cspr, HEALTH_DP)
    assert len(cspr.standin.calls_to("views.open")) == opened, "no form opened for them"

    # A submission of the business unit's form by someone else: refused inline.
    command(cspr, ADMIN, case, "notification")
    view = open_modal(cspr, ADMIN, NationalPanelCallback.NOTIFICATION.value)
    forged = cspr.driver.submit_view(
        HEALTH_DP, notification_values("2026-11-27", "NP-1"), view_id=view.id
    )
    cspr.wait()
    assert (
        "Only the business unit"
        in (body_json(forged)["errors"][NationalPanelBlock.NOTIFIED_ON.value])
    )
    assert notices(cspr, case.id) == []
    assert task(cspr, case.id, NOTIFY).status == "open"


def test_app_home_and_the_morning_reminder_open_the_form_not_mark_done(cspr) -> None:
    case = refer_on(cspr, date(2026, 11, 27))
    notify = task(cspr, case.id, NOTIFY)
    home = home_text(cspr, ADMIN)
    assert NationalPanelAction.OPEN_NOTIFICATION.value in home
    assert "Record the notification" in home

    cspr.clock.set(london(2026, 12, 3, 9))  # the day before it is due
    tick(cspr.runtime)
    cspr.wait()
    reminder = message_of_the_day(cspr, ADMIN, "Notify the national panel")
    actions = [b["action_id"] for b in item_buttons(reminder, notify.id)]
    assert NationalPanelAction.OPEN_NOTIFICATION.value in actions
    assert Action.MARK_DONE.value not in actions

    cspr.driver.block_action(
        ADMIN,
        NationalPanelAction.OPEN_NOTIFICATION.value,
        channel_id=reminder.channel,
        message_ts=reminder.ts,
    )
    cspr.wait()
    from_reminder = open_modal(cspr, ADMIN, NationalPanelCallback.NOTIFICATION.value)
    cspr.driver.close_view(ADMIN, from_reminder.id)
    home = cspr.standin.home_view(ADMIN)
    assert home is not None
    cspr.driver.block_action(
        ADMIN, NationalPanelAction.OPEN_NOTIFICATION.value, view_id=str(home["id"])
    )
    cspr.wait()
    view = open_modal(cspr, ADMIN, NationalPanelCallback.NOTIFICATION.value)
    assert view.id != from_reminder.id, "App Home's button opens the form too"
    submit(cspr, ADMIN, view, notification_values("2026-12-02", "NP-2026-0102"))
    assert task(cspr, case.id, NOTIFY).status == "done"
    # counted from the day it was sent (Wed 2 Dec), not the day it was recorded
    assert due_day(task(cspr, case.id, REPORT)) == working_days_after(date(2026, 12, 2), 15)


def test_a_case_of_the_other_process_has_nothing_to_notify(cspr) -> None:
    refer(cspr, "U0ADMIN", process="bolton-scr")
    [case] = [c for c in cases(cspr) if c.process_key == "bolton-scr"]
    answer = body_json(command(cspr, ADMIN, case, "notification"))
    assert answer["text"] == "There is nothing to record for the national panel on this case now."
    assert "National panel" not in card_text(cspr, case.id)
