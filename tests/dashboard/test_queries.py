"""The figures over many cases at every stage (filled as the benchmark fills them): a fixed
handful of queries whatever the number of cases, and totals that agree with each other."""

from __future__ import annotations

import pytest
from sqlalchemy import event, update

from benchmarks.portal import NOW, fill_board
from bot.process.working_days import WorkingCalendar
from bot.services.cases.access import sync_partnership
from bot.services.dashboard import board_figures
from bot.testing.seed import seed_partnership
from bot.views.web.dashboard import FILLS, TEXT
from storage.models import Case


def _figures(database, cases: int):
    with database.session() as session:
        sync_partnership(session, seed_partnership())
    fill_board(database.engine, cases)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        with database.session() as session:
            board = board_figures(session, NOW, WorkingCalendar())
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)
    return board, statements


@pytest.mark.postgres
def test_a_few_queries_whatever_the_number_of_cases_and_totals_that_agree(database):
    board, statements = _figures(database, 120)

    assert len(board.cases) == 120
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 8
    assert sum(r.overdue_tasks for r in board.cases) == sum(
        a.overdue for a in board.overdue_by_agency
    )
    for milestone in board.milestones:
        assert milestone.within + milestone.later == milestone.reached > 0
        assert milestone.median_days is not None
        assert milestone.longest_days is not None
        assert milestone.median_days <= milestone.longest_days
    assert {r.stage for r in board.cases} >= {
        "Referral and CPU actions",
        "Serious case review",
        "Monitoring the action plan",
        "Smaller-scale audit",
        "Closed",
    }
    assert all(r.next_deadline is None and r.overdue_tasks == 0 for r in board.cases if r.closed_on)
    assert sum(r.on_time + r.late for r in board.returns) > 0


def test_a_practice_review_is_timed_against_its_own_milestones_not_the_serious_case_reviews(
    database,
):
    before, _ = _figures(database, 40)
    [reference] = [r.reference for r in before.cases if r.stage == "Serious case review"][:1]
    with database.engine.begin() as conn:
        conn.execute(
            update(Case)
            .where(Case.reference == reference)
            .values(process_key="cspr", stage="local_review")
        )
    with database.session() as session:
        after = board_figures(session, NOW, WorkingCalendar())

    [review] = [r for r in after.cases if r.reference == reference]
    assert review.stage == "Local child safeguarding practice review"
    assert [m.label for m in before.milestones] == [
        "Initial Panel held",
        "Board Chair's decision",
        "Overview report accepted",
    ], "a Board with no practice review sees none of its milestones"
    labels = [m.label for m in after.milestones]
    assert labels[3:] == [
        "National panel notified",
        "Rapid review report sent (from the notification)",
        "Local review published (from the decision)",
    ]
    times = dict(zip(labels, review.times, strict=True))
    assert all(times[label].limit is None for label in labels[:3])
    published = times["Local review published (from the decision)"]
    assert published.reached is None and published.limit is not None
    assert published.limit_days in range(181, 185), "six calendar months from the decision"
    assert after.milestones[5].counted_from == "the decision"
    assert after.milestones[1].reached == before.milestones[1].reached - 1
    assert after.milestones[1].limit_words == "1 calendar month, then 5 working days"


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("colour", [*FILLS.values(), TEXT])
def test_every_colour_reads_against_white(colour):
    assert 1.05 / (_luminance(colour) + 0.05) >= 4.5
