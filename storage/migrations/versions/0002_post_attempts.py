"""Post attempts: one-off messages sent to Slack whose answer has not come back yet, so that
a post that timed out after Slack acted is found and adopted rather than posted again.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "post_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_attempts")),
        sa.UniqueConstraint("key", name=op.f("uq_post_attempts_key")),
    )


def downgrade() -> None:
    op.drop_table("post_attempts")
