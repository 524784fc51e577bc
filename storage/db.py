"""Engine, sessions, and the migration state check."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker


class DatabaseNotMigratedError(RuntimeError):
    pass


SCHEMA_REVISION = "0026"
"""The newest migration in storage/migrations/versions: the schema this code needs. Kept
here so that a starting process checks it with one query, without loading Alembic (about
12 MB in each long-running process); a test holds it to Alembic's own head."""


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (Alembic's `alembic_version`); None if it has none."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        version = conn.scalar(text("SELECT version_num FROM alembic_version"))
    return None if version is None else str(version)


def ensure_migrated(engine: Engine) -> None:
    """Refuse to run on a database whose schema is not `SCHEMA_REVISION`."""
    current = current_revision(engine)
    if current != SCHEMA_REVISION:
        state = "has no schema yet" if current is None else f"is at revision {current}"
        raise DatabaseNotMigratedError(
            f"The database {state}; this version of scr-bot needs revision {SCHEMA_REVISION}. "
            "Run `scr-bot db upgrade` first."
        )


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS},
            hide_parameters=True,
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        _WriterQueue().attach(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    engine = create_engine(url, hide_parameters=True, **kwargs)
    _PingWhenIdle(engine.dialect).attach(engine)
    return engine


PING_AFTER_IDLE = 1.0
"""Seconds a pooled PostgreSQL connection may lie unused and still be handed out unchecked."""


class _PingWhenIdle:
    """SQLAlchemy's ``pool_pre_ping``, but only for a connection that lay in the pool longer
    than `PING_AFTER_IDLE`: one the server may have closed meanwhile (a restart, a failover,
    an idle timeout) is replaced before anyone uses it. Pre-ping checks every checkout, one
    round trip more for each transaction; in a burst of referrals, eleven a referral, and
    connections handed back and out again within milliseconds."""

    RETURNED = "scr_returned_at"

    def __init__(self, dialect: Any) -> None:
        self._dialect = dialect

    def attach(self, engine: Engine) -> None:
        event.listen(engine.pool, "checkin", self.checkin)
        event.listen(engine.pool, "checkout", self.checkout)

    def checkin(self, dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None:
            record.info[self.RETURNED] = time.monotonic()

    def checkout(self, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(self.RETURNED)  # none yet: a fresh connection
        if returned is None or time.monotonic() - returned < PING_AFTER_IDLE:
            return
        try:
            self._dialect.do_ping(dbapi_connection)
        except self._dialect.loaded_dbapi.Error as exc:
            # the pool drops this connection and hands out a new one
            raise DisconnectionError("the database closed an idle connection") from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.close()


SQLITE_BUSY_SECONDS = 30
"""How long a SQLite writer waits for the write lock before it gives up."""

READ_ONLY = "scr_read_only"
"""The execution option that marks a connection's transactions as reads."""


class _WriterQueue:
    """A SQLite transaction that may write takes the write lock when it begins. A deferred
    transaction that reads and then writes fails at once ("database is locked") when another
    connection wrote in between; an immediate one waits its turn instead. A read-only
    transaction (`Database.reading`) begins deferred: in WAL mode it reads its snapshot
    beside the writer and never waits for the lock.

    Writers of one engine (the threads of one process) queue on a lock of their own before
    they ask SQLite, and each is woken the moment the one before it ends. SQLite's own wait
    (busy_timeout) polls with sleeps of up to 100 ms, so a writer queued behind several
    others would otherwise sleep past its turn; busy_timeout is still what waits for another
    process."""

    HELD = "scr_sqlite_writer"

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "begin", self.begin)
        event.listen(engine, "commit", self.end)
        event.listen(engine, "rollback", self.end)
        event.listen(engine.pool, "reset", self.reset)
        event.listen(engine.pool, "invalidate", self.invalidate)

    def begin(self, connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        # a writer that waited this long goes on to SQLite's own wait (and its error)
        if self._lock.acquire(timeout=SQLITE_BUSY_SECONDS):
            connection.info[self.HELD] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.end(connection)
            raise

    def end(self, connection: Any) -> None:
        self._release(connection.info)

    def reset(self, dbapi_connection: Any, connection_record: Any, reset_state: Any) -> None:
        """A connection back in the pool without its transaction ended through SQLAlchemy."""
        self._release(connection_record.info)

    def invalidate(self, dbapi_connection: Any, connection_record: Any, exception: Any) -> None:
        self._release(connection_record.info)

    def _release(self, info: dict[Any, Any]) -> None:
        if info.pop(self.HELD, False):
            self._lock.release()


def hold_lock(session: Session, name: str) -> None:
    """Serialise a piece of work across processes until ``session``'s transaction ends: a
    transaction-scoped advisory lock on PostgreSQL, the schema's own (`_lock_key`); on SQLite
    the transaction's write lock (BEGIN IMMEDIATE) already does it."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(_TRANSACTION_LOCK, {"key": _lock_key(name)})


_KEYS = ":key, hashtext(coalesce(current_schema(), ''))"
"""An advisory lock's two keys: the name's, and the schema's, so that bots sharing a server
(a schema each) never wait for each other's locks, at no extra round trip."""
_TRANSACTION_LOCK = text(f"SELECT pg_advisory_xact_lock({_KEYS})")


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), signed=True)


class ReadOnlySessionError(RuntimeError):
    """A change was made in a session opened for reading."""


def _refuse_write_statements(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
    """A write statement in a read-only session fails, on SQLite too (where the transaction
    would otherwise take the write lock and then roll the change back unseen)."""
    if connection.get_execution_options().get(READ_ONLY) and statement.lstrip()[:7].upper() in (
        "INSERT ",
        "UPDATE ",
        "DELETE ",
    ):
        raise ReadOnlySessionError("a read-only session may not change anything")


class Database:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # psycopg begins a read-only connection's transactions READ ONLY (no extra statement)
        readonly = {"postgresql_readonly": True} if engine.dialect.name == "postgresql" else {}
        self._readers = sessionmaker(
            engine.execution_options(**{READ_ONLY: True}, **readonly), expire_on_commit=False
        )
        if not event.contains(engine, "before_cursor_execute", _refuse_write_statements):
            event.listen(engine, "before_cursor_execute", _refuse_write_statements)

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(make_engine(url))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """Whether this process has ``name`` to itself across its block, without waiting:
        on PostgreSQL a session advisory lock on a connection of its own (released when the
        block ends, or when the process dies and its connection with it); on SQLite, one
        host's file, always ``True``. The lock is the schema's: bots sharing a server keep apart."""
        if self.is_sqlite:
            yield True
            return
        with self.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            key = {"key": _lock_key(name)}
            held = bool(connection.scalar(text(f"SELECT pg_try_advisory_lock({_KEYS})"), key))
            try:
                yield held
            finally:
                if held:
                    connection.execute(text(f"SELECT pg_advisory_unlock({_KEYS})"), key)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work: on SQLite it does not take the write lock, so it neither
        waits for a writer nor holds one up; on PostgreSQL it is a READ ONLY transaction.
        A change made in it is refused when it would be flushed; one never flushed is dropped.
        It ends with COMMIT, which after reads alone is what ROLLBACK is; but psycopg forgets
        a connection's prepared statements at each ROLLBACK, and PostgreSQL would parse and
        plan the next statements on that connection anew."""
        session = self._readers()
        try:
            yield session
            session.expunge_all()  # what was never flushed is not written by the commit
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reading_ahead(self, writer: Session) -> Iterator[Session]:
        """Where to read what a write then depends on (a referral's checks): on SQLite a
        read-only session of its own, so the reads do not hold the write lock that every
        writer queues for; on PostgreSQL, which has no such lock, ``writer`` itself, so the
        reads cost no transaction of their own."""
        if not self.is_sqlite:
            yield writer
            return
        with self.reading() as session:
            yield session

    def ping(self) -> bool:
        """Whether the database answers (`/healthz`); committed, not rolled back (`reading`)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                conn.commit()
            return True
        except Exception:
            return False

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()
