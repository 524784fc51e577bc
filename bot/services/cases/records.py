"""Every row held on one case, found through the models' metadata rather than a fixed list, so
that a table added later is not left out: the `cases` row, every table with a `case_id`, and
every table whose rows hang off one of those through a foreign key (a meeting's panel members,
a management review's recommendations), to any depth.

Encrypted columns are the `LargeBinary` ones, each a value under the case's data key (or, from
before per-case keys, under the master key); the case's wrapped data key is key material, not a
value of the case.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    Select,
    Table,
    bindparam,
    exists,
    false,
    select,
)
from sqlalchemy.orm import Session

from storage.models import Base

Present = frozenset[type[Base]]
"""The tables a case has rows in, of those asked about (`holding_rows`)."""

KEY_MATERIAL = frozenset({("case_keys", "wrapped_key")})
"""Columns holding keys, never exported nor treated as a value of the case."""


@dataclass(frozen=True)
class CaseTable:
    table: Table
    rows: list[dict[str, Any]]


def encrypted_columns(table: Table) -> list[Column[Any]]:
    return [
        column
        for column in table.c
        if isinstance(column.type, LargeBinary) and (table.name, column.name) not in KEY_MATERIAL
    ]


def is_key_material(table: Table, name: str) -> bool:
    return (table.name, name) in KEY_MATERIAL


def case_tables(session: Session, case_id: int) -> list[CaseTable]:
    """Every table's rows of the case (an empty list for a table with none), in the order
    they were reached, each table's rows in primary-key order."""
    found: list[CaseTable] = []
    ids: dict[str, set[Any]] = {}
    cases = Base.metadata.tables["cases"]
    found.append(_take(session, cases, cases.c.id == case_id, ids))
    pending = [t for t in Base.metadata.sorted_tables if t.name != "cases"]
    progress = True
    while progress:
        progress = False
        for table in list(pending):
            where = _belongs(table, case_id, ids)
            if where is None:
                continue
            found.append(_take(session, table, where, ids))
            pending.remove(table)
            progress = True
    return found


def _belongs(table: Table, case_id: int, ids: dict[str, set[Any]]) -> Any:
    """The condition for `table`'s rows of the case, or None while it is not (yet) reachable."""
    if "case_id" in table.c:
        return table.c.case_id == case_id
    for column in table.c:
        for fk in column.foreign_keys:
            parent = fk.column.table.name
            if parent in ids and parent != "cases":
                return column.in_(sorted(ids[parent])) if ids[parent] else false()
    return None


def _take(session: Session, table: Table, where: Any, ids: dict[str, set[Any]]) -> CaseTable:
    order = list(table.primary_key.columns)
    result = session.execute(select(table).where(where).order_by(*order)).mappings()
    rows = [dict(row) for row in result]
    if "id" in table.c:
        ids[table.name] = {row["id"] for row in rows}
    return CaseTable(table, rows)


def holding_rows(session: Session, case_id: int, models: Sequence[type[Base]]) -> Present:
    """Those of ``models`` (each with a `case_id`) holding any row of the case, asked in one
    statement: the case card reads only the sections a case has something in (a young case
    has nothing in most)."""
    found = session.execute(_holding_statement(tuple(models)), {"case_id": case_id}).one()
    return frozenset(model for model, there in zip(models, found, strict=True) if there)


@functools.cache
def _holding_statement(models: tuple[type[Base], ...]) -> Select[*tuple[bool, ...]]:
    """Built once for each set of models (every card asks the same): building it is most
    of what asking costs."""
    case_id = bindparam("case_id", type_=Integer)
    return select(*(exists().where(model.__table__.c.case_id == case_id) for model in models))
