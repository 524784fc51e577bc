"""One Child Safeguarding Practice Review from referral to sign-off, every step as Slack
sends it (signed requests) and on the clock: the national panel notified, the rapid review
report sent, the three partners' leads deciding on a local review, its publication date set
and the review published, its action plan carried out and the case signed off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.ids import MonitoringAction, NationalPanelCallback
from bot.jobs.worker import tick
from bot.testing.harness import Harness, start_harness
from storage.models import Case, CaseEvent
from tests.cspr.helpers import (
    ADMIN,
    command,
    notification_values,
    open_modal,
    report_values,
    submit,
)
from tests.cspr_decision.helpers import HOLD, LEADS, click
from tests.cspr_local.test_local_review import plan
from tests.cspr_monitoring.helpers import PLAN_ROWS, publish
from tests.decision.helpers import stored_case
from tests.monitoring.monitoring_helpers import add_owners, import_plan, plan_csv
from tests.monitoring.test_action_plan_entry import choose, listing
from tests.process.helpers import card_text, partnership, refer_with
from tests.reminders.reminder_helpers import london


@pytest.fixture
def board(standin, database, clock) -> Iterator[Harness]:
    """Cases follow the Bolton SCR unless the business unit picks a CSPR, as it does here."""
    h = start_harness(standin, database, clock, partnership=partnership(leads=True))
    yield h
    h.close()


def _events(harness: Harness, case_id: int) -> set[str]:
    with harness.runtime.db.reading() as session:
        return set(session.scalars(select(CaseEvent.event).where(CaseEvent.case_id == case_id)))


@pytest.mark.postgres
def test_a_practice_review_from_referral_to_sign_off(board) -> None:
    add_owners(board)
    case = refer_with(board, ADMIN, "cspr")  # Fri 27 Nov 2026
    assert (case.process_key, case.stage) == ("cspr", "notification")

    board.clock.set(london(2026, 12, 1, 15))
    command(board, ADMIN, case, "notification")
    view = open_modal(board, ADMIN, NationalPanelCallback.NOTIFICATION.value)
    submit(board, ADMIN, view, notification_values("2026-12-01", "NP-2026-0042"))
    assert stored_case(board, case.id).stage == "rapid_review"

    board.clock.set(london(2026, 12, 18, 11))
    command(board, ADMIN, case, "rapid report")
    view = open_modal(board, ADMIN, NationalPanelCallback.REPORT_SENT.value)
    submit(board, ADMIN, view, report_values("2026-12-18"))

    board.clock.set(london(2026, 12, 21, 9))
    tick(board.runtime)  # the three leads are asked
    board.wait()
    for lead in LEADS:
        assert click(board, lead, HOLD).status == 200
    decided = stored_case(board, case.id)
    assert decided.stage == "local_review"
    assert "Local child safeguarding practice review" in card_text(board, case.id)

    board.clock.set(london(2027, 3, 1, 10))
    plan(board, decided, ADMIN, "2027-06-16")
    published = publish(board, decided, london(2027, 6, 16, 11))
    assert published.stage == "monitoring"

    board.clock.set(london(2027, 7, 6, 10))
    import_plan(board, published, plan_csv(PLAN_ROWS))
    for number in (1, 2):
        view = choose(board, ADMIN, published, "implemented", number)
        board.driver.submit_view(ADMIN, {}, view_id=view.id)
        board.wait()
    shown = listing(board, ADMIN, channel_id=published.channel_id)
    board.driver.block_action(
        ADMIN, MonitoringAction.SIGN_OFF.value, channel_id=shown.channel, message_ts=shown.ts
    )
    board.wait()

    with board.runtime.db.reading() as session:
        closed = session.get(Case, case.id)
        assert closed is not None and closed.closed_at is not None
    assert board.standin.channels[published.channel_id].archived
    assert {
        "referral",
        "notification",
        "rapid_review_sent",
        "decision",
        "publication_date",
        "report_published",
        "action_plan_complete",
    } <= _events(board, case.id)
