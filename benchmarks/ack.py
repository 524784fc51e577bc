"""How soon Slack gets its acknowledgement when every Web API call is slow:
`python -m benchmarks.ack`. Slack wants one within 3 seconds; the stand-in answers each call
after 2 s, so any Web API call made before the ack would show."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import FrozenClock
from bot.ids import INPUT_ACTION, ReferralBlock
from bot.services.cases.access import active_agencies
from bot.testing.harness import Harness, seed_people, start_harness
from bot.testing.standin import SlackStandIn
from storage.db import Database
from storage.migrate import upgrade

START = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Europe/London"))
ANSWERS = {
    ReferralBlock.REFERRAL_DATE: "2026-11-27",
    ReferralBlock.CHILD_NAME: "Benchmark Child",
    ReferralBlock.CHILD_DOB: "2020-01-01",
    ReferralBlock.INCIDENT_DATE: "2026-11-20",
    ReferralBlock.PRESENTING_ISSUES: "Benchmark",
    ReferralBlock.CRITERIA: ["death"],
    ReferralBlock.CP_PLAN: "no",
    ReferralBlock.OTHER_CHILDREN: "no",
}


def _refer_once(harness: Harness, agency: int) -> tuple[float, float, float]:
    started = time.monotonic()
    harness.driver.slash_command("U0DPH", "refer")
    slash = time.monotonic() - started
    harness.wait(60)
    view = harness.standin.open_view_for("U0DPH")
    assert view is not None, "the referral modal did not open"
    values = {
        b.value: {INPUT_ACTION: v}
        for b, v in {**ANSWERS, ReferralBlock.AGENCY: str(agency)}.items()
    }
    started = time.monotonic()
    harness.driver.submit_view("U0DPH", values, view_id=view.id)
    submit = time.monotonic() - started
    started = time.monotonic()
    harness.wait(120)
    return slash, submit, time.monotonic() - started


@contextmanager
def seeded_harness(name: str, url: str | None = None) -> Iterator[tuple[Harness, int]]:
    """The bot in this process on a fresh database (a SQLite file; with ``url``, a schema
    of its own in that PostgreSQL database), against a seeded stand-in, and the Health
    agency's id (the referrals' agency)."""
    from benchmarks.tick import postgres_url, sqlite_url

    with sqlite_url() if url is None else postgres_url(url) as fresh:
        database = Database.from_url(fresh)
        upgrade(database.engine)
        with SlackStandIn() as standin:
            seed_people(standin)
            harness = start_harness(standin, database, FrozenClock(START))
            with database.reading() as session:
                health = next(a.id for a in active_agencies(session) if a.name == "Health")
            try:
                yield harness, health
            finally:
                harness.close()
                database.engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ack", description=__doc__)
    parser.add_argument("--delay", type=float, default=2.0, help="seconds per Web API call")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with seeded_harness("ack") as (harness, health):
        harness.standin.slow("*", args.delay)
        results = [_refer_once(harness, health) for _ in range(args.rounds)]
    print(f"acknowledgements, every Web API call taking {args.delay:.1f} s ({args.rounds} runs)")
    for label, index in (("/scr refer", 0), ("referral submitted", 1)):
        times = [r[index] * 1000 for r in results]
        print(f"  {label:<20} median {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms")
    after = [r[2] for r in results]
    print(f"  set-up after the ack  median {statistics.median(after):6.1f} s (channel, card, DMs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
