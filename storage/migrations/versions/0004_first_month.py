"""first month

Revision ID: 0004
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
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
    with op.batch_alter_table("agency_synopses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_synopses_case_id"), ["case_id"], unique=False)

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
    with op.batch_alter_table("chronology_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chronology_batches_case_id"), ["case_id"], unique=False
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
    with op.batch_alter_table("chronology_exports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chronology_exports_case_id"), ["case_id"], unique=False
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
    with op.batch_alter_table("chronology_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chronology_entries_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_chronology_entries_batch_id"), ["batch_id"], unique=False
        )
        batch_op.create_index(
            "ix_chronology_entries_case_date", ["case_id", "entry_date"], unique=False
        )

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
    with op.batch_alter_table("task_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_answers_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("task_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_answers_case_id"))

    op.drop_table("task_answers")
    with op.batch_alter_table("chronology_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_chronology_entries_case_date")
        batch_op.drop_index(batch_op.f("ix_chronology_entries_batch_id"))
        batch_op.drop_index(batch_op.f("ix_chronology_entries_agency_id"))

    op.drop_table("chronology_entries")
    op.drop_table("review_periods")
    with op.batch_alter_table("chronology_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chronology_exports_case_id"))

    op.drop_table("chronology_exports")
    with op.batch_alter_table("chronology_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chronology_batches_case_id"))

    op.drop_table("chronology_batches")
    with op.batch_alter_table("agency_synopses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_synopses_case_id"))

    op.drop_table("agency_synopses")
