"""What one referral costs the database: the submission kept in one short transaction; its
case opened in one, with its reminders in one insert; the set-up reading the case once for
the card and the DMs; the card read beside writers, without SQLite's write lock."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from benchmarks.web import wait_for
from bot.flows.cases import refresh_card
from bot.gateway import SlackGateway
from bot.ids import Job
from bot.jobs import outbox as jobs
from bot.jobs.outbox import drain
from bot.runtime import Bell
from bot.services.cases.card import case_card
from bot.services.referral.opening import setup_state
from storage.models import CaseReferenceCounter
from tests.flow_helpers import agency_id, body_json, cases, open_referral_modal
from tests.referral.data import referral_values

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def counting(engine: Any) -> Iterator[Counter[str]]:
    counts: Counter[str] = Counter()

    def executed(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        sql = " ".join(statement.split()).upper()
        counts["statements"] += 1
        if sql.startswith(WRITES) and not counts["writes in this transaction"]:
            counts["write transactions"] += 1
            counts["reads before its first write"] += counts["reads in this transaction"]
        counts["writes in this transaction"] += sql.startswith(WRITES)
        counts["reads in this transaction"] += sql.startswith("SELECT")
        if sql.startswith("INSERT INTO REMINDERS"):
            counts["reminder inserts"] += 1
        if sql.startswith("INSERT INTO TASKS"):
            counts["task inserts"] += 1
        if sql.startswith("INSERT INTO AUDIT_EVENTS"):
            counts["audit inserts"] += 1
            counts["audit ids read back"] += "RETURNING" in sql
        if sql.startswith("SELECT CASES.") and "WHERE CASES.ID =" in sql:
            counts["case loads"] += 1
        if sql.startswith("SELECT TASKS."):
            counts["tasks reads"] += 1
        if sql.startswith("SELECT CASE_AGENCIES."):
            counts["involved agencies reads"] += 1
        if sql.startswith("UPDATE CASES "):
            counts["case updates"] += 1

    def began(conn: Any) -> None:
        counts["transactions"] += 1
        counts["writes in this transaction"] = counts["reads in this transaction"] = 0

    def flushed(session: Session, *_: Any) -> None:
        if session.get_bind() is engine:
            counts["flushes"] += 1

    event.listen(engine, "before_cursor_execute", executed)
    event.listen(engine, "begin", began)
    event.listen(Session, "before_flush", flushed)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", executed)
        event.remove(engine, "begin", began)
        event.remove(Session, "before_flush", flushed)


def test_a_referral_is_kept_in_two_inserts_opened_in_one_transaction_and_set_up_from_one_read(
    harness, monkeypatch
) -> None:
    view, health = open_referral_modal(harness), agency_id(harness, "Health")
    harness.runtime.bell = Bell()  # the opening and the set-up are drained below
    engine = harness.runtime.db.engine
    with counting(engine) as request:
        response = harness.driver.submit_view("U0DPH", referral_values(health), view_id=view)
        harness.wait()
    assert body_json(response)["response_action"] == "update"
    # one drain runs both, the set-up straight after the opening: counted apart from there
    at_setup: Counter[str] = Counter()
    set_up = jobs.JOBS[Job.CASE_SETUP]

    def counted_apart(*args: Any, **kwargs: Any) -> object:
        at_setup.update(both)
        return set_up(*args, **kwargs)

    monkeypatch.setitem(jobs.JOBS, Job.CASE_SETUP, counted_apart)
    with counting(engine) as both:
        report = drain(harness.runtime, limit=1)
    assert (report.completed(Job.CASE_OPEN), report.completed(Job.CASE_SETUP)) == (1, 1)
    opening, setup = at_setup, both - at_setup
    [case] = cases(harness)
    assert case.setup_status == "complete"

    # the submission: the check's three reads (roles, agencies, the modal's case), then the
    # sealed referral and the job that opens it, in one transaction that reads nothing
    # before its first write: the referrer is answered without waiting for the case (on
    # SQLite each BEGIN is a statement; on PostgreSQL the job's notice is one)
    assert request["write transactions"] == 1, request
    assert request["reads before its first write"] == 0, request
    assert request["task inserts"] == request["reminder inserts"] == 0, request
    assert request["statements"] <= 7, request
    assert request["flushes"] == 0, request
    # the opening: after the job's claim, one transaction writes the case, its tasks,
    # reminders and audit entries, and finishes the job
    assert opening["write transactions"] == 2, opening
    # the claim takes its job in one statement, and the opening the sealed referral out of
    # its table as it reads it: neither reads before it writes
    assert opening["reads before its first write"] == 0, opening
    assert opening["reminder inserts"] == 1
    # the stage's nine tasks in one statement, their ids and all read back with it
    assert opening["task inserts"] == 1, opening
    # the referral's three audit entries join the chain in one statement, nothing read back
    assert opening["audit inserts"] == 1, opening
    assert opening["audit ids read back"] == 0, opening
    # a new case is not read back: its tasks, events and agencies are what was just written,
    # and the designated person's confirmation is made done with its task, not updated
    # after it; the first members go in one statement; the session never flushes: the
    # case's own insert gives its id and, should the modal's case be there already, says so
    # (no read before it, no savepoint around it); the rest is written by the tables' own
    # statements
    assert opening["flushes"] == 0, opening
    assert opening["statements"] <= 17, opening
    # one load of the case (its referring agency joined) for the card, the briefings and
    # every DM, and one read of its tasks for both; each agency's people in one statement
    assert setup["case loads"] == 1, setup
    assert setup["tasks reads"] == 1, setup
    # the agencies involved read once, for the card's table and the briefings alike
    assert setup["involved agencies reads"] == 1, setup
    assert setup["statements"] <= 22, setup
    # the card, the DMs and the briefings are one batch: the ledger (what went, and attempts
    # left in doubt) read in one statement before the first post and written after the last,
    # not per message; the set-up's job was queued taken by the drainer that opened the case
    # (no claim of its own, nor a second one on the case); the channel and the invitations
    # are recorded with the batch's attempts (one turn of the audit chain for both), and the
    # card's ts and pin with its ledger entries, as is the set-up complete with its job's
    # finish: the load, and one transaction between each two Slack calls that need one
    assert setup["transactions"] <= 3, setup
    # the case is written to twice: its channel, with the batch's attempts; its card's ts,
    # the pin and the set-up complete, in one statement with the ledger's entries
    assert setup["case updates"] == 2, setup
    assert setup["audit inserts"] == 2, setup
    print(f"\nper referral: submission {dict(request)}; opening {dict(opening)}")
    print(f"set-up {dict(setup)}")


@contextmanager
def writer_holding_the_lock(database: Any) -> Iterator[None]:
    """Another writer in the middle of its transaction (on SQLite, holding the write lock)
    for as long as the block runs."""
    holding, release = threading.Event(), threading.Event()

    def write() -> None:
        with database.session() as session:
            session.add(CaseReferenceCounter(year=1999, last_number=1))
            session.flush()  # the write lock is held from here to the commit
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=write)
    holder.start()
    try:
        assert holding.wait(10)
        yield
    finally:
        release.set()
        holder.join()


def test_the_card_is_redrawn_and_the_set_up_read_while_another_writer_holds_the_lock(
    harness,
) -> None:
    """On SQLite one writer at a time holds the write lock; building a card (a dozen reads
    and most of a set-up's CPU) must not queue behind the referrals being stored, nor hold
    them up."""
    view, health = open_referral_modal(harness), agency_id(harness, "Health")
    harness.driver.submit_view("U0DPH", referral_values(health), view_id=view)
    harness.wait()
    [case] = cases(harness)
    runtime, updates = harness.runtime, len(harness.standin.calls_to("chat.update"))
    slack = SlackGateway(runtime.web_client(), runtime.db, runtime.clock)
    redrawn = threading.Event()

    def redraw() -> None:
        cal = runtime.working_calendar()
        state = setup_state(
            runtime.db, case.id, card_on=(cal.london_date(runtime.clock.now()), cal)
        )
        assert state.card is None and state.complete  # posted already: only the state is read
        if refresh_card(runtime, slack, case.id):
            redrawn.set()

    reader = threading.Thread(target=redraw)
    with writer_holding_the_lock(runtime.db):
        reader.start()
        assert wait_for(redrawn.is_set, 5), "the card waited for the writer"
    reader.join()
    assert len(harness.standin.calls_to("chat.update")) == updates + 1


def test_the_referral_modal_opens_while_another_writer_holds_the_lock(harness) -> None:
    """`/scr refer` only reads (who may refer for which agency): its modal does not wait for
    the referrals being stored."""
    with writer_holding_the_lock(harness.runtime.db):
        assert harness.driver.slash_command("U0DPH", "refer").status == 200
        assert wait_for(lambda: harness.standin.open_view_for("U0DPH") is not None, 5), (
            "the modal waited for the writer"
        )
    harness.wait()


def test_your_open_work_is_listed_while_another_writer_holds_the_lock(harness) -> None:
    """`/scr my` only reads: its answer does not wait for the referrals being stored."""
    with writer_holding_the_lock(harness.runtime.db):
        response = harness.driver.slash_command("U0DPH", "my")
    assert response.status == 200, response.body
    assert response.body.strip()


def test_a_card_reads_each_thing_once_and_what_its_process_lacks_not_at_all(harness) -> None:
    """The card is redrawn after every change: the case's tasks are read once for its
    deadlines, columns, buttons and the Initial Panel's deadline; an empty action plan and
    a process without the partners' decision cost no further reads; the sections a young
    case has nothing in (chronology, decision, meetings, monitoring, national panel) are
    asked about in one statement and not read."""
    view, health = open_referral_modal(harness), agency_id(harness, "Health")
    harness.driver.submit_view("U0DPH", referral_values(health), view_id=view)
    harness.wait()
    [case] = cases(harness)
    runtime = harness.runtime
    with counting(runtime.db.engine) as reads:
        card = case_card(runtime.db, case.id, runtime.clock.now(), runtime.working_calendar())
    assert card.deadlines and card.agency_rows and card.first_month is not None
    assert reads["statements"] <= 6, reads
    # one read of the case's tasks for its deadlines, agency columns, buttons and panel
    assert reads["tasks reads"] == 1, reads
