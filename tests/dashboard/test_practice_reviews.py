"""The Board's figures for practice reviews: the national panel notified within 5 working
days of learning of the incident, and the rapid review report sent within 15 working days of
the notification, counted from the dates the business unit records on the forms."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from bot.ids import NationalPanelCallback
from bot.services.dashboard.figures import board_figures
from bot.testing.harness import Harness, start_harness
from tests.cspr.helpers import (
    ADMIN,
    command,
    notification_values,
    open_modal,
    refer_on,
    report_values,
    stored_case,
    submit,
)
from tests.process.helpers import partnership
from tests.reminders.reminder_helpers import london

NOTIFIED = "National panel notified"
REPORT_SENT = "Rapid review report sent (from the notification)"


@pytest.fixture
def board(standin, database, clock) -> Iterator[Harness]:
    h = start_harness(standin, database, clock, partnership=partnership(default="cspr", leads=True))
    yield h
    h.close()


def _notify(harness: Harness, case_id: int, sent_on: str) -> None:
    command(harness, ADMIN, stored_case(harness, case_id), "notification")
    view = open_modal(harness, ADMIN, NationalPanelCallback.NOTIFICATION.value)
    submit(harness, ADMIN, view, notification_values(sent_on, "NP-2026-0001"))


def _report(harness: Harness, case_id: int, sent_on: str) -> None:
    command(harness, ADMIN, stored_case(harness, case_id), "rapid report")
    view = open_modal(harness, ADMIN, NationalPanelCallback.REPORT_SENT.value)
    submit(harness, ADMIN, view, report_values(sent_on))


def _figures(harness: Harness):
    with harness.runtime.db.reading() as session:
        figures = board_figures(session, harness.clock.now(), harness.runtime.working_calendar())
    return figures, {m.label: m for m in figures.milestones}


@pytest.mark.postgres
def test_notifications_and_rapid_reviews_are_timed_against_their_working_days(board) -> None:
    # Learnt of on Wed 23 Dec: notified on time on Mon 4 Jan (5 working days across the
    # holidays), its report a day late (15 working days from 4 Jan is Mon 25 Jan).
    on_time = refer_on(board, date(2026, 12, 23))
    # Learnt of on Mon 4 Jan: notified late, a day after Mon 11 Jan; its report not yet sent.
    late = refer_on(board, date(2027, 1, 4))
    board.clock.set(london(2027, 1, 12, 16))
    _notify(board, on_time.id, "2027-01-04")
    _notify(board, late.id, "2027-01-12")
    board.clock.set(london(2027, 1, 26, 16))
    _report(board, on_time.id, "2027-01-26")

    figures, by_label = _figures(board)
    assert [m.label for m in figures.milestones] == [
        "Initial Panel held",
        NOTIFIED,
        REPORT_SENT,
        "Local review published (from the decision)",
    ]
    notified = by_label[NOTIFIED]
    assert (notified.reached, notified.within, notified.later) == (2, 1, 1)
    assert notified.limit_words == "5 working days"
    assert sorted(notified.days) == [8, 12], "calendar days from learning of it"
    sent = by_label[REPORT_SENT]
    assert (sent.reached, sent.within, sent.later, sent.counted_from) == (
        1,
        0,
        1,
        "the notification",
    )
    assert sent.limit_words == "15 working days" and sent.days == (22,)
    assert sent.waiting_past_limit == 0, "the late notification's report is not due until 2 Feb"
    [row] = [r for r in figures.cases if r.reference == on_time.reference]
    assert row.process.startswith("Child Safeguarding Practice Review")
