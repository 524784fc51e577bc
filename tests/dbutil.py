"""Test databases: a migrated SQLite file per test, and a migrated PostgreSQL schema per run."""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from storage.db import Database, make_engine
from storage.migrate import upgrade
from storage.models import Base

POSTGRES_SKIP_REASON = (
    "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test); "
    "CI sets it"
)


def postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def forget_compiled_statements() -> None:
    """Each test's engine has its own dialect, and the ORM keeps the statements it compiled
    for each dialect in a cache per mapper; emptied between tests, a long run neither grows
    nor slows down in garbage collection (one engine per process never needs this)."""
    for mapper in Base.registry.mappers:
        mapper._compiled_cache.clear()


def migrated_sqlite_template(folder: Path) -> Path:
    path = folder / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def sqlite_copy(template: Path, folder: Path) -> Database:
    path = folder / "scr.sqlite3"
    shutil.copyfile(template, path)
    return Database.from_url(f"sqlite:///{path}")


def create_postgres_schema(base_url: str) -> tuple[str, Engine]:
    """A schema of our own inside the shared test database, dropped at the end of the run."""
    schema = f"scr_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base_url else "?"
    url = f"{base_url}{sep}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    return url, admin


def drop_postgres_schema(admin: Engine, url: str) -> None:
    schema = url.rsplit("%3D", 1)[1]
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def truncate_all(database: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def sqlite_file_bytes(database: Database) -> bytes:
    """Everything on disk for a SQLite database: the main file after a checkpoint, plus any
    write-ahead log left over."""
    path = Path(database.engine.url.database or "")
    database.engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def went_away(statement: str) -> OperationalError:
    """What the database going away during ``statement`` raises."""
    return OperationalError(statement, {}, Exception("the database went away"))


def fail_once(monkeypatch: Any, owner: object, name: str, statement: str) -> None:
    """``owner.name`` raises, the first time it is called, what the database going away
    during ``statement`` raises; afterwards it is itself again."""
    real = getattr(owner, name)
    failures = iter([went_away(statement)])

    def failing_once(*args: Any, **kwargs: Any) -> Any:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, failing_once)
