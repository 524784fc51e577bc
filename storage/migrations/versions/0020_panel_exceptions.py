"""A panel member's exception to the no-previous-involvement rule, recorded by the CPU with
its reason (encrypted), by whom and when; and the review panel the Initial Panel names when
it is held (its chair and members, and their answers on previous involvement).

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
    op.create_table(
        "review_panel_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("named_by", sa.String(length=32), nullable=False),
        sa.Column("named_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("involvement", sa.String(length=12), nullable=False),
        sa.Column("involvement_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exception_reason", sa.LargeBinary(), nullable=True),
        sa.Column("excepted_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_review_panel_members_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_panel_members")),
        sa.UniqueConstraint(
            "case_id", "slack_user_id", name=op.f("uq_review_panel_members_case_id_slack_user_id")
        ),
    )
    op.create_index(op.f("ix_review_panel_members_case_id"), "review_panel_members", ["case_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_review_panel_members_case_id"), table_name="review_panel_members")
    op.drop_table("review_panel_members")
    with op.batch_alter_table("panel_members") as batch:
        for column in ("excepted_at", "excepted_by", "exception_reason"):
            batch.drop_column(column)
