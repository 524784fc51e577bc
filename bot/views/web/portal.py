"""The web case room's pages as HTML: pure renderers over the portal's schema (Jinja2, with
every value escaped). The stylesheet lives at `/portal/static/portal.css`; no page carries a
script or an inline style, so the Content-Security-Policy can forbid both."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from bot.process.working_days import deadline_words
from bot.services.dashboard.schema import BoardFigures
from bot.services.portal.schema import CaseLine, CasePage
from bot.services.referral.schema import FAMILY_ROWS as FAMILY_ROWS_IN_SCHEMA
from bot.services.referral.schema import LONG_TEXT, SHORT_TEXT
from bot.views.web.dashboard import dashboard_html


@dataclass(frozen=True)
class Chrome:
    """What every signed-in page shows around its content."""

    person: str
    csrf_token: str
    static: str = "/portal/static"
    home: str = "/portal/"
    logout: str = "/portal/logout"
    dashboard: str | None = None
    """The Board's dashboard, linked for those who may see it (the Chair, the business unit)."""


@cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.views.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = lambda d: f"{d:%a} {d.day} {d:%b %Y}"
    env.filters["entry_day"] = lambda d: f"{d:%d.%m.%y}"
    return env


def render_case_list(chrome: Chrome, cases: Sequence[CaseLine], case_href: str) -> str:
    """``case_href`` has ``{reference}`` where each case's reference goes."""
    return (
        _env()
        .get_template("portal/cases.html")
        .render(
            chrome=chrome, cases=cases, case_href=case_href, title="Your cases", current="cases"
        )
    )


def render_case_page(chrome: Chrome, page: CasePage, people: Mapping[str, str]) -> str:
    deadlines = [
        (d.label, deadline_words(d.due, d.last_working_day, page.today), d.note)
        for d in page.deadlines
    ]
    return (
        _env()
        .get_template("portal/case.html")
        .render(
            chrome=chrome,
            page=page,
            deadlines=deadlines,
            people=people,
            title=page.reference,
        )
    )


def render_dashboard(
    chrome: Chrome, figures: BoardFigures, *, case_href: str, csv_href: str
) -> str:
    """The Board's dashboard in the case room's shell; ``case_href`` has ``{reference}`` where
    each case's reference goes."""
    content: Markup = dashboard_html(
        figures,
        case_url=lambda reference: case_href.format(reference=reference),
        csv_url=csv_href,
    )
    return (
        _env()
        .get_template("portal/dashboard.html")
        .render(chrome=chrome, content=content, title="The Board's dashboard", current="dashboard")
    )


def render_message(
    title: str, message: str, *, chrome: Chrome | None = None, sign_in: str = "", back: str = ""
) -> str:
    """A page with one message: refusals, errors, "you have signed out", a form saved
    (``back``: the case page it came from)."""
    return (
        _env()
        .get_template("portal/message.html")
        .render(chrome=chrome, title=title, message=message, sign_in=sign_in, back=back)
    )


FAMILY_ROWS = FAMILY_ROWS_IN_SCHEMA
"""Rows of the family table on the referral's details form."""

DETAIL_LABELS = {
    "child_name": "Child's name",
    "child_aka": "Also known as",
    "child_dob": "Date of birth",
    "address": "Address",
    "child_telephone": "Telephone",
    "presenting_issues": "Presenting issues",
    "background": "Background information",
    "other_services": "Other services involved",
    "comments": "Additional comments",
}
_FAMILY_PARTS = {
    "name": "name",
    "relationship": "relationship",
    "dob": "date of birth",
    "address": "address",
}


@dataclass(frozen=True)
class DetailsForm:
    """The referral's identifying details form: what was typed (to show again beside its
    errors) and the errors, by field (``family.<row>.<part>`` for a family row's)."""

    action: str
    agency: str
    referral_date: date
    incident_date: date
    expires: date
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    family_rows: int = FAMILY_ROWS
    short_text: int = SHORT_TEXT
    long_text: int = LONG_TEXT

    def anchor(self, name: str) -> str:
        if name.startswith("family."):
            _, row, part = [*name.split("."), "", ""][:3]
            return f"family-{row}-{part}"
        return name if name in DETAIL_LABELS else "child_name"

    def label(self, name: str) -> str:
        if name.startswith("family."):
            _, row, part = [*name.split("."), "", ""][:3]
            number = int(row) + 1 if row.isdigit() else 1
            return f"Family member {number}, {_FAMILY_PARTS.get(part, 'details')}"
        return DETAIL_LABELS.get(name, "This form")


def render_details_form(chrome: Chrome, form: DetailsForm) -> str:
    return (
        _env()
        .get_template("portal/referral.html")
        .render(chrome=chrome, form=form, title="The child's details")
    )
