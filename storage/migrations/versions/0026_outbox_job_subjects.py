"""Each outbox job names its subject (its ids, as ``case_id=12``), and no two jobs of one
subject run at once: a partial unique index on the subjects of running jobs, so that the
jobs of one case run in the order they were queued whichever processes drain them.

Revision ID: 0026
Revises: 0025
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_JOBS = sa.table(
    "outbox_jobs",
    sa.column("id", sa.Integer()),
    sa.column("args", sa.JSON()),
    sa.column("state", sa.String()),
    sa.column("subject", sa.String()),
)


def _subject(args: dict[str, Any]) -> str:
    return ";".join(f"{name}={value}" for name, value in sorted(args.items()))[:100]


def upgrade() -> None:
    op.add_column("outbox_jobs", sa.Column("subject", sa.String(length=100), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_JOBS.c.id, _JOBS.c.args, _JOBS.c.state)
        .where(_JOBS.c.state.in_(["running", "pending"]))
        .order_by(_JOBS.c.state.desc(), _JOBS.c.id)  # running first
    ).all()
    running: set[str] = set()
    for job_id, args, state in rows:
        subject = _subject(dict(args or {}))
        if state == "running":
            if subject in running:
                continue  # two already running together: the index would refuse the second
            running.add(subject)
        bind.execute(sa.update(_JOBS).where(_JOBS.c.id == job_id).values(subject=subject))
    op.create_index(
        "uq_outbox_jobs_running_subject",
        "outbox_jobs",
        ["subject"],
        unique=True,
        postgresql_where=sa.text("state = 'running'"),
        sqlite_where=sa.text("state = 'running'"),
    )


def downgrade() -> None:
    op.drop_index("uq_outbox_jobs_running_subject", table_name="outbox_jobs")
    with op.batch_alter_table("outbox_jobs") as batch:
        batch.drop_column("subject")
