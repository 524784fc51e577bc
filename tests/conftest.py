from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FrozenClock
from bot.testing.harness import Harness, seed_people, start_harness
from bot.testing.standin import SlackStandIn
from storage.db import Database
from tests import dbutil

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 11, 27, 10, 0, tzinfo=LONDON)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked `postgres` run on both backends; the rest on SQLite."""
    if "backend" in metafunc.fixturenames:
        marked = metafunc.definition.get_closest_marker("postgres") is not None
        metafunc.parametrize(
            "backend", ["sqlite", "postgresql"] if marked else ["sqlite"], indirect=True
        )


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgresql" and dbutil.postgres_url() is None:
        pytest.skip(dbutil.POSTGRES_SKIP_REASON)
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dbutil.migrated_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str | None]:
    base = dbutil.postgres_url()
    if base is None:
        yield None
        return
    url, admin = dbutil.create_postgres_schema(base)
    yield url
    dbutil.drop_postgres_schema(admin, url)


@pytest.fixture
def database(
    backend: str, sqlite_template: Path, postgres_schema_url: str | None, tmp_path: Path
) -> Iterator[Database]:
    if backend == "postgresql":
        assert postgres_schema_url is not None
        db = Database.from_url(postgres_schema_url)
        dbutil.truncate_all(db)
    else:
        db = dbutil.sqlite_copy(sqlite_template, tmp_path)
    yield db
    db.dispose()
    dbutil.forget_compiled_statements()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    server = SlackStandIn().start()
    seed_people(server)
    yield server
    server.stop()
    assert server.violations == [], f"the bot broke Slack's rules: {server.violations}"


@pytest.fixture
def harness(standin: SlackStandIn, database: Database, clock: FrozenClock) -> Iterator[Harness]:
    h = start_harness(standin, database, clock)
    yield h
    h.close()
