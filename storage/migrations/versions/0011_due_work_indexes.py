"""Indexes that let the worker's tick read only the work that is due: unfinished case
set-ups, open cases by stage, rounds by deadline, sign-offs not yet archived or by date, and
erasures the business unit has not been told about (`case_keys.erasure_reported_at`, filled
in from the audit trail).

Revision ID: 0011
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None

SETUP_UNFINISHED = "setup_status IN ('pending', 'running')"
OPEN = "closed_at IS NULL"
UNARCHIVED = "archived_at IS NULL"
DESTROYED_UNREPORTED = "destroyed_at IS NOT NULL AND erasure_reported_at IS NULL"


def _partial(name: str, table: str, columns: list[str], where: str) -> None:
    op.create_index(
        name,
        table,
        columns,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    with op.batch_alter_table("case_keys") as batch:
        batch.add_column(sa.Column("erasure_reported_at", sa.DateTime(timezone=True)))
    op.execute(
        "UPDATE case_keys SET erasure_reported_at = (SELECT min(audit_events.at) "
        "FROM audit_events WHERE audit_events.case_id = case_keys.case_id "
        "AND audit_events.action = 'case.erasure_reported') WHERE destroyed_at IS NOT NULL"
    )
    _partial("ix_cases_setup_unfinished", "cases", ["id"], SETUP_UNFINISHED)
    _partial("ix_cases_open_stage", "cases", ["stage", "process_key"], OPEN)
    _partial("ix_case_sign_offs_unarchived", "case_sign_offs", ["case_id"], UNARCHIVED)
    _partial("ix_case_keys_unreported", "case_keys", ["case_id"], DESTROYED_UNREPORTED)
    op.create_index(op.f("ix_monitoring_rounds_due_at"), "monitoring_rounds", ["due_at"])
    op.create_index(op.f("ix_case_sign_offs_signed_off_at"), "case_sign_offs", ["signed_off_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_case_sign_offs_signed_off_at"), table_name="case_sign_offs")
    op.drop_index(op.f("ix_monitoring_rounds_due_at"), table_name="monitoring_rounds")
    op.drop_index("ix_case_keys_unreported", table_name="case_keys")
    op.drop_index("ix_case_sign_offs_unarchived", table_name="case_sign_offs")
    op.drop_index("ix_cases_open_stage", table_name="cases")
    op.drop_index("ix_cases_setup_unfinished", table_name="cases")
    with op.batch_alter_table("case_keys") as batch:
        batch.drop_column("erasure_reported_at")
