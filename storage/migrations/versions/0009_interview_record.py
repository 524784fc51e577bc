"""Interviews as Appendix 2 records them: the matters to cover and those covered, the
briefing pack sent, staff care arranged; and an interview's cancellation.

Revision ID: 0009
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("worker_interviews") as batch:
        batch.add_column(sa.Column("matters", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("matters_covered", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("briefing_sent_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("staff_care", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("cancelled_by", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("worker_interviews") as batch:
        for column in (
            "cancelled_at",
            "cancelled_by",
            "staff_care",
            "briefing_sent_on",
            "matters_covered",
            "matters",
        ):
            batch.drop_column(column)
