"""Baseline: every table as the models define them (referral, deadlines and reminders,
first month, Initial Panel, decision and review, monitoring).

The state columns (task, reminder, set-up and meeting status) are VARCHARs held to their
values by a CHECK constraint, the same on SQLite and PostgreSQL.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("name", name=op.f("uq_agencies_name")),
    )
    op.create_table(
        "case_reference_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_case_reference_counters")),
    )
    op.create_table(
        "deactivated_users",
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("slack_user_id", name=op.f("pk_deactivated_users")),
    )
    op.create_table(
        "role_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_assignments")),
        sa.UniqueConstraint(
            "slack_user_id", "role", name=op.f("uq_role_assignments_slack_user_id_role")
        ),
    )
    op.create_index(
        op.f("ix_role_assignments_slack_user_id"),
        "role_assignments",
        ["slack_user_id"],
        unique=False,
    )
    op.create_table(
        "agency_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_agency_members_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_members")),
        sa.UniqueConstraint(
            "agency_id",
            "slack_user_id",
            "role",
            name=op.f("uq_agency_members_agency_id_slack_user_id_role"),
        ),
    )
    op.create_index(
        op.f("ix_agency_members_slack_user_id"), "agency_members", ["slack_user_id"], unique=False
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("referring_agency_id", sa.Integer(), nullable=False),
        sa.Column("referred_by", sa.String(length=32), nullable=False),
        sa.Column("referral_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("personal_data", sa.LargeBinary(), nullable=True),
        sa.Column("source_view_id", sa.String(length=64), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("channel_name", sa.String(length=80), nullable=True),
        sa.Column("card_ts", sa.String(length=32), nullable=True),
        sa.Column("card_pinned", sa.Boolean(), nullable=False),
        sa.Column(
            "setup_status",
            sa.Enum(
                "pending",
                "running",
                "complete",
                name="setup_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("setup_attempts", sa.Integer(), nullable=False),
        sa.Column("setup_last_error", sa.String(length=80), nullable=True),
        sa.Column("setup_retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["referring_agency_id"],
            ["agencies.id"],
            name=op.f("fk_cases_referring_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_cases_channel_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_cases_reference")),
        sa.UniqueConstraint("source_view_id", name=op.f("uq_cases_source_view_id")),
        sa.UniqueConstraint("year", "number", name=op.f("uq_cases_year_number")),
    )
    op.create_index(op.f("ix_cases_setup_status"), "cases", ["setup_status"], unique=False)
    op.create_table(
        "agency_synopses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.LargeBinary(), nullable=False),
        sa.Column("submitted_by", sa.String(length=32), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_agency_synopses_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_agency_synopses_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_synopses")),
        sa.UniqueConstraint(
            "case_id", "agency_id", name=op.f("uq_agency_synopses_case_id_agency_id")
        ),
    )
    op.create_index(
        op.f("ix_agency_synopses_case_id"), "agency_synopses", ["case_id"], unique=False
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_audit_events_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_action"), "audit_events", ["action"], unique=False)
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"], unique=False)
    op.create_index(op.f("ix_audit_events_case_id"), "audit_events", ["case_id"], unique=False)
    op.create_table(
        "case_agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=32), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(length=32), nullable=True),
        sa.Column("removal_reason", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_case_agencies_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_agencies_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_agencies")),
        sa.UniqueConstraint(
            "case_id", "agency_id", name=op.f("uq_case_agencies_case_id_agency_id")
        ),
    )
    op.create_index(op.f("ix_case_agencies_case_id"), "case_agencies", ["case_id"], unique=False)
    op.create_table(
        "case_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("subject_key", sa.String(length=40), nullable=True),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_case_assignments_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_assignments_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_assignments")),
        sa.UniqueConstraint(
            "case_id",
            "role",
            "agency_id",
            "subject_key",
            "slack_user_id",
            name=op.f("uq_case_assignments_case_id_role_agency_id_subject_key_slack_user_id"),
        ),
    )
    op.create_index(
        op.f("ix_case_assignments_case_id"), "case_assignments", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_case_assignments_slack_user_id"),
        "case_assignments",
        ["slack_user_id"],
        unique=False,
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
        sa.UniqueConstraint("case_id", "event", name=op.f("uq_case_events_case_id_event")),
    )
    op.create_index(op.f("ix_case_events_case_id"), "case_events", ["case_id"], unique=False)
    op.create_table(
        "case_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_members_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_members")),
        sa.UniqueConstraint(
            "case_id", "slack_user_id", name=op.f("uq_case_members_case_id_slack_user_id")
        ),
    )
    op.create_index(op.f("ix_case_members_case_id"), "case_members", ["case_id"], unique=False)
    op.create_index(
        op.f("ix_case_members_slack_user_id"), "case_members", ["slack_user_id"], unique=False
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
        "chronology_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("source_key", sa.String(length=80), nullable=False),
        sa.Column("submitted_by", sa.String(length=32), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_chronology_batches_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_chronology_batches_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chronology_batches")),
        sa.UniqueConstraint("source_key", name=op.f("uq_chronology_batches_source_key")),
    )
    op.create_index(
        op.f("ix_chronology_batches_case_id"), "chronology_batches", ["case_id"], unique=False
    )
    op.create_table(
        "chronology_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_chronology_exports_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chronology_exports")),
        sa.UniqueConstraint(
            "case_id", "fingerprint", name=op.f("uq_chronology_exports_case_id_fingerprint")
        ),
    )
    op.create_index(
        op.f("ix_chronology_exports_case_id"), "chronology_exports", ["case_id"], unique=False
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
    op.create_index(
        op.f("ix_decision_notices_case_id"), "decision_notices", ["case_id"], unique=False
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
    op.create_index(
        op.f("ix_monitoring_rounds_case_id"), "monitoring_rounds", ["case_id"], unique=False
    )
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
    op.create_index(
        op.f("ix_overview_drafts_case_id"), "overview_drafts", ["case_id"], unique=False
    )
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
    op.create_index(
        op.f("ix_panel_chair_appointments_case_id"),
        "panel_chair_appointments",
        ["case_id"],
        unique=False,
    )
    op.create_table(
        "panel_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=120), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "scheduled",
                "held",
                "cancelled",
                name="meeting_status",
                native_enum=False,
                create_constraint=True,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("video_url", sa.String(length=500), nullable=True),
        sa.Column("organiser", sa.String(length=32), nullable=False),
        sa.Column("organiser_name", sa.String(length=120), nullable=True),
        sa.Column("organiser_email", sa.String(length=254), nullable=True),
        sa.Column("chair", sa.String(length=32), nullable=False),
        sa.Column("override_reason", sa.LargeBinary(), nullable=True),
        sa.Column("override_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=32), nullable=True),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("held_by", sa.String(length=32), nullable=True),
        sa.Column("last_view_id", sa.String(length=64), nullable=True),
        sa.Column("distributed_seq", sa.Integer(), nullable=True),
        sa.Column("distributing_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_panel_meetings_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_meetings")),
        sa.UniqueConstraint("last_view_id", name=op.f("uq_panel_meetings_last_view_id")),
        sa.UniqueConstraint("uid", name=op.f("uq_panel_meetings_uid")),
    )
    op.create_index(op.f("ix_panel_meetings_case_id"), "panel_meetings", ["case_id"], unique=False)
    op.create_index(op.f("ix_panel_meetings_status"), "panel_meetings", ["status"], unique=False)
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
    op.create_index(
        op.f("ix_recommendations_case_id"), "recommendations", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_recommendations_source_view_id"),
        "recommendations",
        ["source_view_id"],
        unique=False,
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
    op.create_index(
        op.f("ix_review_extensions_case_id"), "review_extensions", ["case_id"], unique=False
    )
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
        "review_periods",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_review_periods_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_review_periods")),
    )
    op.create_table(
        "sent_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_sent_messages_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_sent_messages_key")),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("owner_role", sa.String(length=32), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("subject_key", sa.String(length=40), nullable=True),
        sa.Column("round_no", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "done",
                "waived",
                "superseded",
                name="task_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.String(length=32), nullable=True),
        sa.Column("waive_reason", sa.LargeBinary(), nullable=True),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_tasks_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_tasks_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint(
            "case_id",
            "kind",
            "agency_id",
            "subject_key",
            "round_no",
            name=op.f("uq_tasks_case_id_kind_agency_id_subject_key_round_no"),
        ),
    )
    op.create_index(op.f("ix_tasks_agency_id"), "tasks", ["agency_id"], unique=False)
    op.create_index(op.f("ix_tasks_case_id"), "tasks", ["case_id"], unique=False)
    op.create_index("ix_tasks_status_due_at", "tasks", ["status", "due_at"], unique=False)
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
    op.create_index(
        op.f("ix_terms_of_reference_case_id"), "terms_of_reference", ["case_id"], unique=False
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
    op.create_index(
        op.f("ix_worker_interviews_case_id"), "worker_interviews", ["case_id"], unique=False
    )
    op.create_table(
        "chronology_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("worker", sa.LargeBinary(), nullable=False),
        sa.Column("event", sa.LargeBinary(), nullable=False),
        sa.Column("child_seen", sa.Boolean(), nullable=True),
        sa.Column("wishes_sought", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_chronology_entries_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["chronology_batches.id"],
            name=op.f("fk_chronology_entries_batch_id_chronology_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_chronology_entries_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chronology_entries")),
    )
    op.create_index(
        op.f("ix_chronology_entries_agency_id"), "chronology_entries", ["agency_id"], unique=False
    )
    op.create_index(
        op.f("ix_chronology_entries_batch_id"), "chronology_entries", ["batch_id"], unique=False
    )
    op.create_index(
        "ix_chronology_entries_case_date",
        "chronology_entries",
        ["case_id", "entry_date"],
        unique=False,
    )
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
    op.create_index(
        op.f("ix_management_reviews_case_id"), "management_reviews", ["case_id"], unique=False
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
    op.create_index(
        op.f("ix_overview_confirmations_draft_id"),
        "overview_confirmations",
        ["draft_id"],
        unique=False,
    )
    op.create_table(
        "panel_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["panel_meetings.id"],
            name=op.f("fk_panel_deliveries_meeting_id_panel_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_deliveries")),
        sa.UniqueConstraint(
            "meeting_id",
            "sequence",
            "channel",
            "target",
            name=op.f("uq_panel_deliveries_meeting_id_sequence_channel_target"),
        ),
    )
    op.create_index(
        op.f("ix_panel_deliveries_meeting_id"), "panel_deliveries", ["meeting_id"], unique=False
    )
    op.create_table(
        "panel_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("partstat", sa.String(length=16), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("involvement", sa.String(length=12), nullable=False),
        sa.Column("involvement_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declaration", sa.LargeBinary(), nullable=True),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_panel_members_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["panel_meetings.id"],
            name=op.f("fk_panel_members_meeting_id_panel_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_members")),
        sa.UniqueConstraint(
            "meeting_id", "slack_user_id", name=op.f("uq_panel_members_meeting_id_slack_user_id")
        ),
    )
    op.create_index(
        op.f("ix_panel_members_meeting_id"), "panel_members", ["meeting_id"], unique=False
    )
    op.create_index(
        op.f("ix_panel_members_slack_user_id"), "panel_members", ["slack_user_id"], unique=False
    )
    op.create_table(
        "panel_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "failed",
                "sent",
                "skipped",
                "cancelled",
                "abandoned",
                name="reminder_status",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["panel_meetings.id"],
            name=op.f("fk_panel_reminders_meeting_id_panel_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_reminders")),
        sa.UniqueConstraint(
            "meeting_id",
            "kind",
            "sequence",
            name=op.f("uq_panel_reminders_meeting_id_kind_sequence"),
        ),
    )
    op.create_index(
        op.f("ix_panel_reminders_meeting_id"), "panel_reminders", ["meeting_id"], unique=False
    )
    op.create_index(
        "ix_panel_reminders_status_at", "panel_reminders", ["status", "at"], unique=False
    )
    op.create_table(
        "panel_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["panel_meetings.id"],
            name=op.f("fk_panel_slots_meeting_id_panel_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_slots")),
        sa.UniqueConstraint(
            "meeting_id", "position", name=op.f("uq_panel_slots_meeting_id_position")
        ),
    )
    op.create_index(op.f("ix_panel_slots_meeting_id"), "panel_slots", ["meeting_id"], unique=False)
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
    op.create_index(
        op.f("ix_progress_returns_case_id"), "progress_returns", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_progress_returns_recommendation_id"),
        "progress_returns",
        ["recommendation_id"],
        unique=False,
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("escalate_to", sa.String(length=80), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "failed",
                "sent",
                "skipped",
                "cancelled",
                "abandoned",
                name="reminder_status",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("slack_ts", sa.String(length=32), nullable=True),
        sa.Column("last_error", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_reminders_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_reminders_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint(
            "task_id", "kind", "sequence", "at", name=op.f("uq_reminders_task_id_kind_sequence_at")
        ),
    )
    op.create_index(op.f("ix_reminders_case_id"), "reminders", ["case_id"], unique=False)
    op.create_index("ix_reminders_status_at", "reminders", ["status", "at"], unique=False)
    op.create_index(op.f("ix_reminders_task_id"), "reminders", ["task_id"], unique=False)
    op.create_table(
        "task_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_task_answers_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_task_answers_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_answers")),
        sa.UniqueConstraint("task_id", name=op.f("uq_task_answers_task_id")),
    )
    op.create_index(op.f("ix_task_answers_case_id"), "task_answers", ["case_id"], unique=False)
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
    op.create_index(
        op.f("ix_imr_recommendations_review_id"), "imr_recommendations", ["review_id"], unique=False
    )
    op.create_table(
        "panel_slot_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["panel_slots.id"],
            name=op.f("fk_panel_slot_answers_slot_id_panel_slots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_slot_answers")),
        sa.UniqueConstraint(
            "slot_id", "slack_user_id", name=op.f("uq_panel_slot_answers_slot_id_slack_user_id")
        ),
    )
    op.create_index(
        op.f("ix_panel_slot_answers_slot_id"), "panel_slot_answers", ["slot_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_panel_slot_answers_slot_id"), table_name="panel_slot_answers")
    op.drop_table("panel_slot_answers")
    op.drop_index(op.f("ix_imr_recommendations_review_id"), table_name="imr_recommendations")
    op.drop_table("imr_recommendations")
    op.drop_index(op.f("ix_task_answers_case_id"), table_name="task_answers")
    op.drop_table("task_answers")
    op.drop_index(op.f("ix_reminders_task_id"), table_name="reminders")
    op.drop_index("ix_reminders_status_at", table_name="reminders")
    op.drop_index(op.f("ix_reminders_case_id"), table_name="reminders")
    op.drop_table("reminders")
    op.drop_index(op.f("ix_progress_returns_recommendation_id"), table_name="progress_returns")
    op.drop_index(op.f("ix_progress_returns_case_id"), table_name="progress_returns")
    op.drop_table("progress_returns")
    op.drop_index(op.f("ix_panel_slots_meeting_id"), table_name="panel_slots")
    op.drop_table("panel_slots")
    op.drop_index("ix_panel_reminders_status_at", table_name="panel_reminders")
    op.drop_index(op.f("ix_panel_reminders_meeting_id"), table_name="panel_reminders")
    op.drop_table("panel_reminders")
    op.drop_index(op.f("ix_panel_members_slack_user_id"), table_name="panel_members")
    op.drop_index(op.f("ix_panel_members_meeting_id"), table_name="panel_members")
    op.drop_table("panel_members")
    op.drop_index(op.f("ix_panel_deliveries_meeting_id"), table_name="panel_deliveries")
    op.drop_table("panel_deliveries")
    op.drop_index(op.f("ix_overview_confirmations_draft_id"), table_name="overview_confirmations")
    op.drop_table("overview_confirmations")
    op.drop_index(op.f("ix_management_reviews_case_id"), table_name="management_reviews")
    op.drop_table("management_reviews")
    op.drop_index("ix_chronology_entries_case_date", table_name="chronology_entries")
    op.drop_index(op.f("ix_chronology_entries_batch_id"), table_name="chronology_entries")
    op.drop_index(op.f("ix_chronology_entries_agency_id"), table_name="chronology_entries")
    op.drop_table("chronology_entries")
    op.drop_index(op.f("ix_worker_interviews_case_id"), table_name="worker_interviews")
    op.drop_table("worker_interviews")
    op.drop_index(op.f("ix_terms_of_reference_case_id"), table_name="terms_of_reference")
    op.drop_table("terms_of_reference")
    op.drop_index("ix_tasks_status_due_at", table_name="tasks")
    op.drop_index(op.f("ix_tasks_case_id"), table_name="tasks")
    op.drop_index(op.f("ix_tasks_agency_id"), table_name="tasks")
    op.drop_table("tasks")
    op.drop_table("sent_messages")
    op.drop_table("review_periods")
    op.drop_table("review_findings")
    op.drop_index(op.f("ix_review_extensions_case_id"), table_name="review_extensions")
    op.drop_table("review_extensions")
    op.drop_index(op.f("ix_recommendations_source_view_id"), table_name="recommendations")
    op.drop_index(op.f("ix_recommendations_case_id"), table_name="recommendations")
    op.drop_table("recommendations")
    op.drop_table("panel_recommendations")
    op.drop_index(op.f("ix_panel_meetings_status"), table_name="panel_meetings")
    op.drop_index(op.f("ix_panel_meetings_case_id"), table_name="panel_meetings")
    op.drop_table("panel_meetings")
    op.drop_index(
        op.f("ix_panel_chair_appointments_case_id"), table_name="panel_chair_appointments"
    )
    op.drop_table("panel_chair_appointments")
    op.drop_index(op.f("ix_overview_drafts_case_id"), table_name="overview_drafts")
    op.drop_table("overview_drafts")
    op.drop_index(op.f("ix_monitoring_rounds_case_id"), table_name="monitoring_rounds")
    op.drop_table("monitoring_rounds")
    op.drop_index(op.f("ix_decision_notices_case_id"), table_name="decision_notices")
    op.drop_table("decision_notices")
    op.drop_index(op.f("ix_chronology_exports_case_id"), table_name="chronology_exports")
    op.drop_table("chronology_exports")
    op.drop_index(op.f("ix_chronology_batches_case_id"), table_name="chronology_batches")
    op.drop_table("chronology_batches")
    op.drop_table("chair_decisions")
    op.drop_table("case_sign_offs")
    op.drop_index(op.f("ix_case_members_slack_user_id"), table_name="case_members")
    op.drop_index(op.f("ix_case_members_case_id"), table_name="case_members")
    op.drop_table("case_members")
    op.drop_index(op.f("ix_case_events_case_id"), table_name="case_events")
    op.drop_table("case_events")
    op.drop_index(op.f("ix_case_assignments_slack_user_id"), table_name="case_assignments")
    op.drop_index(op.f("ix_case_assignments_case_id"), table_name="case_assignments")
    op.drop_table("case_assignments")
    op.drop_index(op.f("ix_case_agencies_case_id"), table_name="case_agencies")
    op.drop_table("case_agencies")
    op.drop_index(op.f("ix_audit_events_case_id"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_at"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_action"), table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index(op.f("ix_agency_synopses_case_id"), table_name="agency_synopses")
    op.drop_table("agency_synopses")
    op.drop_index(op.f("ix_cases_setup_status"), table_name="cases")
    op.drop_table("cases")
    op.drop_index(op.f("ix_agency_members_slack_user_id"), table_name="agency_members")
    op.drop_table("agency_members")
    op.drop_index(op.f("ix_role_assignments_slack_user_id"), table_name="role_assignments")
    op.drop_table("role_assignments")
    op.drop_table("deactivated_users")
    op.drop_table("case_reference_counters")
    op.drop_table("agencies")
