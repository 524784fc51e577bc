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
from pydantic import ValidationError

from bot.handlers.form_errors import errors_by_block
from bot.handlers.imr_form import imr_form_of
from bot.ids import ChronologyFlag, FirstMonthBlock, Job, ReviewBlock
from bot.runtime import Runtime
from bot.services import outbox
from bot.services.cases.access import active_agencies
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
from bot.services.reminders.tasks import involved_agencies
from bot.services.review.frame import (
    completion_date,
    current_terms,
    may_set_terms,
    save_terms,
    terms_form,
)
from bot.services.review.imr import own_review, submit_imr, to_submit
from bot.services.review.schema import (
    INDEPENDENCE,
    LONG_TEXT,
    PROCEEDING_LABELS,
    REC_FIELDS,
    SECTION_LABELS,
    SECTION_PROMPTS,
    SECTIONS,
    TermsForm,
    rec_block,
)
from bot.services.review.schema import SHORT_TEXT as REVIEW_SHORT
from bot.views.web.forms import FormField, FormTable, Kind, Value, WebForm, render_case_form
from bot.views.web.portal import Chrome, render_message

T = TypeVar("T")
Answers = dict[str, Value]
Errors = dict[str, str]
Options = Sequence[tuple[str, str]]
LONG: Kind = "long"

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
    names: Callable[[list[str]], dict[str, str]]
    """People's names, by Slack user id."""


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

    # The terms of reference ----------------------------------------------------------------

    def terms_fields(agencies: Options, people: Options) -> list[FormField]:
        proceedings = [(p.value, label) for p, label in PROCEEDING_LABELS.items()]
        long, b = LONG, ReviewBlock
        return [
            FormField(b.KEY_ISSUES.value, "Key issues", long, True, max_length=LONG_TEXT),
            FormField(b.EXPERT.value, "Independent or outside expert", long, True),
            FormField(b.PERIOD_FROM.value, "Period under review: from", "date", True),
            FormField(b.PERIOD_TO.value, "Period under review: to", "date", True),
            FormField(b.FAMILY_HISTORY.value, "Family history to be covered", long, True),
            FormField(
                b.AGENCIES.value,
                "Agencies asked to contribute",
                "checkboxes",
                True,
                options=agencies,
            ),
            FormField(b.OTHERS.value, "Others asked to contribute", long),
            FormField(b.OTHER_AREAS.value, "Other areas involved", long),
            FormField(b.FAMILY.value, "Family involvement", long),
            FormField(
                b.PROCEEDINGS.value, "Parallel proceedings", "checkboxes", options=proceedings
            ),
            FormField(b.LIAISON.value, "How the review liaises with them", long),
            FormField(
                b.LIAISON_LEAD.value,
                "Who links with the coroner, the police and the media",
                "select",
                True,
                options=people,
            ),
            FormField(b.MEDIA.value, "Media handling", long),
            FormField(b.REVIEW_START.value, "The review starts", "date", True),
            FormField(b.COMPLETION.value, "Completion date", "date", True),
        ]

    def terms_choices(session: Any, case: Any) -> tuple[Options, Options, Answers]:
        """Who may set them checked as in Slack; the choices, and the current terms (or the
        Slack form's defaults) as the answers to start from."""
        me: SignedIn = g.signed_in
        may_set_terms(session, case, me.user_id)
        agencies = [(str(a.id), a.name) for a in active_agencies(session)]
        members = list(dict.fromkeys(m.slack_user_id for m in case.members))
        current = current_terms(session, case.id)
        if current is not None:
            form = terms_form(runtime.cipher.for_case(session, case.id), current)
            start: Answers = {k: _answer(v) for k, v in form.model_dump(mode="json").items()}
        else:
            involved = [str(a.agency_id) for a in involved_agencies(session, case.id)]
            start = {
                ReviewBlock.AGENCIES.value: involved,
                ReviewBlock.LIAISON_LEAD.value: me.user_id,
                ReviewBlock.REVIEW_START.value: runtime.working_calendar()
                .london_date(runtime.clock.now())
                .isoformat(),
                ReviewBlock.COMPLETION.value: completion_date(session, case.id).isoformat(),
            }
        return agencies, [(m, "") for m in members], start

    def terms_page(reference: str, values: Answers | None, errors: Errors, status: int) -> Response:
        try:
            agencies, members, start = shown(terms_choices, reference)
        except Refused as exc:
            return exc.response
        names = pages.names([m for m, _ in members])
        people = [(m, names.get(m, m)) for m, _ in members]
        form = WebForm(
            title=f"{reference}: the terms of reference",
            lede=(
                "The same form as `/scr review terms` in Slack. Saving makes a new version: the "
                "agencies asked are asked for their management reviews, the period bounds the "
                "chronologies, and the completion date sets the overview report's deadline. "
                'Write "the child", never the child\'s name.'
            ),
            action=form_href(reference, WebFormKind.TERMS),
            submit="Save the terms",
            cancel=case_href(reference),
            fields=terms_fields(agencies, people),
            values=start if values is None else values,
            errors=errors,
        )
        return pages.page(render_case_form(pages.chrome(), form), status)

    @bp.get("/cases/<reference>/forms/terms")
    @pages.signed_in_only
    def terms(reference: str) -> Response:
        return terms_page(reference, None, {}, 200)

    @bp.post("/cases/<reference>/forms/terms")
    def terms_sent(reference: str) -> Response:
        me: SignedIn = g.signed_in
        now = runtime.clock.now()
        values = values_of(terms_fields([], []))
        cal = runtime.working_calendar()

        def store(session: Any, case: Any) -> int:
            may_set_terms(session, case, me.user_id)
            try:
                form = TermsForm.model_validate(values, context={"today": cal.london_date(now)})
            except ValidationError as exc:
                raise InvalidFormError(errors_by_block(exc, TermsForm)) from None
            row = save_terms(session, cal, now, runtime.cipher, case.id, form, actor=me.user_id)
            outbox.enqueue(session, Job.TERMS_POSTED, now=now, case_id=case.id)
            return int(row.version)

        try:
            version = shown(store, reference)
        except Refused as exc:
            return exc.response
        except InvalidFormError as exc:
            return terms_page(reference, values, exc.errors, 422)
        except RefusedError as exc:
            return terms_page(reference, values, {exc.field or "key_issues": exc.message}, 422)
        message = (
            f"Version {version} of the terms of reference is saved. It is kept on the case's "
            "page, and the case channel in Slack is told."
        )
        return saved("Terms of reference saved", message, reference)

    # A management review (Appendix 3) ------------------------------------------------------

    def imr_fields() -> tuple[list[FormField], FormTable, list[FormField]]:
        sections = [
            FormField(s, SECTION_LABELS[s], LONG, hint=SECTION_PROMPTS[s], max_length=LONG_TEXT)
            for s in SECTIONS
        ]
        kinds: dict[str, Kind] = {"by_when": "date", "by_whom": "text"}
        columns = [
            FormField(
                prefix.value,
                label,
                kinds.get(key, LONG),
                max_length=(
                    REVIEW_SHORT if key == "by_whom" else None if key == "by_when" else LONG_TEXT
                ),
            )
            for prefix, key, label in REC_FIELDS
        ]
        table = FormTable("8. Recommendations and action plan", columns, RECOMMENDATION_ROWS)
        independence = FormField(
            ReviewBlock.INDEPENDENT.value,
            "Independence",
            "checkboxes",
            True,
            options=[("yes", INDEPENDENCE)],
        )
        return sections, table, [independence]

    def imr_start(session: Any, case: Any) -> tuple[str, Answers]:
        """The review waiting for this person (refused as in Slack when there is none), and
        what it holds so far."""
        me: SignedIn = g.signed_in
        review_id = own_review(session, case, me.user_id)
        found = to_submit(session, runtime.cipher, review_id, me.user_id)
        content = found.content
        start: Answers = {s: v for s, v in content.sections.items() if v}
        for number, rec in enumerate(content.recommendations[:RECOMMENDATION_ROWS], start=1):
            for prefix, key, _ in REC_FIELDS:
                if rec.get(key):
                    start[rec_block(prefix, number)] = _answer(rec[key])
        if content.independent:
            start[ReviewBlock.INDEPENDENT.value] = ["yes"]
        return found.agency, start

    def imr_page(reference: str, values: Answers | None, errors: Errors, status: int) -> Response:
        try:
            agency, start = shown(imr_start, reference)
        except Refused as exc:
            return exc.response
        sections, table, after = imr_fields()
        form = WebForm(
            title=f"{reference}: {agency}'s management review",
            lede=(
                "The same form as in Slack (Appendix 3): write each section, the "
                "recommendations one a row (leave the rows you do not need empty), and confirm "
                'that you are independent of the case. Write "the child", never the child\'s '
                "name. Sending it submits the review to the panel chair."
            ),
            action=form_href(reference, WebFormKind.MANAGEMENT_REVIEW),
            submit="Submit the management review",
            cancel=case_href(reference),
            fields=sections,
            table=table,
            after=after,
            values=start if values is None else values,
            errors=errors,
        )
        return pages.page(render_case_form(pages.chrome(), form), status)

    @bp.get("/cases/<reference>/forms/management-review")
    @pages.signed_in_only
    def management_review(reference: str) -> Response:
        return imr_page(reference, None, {}, 200)

    @bp.post("/cases/<reference>/forms/management-review")
    def management_review_sent(reference: str) -> Response:
        me: SignedIn = g.signed_in
        now = runtime.clock.now()
        sections, table, after = imr_fields()
        values = values_of([*sections, *table.names(), *after])

        def store(session: Any, case: Any) -> str:
            review_id = own_review(session, case, me.user_id)
            found = to_submit(session, runtime.cipher, review_id, me.user_id)
            form = imr_form_of(dict(values), None, RECOMMENDATION_ROWS)
            cal, cipher = runtime.working_calendar(), runtime.cipher
            submit_imr(session, cal, now, cipher, review_id, form, actor=me.user_id)
            outbox.enqueue(session, Job.IMR_SUBMITTED, now=now, review_id=review_id)
            return found.agency

        try:
            agency = shown(store, reference)
        except Refused as exc:
            return exc.response
        except InvalidFormError as exc:
            return imr_page(reference, values, exc.errors, 422)
        except RefusedError as exc:
            return imr_page(reference, values, {exc.field or SECTIONS[0]: exc.message}, 422)
        message = (
            f"{agency}'s management review is submitted to the panel chair, who is told in "
            "Slack, as is the case channel."
        )
        return saved("Management review submitted", message, reference)


RECOMMENDATION_ROWS = 5
"""Rows of the web form's recommendations (Slack's form adds them one at a time)."""


def _answer(value: Any) -> Value:
    if isinstance(value, list):
        return [str(v) for v in value]
    return "" if value is None else str(value)
