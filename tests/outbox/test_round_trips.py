"""What one referral costs the database: the submission in one transaction with its reminders
in one insert; the set-up reading the case once for the card and the DMs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot.ids import Job
from bot.jobs.outbox import drain
from bot.runtime import Bell
from tests.flow_helpers import agency_id, body_json, cases, open_referral_modal
from tests.referral.data import referral_values


@contextmanager
def counting(engine: Any) -> Iterator[Counter[str]]:
    counts: Counter[str] = Counter()

    def executed(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        sql = " ".join(statement.split()).upper()
        counts["statements"] += 1
        if sql.startswith("INSERT INTO REMINDERS"):
            counts["reminder inserts"] += 1
        if sql.startswith("SELECT") and "FROM CASES WHERE CASES.ID =" in sql:
            counts["case loads"] += 1

    def began(conn: Any) -> None:
        counts["transactions"] += 1

    event.listen(engine, "before_cursor_execute", executed)
    event.listen(engine, "begin", began)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", executed)
        event.remove(engine, "begin", began)


def test_a_referral_is_one_transaction_and_its_set_up_reads_the_case_once(harness) -> None:
    view, health = open_referral_modal(harness), agency_id(harness, "Health")
    harness.runtime.bell = Bell()  # the set-up is drained below, counted apart
    engine = harness.runtime.db.engine
    with counting(engine) as request:
        response = harness.driver.submit_view("U0DPH", referral_values(health), view_id=view)
        harness.wait()
    assert body_json(response)["response_action"] == "update"
    with counting(engine) as setup:
        assert drain(harness.runtime).completed(Job.CASE_SETUP) == 1
    [case] = cases(harness)
    assert case.setup_status == "complete"

    assert request["transactions"] == 1
    assert request["reminder inserts"] == 1
    # a new case is not read back: its tasks, events and agencies are what was just written
    assert request["statements"] <= 40, request
    # one load for the card and every DM, then one row read per recorded step
    assert setup["case loads"] <= 8, setup
    assert setup["statements"] <= 100, setup
    # the DMs' ledger is read before the first and written after the last, not per message
    assert setup["transactions"] <= 18, setup
    print(f"\nper referral: submission {dict(request)}; set-up {dict(setup)}")
