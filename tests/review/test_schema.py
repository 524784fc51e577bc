"""The baseline migration creates the decision's and the review's tables and takes them away again,
and the models agree with the migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import make_engine
from storage.migrate import alembic_config, upgrade
from storage.models import Base

REVIEW_TABLES = {
    "panel_recommendations",
    "chair_decisions",
    "decision_notices",
    "panel_chair_appointments",
    "terms_of_reference",
    "review_extensions",
    "management_reviews",
    "imr_recommendations",
    "worker_interviews",
    "overview_drafts",
    "overview_confirmations",
    "review_findings",
}


def _tables(engine) -> set[str]:
    with engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def test_the_review_tables_match_their_models_and_downgrade_cleanly(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'review.sqlite3'}")
    upgrade(engine)
    assert _tables(engine) >= REVIEW_TABLES
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    command.downgrade(alembic_config(engine), "base")
    assert not REVIEW_TABLES & _tables(engine)
    upgrade(engine)
    assert _tables(engine) >= REVIEW_TABLES
    engine.dispose()
