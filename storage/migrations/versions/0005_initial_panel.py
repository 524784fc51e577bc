"""initial panel: meetings, members, proposed times, reminders, invitation ledger

Revision ID: 0005
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "panel_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=120), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
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
    with op.batch_alter_table("panel_meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_panel_meetings_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_panel_meetings_status"), ["status"], unique=False)

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
    with op.batch_alter_table("panel_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_panel_deliveries_meeting_id"), ["meeting_id"], unique=False
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
    with op.batch_alter_table("panel_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_panel_members_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_panel_members_slack_user_id"), ["slack_user_id"], unique=False
        )

    op.create_table(
        "panel_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
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
    with op.batch_alter_table("panel_reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_panel_reminders_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index("ix_panel_reminders_status_at", ["status", "at"], unique=False)

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
    with op.batch_alter_table("panel_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_panel_slots_meeting_id"), ["meeting_id"], unique=False)

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
    with op.batch_alter_table("panel_slot_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_panel_slot_answers_slot_id"), ["slot_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("panel_slot_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_panel_slot_answers_slot_id"))

    op.drop_table("panel_slot_answers")
    with op.batch_alter_table("panel_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_panel_slots_meeting_id"))

    op.drop_table("panel_slots")
    with op.batch_alter_table("panel_reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_panel_reminders_status_at")
        batch_op.drop_index(batch_op.f("ix_panel_reminders_meeting_id"))

    op.drop_table("panel_reminders")
    with op.batch_alter_table("panel_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_panel_members_slack_user_id"))
        batch_op.drop_index(batch_op.f("ix_panel_members_meeting_id"))

    op.drop_table("panel_members")
    with op.batch_alter_table("panel_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_panel_deliveries_meeting_id"))

    op.drop_table("panel_deliveries")
    with op.batch_alter_table("panel_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_panel_meetings_status"))
        batch_op.drop_index(batch_op.f("ix_panel_meetings_case_id"))

    op.drop_table("panel_meetings")
