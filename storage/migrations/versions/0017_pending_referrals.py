"""Referrals waiting for their identifying details from the web case room: the Slack part's
answers (nothing identifying), the one-time link's hashed token, reminder and expiry.

Revision ID: 0017
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("referrer", sa.String(length=32), nullable=False),
        sa.Column("referring_agency_id", sa.Integer(), nullable=False),
        sa.Column("source_view_id", sa.String(length=64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referring_agency_id"],
            ["agencies.id"],
            name=op.f("fk_pending_referrals_referring_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_referrals")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_pending_referrals_token_hash")),
        sa.UniqueConstraint("source_view_id", name=op.f("uq_pending_referrals_source_view_id")),
    )
    op.create_index(op.f("ix_pending_referrals_referrer"), "pending_referrals", ["referrer"])
    op.create_index(op.f("ix_pending_referrals_expires_at"), "pending_referrals", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_pending_referrals_expires_at"), table_name="pending_referrals")
    op.drop_index(op.f("ix_pending_referrals_referrer"), table_name="pending_referrals")
    op.drop_table("pending_referrals")
