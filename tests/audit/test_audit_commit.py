"""Entries join the chain when their transaction commits: a writer holds the chain's lock
only while it commits, and what is rolled back leaves no entry."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.services.cases import audit
from storage.db import Database, ReadOnlySessionError
from storage.models import AuditEvent
from tests.reminders.reminder_helpers import open_case

AT = datetime(2026, 11, 27, 10, tzinfo=UTC)


def _actions(database: Database) -> list[str]:
    with database.reading() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.postgres
def test_a_rolled_back_savepoint_takes_its_entries_with_it(database) -> None:
    with database.session() as session:
        audit.record(session, at=AT, actor="bot", action="before")
        try:
            with session.begin_nested():
                audit.record(session, at=AT, actor="bot", action="in the savepoint")
                with session.begin_nested():
                    audit.record(session, at=AT, actor="bot", action="deeper")
                raise LookupError
        except LookupError:
            pass
        with session.begin_nested():
            audit.record(session, at=AT, actor="bot", action="kept savepoint")
        audit.record(session, at=AT, actor="bot", action="after")
    assert _actions(database) == ["before", "kept savepoint", "after"]
    with database.reading() as session:
        assert audit.verify_chain(session).intact


@pytest.mark.postgres
def test_a_rolled_back_transaction_leaves_no_entry(database) -> None:
    with pytest.raises(LookupError), database.session() as session:
        audit.record(session, at=AT, actor="bot", action="lost")
        raise LookupError
    with database.session() as session:
        audit.record(session, at=AT, actor="bot", action="next")
    assert _actions(database) == ["next"]


def test_a_read_only_session_may_not_audit(database) -> None:
    with pytest.raises(ReadOnlySessionError), database.reading() as session:
        audit.record(session, at=AT, actor="bot", action="viewed")


def test_an_entry_may_be_amended_until_it_is_chained(database) -> None:
    with database.session() as session:
        entry = audit.record(session, at=AT, actor="bot", action="case.referred", case_id=None)
        audit.amend(entry, reference="SCR-2026-001")
    assert entry.detail == {"reference": "SCR-2026-001"}
    with pytest.raises(ValueError):
        audit.amend(entry, reference="SCR-2026-002")
    with database.reading() as session:
        assert audit.verify_chain(session).intact


@pytest.mark.postgres
def test_a_writer_at_work_does_not_hold_up_another(database, backend) -> None:
    """On PostgreSQL a transaction that has recorded an entry and is still working does not
    keep the chain from another writer, which commits first; both end in one chain."""
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time by design")
    recorded, finish = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def slow_writer() -> None:
        try:
            with database.session() as session:
                audit.record(session, at=AT, actor="U1", action="slow")
                recorded.set()
                assert finish.wait(timeout=30)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert recorded.wait(timeout=30)
    with database.session() as session:
        audit.record(session, at=AT, actor="U2", action="quick")
    assert _actions(database) == ["quick"], "the quick writer committed while the slow one worked"
    finish.set()
    thread.join(timeout=30)
    assert errors == []
    assert _actions(database) == ["quick", "slow"]
    with database.reading() as session:
        assert audit.verify_chain(session).intact


def test_a_case_trail_read_in_the_transaction_shows_its_own_entries_last(harness) -> None:
    case = open_case(harness)
    database = harness.runtime.db
    with database.session() as session:
        audit.record(session, at=AT, actor="U0ADMIN", action="case.viewed", case_id=case.id)
        trail = audit.events_for(session, case.id)
        assert trail[0].action == "case.referred"
        assert (trail[-1].action, trail[-1].id) == ("case.viewed", None), "not chained yet"
    with database.reading() as session:
        [*_, viewed] = audit.events_for(session, case.id)
        assert viewed.action == "case.viewed" and viewed.id is not None
