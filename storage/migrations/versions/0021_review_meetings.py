"""What a panel meeting is for: the Initial Panel ("initial") or a later meeting of the
review panel ("review"), invited with the same calendar machinery.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("panel_meetings") as batch:
        batch.add_column(
            sa.Column("purpose", sa.String(length=12), nullable=False, server_default="initial")
        )


def downgrade() -> None:
    with op.batch_alter_table("panel_meetings") as batch:
        batch.drop_column("purpose")
