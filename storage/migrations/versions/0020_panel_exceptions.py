"""A panel member's exception to the no-previous-involvement rule, recorded by the CPU with
its reason (encrypted), by whom and when.

Revision ID: 0020
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("panel_members") as batch:
        batch.add_column(sa.Column("exception_reason", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("excepted_by", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("excepted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("panel_members") as batch:
        for column in ("excepted_at", "excepted_by", "exception_reason"):
            batch.drop_column(column)
