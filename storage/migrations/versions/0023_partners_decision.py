"""The safeguarding partners' decision on a local review: each partner's answer, the
decision once the three leads agree, and the national panel's view (its reason encrypted).

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _case_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["case_id"], ["cases.id"], name=op.f(f"fk_{table}_case_id_cases"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "partner_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(length=24), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("answered_by", sa.String(length=32), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        _case_fk("partner_answers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_answers")),
        sa.UniqueConstraint("case_id", "partner", name=op.f("uq_partner_answers_case_id_partner")),
    )
    op.create_index(op.f("ix_partner_answers_case_id"), "partner_answers", ["case_id"])
    op.create_table(
        "local_review_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        _case_fk("local_review_decisions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_review_decisions")),
        sa.UniqueConstraint("case_id", name=op.f("uq_local_review_decisions_case_id")),
    )
    op.create_table(
        "national_panel_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("view", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.LargeBinary(), nullable=True),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _case_fk("national_panel_views"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_panel_views")),
        sa.UniqueConstraint("case_id", name=op.f("uq_national_panel_views_case_id")),
    )


def downgrade() -> None:
    op.drop_table("national_panel_views")
    op.drop_table("local_review_decisions")
    op.drop_index(op.f("ix_partner_answers_case_id"), table_name="partner_answers")
    op.drop_table("partner_answers")
