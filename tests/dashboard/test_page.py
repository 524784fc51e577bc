"""The dashboard's page and CSV: charts that parse as SVG, say what they show to a screen
reader and carry the same numbers as the tables beside them; everything escaped; no inline
style or script; nothing that identifies a child."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest

from bot.services.dashboard.schema import (
    AgencyOverdue,
    BoardFigures,
    CaseRow,
    Milestone,
    MilestoneTime,
    NextDeadline,
    ReturnRound,
)
from bot.views.web.dashboard import csv_header, dashboard_csv, dashboard_html
from tests.dashboard.helpers import figures, three_cases
from tests.referral.data import IDENTIFYING

SVG = "{http://www.w3.org/2000/svg}"


def parse(html: str) -> ET.Element:
    """The page's content as XML: it must be well-formed, SVG and all."""
    return ET.fromstring(f"<main>{html}</main>")


def text_of(element: ET.Element) -> str:
    return "".join(element.itertext()).strip()


def number(text: str) -> int:
    found = re.match(r"[\d,]+", text)
    assert found, text
    return int(found.group().replace(",", ""))


def charts(root: ET.Element) -> dict[str, tuple[ET.Element, ET.Element]]:
    """Each chart's SVG and the table beside it, by the SVG's id."""
    found = {}
    for figure in root.iter("div"):
        if figure.get("class") == "dashboard-figure":
            svg = figure.find(f"{SVG}svg")
            table = figure.find("table")
            assert svg is not None and table is not None
            found[svg.get("id")] = (svg, table)
    return found


def bars(svg: ET.Element) -> list[tuple[str, int]]:
    """Each bar's label and number, in order; the number is drawn as text beside it too."""
    labels = [text_of(t) for t in svg.iter(f"{SVG}text") if t.get("class") == "dashboard-bar-label"]
    values = [text_of(t) for t in svg.iter(f"{SVG}text") if t.get("class") == "dashboard-bar-value"]
    rects = [r for r in svg.iter(f"{SVG}rect") if "dashboard-bar" in (r.get("class") or "")]
    assert len(labels) == len(values) == len(rects)
    for rect, value in zip(rects, values, strict=True):
        assert int(rect.get("data-value")) == number(value)
    return [(label, number(value)) for label, value in zip(labels, values, strict=True)]


def body_rows(table: ET.Element) -> list[list[str]]:
    return [[text_of(cell) for cell in tr] for tr in table.find("tbody")]


@pytest.fixture
def page(harness):
    board = three_cases(harness)
    now = figures(harness)
    return board, now, dashboard_html(now, case_url=lambda ref: f"/portal/cases/{ref}")


def test_every_chart_is_an_accessible_image_with_its_numbers_in_a_table(page):
    _, now, html = page
    root = parse(html)
    found = charts(root)
    assert set(found) == {"dash-timeliness", "dash-panel", "dash-agencies", "dash-returns"}
    for chart_id, (svg, table) in found.items():
        assert svg.get("role") == "img"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        assert title.get("id") == f"{chart_id}-title" and text_of(desc)
        assert text_of(table.find("caption"))
        assert all(th.get("scope") in ("col", "row") for th in table.iter("th"))

    svg, table = found["dash-panel"]
    assert bars(svg) == [
        ("Within 1 calendar month", 1),
        ("Later than 1 calendar month", 1),
        ("Not held yet, limit passed", 1),
    ]
    assert [[label, number(n)] for label, n in body_rows(table)[:3]] == [
        [label, n] for label, n in bars(svg)
    ]
    assert body_rows(table)[3] == ["Share held within the limit", "50%"]
    assert text_of(svg.find(f"{SVG}title")).endswith(": 50%")

    svg, table = found["dash-agencies"]
    assert bars(svg) == [(a.name, a.overdue) for a in now.overdue_by_agency]
    assert [(name, number(n)) for name, n in body_rows(table)] == bars(svg)

    svg, table = found["dash-timeliness"]
    from_table = [
        (label, number(median), number(longest))
        for label, reached, median, longest, *_ in body_rows(table)
        if number(reached)
    ]
    drawn = bars(svg)
    assert [
        (label, *[n for _, n in drawn[2 * i : 2 * i + 2]])
        for i, (label, *_) in enumerate(from_table)
    ] == from_table
    assert from_table == [("Initial Panel held", 30, 40), ("Board Chair's decision", 21, 21)]
    limits = [
        int(line.get("data-value"))
        for line in svg.iter(f"{SVG}line")
        if line.get("class") == "dashboard-limit"
    ]
    assert limits == [30, 39]
    assert "limit 30 days" in [text_of(t) for t in svg.iter(f"{SVG}text")]


def test_the_cases_table_lists_every_case_and_links_it(page):
    board, _, html = page
    root = parse(html)
    [table] = [t for t in root.iter("table") if "dashboard-cases" in t.get("class")]
    rows = body_rows(table)
    assert [r[0] for r in rows] == [board.a.reference, board.b.reference, board.c.reference]
    assert rows[1] == [
        board.b.reference,
        "Board Chair's decision",
        "Fri 27 Nov 2026",
        "Wed 13 Jan",
        "Decide whether the SCR criteria are met",
        "0",
    ]
    assert rows[2][3:] == ["", "", "8"]  # all of C's deadlines have passed
    links = [a.get("href") for a in table.iter("a")]
    assert links == [
        f"/portal/cases/{ref}" for ref in (board.a.reference, board.b.reference, board.c.reference)
    ]


def test_no_inline_style_or_script_and_nothing_that_identifies_the_child(page):
    _, now, html = page
    sheet = dashboard_csv(now)
    for forbidden in ("style=", "<style", "<script", "javascript:"):
        assert forbidden not in html.lower()
    assert not re.search(r"\son[a-z]+=", html)
    for value in IDENTIFYING:
        assert value.lower() not in html.lower()
        assert value.lower() not in sheet.lower()


def test_the_csv_has_a_row_per_case_with_its_timeliness(page):
    board, now, _ = page
    rows = list(csv.reader(io.StringIO(dashboard_csv(now))))
    header, *cases = rows
    assert header == csv_header(now)
    assert [r[0] for r in cases] == [board.a.reference, board.b.reference, board.c.reference]
    a = dict(zip(header, cases[0], strict=True))
    assert a["Stage"] == "Serious case review"
    assert a["Referred"] == "2026-11-27"
    assert (a["Initial Panel held: date"], a["Initial Panel held: days from referral"]) == (
        "2026-12-17",
        "20",
    )
    assert a["Initial Panel held: limit"] == "2026-12-27"
    assert a["Initial Panel held: within the limit"] == "yes"
    assert a["Board Chair's decision: limit in days"] == "39"
    assert a["Overview report accepted: date"] == ""
    b = dict(zip(header, cases[1], strict=True))
    assert b["Initial Panel held: within the limit"] == "no"
    assert b["Next deadline"] == "2027-01-13"
    assert b["Overdue tasks"] == "0"


# Built by hand: what the database cannot easily hold -----------------------------------


def _board(**overrides) -> BoardFigures:
    referral = date(2026, 11, 27)
    values = {
        "generated_at": datetime(2026, 12, 2, 10, tzinfo=UTC),
        "today": date(2026, 12, 2),
        "cases": (
            CaseRow(
                reference="SCR-2026-001",
                process="Serious Case Review (Bolton framework)",
                stage="Referral & <CPU> actions",
                referral_date=referral,
                closed_on=None,
                next_deadline=NextDeadline(
                    date(2026, 12, 27), date(2026, 12, 24), '=HYPERLINK("x") "><img src=x>'
                ),
                overdue_tasks=2,
                times=(MilestoneTime(None, date(2026, 12, 27), referral),),
            ),
        ),
        "milestones": (
            Milestone(
                key="panel_date",
                label="Initial Panel held",
                limit_words="1 calendar month",
                days=(),
                limit_days=(),
                within=0,
                waiting_past_limit=0,
            ),
        ),
        "overdue_by_agency": (AgencyOverdue('<script>"x"</script> & Co', 2),),
        "returns": (ReturnRound(1, on_time=3, late=1, outstanding=0, not_yet_due=2),),
    }
    values.update(overrides)
    return BoardFigures(**values)


def test_every_value_is_escaped_in_the_page_and_the_svg():
    html = str(dashboard_html(_board(), case_url=lambda ref: f'/cases/{ref}?a=1&b="2"'))
    root = parse(html)
    assert "<script" not in html and "<img" not in html
    svg, table = charts(root)["dash-agencies"]
    assert bars(svg) == [('<script>"x"</script> & Co', 2)]
    assert body_rows(table) == [['<script>"x"</script> & Co', "2"]]
    assert [a.get("href") for a in root.iter("a")] == ['/cases/SCR-2026-001?a=1&b="2"']
    [cases] = [t for t in root.iter("table") if "dashboard-cases" in t.get("class")]
    assert body_rows(cases)[0][1] == "Referral & <CPU> actions"
    assert body_rows(cases)[0][3] == "Thu 24 Dec (deadline Sun 27 Dec)"


def test_a_long_name_is_shortened_on_the_chart_and_whole_in_its_table_and_description():
    name = "Children's Services of the Borough of Oldtown and District"
    html = str(dashboard_html(_board(overdue_by_agency=(AgencyOverdue(name, 1),))))
    svg, table = charts(parse(html))["dash-agencies"]
    [(label, count)] = bars(svg)
    assert name.startswith(label.rstrip("…")) and label.endswith("…") and count == 1
    assert body_rows(table) == [[name, "1"]]
    assert name in text_of(svg.find(f"{SVG}desc"))


def test_a_csv_cell_is_never_a_formula():
    rows = list(csv.reader(io.StringIO(dashboard_csv(_board()))))
    assert rows[1][6] == '\'=HYPERLINK("x") "><img src=x>'


def test_returns_are_drawn_by_round_with_every_outcome_labelled():
    svg, table = charts(parse(str(dashboard_html(_board()))))["dash-returns"]
    assert bars(svg) == [
        ("Returned by the deadline", 3),
        ("Returned late", 1),
        ("Outstanding after the deadline", 0),
        ("Not yet due", 2),
    ]
    assert body_rows(table) == [["Round 1", "3", "1", "0", "2"]]
    kinds = {r.get("class").split()[-1] for r in svg.iter(f"{SVG}rect")}
    assert len(kinds) == 4  # each outcome its own colour, besides its label


def test_an_empty_board_says_so():
    root = parse(str(dashboard_html(_board(cases=(), overdue_by_agency=(), returns=()))))
    said = text_of(root)
    assert "No task is overdue" in said
    assert "No progress return asked for yet" in said
    assert "no Initial Panel held yet" in said
    assert "No case has reached it yet" in said
    assert "0 cases, 0 open" in said
