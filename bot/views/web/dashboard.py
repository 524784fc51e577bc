"""The Board's dashboard as HTML (the content of the page's ``<main>``) and as CSV.

Each chart is an SVG image drawn here (``role="img"``, a ``<title>`` and a ``<desc>`` naming
every figure), with a table of the same numbers beside it. Every bar carries its number in
words; a limit is a dashed line labelled "limit". Colours are SVG presentation attributes
(each at least 4.5:1 against white, and never the only cue: every bar is labelled), so the
page needs no inline style and no script. A stylesheet may refine them by class:

- ``dashboard``: the whole content; ``dashboard-title``, ``dashboard-asof``,
  ``dashboard-download``: its heading, date line and CSV link.
- ``dashboard-section``: one chart or the cases, with its ``h2``.
- ``dashboard-figure``: a chart and its table side by side.
- ``dashboard-chart``: an SVG chart; inside it ``dashboard-group-heading``,
  ``dashboard-bar-label``, ``dashboard-bar`` (with ``dashboard-bar--median``,
  ``--longest``, ``--within``, ``--later``, ``--waiting``, ``--overdue``, ``--on-time``,
  ``--late``, ``--outstanding``, ``--not-yet-due``), ``dashboard-bar-value``,
  ``dashboard-limit`` (the line; ``dashboard-limit-edge`` its white edge beneath),
  ``dashboard-limit-label``, ``dashboard-empty``.
- ``dashboard-table``: every table; ``dashboard-cases``: the cases table;
  ``dashboard-num``: a numeric cell; ``dashboard-overdue``: a case's cell when it has overdue
  tasks; ``dashboard-closed``: a closed case's row.

Nothing identifies a child: a case is its reference, its stage and its dates.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from markupsafe import Markup, escape

from bot.process.working_days import LONDON, day, deadline_words
from bot.services.dashboard.schema import (
    RETURN_OUTCOME_LABELS,
    BoardFigures,
    CaseRow,
    Milestone,
    ReturnOutcome,
)
from bot.words import plural

WIDTH = 640
LABEL_WIDTH = 228
BAR_X = 236
BAR_END = 520
BAR_HEIGHT = 22
BAR_GAP = 8
HEADING_HEIGHT = 28
GROUP_GAP = 14
MAX_LABEL = 30

TEXT = "#1a1a1a"
FILLS: dict[str, str] = {
    "median": "#1d4f91",
    "longest": "#5b2a86",
    "within": "#1b6b3a",
    "later": "#a4262c",
    "waiting": "#8a4b08",
    "overdue": "#a4262c",
    "on-time": "#1b6b3a",
    "late": "#8a4b08",
    "outstanding": "#a4262c",
    "not-yet-due": "#595959",
}
"""Bar colours, each with a contrast of at least 4.5:1 against white."""

RETURN_KINDS: dict[ReturnOutcome, str] = {
    ReturnOutcome.ON_TIME: "on-time",
    ReturnOutcome.LATE: "late",
    ReturnOutcome.OUTSTANDING: "outstanding",
    ReturnOutcome.NOT_YET_DUE: "not-yet-due",
}


# Charts ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    text: str
    kind: str


@dataclass(frozen=True, slots=True)
class Group:
    heading: str | None
    bars: tuple[Bar, ...]
    limit: int | None = None
    limit_text: str = ""
    empty_text: str = ""


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def _text(
    x: float, y: float, content: str, cls: str, *, anchor: str = "start", bold: bool = False
) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{weight} '
        f'dominant-baseline="middle" fill="{TEXT}">{escape(content)}</text>'
    )


def _group_svg(group: Group, top: float, scale: float) -> tuple[list[str], float]:
    parts: list[str] = []
    y = top
    if group.heading:
        parts.append(
            _text(0, y + HEADING_HEIGHT / 2, group.heading, "dashboard-group-heading", bold=True)
        )
        y += HEADING_HEIGHT
    bars_top = y
    if not group.bars:
        parts.append(_text(BAR_X, y + BAR_HEIGHT / 2, group.empty_text, "dashboard-empty"))
        y += BAR_HEIGHT + BAR_GAP
    for bar in group.bars:
        width = bar.value * scale
        parts.append(
            _text(
                LABEL_WIDTH,
                y + BAR_HEIGHT / 2,
                _short(bar.label),
                "dashboard-bar-label",
                anchor="end",
            )
        )
        parts.append(
            f'<rect class="dashboard-bar dashboard-bar--{escape(bar.kind)}" '
            f'x="{BAR_X}" y="{y:.1f}" width="{width:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{FILLS[bar.kind]}" data-value="{bar.value}"/>'
        )
        parts.append(_text(BAR_X + width + 6, y + BAR_HEIGHT / 2, bar.text, "dashboard-bar-value"))
        y += BAR_HEIGHT + BAR_GAP
    if group.limit is not None and group.bars:
        x = BAR_X + group.limit * scale
        ends = f'x1="{x:.1f}" x2="{x:.1f}" y1="{bars_top - 4:.1f}" y2="{y - BAR_GAP + 4:.1f}"'
        parts.append(  # a white edge keeps the line visible where it crosses a bar
            f'<line class="dashboard-limit-edge" {ends} stroke="#ffffff" stroke-width="4"/>'
        )
        parts.append(
            f'<line class="dashboard-limit" {ends} stroke="{TEXT}" stroke-width="2" '
            f'stroke-dasharray="6 4" data-value="{group.limit}"/>'
        )
        label_y = bars_top - HEADING_HEIGHT / 2 if group.heading else y + BAR_HEIGHT / 2
        if not group.heading:
            y += BAR_HEIGHT
        anchor, dx = ("end", -6) if x > BAR_END - 40 else ("start", 6)
        parts.append(
            _text(x + dx, label_y, group.limit_text, "dashboard-limit-label", anchor=anchor)
        )
    return parts, y + GROUP_GAP


def chart_svg(chart_id: str, title: str, desc: str, groups: Sequence[Group]) -> str:
    """A horizontal bar chart: groups of labelled bars, each with its number, and a group's
    limit drawn as a dashed line across its bars."""
    largest = max(
        [bar.value for group in groups for bar in group.bars]
        + [group.limit for group in groups if group.limit is not None and group.bars]
        + [1]
    )
    scale = (BAR_END - BAR_X) / largest
    body: list[str] = []
    y = 4.0
    for group in groups:
        parts, y = _group_svg(group, y, scale)
        body += parts
    height = int(y)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dashboard-chart" role="img" '
        f'id="{chart_id}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="sans-serif" '
        f'font-size="14">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _table(caption: str, head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table whose rows start with a header cell; ``rows`` hold plain text."""
    th = "".join(f'<th scope="col">{escape(cell)}</th>' for cell in head)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{escape(row[0])}</th>'
        + "".join(f'<td class="dashboard-num">{escape(cell)}</td>' for cell in row[1:])
        + "</tr>"
        for row in rows
    )
    return (
        f'<table class="dashboard-table"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"
    )


def _section(section_id: str, heading: str, svg: str, table: str, note: str = "") -> str:
    note_html = f"<p>{escape(note)}</p>" if note else ""
    return (
        f'<section class="dashboard-section" aria-labelledby="{section_id}-h">'
        f'<h2 id="{section_id}-h">{escape(heading)}</h2>{note_html}'
        f'<div class="dashboard-figure">{svg}{table}</div></section>'
    )


# The four charts ---------------------------------------------------------------------------


def _days(n: int | None) -> str:
    return "–" if n is None else plural(n, "day")


def _limit_in_days(m: Milestone) -> str:
    if m.typical_limit_days is None:
        return m.limit_words
    exact = len(set(m.limit_days)) == 1
    return f"{m.limit_words} ({'' if exact else 'about '}{_days(m.typical_limit_days)})"


def _timeliness(figures: BoardFigures) -> str:
    groups = []
    said = []
    for m in figures.milestones:
        bars: tuple[Bar, ...] = ()
        if m.median_days is not None and m.longest_days is not None:
            bars = (
                Bar("Median", m.median_days, _days(m.median_days), "median"),
                Bar("Longest", m.longest_days, _days(m.longest_days), "longest"),
            )
            said.append(
                f"{m.label}: median {_days(m.median_days)}, longest {_days(m.longest_days)}, "
                f"limit {_limit_in_days(m)}, {m.within} of {m.reached} within the limit."
            )
        else:
            said.append(f"{m.label}: no case has reached it yet.")
        groups.append(
            Group(
                heading=m.label,
                bars=bars,
                limit=m.typical_limit_days,
                limit_text=f"limit {_days(m.typical_limit_days)}",
                empty_text="No case has reached it yet",
            )
        )
    title = "Days to each milestone, against the framework's limits"
    svg = chart_svg("dash-timeliness", title, " ".join(said), groups)
    rows = [
        [
            m.label,
            f"{m.reached:,}",
            _days(m.median_days),
            _days(m.longest_days),
            _limit_in_days(m),
            f"{m.within:,}" + (f" ({m.share_within}%)" if m.share_within is not None else ""),
            f"{m.waiting_past_limit:,}",
        ]
        for m in figures.milestones
    ]
    head = [
        "Milestone",
        "Cases reached",
        "Median",
        "Longest",
        "Limit from referral",
        "Within the limit",
        "Not reached, limit passed",
    ]
    table = _table("Days from referral, by milestone", head, rows)
    note = (
        "Each limit is the latest a step is on time when every step before it took as long "
        "as the framework allows, counted from the referral."
    )
    return _section("dash-timeliness-s", "Timeliness", svg, table, note)


def _panel_share(figures: BoardFigures) -> str:
    m = figures.panel
    within = f"Within {m.limit_words}"
    later = f"Later than {m.limit_words}"
    waiting = "Not held yet, limit passed"
    counts = [(within, m.within, "within"), (later, m.later, "later")]
    counts.append((waiting, m.waiting_past_limit, "waiting"))
    share = "no Initial Panel held yet" if m.share_within is None else f"{m.share_within}%"
    title = f"Initial Panels held within {m.limit_words} of the referral: {share}"
    desc = "; ".join(f"{label}: {plural(n, 'case')}" for label, n, _ in counts) + "."
    bars = tuple(Bar(label, n, plural(n, "case"), kind) for label, n, kind in counts)
    svg = chart_svg("dash-panel", title, desc, [Group(None, bars)])
    rows = [[label, f"{n:,}"] for label, n, _ in counts]
    rows.append(["Share held within the limit", share])
    table = _table(title, ["Initial Panels", "Cases"], rows)
    heading = f"Initial Panels within {m.limit_words}"
    return _section("dash-panel-s", heading, svg, table)


def _by_agency(figures: BoardFigures) -> str:
    items = figures.overdue_by_agency
    bars = tuple(Bar(a.name, a.overdue, plural(a.overdue, "task"), "overdue") for a in items)
    title = "Overdue tasks by agency"
    if items:
        desc = "; ".join(f"{a.name}: {plural(a.overdue, 'overdue task')}" for a in items) + "."
    else:
        desc = "No task is overdue."
    group = Group(None, bars, empty_text="No task is overdue")
    svg = chart_svg("dash-agencies", title, desc, [group])
    rows = [[a.name, f"{a.overdue:,}"] for a in items]
    table = _table(title, ["Agency or role", "Overdue tasks"], rows)
    note = "Tasks of no agency count against the role that owns them."
    return _section("dash-agencies-s", title, svg, table, note)


def _returns(figures: BoardFigures) -> str:
    groups = []
    said = []
    for r in figures.returns:
        bars = tuple(
            Bar(
                RETURN_OUTCOME_LABELS[outcome],
                r.count(outcome),
                plural(r.count(outcome), "return"),
                RETURN_KINDS[outcome],
            )
            for outcome in ReturnOutcome
        )
        groups.append(Group(f"Round {r.round_no}", bars))
        said.append(
            f"Round {r.round_no}: "
            + ", ".join(f"{RETURN_OUTCOME_LABELS[o].lower()} {r.count(o)}" for o in ReturnOutcome)
            + "."
        )
    if not groups:
        groups.append(Group(None, (), empty_text="No progress return asked for yet"))
        said.append("No progress return has been asked for yet.")
    title = "Progress returns by monitoring round"
    svg = chart_svg("dash-returns", title, " ".join(said), groups)
    head = ["Round", *(RETURN_OUTCOME_LABELS[o] for o in ReturnOutcome)]
    rows = [
        [f"Round {r.round_no}", *(f"{r.count(o):,}" for o in ReturnOutcome)]
        for r in figures.returns
    ]
    table = _table(title, head, rows)
    return _section("dash-returns-s", "Progress returns on time", svg, table)


# The cases ---------------------------------------------------------------------------------


@lru_cache(maxsize=8_192)
def _time(value: date, words: str) -> str:
    return f'<time datetime="{value.isoformat()}">{escape(words)}</time>'


_day = lru_cache(maxsize=8_192)(day)
_deadline_words = lru_cache(maxsize=8_192)(deadline_words)


def _case_row(row: CaseRow, today: date, case_url: Callable[[str], str] | None) -> str:
    ref = escape(row.reference)
    if case_url is not None:
        ref = Markup(f'<a href="{escape(case_url(row.reference))}">{ref}</a>')
    stage = escape(row.stage)
    if row.closed_on is not None:
        stage = Markup(f"{stage} {_time(row.closed_on, _day(row.closed_on))}")
    nd = row.next_deadline
    due = what = ""
    if nd is not None:
        due = _time(nd.due, _deadline_words(nd.due, nd.last_working_day, today))
        what = nd.what
    num = "dashboard-num dashboard-overdue" if row.overdue_tasks else "dashboard-num"
    row_cls = ' class="dashboard-closed"' if row.closed_on is not None else ""
    return (
        f'<tr{row_cls}><th scope="row">{ref}</th><td>{stage}</td>'
        f"<td>{_time(row.referral_date, _day(row.referral_date))}</td>"
        f'<td>{due}</td><td>{escape(what)}</td><td class="{num}">{row.overdue_tasks}</td></tr>'
    )


def _cases(figures: BoardFigures, case_url: Callable[[str], str] | None) -> str:
    head = ["Case", "Stage", "Referred", "Next deadline", "What is due", "Overdue tasks"]
    th = "".join(f'<th scope="col">{escape(cell)}</th>' for cell in head)
    body = "".join(_case_row(row, figures.today, case_url) for row in figures.cases)
    open_cases = sum(1 for row in figures.cases if row.closed_on is None)
    caption = f"Every case: {plural(len(figures.cases), 'case')}, {open_cases:,} open"
    return (
        '<section class="dashboard-section" aria-labelledby="dash-cases-h">'
        '<h2 id="dash-cases-h">Cases</h2>'
        f'<table class="dashboard-table dashboard-cases"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></section>"
    )


def dashboard_html(
    figures: BoardFigures,
    *,
    case_url: Callable[[str], str] | None = None,
    csv_url: str | None = None,
) -> Markup:
    """The dashboard page's ``<main>`` content. ``case_url`` links each reference to its
    case page; ``csv_url`` adds a link to the CSV download."""
    at = figures.generated_at.astimezone(LONDON)
    asof = f"Figures at {day(at.date())} {at:%H:%M}"
    download = ""
    if csv_url is not None:
        download = str(
            Markup('<p class="dashboard-download"><a href="{}">{}</a></p>').format(
                csv_url, "Download the cases as CSV"
            )
        )
    return Markup(
        '<div class="dashboard">'
        '<h1 class="dashboard-title">The Board\'s dashboard</h1>'
        f'<p class="dashboard-asof">{escape(asof)}</p>{download}'
        + _timeliness(figures)
        + _panel_share(figures)
        + _by_agency(figures)
        + _returns(figures)
        + _cases(figures, case_url)
        + "</div>"
    )


# CSV ---------------------------------------------------------------------------------------


def _cell(value: str) -> str:
    """Text as a spreadsheet shows it, never as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _iso(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def csv_header(figures: BoardFigures) -> list[str]:
    head = [
        "Case",
        "Process",
        "Stage",
        "Referred",
        "Closed",
        "Next deadline",
        "What is due",
        "Overdue tasks",
    ]
    for m in figures.milestones:
        head += [
            f"{m.label}: date",
            f"{m.label}: days from {m.counted_from}",
            f"{m.label}: limit",
            f"{m.label}: limit in days",
            f"{m.label}: within the limit",
        ]
    return head


def dashboard_csv(figures: BoardFigures) -> str:
    """One row per case: its stage, dates and timeliness (ISO dates; "yes"/"no" within the
    limit, empty when it does not apply yet)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(csv_header(figures))
    for row in figures.cases:
        nd = row.next_deadline
        cells = [
            _cell(row.reference),
            _cell(row.process),
            _cell(row.stage),
            _iso(row.referral_date),
            _iso(row.closed_on),
            _iso(nd.due if nd else None),
            _cell(nd.what if nd else ""),
            str(row.overdue_tasks),
        ]
        for time in row.times:
            within = time.within_limit
            cells += [
                _iso(time.reached),
                _number(time.days),
                _iso(time.limit),
                _number(time.limit_days),
                "" if within is None else ("yes" if within else "no"),
            ]
        writer.writerow(cells)
    return out.getvalue()
