"""PostgreSQL connections: checked before use only when they lay idle, and their prepared
statements kept across the transactions that only read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, text

import storage.db
from storage.db import Database
from storage.models import CaseReferenceCounter
from tests import dbutil


@pytest.fixture
def postgres(postgres_schema_url: str | None) -> Iterator[Database]:
    if postgres_schema_url is None:
        pytest.skip(dbutil.POSTGRES_SKIP_REASON)
    database = Database.from_url(postgres_schema_url)
    dbutil.truncate_all(database)
    yield database
    database.dispose()


def _backend_pid(database: Database) -> int:
    with database.session() as session:
        return int(session.scalar(text("SELECT pg_backend_pid()")) or 0)


def _pings(database: Database, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    dialect: Any = database.engine.dialect
    pings: list[object] = []
    ping = dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        pings.append(dbapi_connection)
        return bool(ping(dbapi_connection))

    monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


def test_a_connection_handed_out_again_at_once_costs_no_ping(
    postgres: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _pings(postgres, monkeypatch)
    monkeypatch.setattr(storage.db, "PING_AFTER_IDLE", 60.0)
    first = _backend_pid(postgres)
    assert [_backend_pid(postgres) for _ in range(5)] == [first] * 5
    assert pings == []
    monkeypatch.setattr(storage.db, "PING_AFTER_IDLE", 0.0)  # as if it lay idle a while
    assert _backend_pid(postgres) == first
    assert len(pings) == 1


def test_a_connection_the_server_closed_while_it_lay_idle_is_replaced_before_use(
    postgres: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database restart, a failover or an idle timeout: the next unit of work gets a
    connection that works, not an error."""
    pings = _pings(postgres, monkeypatch)
    closed = _backend_pid(postgres)
    base = dbutil.postgres_url()
    assert base is not None
    admin = Database.from_url(base)
    try:
        with admin.session() as session:
            assert session.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": closed})
    finally:
        admin.dispose()
    monkeypatch.setattr(storage.db, "PING_AFTER_IDLE", 0.0)
    with postgres.session() as session:
        assert session.scalar(select(CaseReferenceCounter.year)) is None
        assert session.scalar(text("SELECT pg_backend_pid()")) != closed
    assert len(pings) == 1


def test_reading_keeps_the_connection_s_prepared_statements(postgres: Database) -> None:
    """psycopg prepares a statement run five times on a connection, and forgets them all at
    a ROLLBACK: readers (and health checks) that rolled back made the server parse and plan
    every statement anew."""
    for year in range(2020, 2027):
        with postgres.reading() as reader:
            reader.scalar(select(CaseReferenceCounter).where(CaseReferenceCounter.year == year))
        assert postgres.ping()
    with postgres.reading() as reader:
        prepared = reader.scalar(
            text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :pattern"),
            {"pattern": "%FROM case_reference_counters%"},
        )
    assert prepared == 1


def test_a_change_never_flushed_in_a_reading_session_is_dropped(postgres: Database) -> None:
    with postgres.reading() as reader:
        reader.add(CaseReferenceCounter(year=2026, last_number=1))
    with postgres.reading() as reader:
        assert reader.scalar(select(CaseReferenceCounter)) is None
