"""What one referral costs the bot, measured inside one process: `python -m benchmarks.cost`.

The referrals are submitted as Slack submits them, against the stand-in, on SQLite (or, with
`--postgres URL`, PostgreSQL); their cases are then opened and set up, by one drain.
Prints, per submission: how long its write transaction lasts (on SQLite it holds the write
lock from BEGIN IMMEDIATE to its commit, and every other writer of the process waits that
long), the statements and transactions, and the CPU time of the whole exchange; per opening
with its set-up (two outbox jobs, the opening's claim included; the set-up is queued taken
by the drainer that opens the case, which runs it next): statements, transactions and CPU
time; and how long the door and `parse_qs`
take to decode a submission's body. The stand-in runs in the same process, so its share is in
the CPU figures; `benchmarks.web` measures the server alone, beside a bare Bolt app."""

from __future__ import annotations

import argparse
import statistics
import time
import timeit
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import Engine, event

from benchmarks.ack import ANSWERS, seeded_harness
from bot import inbound
from bot.ids import INPUT_ACTION, Job, ReferralBlock
from bot.jobs.outbox import drain
from bot.runtime import Bell
from bot.testing.harness import Harness

WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class Tally:
    statements: int = 0
    transactions: int = 0
    holds: list[float] = field(default_factory=list)
    """Seconds each write transaction held the write lock (its first write to its end)."""
    _began: float | None = None
    _wrote: bool = False


@contextmanager
def tallying(engine: Engine) -> Iterator[Tally]:
    tally = Tally()

    def began(conn: Any) -> None:
        tally.transactions += 1
        tally._began, tally._wrote = time.perf_counter(), False

    def executed(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        tally.statements += 1
        tally._wrote = tally._wrote or statement.lstrip()[:6].upper() in WRITES

    def ended(conn: Any) -> None:
        if tally._began is not None and tally._wrote:
            tally.holds.append(time.perf_counter() - tally._began)
        tally._began = None

    listeners = (("begin", began), ("before_cursor_execute", executed), ("commit", ended))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield tally
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


def _open_forms(harness: Harness, count: int) -> list[str]:
    views = []
    for _ in range(count):
        harness.driver.slash_command("U0DPH", "refer")
        harness.wait()
        view = harness.standin.open_view_for("U0DPH")
        assert view is not None, "the referral modal did not open"
        views.append(view.id)
    return views


def _submit(harness: Harness, agency: int, views: list[str]) -> None:
    values = {
        b.value: {INPUT_ACTION: v}
        for b, v in {**ANSWERS, ReferralBlock.AGENCY: str(agency)}.items()
    }
    for view_id in views:
        harness.driver.submit_view("U0DPH", values, view_id=view_id)
        harness.wait()


@contextmanager
def recording_bodies() -> Iterator[list[str]]:
    """The form-encoded bodies the door decodes meanwhile (`inbound.decode_form`)."""
    bodies: list[str] = []
    decode = inbound.decode_form

    def recorded(text: str) -> dict[str, list[str]]:
        bodies.append(text)
        return decode(text)

    inbound.decode_form = recorded
    try:
        yield bodies
    finally:
        inbound.decode_form = decode


def decoding(body: str, runs: int = 200) -> tuple[float, float]:
    """Milliseconds to decode ``body`` with `parse_qs` and with the door's decoder."""
    each = []
    for decode in (
        lambda: parse_qs(body, keep_blank_values=True),
        lambda: inbound.decode_form(body),
    ):
        each.append(timeit.timeit(decode, number=runs) / runs * 1000)
    return each[0], each[1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cost", description=__doc__)
    parser.add_argument("--referrals", type=int, default=100)
    parser.add_argument("--postgres", metavar="URL", help="on PostgreSQL instead of SQLite")
    args = parser.parse_args(argv)
    with seeded_harness("cost", args.postgres) as (harness, health):
        database = harness.runtime.db
        harness.runtime.bell = Bell()  # the openings and set-ups wait, to be counted apart
        with recording_bodies() as bodies:  # warm: caches, connections
            _submit(harness, health, _open_forms(harness, 5))
        drain(harness.runtime)
        views = _open_forms(harness, args.referrals)
        with tallying(database.engine) as submitted:
            cpu = time.process_time()
            _submit(harness, health, views)
            cpu = time.process_time() - cpu
        with tallying(database.engine) as opening:
            started = time.process_time()
            report = drain(harness.runtime)
            opening_cpu = time.process_time() - started
        opened, done = report.completed(Job.CASE_OPEN), report.completed(Job.CASE_SETUP)
    n = args.referrals
    where = "SQLite" if args.postgres is None else "PostgreSQL"
    print(f"one referral, {n} in turn, {where}, the stand-in in the same process")
    hold = statistics.median(submitted.holds) * 1000
    print(
        f"  submission: write transaction {hold:.1f} ms (median), "
        f"{submitted.statements / n:.0f} statements in {submitted.transactions / n:.0f} "
        f"transactions, CPU {cpu / n * 1000:.1f} ms"
    )
    print(
        f"  opening its case and setting it up ({opened} opened, {done} set up): "
        f"{opening.statements / max(opened, 1):.0f} statements in "
        f"{opening.transactions / max(opened, 1):.0f} transactions, "
        f"CPU {opening_cpu / max(opened, 1) * 1000:.1f} ms"
    )
    plain, door = decoding(bodies[-1])
    print(
        f"  its body ({len(bodies[-1]) / 1024:.0f} KB): decoded in {door:.2f} ms by the door, "
        f"{plain:.2f} ms by parse_qs"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
