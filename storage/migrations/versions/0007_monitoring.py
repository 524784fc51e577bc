"""monitoring: action plan, progress returns, sign-off, people who left

Revision ID: 0007
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deactivated_users",
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("slack_user_id", name=op.f("pk_deactivated_users")),
    )
    op.create_table(
        "case_sign_offs",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_off_by", sa.String(length=32), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archive_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_sign_offs_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_sign_offs")),
    )
    op.create_table(
        "monitoring_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("round_no", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_summary_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("complete_summary_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_monitoring_rounds_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_rounds")),
        sa.UniqueConstraint(
            "case_id", "round_no", name=op.f("uq_monitoring_rounds_case_id_round_no")
        ),
    )
    with op.batch_alter_table("monitoring_rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monitoring_rounds_case_id"), ["case_id"], unique=False)

    op.create_table(
        "recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("action", sa.LargeBinary(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("expected_outcome", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("closure_reason", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_view_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_recommendations_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_recommendations_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendations")),
        sa.UniqueConstraint("case_id", "number", name=op.f("uq_recommendations_case_id_number")),
    )
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recommendations_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_recommendations_source_view_id"), ["source_view_id"], unique=False
        )

    op.create_table(
        "progress_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("round_no", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.LargeBinary(), nullable=False),
        sa.Column("reason", sa.LargeBinary(), nullable=True),
        sa.Column("evidence", sa.LargeBinary(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("submitted_by", sa.String(length=32), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_view_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_progress_returns_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_progress_returns_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_progress_returns_task_id_tasks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_returns")),
        sa.UniqueConstraint(
            "recommendation_id",
            "round_no",
            name=op.f("uq_progress_returns_recommendation_id_round_no"),
        ),
    )
    with op.batch_alter_table("progress_returns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_progress_returns_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_progress_returns_recommendation_id"), ["recommendation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("progress_returns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_returns_recommendation_id"))
        batch_op.drop_index(batch_op.f("ix_progress_returns_case_id"))

    op.drop_table("progress_returns")
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendations_source_view_id"))
        batch_op.drop_index(batch_op.f("ix_recommendations_case_id"))

    op.drop_table("recommendations")
    with op.batch_alter_table("monitoring_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_rounds_case_id"))

    op.drop_table("monitoring_rounds")
    op.drop_table("case_sign_offs")
    op.drop_table("deactivated_users")
