"""Referrals received and not yet opened as cases: the submission stores one sealed row and
answers; the outbox's job opens the case from it.

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "received_referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_view_id", sa.String(length=64), nullable=False),
        sa.Column("referrer", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_referrals")),
        sa.UniqueConstraint("source_view_id", name=op.f("uq_received_referrals_source_view_id")),
    )


def downgrade() -> None:
    op.drop_table("received_referrals")
