"""The migrations: one line of history, matching the models on both databases, reversible."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from storage.db import make_engine
from storage.migrate import alembic_config, current_revision, head_revision, upgrade
from storage.models import Base


def test_the_history_has_a_single_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'heads.sqlite3'}")
    script = ScriptDirectory.from_config(alembic_config(engine))
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    assert revisions[-1].down_revision is None
    engine.dispose()


@pytest.mark.postgres
def test_the_migrated_schema_matches_the_models(database) -> None:
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(database.engine) == head_revision(database.engine)


def test_every_migration_downgrades_to_nothing_and_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}")
    upgrade(engine)
    command.downgrade(alembic_config(engine), "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    with engine.connect() as conn:
        assert {"cases", "tasks", "reminders"} <= set(inspect(conn).get_table_names())
    engine.dispose()
