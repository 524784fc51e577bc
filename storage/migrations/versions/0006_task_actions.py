"""Task actions: a task handed over to one person (`assignee`), and a snooze (until a date,
with its reason, encrypted, and who snoozed it).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("assignee", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("snoozed_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("snooze_reason", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("snoozed_by", sa.String(length=32), nullable=True))
        batch.create_index("ix_tasks_assignee", ["assignee"])


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_assignee")
        batch.drop_column("snoozed_by")
        batch.drop_column("snooze_reason")
        batch.drop_column("snoozed_until")
        batch.drop_column("assignee")
