"""The framework in full: the questions the panel answers with its recommendation, reviews
directed by the Secretary of State or requested by OFSTED, the interval of progress returns
the Board agrees, and the Board's steps after the overview report.

Revision ID: 0014
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def _case_id(unique: bool = False) -> sa.Column[int]:
    return sa.Column(
        "case_id",
        sa.Integer(),
        sa.ForeignKey("cases.id", ondelete="CASCADE"),
        nullable=False,
        unique=unique,
        index=not unique,
    )


def upgrade() -> None:
    with op.batch_alter_table("panel_recommendations") as batch:
        batch.add_column(sa.Column("questions", sa.LargeBinary(), nullable=True))
    op.create_table(
        "review_directions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _case_id(unique=True),
        sa.Column("directed_by", sa.String(24), nullable=False),
        sa.Column("directed_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "report_follow_ups",
        sa.Column("id", sa.Integer(), primary_key=True),
        _case_id(),
        sa.Column("step", sa.String(60), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("done_by", sa.String(32), nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.Column("recorded_by", sa.String(32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("case_id", "step"),
    )
    op.create_table(
        "monitoring_intervals",
        sa.Column("id", sa.Integer(), primary_key=True),
        _case_id(),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("from_round", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(32), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("monitoring_intervals")
    op.drop_table("report_follow_ups")
    op.drop_table("review_directions")
    with op.batch_alter_table("panel_recommendations") as batch:
        batch.drop_column("questions")
