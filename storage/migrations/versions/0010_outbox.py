"""The outbox: Slack jobs queued in the transaction that decided them (a case's set-up, a card
to redraw, a message to send), drained by the scheduler with a lease, retries and back-off.
Cases whose set-up had not finished get their set-up job here.

Revision ID: 0010
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=160), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "running",
                "done",
                "failed",
                name="job_state",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_jobs")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_jobs_dedupe_key")),
    )
    op.create_index("ix_outbox_jobs_due", "outbox_jobs", ["state", "next_attempt_at"])
    args = "'{\"case_id\": ' || id || '}'"
    if op.get_bind().dialect.name == "postgresql":
        args = f"CAST({args} AS JSON)"
    op.execute(
        "INSERT INTO outbox_jobs (kind, args, dedupe_key, state, attempts, next_attempt_at,"
        f" created_at) SELECT 'case_setup', {args}, 'case:' || id || ':' || 'setup', 'pending', 0,"
        " COALESCE(setup_retry_at, created_at), created_at"
        " FROM cases WHERE setup_status <> 'complete'"
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_jobs_due", table_name="outbox_jobs")
    op.drop_table("outbox_jobs")
