"""A claim reads the next job, not the whole backlog: after Slack was down for a morning the
jobs waiting drain in time that grows with their number, not with its square."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, insert, text, update

from benchmarks.fill import waiting_jobs
from bot.ids import Job
from bot.services import outbox
from storage.db import Database
from storage.models import OutboxJob
from storage.states import JobState
from tests.conftest import START

WAITING = 2_000


def _backlog(database: Database) -> int:
    """``WAITING`` jobs due, the first due longest, and one job whose drainer's lease ran
    out (its id returned); the table's statistics up to date, as autovacuum keeps them."""
    rows = waiting_jobs(WAITING, START)
    with database.session() as session:
        session.execute(insert(OutboxJob), rows)
        stale = session.execute(
            insert(OutboxJob).returning(OutboxJob.id),
            {
                **rows[-1],
                "args": {"case_id": WAITING},
                "subject": f"case_id={WAITING}",
                "state": JobState.RUNNING,
                "claimed_by": "gone",
                "claimed_until": START - timedelta(minutes=1),
            },
        ).scalar_one()
    with database.engine.begin() as conn:
        conn.execute(text("ANALYZE outbox_jobs" if not database.is_sqlite else "ANALYZE"))
    return int(stale)


def _claim_sql(conn: Connection) -> tuple[str, Any]:
    compiled = outbox._CLAIMS[False].compile(dialect=conn.dialect)
    params = compiled.construct_params({"now": START, "drainer": "me", "until": START})
    if compiled.positiontup is None:
        return str(compiled), params
    return str(compiled), tuple(params[name] for name in compiled.positiontup)


def _rows_read(plan: dict[str, Any]) -> int:
    """Rows the plan's scans of the jobs table returned, each loop counted."""
    own = plan["Actual Rows"] * plan["Actual Loops"] if "Relation Name" in plan else 0
    if plan.get("Relation Name") not in (None, "outbox_jobs"):
        own = 0
    return own + sum(_rows_read(child) for child in plan.get("Plans", []))


@pytest.mark.postgres
def test_a_claim_reads_the_next_job_not_the_whole_backlog(database: Database) -> None:
    stale = _backlog(database)
    with database.engine.connect() as conn:
        sql, params = _claim_sql(conn)
        if database.is_sqlite:
            steps = [
                str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
            ]
            assert not [s for s in steps if "TEMP B-TREE" in s or s.startswith("SCAN")], steps
        else:
            [[found]] = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
            plan = (json.loads(found) if isinstance(found, str) else found)[0]["Plan"]
            assert _rows_read(plan) < 100, json.dumps(plan, indent=1)
        conn.rollback()
    # the job whose lease ran out first, then the pending ones, the one due longest first
    taken = [outbox.claim_next(database, "me", START) for _ in range(3)]
    assert taken[0] is not None and taken[0].id == stale
    assert [job.args["case_id"] for job in taken if job] == [WAITING, 0, 1]


@pytest.mark.postgres
def test_a_job_whose_subject_is_running_waits_and_the_next_is_taken(database: Database) -> None:
    _backlog(database)
    with database.session() as session:  # the lease out: its drainer is back at work on it
        session.execute(
            update(OutboxJob)
            .where(OutboxJob.state == JobState.RUNNING)
            .values(claimed_until=START + timedelta(minutes=4), subject="case_id=0")
        )
    job = outbox.claim_next(database, "me", START)
    assert job is not None and job.args == {"case_id": 1}
    kinds = outbox.claim_next(database, "web", START, kinds=[Job.CASE_OPEN])
    assert kinds is None, "no job of the kinds asked for is waiting"
