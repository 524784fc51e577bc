"""The baseline migration creates the first month's tables, as the models describe them, and
goes down cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import make_engine
from storage.migrate import alembic_config, upgrade
from storage.models import Base

FIRST_MONTH_TABLES = {
    "task_answers",
    "chronology_batches",
    "chronology_entries",
    "agency_synopses",
    "review_periods",
    "chronology_exports",
}


def _ours(difference: object) -> bool:
    """A difference that concerns one of this migration's tables."""
    return any(table in repr(difference) for table in FIRST_MONTH_TABLES)


@pytest.mark.postgres
def test_the_first_month_tables_match_their_models(database) -> None:
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = [d for d in compare_metadata(context, Base.metadata) if _ours(d)]
        tables = set(inspect(conn).get_table_names())
    assert differences == []
    assert tables >= FIRST_MONTH_TABLES


def test_the_first_month_tables_go_down_and_up_again(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'down.sqlite3'}")
    upgrade(engine)
    command.downgrade(alembic_config(engine), "base")
    with engine.connect() as conn:
        left = set(inspect(conn).get_table_names())
    assert not FIRST_MONTH_TABLES & left
    upgrade(engine)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= FIRST_MONTH_TABLES
    engine.dispose()
