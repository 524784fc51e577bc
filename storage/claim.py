"""One way to take a row for oneself: a conditional UPDATE whose row count says who won.

Two workers, two clicks of one button, or a retry racing its original all reduce to the same
question: did *this* transaction move the row from the state it expected? The UPDATE's WHERE
clause carries the expected state, so the database answers it atomically on SQLite and
PostgreSQL alike, without a lock held across the caller's work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, CursorResult, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models.base import Base, table_of

M = TypeVar("M", bound=Base)

ConflictInsert = Callable[..., postgresql.Insert | sqlite.Insert]
"""An INSERT that knows ON CONFLICT: PostgreSQL's or SQLite's (`conflict_insert`)."""


def conflict_insert(session: Session) -> ConflictInsert:
    """The INSERT of ``session``'s database, with its ON CONFLICT clauses."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def claim(
    session: Session,
    model: type[Base],
    *where: ColumnElement[bool],
    **values: Any,
) -> int:
    """Set ``values`` on the rows of ``model`` that match ``where``; the number of rows taken.

    Zero means another transaction got there first (or nothing matched): the caller leaves
    the work to it. The session's identity map is not synchronised: refresh a loaded object
    before reading the columns this changed."""
    result = session.execute(
        update(model).where(*where).values(**values).execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount


def claimed(
    session: Session,
    model: type[Base],
    *where: ColumnElement[bool],
    **values: Any,
) -> bool:
    """``claim`` for the usual case: did this transaction take at least one row?"""
    return claim(session, model, *where, **values) > 0


def inserted(session: Session, model: type[Base], **values: Any) -> bool:
    """Insert one row of ``model`` unless a row with the same unique key exists: whether this
    transaction's row went in. A conflict is no error and leaves the transaction usable; on
    PostgreSQL a concurrent insert of the same key is waited for, then counts as existing."""
    return inserted_key(session, model, **values) is not None


def inserted_key(
    session: Session, model: type[Base], *also: ColumnElement[Any], **values: Any
) -> Any | None:
    """`inserted`, returning the new row's primary key (its only column), or None.
    ``also``: expressions the insert evaluates for its new row alone (in RETURNING), such
    as a notice that it went in, at no statement of their own."""
    table = table_of(model)
    statement = conflict_insert(session)(table).values(**values).on_conflict_do_nothing()
    row = session.execute(statement.returning(*table.primary_key.columns, *also)).first()
    return None if row is None else row[0]


def inserted_row(session: Session, model: type[M], key: str, **values: Any) -> M | None:
    """Insert one row of ``model`` unless a row with the same unique ``key`` (a column)
    exists: the new row as the session's own object, read back by the insert itself, or
    None. Any other conflict is an error, as usual."""
    insert = conflict_insert(session)(model).values(**values)
    statement = insert.on_conflict_do_nothing(index_elements=[key])
    return session.scalars(statement.returning(model)).first()
