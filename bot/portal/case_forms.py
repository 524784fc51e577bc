"""The case page's long forms on the web: chronology entries in bulk, the terms of reference
and a management review, each the Slack modal's twin.

Each route calls the service the Slack listener calls, so that who may send it, how its
answers are checked (the child's details screened out too), what is audited and what Slack is
told afterwards (the same outbox jobs) are the same. A GET shows the form to whoever the Slack
side would show the modal to (403 for anyone else); a POST (its CSRF token checked by the
blueprint) re-checks all of it: bad answers come back inline and nothing is stored."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from flask import Blueprint, Response, g, request

from bot.ids import ChronologyFlag, FirstMonthBlock, Job
from bot.runtime import Runtime
from bot.services import outbox
from bot.services.first_month.chronology import (
    chronology_modal,
    review_period,
    submit_entries,
    submitter_for,
)
from bot.services.first_month.schema import (
    MAX_EVENT,
    MAX_WORKER,
    ChronologyForm,
    entries_from_slots,
)
from bot.services.portal import cases as portal_cases
from bot.services.portal.forms import TITLES, WebFormKind
from bot.services.portal.sessions import SignedIn
from bot.services.refusal import InvalidFormError, RefusedError
from bot.views.web.forms import FormField, FormTable, Value, WebForm, render_case_form
from bot.views.web.portal import Chrome, render_message

T = TypeVar("T")

CHRONOLOGY_ROWS = 10
"""Rows of the web form's entries (the Slack modal has five)."""

FORM_KEY = "form_key"
"""A hidden input naming one showing of a form, so that a form sent twice is stored once."""


@dataclass(frozen=True)
class Pages:
    """The blueprint's page helpers."""

    page: Callable[[str, int], Response]
    refuse: Callable[[str, str, int], Response]
    chrome: Callable[[], Chrome]
    signed_in_only: Callable[[Callable[..., Response]], Callable[..., Response]]
    prefix: str
    not_shown: str


class Refused(Exception):  # noqa: N818 - a response, not an error of the code
    def __init__(self, response: Response) -> None:
        self.response = response


def values_of(fields: Sequence[FormField]) -> dict[str, Value]:
    """The request's answers to ``fields``; an empty one left out (as Slack leaves it)."""
    out: dict[str, Value] = {}
    for f in fields:
        if f.multi:
            chosen = [v for v in request.form.getlist(f.name) if v]
            if chosen:
                out[f.name] = chosen
        else:
            value = request.form.get(f.name, "").strip()
            if value:
                out[f.name] = value
    return out


def register_case_forms(bp: Blueprint, runtime: Runtime, pages: Pages) -> None:
    db = runtime.db
    prefix = pages.prefix

    def case_href(reference: str) -> str:
        return f"{prefix}/cases/{reference}"

    def form_href(reference: str, kind: WebFormKind) -> str:
        return f"{case_href(reference)}/forms/{kind.value}"

    def shown(step: Callable[[Any, Any], T], reference: str) -> T:
        """``step(session, case)`` on a case ``reference`` the person is a member of; its
        refusal a 403 (the refusal to show the case audited and kept)."""
        me: SignedIn = g.signed_in
        now = runtime.clock.now()
        refused: RefusedError | None = None
        with db.session() as session:
            try:
                case = portal_cases.case_for(session, reference, me.user_id, now)
            except portal_cases.NotShownError:
                case = None
            if case is not None:
                try:
                    with session.begin_nested():
                        return step(session, case)
                except InvalidFormError:
                    raise
                except RefusedError as exc:
                    if exc.field is not None:
                        raise
                    refused = exc
        if refused is not None:
            raise Refused(pages.refuse("Not for you", refused.message, 403))
        raise Refused(pages.refuse("Not shown", pages.not_shown, 403))

    def saved(title: str, message: str, reference: str) -> Response:
        runtime.bell.ring()  # the jobs queued with it: the drain starts them now
        html = render_message(title, message, chrome=pages.chrome(), back=case_href(reference))
        return pages.page(html, 200)

    # Chronology entries in bulk --------------------------------------------------------------

    def chronology_form(
        reference: str,
        counts: Sequence[tuple[int, str, int]],
        values: dict[str, Value],
        errors: dict[str, str],
    ) -> WebForm:
        agencies = [
            (str(agency_id), f"{name} ({entries} entries so far)")
            for agency_id, name, entries in counts
        ]
        flags = [
            (ChronologyFlag.CHILD_SEEN.value, "Child seen"),
            (ChronologyFlag.WISHES_SOUGHT.value, "Wishes and feelings sought"),
        ]
        columns = [
            FormField(FirstMonthBlock.ENTRY_DATE.value, "Date", "date"),
            FormField(FirstMonthBlock.ENTRY_WORKER.value, "Name of worker", max_length=MAX_WORKER),
            FormField(
                FirstMonthBlock.ENTRY_EVENT.value, "Event or action", "long", max_length=MAX_EVENT
            ),
            FormField(
                FirstMonthBlock.ENTRY_FLAGS.value, "With the child", "checkboxes", options=flags
            ),
        ]
        return WebForm(
            title=f"{reference}: {TITLES[WebFormKind.CHRONOLOGY].lower()}",
            lede=(
                "One entry a row, as in Slack's form or a CSV file: the date, the worker (by role "
                "or name, never the child's), what happened, and whether the child was seen and "
                "their wishes and feelings sought. Leave the rows you do not need empty. "
                "An entry already in your agency's chronology is not added twice."
            ),
            action=form_href(reference, WebFormKind.CHRONOLOGY),
            submit="Add the entries",
            cancel=case_href(reference),
            fields=[FormField("agency", "Your agency", "select", required=True, options=agencies)],
            table=FormTable("Chronology entries", columns, CHRONOLOGY_ROWS),
            after=[],
            values=values,
            errors=errors,
        )

    def agencies_for(session: Any, case: Any) -> list[tuple[int, str, int]]:
        modal = chronology_modal(session, case.id, g.signed_in.user_id, ChronologyForm.ENTRIES)
        return [(c.choice.id, c.choice.name, c.entries) for c in modal.counts]

    def entries_page(
        reference: str, values: dict[str, Value], errors: dict[str, str], status: int
    ) -> Response:
        try:
            counts = shown(agencies_for, reference)
        except Refused as exc:
            return exc.response
        form = chronology_form(reference, counts, values, errors)
        form = replace(
            form, hidden={FORM_KEY: request.form.get(FORM_KEY) or secrets.token_urlsafe(16)}
        )
        return pages.page(render_case_form(pages.chrome(), form), status)

    @bp.get("/cases/<reference>/forms/chronology")
    @pages.signed_in_only
    def chronology_entries(reference: str) -> Response:
        return entries_page(reference, {}, {}, 200)

    @bp.post("/cases/<reference>/forms/chronology")
    def chronology_entries_sent(reference: str) -> Response:
        me: SignedIn = g.signed_in
        now = runtime.clock.now()
        fields = chronology_form(reference, [], {}, {}).all_fields()
        values = values_of(fields)
        key = request.form.get(FORM_KEY, "")[:40] or secrets.token_urlsafe(16)

        def store(session: Any, case: Any) -> Any:
            agency = str(values.get("agency", ""))
            who = submitter_for(
                session, case.id, me.user_id, int(agency) if agency.isdigit() else None
            )
            today = runtime.working_calendar().london_date(now)
            period = review_period(session, case.id)
            entries = entries_from_slots(values, today=today, period=period, slots=CHRONOLOGY_ROWS)
            result = submit_entries(
                session,
                runtime.cipher,
                who,
                source_key=f"web:{key}",
                actor=me.user_id,
                now=now,
                entries=entries,
            )
            if result.batch_id is not None:
                outbox.enqueue(session, Job.CHRONOLOGY_RECORDED, now=now, batch_id=result.batch_id)
            return who, result

        try:
            who, result = shown(store, reference)
        except Refused as exc:
            return exc.response
        except InvalidFormError as exc:
            return entries_page(reference, values, exc.errors, 422)
        except RefusedError as exc:
            return entries_page(reference, values, {exc.field or "agency": exc.message}, 422)
        if result.status == "duplicate":
            message = "These entries were added already; nothing has changed."
        else:
            message = (
                f"{result.added} added to {who.agency_name}'s chronology"
                + (f" ({result.skipped} already in it)" if result.skipped else "")
                + f": it has {result.total} now. The case channel in Slack is told."
            )
        return saved("Entries added", message, reference)
