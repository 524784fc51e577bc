"""An idle tick reads only the work that is due: the same statements with 50 cases stored
as with 5,000, and none of them reads through a whole table that grows with the archive."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine, event

from benchmarks.fill import fill
from bot.clock import FrozenClock
from bot.jobs.worker import run_tick
from bot.testing.harness import start_harness
from bot.testing.standin import SlackStandIn
from storage.models import Base
from storage.models.case import SETUP_UNFINISHED
from storage.states import SetupStatus
from tests import dbutil
from tests.conftest import START

GROWING = ("cases", "tasks", "reminders", "case_members", "audit_events", "case_keys")
GROWING += ("case_sign_offs", "monitoring_rounds", "recommendations", "sent_messages")
PARTIAL = {
    index.name
    for table in Base.metadata.tables.values()
    for index in table.indexes
    if index.dialect_options["sqlite"]["where"] is not None
}


def _idle_tick(template: Path, folder: Path, standin: SlackStandIn, cases: int) -> list[str]:
    folder.mkdir()
    database = dbutil.sqlite_copy(template, folder)
    harness = start_harness(standin, database, FrozenClock(START))
    try:
        fill(database.engine, cases=cases, tasks_per_case=6, reminders_per_task=1, now=START)
        assert not run_tick(harness.runtime).failures  # the first: the digest, leavers checked
        statements: list[str] = []

        def record(_c: object, _cur: object, statement: str, *_: object) -> None:
            statements.append(statement)

        event.listen(database.engine, "before_cursor_execute", record)
        report = run_tick(harness.runtime)
        event.remove(database.engine, "before_cursor_execute", record)
        assert not report.failures and report.reminders.sent == 0
        return statements
    finally:
        harness.close()


def _full_reads(engine: Engine, statement: str) -> list[str]:
    """The plan's steps that read a growing table from end to end (a partial index, which
    holds only due work, excepted), or all of its rows in one state (every open task)."""
    if not statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
        return []
    params = tuple(None for _ in range(statement.count("?")))
    with engine.connect() as conn:
        steps = [
            str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
        ]
    found = []
    for step in steps:
        match = re.match(r"SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?", step)
        if match and match.group(1) in GROWING and match.group(2) not in PARTIAL:
            found.append(step)
        by_state = re.match(
            r"SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \((?:status|state)=\?\)$", step
        )
        if by_state and by_state.group(1) in GROWING:
            found.append(step)
    return found


def test_an_idle_tick_reads_the_same_at_50_and_at_5000_cases(
    sqlite_template: Path, tmp_path: Path, standin: SlackStandIn
) -> None:
    few = _idle_tick(sqlite_template, tmp_path / "few", standin, 50)
    many = _idle_tick(sqlite_template, tmp_path / "many", standin, 5_000)
    assert few == many, "the statements an idle tick runs do not depend on the cases stored"
    engine = dbutil.sqlite_copy(sqlite_template, tmp_path).engine
    scans = {s: found for s in many if (found := _full_reads(engine, s))}
    engine.dispose()
    assert scans == {}


def test_the_indexes_of_due_work_hold_the_same_rows_on_both_databases() -> None:
    """The partial indexes the test above allows, each with one condition for SQLite and
    PostgreSQL; the unfinished set-ups are every state but complete. (The running jobs'
    subjects are unique: an index of the jobs running now, not of the archive.)"""
    names = {
        "ix_cases_setup_unfinished",
        "ix_cases_open_stage",
        "ix_case_sign_offs_unarchived",
        "ix_case_keys_unreported",
        "uq_outbox_jobs_running_subject",
    }
    assert names == PARTIAL
    for table in Base.metadata.tables.values():
        for index in table.indexes:
            if index.name in PARTIAL:
                where = str(index.dialect_options["postgresql"]["where"])
                assert where == str(index.dialect_options["sqlite"]["where"])
    unfinished = {s.value for s in SetupStatus} - {SetupStatus.COMPLETE.value}
    assert set(re.findall(r"'(\w+)'", SETUP_UNFINISHED)) == unfinished
