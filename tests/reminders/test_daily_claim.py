"""The once-a-day claim: one holder at a time, never again once sent or skipped, given back
on failure, taken over when a lease runs out; many claimants at once, one winner."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from bot.services.reminders.daily import (
    LEASE,
    DailyKind,
    claim_daily,
    mark_daily_sent,
    mark_daily_skipped,
    not_yet_done,
    release_daily,
)
from storage.db import Database
from tests.reminders.reminder_helpers import london

DAY = date(2026, 12, 1)
NOW = london(2026, 12, 1, 9, 5)
DIGEST = DailyKind.DIGEST


@pytest.mark.postgres
def test_one_holder_until_released_or_the_lease_runs_out(database) -> None:
    assert claim_daily(database, DIGEST, DAY, "U1", NOW)
    assert not claim_daily(database, DIGEST, DAY, "U1", NOW + LEASE - timedelta(seconds=1))
    assert claim_daily(database, DIGEST, DAY, "U2", NOW), "another person is another claim"
    assert claim_daily(database, "morning", DAY, "U1", NOW), "another kind too"
    assert claim_daily(database, DIGEST, DAY + timedelta(days=1), "U1", NOW), "another day too"
    assert claim_daily(database, DIGEST, DAY, "U1", NOW + LEASE), "a dead holder's lease ran out"

    release_daily(database, DIGEST, DAY, "U1", retry_at=NOW + timedelta(minutes=30))
    assert not claim_daily(database, DIGEST, DAY, "U1", NOW + timedelta(minutes=29))
    assert claim_daily(database, DIGEST, DAY, "U1", NOW + timedelta(minutes=30))
    release_daily(database, DIGEST, DAY, "U1")
    assert claim_daily(database, DIGEST, DAY, "U1", NOW + timedelta(minutes=31))


@pytest.mark.postgres
def test_sent_or_skipped_is_never_claimed_again_that_day(database) -> None:
    assert claim_daily(database, DIGEST, DAY, "U1", NOW)
    mark_daily_sent(database, DIGEST, DAY, "U1", NOW)
    mark_daily_skipped(database, DIGEST, DAY, "U2", NOW)  # never claimed: recorded all the same
    release_daily(database, DIGEST, DAY, "U1")
    later = NOW + timedelta(hours=5)
    assert not claim_daily(database, DIGEST, DAY, "U1", later)
    assert not claim_daily(database, DIGEST, DAY, "U2", later)
    mark_daily_skipped(database, DIGEST, DAY, "U1", later)
    assert claim_daily(database, DIGEST, DAY, "U3", later)
    assert not_yet_done(database, DIGEST, DAY, ["U3", "U1", "U2", "U4"]) == ["U3", "U4"]
    assert claim_daily(database, DIGEST, DAY + timedelta(days=1), "U1", later)


@pytest.mark.postgres
def test_of_many_claimants_at_once_exactly_one_wins(database: Database) -> None:
    url = database.engine.url.render_as_string(hide_password=False)
    claimants = [Database.from_url(url) for _ in range(6)]
    start = threading.Barrier(len(claimants))
    won: list[bool] = []

    def claim(db: Database) -> None:
        start.wait()
        won.append(claim_daily(db, DIGEST, DAY, "U1", NOW))

    threads = [threading.Thread(target=claim, args=(db,)) for db in claimants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for db in claimants:
        db.dispose()
    assert sorted(won) == [False] * 5 + [True]
