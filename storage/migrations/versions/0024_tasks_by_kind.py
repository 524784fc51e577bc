"""The open tasks of one kind found without reading every open task: the tick asks which
cases wait on the partners' decision.

Revision ID: 0024
Revises: 0023
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tasks_kind_status_case_id", "tasks", ["kind", "status", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_tasks_kind_status_case_id", table_name="tasks")
