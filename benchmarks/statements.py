"""What one SQL statement costs the bot's own process, layer by layer:
`python -m benchmarks.statements`.

The same read (an agency's name, by its id) in a transaction of its own, then with more of
the same statement in that transaction, through each layer the bot could run it by: the ORM
as the bot's services write it (the statement built at each call and run by a `Session`),
the ORM loading the row as an object, the statement built once and run on the session's
connection (SQLAlchemy Core), and the driver's cursor alone; and the ORM's with SQLAlchemy's
compiled-statement cache off, which is what a process pays the first time it runs each
statement. Prints this process's CPU time per transaction and per statement more (the
database server's own is apart), on SQLite and, with `--postgres URL`, on PostgreSQL."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import bindparam, select

from benchmarks.tick import postgres_url, sqlite_url
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Agency

Read = Callable[[Database, int, int], object]
"""One transaction of ``count`` reads of agency ``agency_id``."""

NAME_BY_ID = select(Agency.name).where(Agency.id == bindparam("agency_id"))
"""The read, built once."""


def orm_built_each_time(db: Database, agency_id: int, count: int) -> object:
    with db.reading() as session:
        for _ in range(count):
            name = session.scalar(select(Agency.name).where(Agency.id == agency_id))
    return name


def orm_object(db: Database, agency_id: int, count: int) -> object:
    with db.reading() as session:
        for _ in range(count):
            agency = session.scalar(
                select(Agency)
                .where(Agency.id == agency_id)
                .execution_options(populate_existing=True)
            )
    return agency


def core_built_once(db: Database, agency_id: int, count: int) -> object:
    with db.reading() as session:
        connection = session.connection()
        for _ in range(count):
            name = connection.execute(NAME_BY_ID, {"agency_id": agency_id}).scalar()
    return name


def driver_alone(db: Database, agency_id: int, count: int) -> object:
    sql = "SELECT name FROM agencies WHERE id = " + ("?" if db.is_sqlite else "%s")
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        for _ in range(count):
            cursor.execute(sql, (agency_id,))
            name = cursor.fetchone()
        cursor.close()
        connection.commit()
    finally:
        connection.close()
    return name


def orm_compiled_each_time(db: Database, agency_id: int, count: int) -> object:
    with db.reading() as session:
        session.connection(execution_options={"compiled_cache": None})
        for _ in range(count):
            name = session.scalar(select(Agency.name).where(Agency.id == agency_id))
    return name


LAYERS: tuple[tuple[str, Read], ...] = (
    ("the ORM, the statement built at each call", orm_built_each_time),
    ("the ORM, loading the row as an object", orm_object),
    ("SQLAlchemy Core, built once, on the session's connection", core_built_once),
    ("the driver's cursor alone", driver_alone),
    ("the ORM compiling it (as at a process's first run)", orm_compiled_each_time),
)


def cpu_us(read: Read, db: Database, agency_id: int, count: int, runs: int) -> float:
    """This process's CPU microseconds per transaction of ``count`` reads, over ``runs``."""
    started = time.process_time()
    for _ in range(runs):
        read(db, agency_id, count)
    return (time.process_time() - started) / runs * 1e6


@contextmanager
def database(postgres: str | None) -> Iterator[tuple[Database, int]]:
    """A migrated database of its own (a temporary SQLite file, or a PostgreSQL schema
    dropped afterwards) holding one agency: the database and the agency's id."""
    with sqlite_url() if postgres is None else postgres_url(postgres) as url:
        db = Database.from_url(url)
        try:
            upgrade(db.engine)
            with db.session() as session:
                agency = Agency(name="Health", active=True)
                session.add(agency)
                session.flush()
                agency_id = agency.id
            yield db, agency_id
        finally:
            db.dispose()


def measure(postgres: str | None, runs: int, rounds: int) -> list[tuple[str, float, float]]:
    """Each layer: CPU microseconds for a transaction of one read, and per read more; the
    median of ``rounds``, which take the layers in turn (a machine whose speed drifts moves
    them all), after a round to warm each (the pool's connection, the compiled statement)."""
    taken: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in LAYERS}
    with database(postgres) as (db, agency_id):
        for turn in range(rounds + 1):
            for label, read in LAYERS:
                one = cpu_us(read, db, agency_id, 1, runs)
                five = cpu_us(read, db, agency_id, 5, runs)
                if turn:
                    taken[label].append((one, (five - one) / 4))
    return [
        (
            label,
            statistics.median(one for one, _ in taken[label]),
            statistics.median(more for _, more in taken[label]),
        )
        for label, _ in LAYERS
    ]


def report(where: str, rows: Sequence[tuple[str, float, float]], runs: int, rounds: int) -> None:
    print(
        f"one statement, {where}: this process's CPU (µs), median of {rounds} rounds of "
        f"{runs} transactions"
    )
    print(f"  {'':58}{'a transaction of one':>22}{'each one more':>15}")
    for label, one, more in rows:
        print(f"  {label:<58}{one:>22.0f}{more:>15.0f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.statements", description=__doc__)
    parser.add_argument("--runs", type=int, default=300, help="transactions per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL as well as SQLite")
    args = parser.parse_args(argv)
    backends = [("SQLite", None)] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
    for index, (where, url) in enumerate(backends):
        if index:
            print()
        report(where, measure(url, args.runs, args.rounds), args.runs, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
