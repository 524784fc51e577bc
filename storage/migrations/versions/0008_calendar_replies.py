"""Answers read back from calendar replies by e-mail: which revision set the meeting's
current time (a reply to an earlier time is not an answer to this one), and whether a
member's answer came by e-mail.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("panel_meetings") as batch:
        batch.add_column(sa.Column("time_sequence", sa.Integer(), nullable=True))
    with op.batch_alter_table("panel_members") as batch:
        batch.add_column(sa.Column("answered_by_email", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("panel_members") as batch:
        batch.drop_column("answered_by_email")
    with op.batch_alter_table("panel_meetings") as batch:
        batch.drop_column("time_sequence")
