"""review: decision, terms of reference, management reviews, overview report

Revision ID: 0006
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chair_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.LargeBinary(), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_chair_decisions_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chair_decisions")),
        sa.UniqueConstraint("case_id", name=op.f("uq_chair_decisions_case_id")),
    )
    op.create_table(
        "decision_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=32), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.Column("notified_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_decision_notices_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_notices")),
        sa.UniqueConstraint(
            "case_id", "audience", name=op.f("uq_decision_notices_case_id_audience")
        ),
    )
    with op.batch_alter_table("decision_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_notices_case_id"), ["case_id"], unique=False)

    op.create_table(
        "overview_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("agency_ids", sa.JSON(), nullable=False),
        sa.Column("document_file_id", sa.String(length=32), nullable=True),
        sa.Column("marked_by", sa.String(length=32), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("accepted_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_overview_drafts_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overview_drafts")),
        sa.UniqueConstraint("case_id", "version", name=op.f("uq_overview_drafts_case_id_version")),
    )
    with op.batch_alter_table("overview_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_overview_drafts_case_id"), ["case_id"], unique=False)

    op.create_table(
        "panel_chair_appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("appointed_by", sa.String(length=32), nullable=False),
        sa.Column("appointed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_panel_chair_appointments_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_chair_appointments")),
    )
    with op.batch_alter_table("panel_chair_appointments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_panel_chair_appointments_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "panel_recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("criteria_met", sa.Boolean(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("rationale", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_panel_recommendations_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_recommendations")),
        sa.UniqueConstraint("case_id", name=op.f("uq_panel_recommendations_case_id")),
    )
    op.create_table(
        "review_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agreed_on", sa.Date(), nullable=False),
        sa.Column("previous_completion", sa.Date(), nullable=False),
        sa.Column("new_completion", sa.Date(), nullable=False),
        sa.Column("reason", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_review_extensions_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_extensions")),
    )
    with op.batch_alter_table("review_extensions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_extensions_case_id"), ["case_id"], unique=False)

    op.create_table(
        "review_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.LargeBinary(), nullable=False),
        sa.Column("shared_on", sa.Date(), nullable=False),
        sa.Column("document_file_id", sa.String(length=32), nullable=True),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_review_findings_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_findings")),
        sa.UniqueConstraint("case_id", name=op.f("uq_review_findings_case_id")),
    )
    op.create_table(
        "terms_of_reference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("agency_ids", sa.JSON(), nullable=False),
        sa.Column("proceedings", sa.JSON(), nullable=False),
        sa.Column("completion_date", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_terms_of_reference_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terms_of_reference")),
        sa.UniqueConstraint(
            "case_id", "version", name=op.f("uq_terms_of_reference_case_id_version")
        ),
    )
    with op.batch_alter_table("terms_of_reference", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_terms_of_reference_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "worker_interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=32), nullable=False),
        sa.Column("interviewee", sa.String(length=32), nullable=True),
        sa.Column("details", sa.LargeBinary(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uid", sa.String(length=120), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary_shared_on", sa.Date(), nullable=True),
        sa.Column("disagreement", sa.LargeBinary(), nullable=True),
        sa.Column("recorded_by", sa.String(length=32), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_worker_interviews_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_worker_interviews_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker_interviews")),
        sa.UniqueConstraint("uid", name=op.f("uq_worker_interviews_uid")),
    )
    with op.batch_alter_table("worker_interviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_worker_interviews_case_id"), ["case_id"], unique=False)

    op.create_table(
        "management_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sections", sa.LargeBinary(), nullable=True),
        sa.Column("document_file_id", sa.String(length=32), nullable=True),
        sa.Column("submissions", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.String(length=32), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_comments", sa.LargeBinary(), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_management_reviews_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_management_reviews_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_management_reviews_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_management_reviews")),
        sa.UniqueConstraint(
            "case_id", "agency_id", name=op.f("uq_management_reviews_case_id_agency_id")
        ),
    )
    with op.batch_alter_table("management_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_management_reviews_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "overview_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("detail", sa.LargeBinary(), nullable=True),
        sa.Column("answered_by", sa.String(length=32), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_overview_confirmations_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["overview_drafts.id"],
            name=op.f("fk_overview_confirmations_draft_id_overview_drafts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overview_confirmations")),
        sa.UniqueConstraint(
            "draft_id", "agency_id", name=op.f("uq_overview_confirmations_draft_id_agency_id")
        ),
    )
    with op.batch_alter_table("overview_confirmations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_overview_confirmations_draft_id"), ["draft_id"], unique=False
        )

    op.create_table(
        "imr_recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("by_when", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["management_reviews.id"],
            name=op.f("fk_imr_recommendations_review_id_management_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imr_recommendations")),
        sa.UniqueConstraint(
            "review_id", "number", name=op.f("uq_imr_recommendations_review_id_number")
        ),
    )
    with op.batch_alter_table("imr_recommendations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_imr_recommendations_review_id"), ["review_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("imr_recommendations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imr_recommendations_review_id"))

    op.drop_table("imr_recommendations")
    with op.batch_alter_table("overview_confirmations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_overview_confirmations_draft_id"))

    op.drop_table("overview_confirmations")
    with op.batch_alter_table("management_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_management_reviews_case_id"))

    op.drop_table("management_reviews")
    with op.batch_alter_table("worker_interviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_worker_interviews_case_id"))

    op.drop_table("worker_interviews")
    with op.batch_alter_table("terms_of_reference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_terms_of_reference_case_id"))

    op.drop_table("terms_of_reference")
    op.drop_table("review_findings")
    with op.batch_alter_table("review_extensions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_extensions_case_id"))

    op.drop_table("review_extensions")
    op.drop_table("panel_recommendations")
    with op.batch_alter_table("panel_chair_appointments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_panel_chair_appointments_case_id"))

    op.drop_table("panel_chair_appointments")
    with op.batch_alter_table("overview_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_overview_drafts_case_id"))

    op.drop_table("overview_drafts")
    with op.batch_alter_table("decision_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_notices_case_id"))

    op.drop_table("decision_notices")
    op.drop_table("chair_decisions")
