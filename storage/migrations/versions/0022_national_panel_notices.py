"""What a case sent the national Child Safeguarding Practice Review Panel: the serious
incident notification (date sent, the national panel's reference) and the rapid review
report (date sent).

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "national_panel_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=True),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_national_panel_notices_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_panel_notices")),
        sa.UniqueConstraint("case_id", "kind", name=op.f("uq_national_panel_notices_case_id_kind")),
    )
    op.create_index(
        op.f("ix_national_panel_notices_case_id"), "national_panel_notices", ["case_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_national_panel_notices_case_id"), table_name="national_panel_notices")
    op.drop_table("national_panel_notices")
