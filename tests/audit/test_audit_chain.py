"""The audit trail is a hash chain: untouched it verifies; an entry edited or deleted behind the
bot's back is caught and named (id, time, action, never its details); concurrent writers still
give one chain; rows present before the chain existed are chained by the migration."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select, text

from bot.cli import main
from bot.services.cases import audit
from storage.audit_chain import entry_hash
from storage.db import Database, make_engine
from storage.migrate import alembic_config, upgrade
from storage.models import AuditEvent
from tests import dbutil
from tests.reminders.reminder_helpers import open_case

SECRET = "Demo Child seen at 1 Example Street"


def _verify_cli(database: Database, monkeypatch, capsys) -> tuple[int, str]:
    url = database.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    code = main(["audit", "verify"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _ids(database: Database) -> list[int]:
    with database.session() as session:
        return list(session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


@pytest.mark.postgres
def test_the_bots_own_trail_verifies(harness, monkeypatch, capsys) -> None:
    open_case(harness)
    database = harness.runtime.db
    ids = _ids(database)
    assert len(ids) >= 3

    with database.session() as session:
        report = audit.verify_chain(session)
        first = session.get(AuditEvent, ids[0])
        assert first is not None and first.prev_hash == "0" * 64
    assert report.intact and report.entries == len(ids)

    code, output = _verify_cli(database, monkeypatch, capsys)
    assert code == 0
    assert f"audit chain intact: {len(ids)} entries" in output


@pytest.mark.postgres
def test_a_detail_edited_behind_the_bots_back_is_caught_and_named(
    harness, monkeypatch, capsys
) -> None:
    open_case(harness)
    database = harness.runtime.db
    ids = _ids(database)
    victim = ids[len(ids) // 2]
    with database.session() as session:
        event = session.get(AuditEvent, victim)
        assert event is not None
        action, at = event.action, event.at
    with database.engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_events SET detail = :d WHERE id = :id"),
            {"d": f'{{"note": "{SECRET}"}}', "id": victim},
        )

    with database.session() as session:
        report = audit.verify_chain(session)
    assert report.broken is not None
    assert (report.broken.id, report.broken.action, report.broken.at) == (victim, action, at)
    assert report.entries == ids.index(victim)

    code, output = _verify_cli(database, monkeypatch, capsys)
    assert code == 1
    assert f"entry {victim}" in output and action in output and at.isoformat() in output
    assert "edited" in output
    assert SECRET not in output and "Example" not in output


@pytest.mark.postgres
def test_a_deleted_entry_is_caught_at_the_one_after_it(harness, monkeypatch, capsys) -> None:
    open_case(harness)
    database = harness.runtime.db
    ids = _ids(database)
    gone, after = ids[1], ids[2]
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": gone})

    with database.session() as session:
        report = audit.verify_chain(session)
    assert report.broken is not None and report.broken.id == after
    assert "deleted" in report.broken.reason

    code, output = _verify_cli(database, monkeypatch, capsys)
    assert code == 1 and f"entry {after}" in output


@pytest.mark.postgres
def test_an_entry_rewritten_with_its_own_hash_still_breaks_the_next_link(database) -> None:
    """Recomputing the edited entry's own hash moves the break to the entry after it."""
    at = datetime(2026, 11, 27, 10, tzinfo=UTC)
    with database.session() as session:
        for n in range(3):
            audit.record(session, at=at, actor="bot", action=f"test.{n}", n=n)
    ids = _ids(database)
    forged = entry_hash(
        prev_hash="0" * 64, at=at, actor="bot", action="test.0", case_id=None, detail={"n": 9}
    )
    with database.engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_events SET detail = :d, entry_hash = :h WHERE id = :id"),
            {"d": '{"n": 9}', "h": forged, "id": ids[0]},
        )
    with database.session() as session:
        report = audit.verify_chain(session)
    assert report.broken is not None and report.broken.id == ids[1]


@pytest.mark.postgres
def test_concurrent_writers_keep_one_chain(database) -> None:
    per_thread, threads = 15, 2
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []
    start = datetime(2026, 11, 27, 10, tzinfo=UTC)

    def write(worker: int) -> None:
        try:
            for n in range(per_thread):
                barrier.wait(timeout=30)
                with database.session() as session:
                    audit.record(
                        session,
                        at=start + timedelta(seconds=n),
                        actor=f"U{worker}",
                        action="test.concurrent",
                        n=n,
                    )
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    pool = [threading.Thread(target=write, args=(w,)) for w in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert errors == []

    with database.session() as session:
        report = audit.verify_chain(session)
        total = session.scalar(select(func.count()).select_from(AuditEvent))
    assert report.intact and report.entries == total == per_thread * threads


@pytest.mark.postgres
def test_the_migration_chains_the_entries_already_there(backend: str, tmp_path: Path) -> None:
    if backend == "postgresql":
        base = dbutil.postgres_url()
        assert base is not None
        url, admin = dbutil.create_postgres_schema(base)
        engine = make_engine(url)
        command.downgrade(alembic_config(engine), "0002")
    else:
        url = f"sqlite:///{tmp_path / 'before.sqlite3'}"
        engine = make_engine(url)
        upgrade(engine, "0002")
    with engine.begin() as conn:
        for n, at in enumerate(["2026-11-27 10:00:00.123456+00", "2026-11-27 11:00:00+00"]):
            conn.execute(
                text(
                    "INSERT INTO audit_events (at, actor, action, case_id, detail)"
                    " VALUES (:at, 'bot', :action, NULL, :detail)"
                ),
                {
                    "at": datetime.fromisoformat(at) if backend == "postgresql" else at[:-3],
                    "action": f"old.{n}",
                    "detail": f'{{"z": {n}, "a": ["x", "é"]}}',
                },
            )
    upgrade(engine)
    database = Database(engine)
    with database.session() as session:
        report = audit.verify_chain(session)
        assert report.intact and report.entries == 2
        later = audit.record(
            session, at=datetime(2026, 11, 28, tzinfo=UTC), actor="bot", action="new"
        )
        head = report.head
    assert later.prev_hash == head, "it joined the chain at the head, on commit"
    with database.session() as session:
        assert audit.verify_chain(session).entries == 3
    engine.dispose()
    if backend == "postgresql":
        dbutil.drop_postgres_schema(admin, url)


def test_verify_refuses_an_unmigrated_database(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert main(["audit", "verify"]) == 2
    assert "db upgrade" in capsys.readouterr().err
