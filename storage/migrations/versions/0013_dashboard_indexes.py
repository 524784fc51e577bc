"""Indexes for the Board's dashboard, each holding all a query needs: each case's open tasks
in deadline order with their kind and agency (its next deadline and overdue count without
reading the tasks themselves), and progress-return tasks by round with what the on-time
count needs.

Revision ID: 0013
Revises: 0007
"""

from alembic import op

revision = "0013"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_tasks_status_case_id_due_at",
        "tasks",
        ["status", "case_id", "due_at", "kind", "agency_id"],
        unique=False,
    )
    op.create_index(
        "ix_tasks_kind_round_no",
        "tasks",
        ["kind", "round_no", "status", "due_at", "completed_at", "completed_by"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_kind_round_no", table_name="tasks")
    op.drop_index("ix_tasks_status_case_id_due_at", table_name="tasks")
