"""The CSV rules of the action plan import, without Slack: headers, dates, limits."""

from __future__ import annotations

from datetime import date

import pytest

from bot.services.monitoring.plan_import import MAX_ROWS, parse_date, parse_plan
from tests.monitoring.monitoring_helpers import PLAN, plan_csv

AGENCIES = {"health": 1, "police": 2, "children's services": 3}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30/06/2027", date(2027, 6, 30)),
        ("30/06/27", date(2027, 6, 30)),
        ("30.06.27", date(2027, 6, 30)),
        ("30.06.2027", date(2027, 6, 30)),
        ("2027-06-30", date(2027, 6, 30)),
        ("29/02/2028", date(2028, 2, 29)),
        ("29/02/2027", None),
        ("06/30/2027", None),
        ("next June", None),
    ],
)
def test_target_dates(text, expected) -> None:
    assert parse_date(text) == expected


def test_headers_are_matched_loosely_and_extra_columns_ignored() -> None:
    header = [
        "No.",
        "  ORGANISATION ",
        "Recommendation",
        "Action owner",
        "By when",
        "Outcome",
        "Notes",
    ]
    rows = [[*row[:6], "ignored"] for row in PLAN]
    parsed = parse_plan(plan_csv(rows, header), agencies=AGENCIES, taken_numbers=set())
    assert parsed.problems == ()
    assert [(r.line, r.number, r.agency_id, r.owner) for r in parsed.rows] == [
        (2, 1, 1, "U0OWNH"),
        (3, 2, 2, "u0ownp@owners.example"),
        (4, 3, 3, "U0OWNC"),
    ]


def test_blank_lines_are_skipped_but_keep_the_row_numbers() -> None:
    rows = [PLAN[0], ["", "", "", "", "", "", ""], ["2", "Nowhere", "x", "U0OWNP", "1/1/2027", "y"]]
    parsed = parse_plan(plan_csv(rows), agencies=AGENCIES, taken_numbers=set())
    assert [str(p) for p in parsed.problems] == [
        "Row 4: agency 'Nowhere' is not in the partnership."
    ]


def test_too_many_rows_and_too_many_bytes() -> None:
    rows = [[str(n), "Health", "x", "U0OWNH", "30/06/2027", "y", ""] for n in range(1, 400)]
    [problem] = parse_plan(plan_csv(rows), agencies=AGENCIES, taken_numbers=set()).problems
    assert str(problem) == f"The file has 399 rows; at most {MAX_ROWS} can be imported."
    [problem] = parse_plan(b"x" * 1_000_001, agencies=AGENCIES, taken_numbers=set()).problems
    assert "larger than" in str(problem)


def test_long_cells_are_not_repeated_back() -> None:
    secret = "Named Person Of 1 High Street"
    rows = [[secret, "Health", "x", "U0OWNH", "30/06/2027", "y", ""]]
    [problem] = parse_plan(plan_csv(rows), agencies=AGENCIES, taken_numbers=set()).problems
    assert secret not in str(problem)
    assert "'Named Person Of 1 Hi…'" in str(problem)
