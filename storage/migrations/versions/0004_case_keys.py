"""Case keys: each case's data key, wrapped by the master key (envelope encryption); destroyed
when the case's personal data is erased under the retention policy. Cases made before this
get their key on first use, or from `scr-bot keys rotate`.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_keys",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_keys_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_keys")),
    )


def downgrade() -> None:
    op.drop_table("case_keys")
