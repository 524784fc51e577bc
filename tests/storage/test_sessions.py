"""SQLite in WAL mode with a busy timeout; sessions that only read take no write lock."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text
from sqlalchemy.exc import OperationalError

from benchmarks.web import wait_for
from storage.db import Database, ReadOnlySessionError, hold_lock
from storage.models import CaseReferenceCounter
from tests import dbutil


def test_every_sqlite_connection_is_in_wal_mode_with_a_busy_timeout(
    sqlite_template: Path, tmp_path: Path
) -> None:
    database = dbutil.sqlite_copy(sqlite_template, tmp_path)
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.dispose()


def test_a_reading_session_reads_beside_a_writer_without_the_write_lock(
    sqlite_template: Path, tmp_path: Path
) -> None:
    database = dbutil.sqlite_copy(sqlite_template, tmp_path)
    begins: list[str] = []
    event.listen(
        database.engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: (
            begins.append(statement) if statement.startswith("BEGIN") else None
        ),
    )
    with database.session() as writer:
        writer.add(CaseReferenceCounter(year=2026, last_number=1))
        writer.flush()  # the writer holds the write lock from here to its commit
        with database.reading() as reader:
            assert reader.scalars(select(CaseReferenceCounter)).all() == []
    with database.reading() as reader:
        assert reader.scalar(select(CaseReferenceCounter.last_number)) == 1
    assert begins == ["BEGIN IMMEDIATE", "BEGIN", "BEGIN"]
    database.dispose()


def test_the_writers_of_one_process_queue_for_sqlite_s_write_lock_in_turn(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """A second writer waits in the process until the first ends and only then asks SQLite
    for the lock (whose own wait polls in sleeps of up to 100 ms)."""
    database = dbutil.sqlite_copy(sqlite_template, tmp_path)
    steps: list[str] = []
    second_begins, first_holds, first_may_end = (threading.Event() for _ in range(3))

    def logged(_conn: Any, _cur: Any, statement: str, *_: Any) -> None:
        if statement.startswith("BEGIN"):
            steps.append(f"{threading.current_thread().name} {statement}")

    event.listen(database.engine, "before_cursor_execute", logged)
    event.listen(
        database.engine,
        "commit",
        lambda _c: steps.append(f"{threading.current_thread().name} COMMIT"),
    )

    def first() -> None:
        with database.session() as writer:
            writer.add(CaseReferenceCounter(year=2026, last_number=1))
            writer.flush()
            first_holds.set()
            first_may_end.wait(10)

    def second() -> None:
        second_begins.set()
        with database.session() as writer:
            writer.add(CaseReferenceCounter(year=2027, last_number=1))

    one = threading.Thread(target=first, name="first")
    one.start()
    assert first_holds.wait(10)
    two = threading.Thread(target=second, name="second")
    two.start()
    assert second_begins.wait(10)
    # left a moment to ask SQLite, which it must not do while the first holds the lock
    asked = wait_for(lambda: "second BEGIN IMMEDIATE" in steps, 1.0)
    first_may_end.set()
    one.join(10)
    two.join(10)
    assert not asked
    assert steps == [
        "first BEGIN IMMEDIATE",
        "first COMMIT",
        "second BEGIN IMMEDIATE",
        "second COMMIT",
    ]
    with database.reading() as reader:
        assert len(reader.scalars(select(CaseReferenceCounter)).all()) == 2
    database.dispose()


@pytest.mark.postgres
def test_a_reading_session_refuses_to_change_anything(database: Database) -> None:
    with pytest.raises(ReadOnlySessionError), database.reading() as reader:
        reader.add(CaseReferenceCounter(year=2026, last_number=1))
        reader.flush()
    with pytest.raises(ReadOnlySessionError), database.reading() as reader:
        reader.execute(insert(CaseReferenceCounter).values(year=2026, last_number=1))
    with database.reading() as reader:
        assert reader.scalar(select(CaseReferenceCounter)) is None
        if not database.is_sqlite:
            assert reader.execute(text("SHOW transaction_read_only")).scalar() == "on"
    with database.session() as writer:  # a pooled connection is back to writing
        writer.add(CaseReferenceCounter(year=2026, last_number=1))
    with database.reading() as reader:
        assert reader.scalar(select(CaseReferenceCounter.last_number)) == 1


@pytest.mark.postgres
def test_reads_ahead_of_a_write_leave_sqlite_s_write_lock_alone(database: Database) -> None:
    """On SQLite they are a read-only session of their own, so the write lock is taken by
    the first write; on PostgreSQL they are the writer's own, which costs no transaction."""
    with database.session() as writer, database.reading_ahead(writer) as reader:
        assert reader.scalar(select(CaseReferenceCounter)) is None
        if database.is_sqlite:
            assert reader is not writer
            assert not writer.in_transaction()  # the write lock is not taken yet
            with pytest.raises(ReadOnlySessionError):
                reader.execute(insert(CaseReferenceCounter).values(year=2026, last_number=1))
        else:
            assert reader is writer
        writer.add(CaseReferenceCounter(year=2026, last_number=1))
    with database.reading() as reader:
        assert reader.scalar(select(CaseReferenceCounter.last_number)) == 1


@pytest.mark.postgres
def test_one_holder_at_a_time_has_a_piece_of_work_to_itself(database: Database) -> None:
    """Across processes as across connections: each holds its own."""
    if database.is_sqlite:
        with database.exclusive("work") as first, database.exclusive("work") as second:
            assert first and second, "one host's file: nothing to keep apart"
        return
    other = Database.from_url(database.engine.url.render_as_string(hide_password=False))
    try:
        with (
            database.exclusive("work") as first,
            other.exclusive("work") as second,
            other.exclusive("other work") as third,
        ):
            assert first and not second and third
        with other.exclusive("work") as after:
            assert after, "released when the holder's block ends"
    finally:
        other.dispose()


def test_a_lock_is_its_schemas_own(postgres_schema_url: str | None) -> None:
    """Bots sharing a PostgreSQL server, a schema each, never wait for each other's locks
    (the audit chain's, the partnership file's); within one schema, one holder at a time."""
    base = dbutil.postgres_url()
    if postgres_schema_url is None or base is None:
        pytest.skip(dbutil.POSTGRES_SKIP_REASON)
    elsewhere_url, admin = dbutil.create_postgres_schema(base)  # another bot's schema
    here, same = Database.from_url(postgres_schema_url), Database.from_url(postgres_schema_url)
    elsewhere = Database.from_url(elsewhere_url)
    try:
        with here.session() as holding:
            hold_lock(holding, "work")
            with elsewhere.session() as other:
                other.execute(text("SET LOCAL lock_timeout = '5s'"))
                hold_lock(other, "work")  # at once: the other schema's lock
            with pytest.raises(OperationalError, match="lock timeout"), same.session() as beside:
                beside.execute(text("SET LOCAL lock_timeout = '200ms'"))
                hold_lock(beside, "work")
    finally:
        for database in (here, same, elsewhere):
            database.dispose()
        dbutil.drop_postgres_schema(admin, elsewhere_url)
