"""Audit chain: each audit entry carries the hash of the one before and its own hash, so that
an entry edited, deleted or inserted behind the bot's back is caught (`scr-bot audit verify`).
Entries already present are chained here, in id order.

Revision ID: 0003
Revises: 0002
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _entry_hash(prev_hash: str, row: Any) -> str:
    """A frozen copy of storage/audit_chain.py `entry_hash` (format 1)."""
    at = row.at
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    detail = row.detail
    if isinstance(detail, str):
        detail = json.loads(detail)
    payload = json.dumps(
        {
            "v": 1,
            "prev": prev_hash,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": row.actor,
            "action": row.action,
            "case_id": row.case_id,
            "detail": detail if detail is not None else {},
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("entry_hash", sa.String(length=64), nullable=True))
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer()),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("case_id", sa.Integer()),
        sa.column("detail", sa.JSON()),
        sa.column("prev_hash", sa.String()),
        sa.column("entry_hash", sa.String()),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            events.c.id,
            events.c.at,
            events.c.actor,
            events.c.action,
            events.c.case_id,
            events.c.detail,
        ).order_by(events.c.id)
    ).all()
    prev = GENESIS
    for row in rows:
        own = _entry_hash(prev, row)
        conn.execute(
            events.update().where(events.c.id == row.id).values(prev_hash=prev, entry_hash=own)
        )
        prev = own
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("entry_hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(op.f("uq_audit_events_prev_hash"), ["prev_hash"])


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_constraint(op.f("uq_audit_events_prev_hash"), type_="unique")
        batch.drop_column("entry_hash")
        batch.drop_column("prev_hash")
