"""The migrations: one line of history, matching the models on both databases, reversible."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from storage.db import (
    SCHEMA_REVISION,
    DatabaseNotMigratedError,
    current_revision,
    ensure_migrated,
    make_engine,
)
from storage.migrate import alembic_config, head_revision, upgrade
from storage.models import Base
from tests import dbutil


def test_the_history_has_a_single_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'heads.sqlite3'}")
    script = ScriptDirectory.from_config(alembic_config(engine))
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    assert revisions[-1].down_revision is None
    engine.dispose()


def test_the_revision_the_code_needs_is_the_newest_migration(tmp_path: Path) -> None:
    """A new migration moves `SCHEMA_REVISION` with it: starting processes check the
    database against that constant (without Alembic)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'head.sqlite3'}")
    assert head_revision(engine) == SCHEMA_REVISION
    engine.dispose()


def test_a_database_behind_the_code_is_refused_until_it_is_upgraded(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'behind.sqlite3'}")
    with pytest.raises(DatabaseNotMigratedError, match=r"has no schema yet.*upgrade"):
        ensure_migrated(engine)
    upgrade(engine, "0023")
    with pytest.raises(DatabaseNotMigratedError, match=r"is at revision 0023; .* needs revision"):
        ensure_migrated(engine)
    upgrade(engine)
    ensure_migrated(engine)
    engine.dispose()


@pytest.mark.postgres
def test_the_migrated_schema_matches_the_models(database) -> None:
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(database.engine) == head_revision(database.engine)


@pytest.mark.postgres
def test_a_state_column_refuses_a_value_outside_its_enum(database) -> None:
    """The CHECK constraints hold the state columns even against SQL written by hand."""
    with database.engine.connect() as conn:
        names = {
            check["name"]
            for table in ("tasks", "reminders", "panel_reminders", "cases", "panel_meetings")
            for check in inspect(conn).get_check_constraints(table)
        }
    assert {
        "ck_tasks_task_status",
        "ck_reminders_reminder_status",
        "ck_panel_reminders_reminder_status",
        "ck_cases_setup_status",
        "ck_panel_meetings_meeting_status",
    } <= names
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO agencies (id, name, active) VALUES (1, 'Police', true)"))
    case = (
        "INSERT INTO cases (reference, year, number, process_key, stage, referring_agency_id,"
        " referred_by, referral_date, created_at, criteria, card_pinned, setup_status,"
        " setup_attempts) VALUES ('SCR-2026-001', 2026, 1, 'bolton_scr', 'referral', 1, 'U1',"
        " '2026-11-27', '2026-11-27 10:00:00+00', '[]', false, :status, 0)"
    )
    with database.engine.begin() as conn:
        conn.execute(text(case), {"status": "pending"})
    with pytest.raises(IntegrityError), database.engine.begin() as conn:
        conn.execute(
            text(case.replace("SCR-2026-001', 2026, 1", "SCR-2026-002', 2026, 2")),
            {"status": "paused"},
        )


@pytest.mark.postgres
def test_every_migration_downgrades_to_nothing_and_back(backend: str, tmp_path: Path) -> None:
    if backend == "postgresql":
        base = dbutil.postgres_url()
        assert base is not None
        url, admin = dbutil.create_postgres_schema(base)
    else:
        url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
        fresh = make_engine(url)
        upgrade(fresh)
        fresh.dispose()
    engine = make_engine(url)
    command.downgrade(alembic_config(engine), "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == set(Base.metadata.tables) | {
            "alembic_version"
        }
    engine.dispose()
    if backend == "postgresql":
        dbutil.drop_postgres_schema(admin, url)


def test_jobs_queued_before_subjects_are_given_theirs(tmp_path: Path) -> None:
    """Migration 0026: a job waiting or running when the bot is upgraded names its subject,
    so the jobs of one case keep their order across the upgrade."""
    engine = make_engine(f"sqlite:///{tmp_path / 'subjects.sqlite3'}")
    command.upgrade(alembic_config(engine), "0025")
    with engine.begin() as conn:
        for state, args in [("running", '{"case_id": 3}'), ("pending", '{"meeting_id": 7}')]:
            conn.execute(
                text(
                    "INSERT INTO outbox_jobs (kind, args, state, attempts, next_attempt_at, "
                    "created_at) VALUES ('case_card', :args, :state, 0, :at, :at)"
                ),
                {"args": args, "state": state, "at": "2026-12-01 09:00:00"},
            )
    upgrade(engine)
    with engine.connect() as conn:
        subjects = conn.execute(text("SELECT subject FROM outbox_jobs ORDER BY id")).scalars()
        assert list(subjects) == ["case_id=3", "meeting_id=7"]
    engine.dispose()
