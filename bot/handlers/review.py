"""The review's frame: `/scr review chair|terms|extension|findings` (and their buttons), the
panel chair's answer on previous involvement, the overview report (`/scr report skeleton`
and the card's button, `/scr report ready`, each agency's answer on the draft,
`/scr report accepted`), and the button on a reminder that
opens the form completing one of the decision's or the review's tasks.

The management reviews and interviews are `bot.handlers.review_imr`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_bolt import App
from slack_sdk.models.views import View

from bot.flows import review as flows
from bot.handlers import review_imr
from bot.handlers.adapter import Listeners, Request, Submitted, validated
from bot.handlers.commands import CommandRouter
from bot.handlers.decision import notice_opener, recommendation_opener
from bot.handlers.payloads import ViewSubmission
from bot.handlers.review_imr import (
    BY_VALUE,
    IN_CHANNEL,
    OPEN,
    review_form,
    submission_modal_for,
    today,
)
from bot.ids import Job, ReviewAction, ReviewBlock, ReviewCallback
from bot.process.states import TaskKind
from bot.runtime import Runtime
from bot.services.cases.access import active_agencies, load_case
from bot.services.cases.identifying import screen
from bot.services.cases.schema import Audience
from bot.services.decision.findings import record_findings
from bot.services.decision.schema import FindingsForm
from bot.services.refusal import RefusedError
from bot.services.reminders.tasks import involved_agencies
from bot.services.review.access import may_appoint_panel_chair
from bot.services.review.frame import (
    APPOINTERS,
    NOT_FOUND,
    agree_extension,
    answer_appointment,
    appoint_panel_chair,
    completion_date,
    current_terms,
    findings_path,
    limit_of,
    may_extend,
    may_set_terms,
    open_task,
    review_case,
    save_terms,
    terms_form,
    words_of,
)
from bot.services.review.imr import review_for
from bot.services.review.panel import answer_involvement
from bot.services.review.report import (
    ANSWERER,
    answer_draft,
    draft_to_answer,
    mark_draft_ready,
    may_mark_draft,
    may_record_acceptance,
    record_acceptance,
)
from bot.services.review.schema import (
    IMR_KINDS,
    AcceptanceForm,
    CaseMeta,
    ChairForm,
    DraftMeta,
    ExtensionForm,
    NotRepresentedForm,
    TermsForm,
    draft_and_agency,
)
from bot.services.review.skeleton import may_make_skeleton
from bot.views.review import (
    Choice,
    acceptance_modal,
    draft_modal,
    extension_message,
    extension_modal,
    findings_modal,
    not_represented_modal,
    panel_chair_modal,
    terms_modal,
)

Opener = Callable[[Request[Any]], View]
"""Builds a case's modal for the request's actor, or raises the refusal to show them."""

NOT_REQUESTED = (
    "This management review has not been requested yet: the panel chair names its author."
)


listeners = Listeners()
"""The frame's listeners: bound first, then the management reviews' and interviews'
(`bot.handlers.review_imr`), then `report_listeners`, the order of `/scr help`."""

report_listeners = Listeners()
"""The overview report's listeners and the reminder's task-form button."""


def openers(
    listeners: Listeners,
    name: str,
    summary: str,
    action: str,
    build: Opener,
    audience: frozenset[Audience],
) -> None:
    """`/scr <name>` in a case channel, and a button whose value is the case id, open the
    case's modal (its permission checked before anything opens)."""

    def open_it(req: Request[Any]) -> None:
        req.open_view(build(req))

    listeners.command(name, f"/scr {name}", summary, access=IN_CHANNEL, audience=audience)(open_it)
    listeners.action(action, access=BY_VALUE)(open_it)


def _chair_modal(req: Request[Any]) -> View:
    if not may_appoint_panel_chair(req.session, req.actor):
        raise RefusedError(APPOINTERS)
    review_case(req.session, req.case.id)
    return panel_chair_modal(req.case.reference, req.case.id)


def terms_opener(req: Request[Any]) -> View:
    session, case = req.session, req.case
    may_set_terms(session, case, req.actor)
    current = current_terms(session, case.id)
    return terms_modal(
        case.reference,
        case.id,
        [Choice(a.id, a.name) for a in active_agencies(session)],
        terms_form(req.runtime.cipher.for_case(session, case.id), current) if current else None,
        default_agencies=[a.agency_id for a in involved_agencies(session, case.id)],
        completion=completion_date(session, case.id),
        start=req.today,
        user=req.actor,
    )


def _extension_modal(req: Request[Any]) -> View:
    words = words_of(may_extend(req.session, req.case, req.actor))
    current = completion_date(req.session, req.case.id)
    return extension_modal(req.case.reference, req.case.id, req.today, current, words)


def findings_opener(req: Request[Any]) -> View:
    path = findings_path(req.session, req.case, req.actor)
    return findings_modal(req.case.reference, req.case.id, req.today, path)


def draft_opener(req: Request[Any]) -> View:
    may_mark_draft(req.session, req.case.id, req.actor)
    return draft_modal(req.case.reference, req.case.id)


def _acceptance_modal(req: Request[Any]) -> View:
    may_record_acceptance(req.session, req.case.id, req.actor)
    return acceptance_modal(req.case.reference, req.case.id, req.today)


def _refused_or(result: View | str) -> View:
    if isinstance(result, str):
        raise RefusedError(result)
    return result


def task_form(req: Request[Any]) -> View:
    """The form that completes the open task whose id the button carries."""
    task, case = open_task(req.session, req.number or 0)
    req = replace(req, case_or_none=case)
    kind, args = task.kind, (req.session, case, req.actor, req.today)
    if "notify_" in kind:
        return _refused_or(notice_opener(*args, kind.split("notify_", 1)[1]))
    if kind == TaskKind.INITIAL_PANEL_OUTCOME:
        return _refused_or(recommendation_opener(req.runtime, *args))
    if kind == TaskKind.TERMS_OF_REFERENCE:
        return terms_opener(req)
    if kind == TaskKind.OVERVIEW_REPORT:
        return draft_opener(req)
    if kind.endswith("findings_shared"):
        return findings_opener(req)
    if kind in IMR_KINDS.values() and task.agency_id is not None:
        review = review_for(req.session, case.id, task.agency_id)
        if review is None:
            raise RefusedError(NOT_REQUESTED)
        return submission_modal_for(req, review.id)
    raise RefusedError(NOT_FOUND)


PANEL_CHAIR = frozenset({Audience.PANEL_CHAIR})
THE_BOARD = frozenset({Audience.BOARD_CHAIR, Audience.BUSINESS_UNIT})
FRAME = (
    (
        "review chair",
        "appoint the review panel chair",
        ReviewAction.OPEN_PANEL_CHAIR,
        THE_BOARD | {Audience.CPU},
    ),
    ("review terms", "set or edit the terms of reference", ReviewAction.OPEN_TERMS, PANEL_CHAIR),
    (
        "review extension",
        "record an extension of the review's date (agreed with OFSTED, for an SCR)",
        ReviewAction.OPEN_EXTENSION,
        THE_BOARD | PANEL_CHAIR,
    ),
    (
        "review findings",
        'record a "not met" path\'s findings and close the case',
        ReviewAction.OPEN_FINDINGS,
        PANEL_CHAIR,
    ),
)
REPORT = (
    (
        "report ready",
        "send the overview report's draft to the agencies",
        ReviewAction.OPEN_DRAFT_READY,
        PANEL_CHAIR,
    ),
    (
        "report accepted",
        "record the Board's acceptance of the overview report",
        ReviewAction.OPEN_REPORT_ACCEPTED,
        THE_BOARD,
    ),
)


# The frame: the panel chair, the terms of reference, an extension and the findings ------------

for (name, summary, action, audience), build in zip(
    FRAME, (_chair_modal, terms_opener, _extension_modal, findings_opener), strict=True
):
    openers(listeners, name, f"{summary} (in the case channel)", action.value, build, audience)


@review_form(listeners, ReviewCallback.PANEL_CHAIR, form=ChairForm, field=ReviewBlock.PANEL_CHAIR)
def appoint(req: Submitted[ChairForm, CaseMeta]) -> None:
    chosen = str(req.answers.panel_chair_user)
    row = appoint_panel_chair(req.session, req.now, req.ids.case, chosen, actor=req.actor)
    appointment_id = row.id
    req.enqueue(Job.CHAIR_APPOINTED, appointment_id=appointment_id)


def chair_answer(no_involvement: bool) -> Callable[[Request[Any]], str | None]:
    """The panel chair's answer on previous involvement, from the button clicked."""

    def answer_it(req: Request[Any]) -> str | None:
        result = answer_appointment(
            req.session,
            req.now,
            req.number or 0,
            actor=req.actor,
            no_involvement=no_involvement,
        )
        req.after(lambda: flows.after_answer(req.runtime, req.slack, result))
        return None if result.changed else f"You answered this already ({result.status})."

    return answer_it


listeners.action(ReviewAction.CHAIR_NO_INVOLVEMENT.value, value=True, access=OPEN)(
    chair_answer(True)
)
listeners.action(ReviewAction.CHAIR_INVOLVED.value, value=True, access=OPEN)(chair_answer(False))


def member_answer(no_involvement: bool) -> Callable[[Request[Any]], str | None]:
    """A review panel member's answer on previous involvement, from the button clicked."""

    def answer_it(req: Request[Any]) -> str | None:
        result = answer_involvement(
            req.session, req.now, req.number or 0, actor=req.actor, no_involvement=no_involvement
        )
        req.after(lambda: flows.after_member_answer(req.runtime, req.slack, result))
        return None if result.changed else f"You answered this already ({result.involvement})."

    return answer_it


listeners.action(ReviewAction.PANEL_NO_INVOLVEMENT.value, value=True, access=OPEN)(
    member_answer(True)
)
listeners.action(ReviewAction.PANEL_INVOLVED.value, value=True, access=OPEN)(member_answer(False))


@review_form(listeners, ReviewCallback.TERMS, form=TermsForm, field=ReviewBlock.KEY_ISSUES)
def set_terms(req: Submitted[TermsForm, CaseMeta]) -> None:
    case_id, runtime = req.ids.case, req.runtime
    cal = req.calendar
    save_terms(req.session, cal, req.now, runtime.cipher, case_id, req.answers, actor=req.actor)
    req.enqueue(Job.TERMS_POSTED, case_id=case_id)


@review_form(
    listeners, ReviewCallback.EXTENSION, form=ExtensionForm, field=ReviewBlock.EXTENSION_REASON
)
def extend(req: Submitted[ExtensionForm, CaseMeta]) -> None:
    session, case_id, cipher = req.session, req.ids.case, req.runtime.cipher
    row = agree_extension(
        session, req.calendar, req.now, cipher, case_id, req.answers, actor=req.actor
    )
    message = extension_message(
        load_case(session, case_id).reference,
        row.agreed_on,
        row.previous_completion,
        row.new_completion,
        words_of(limit_of(session, case_id)),
    )
    key = f"extension:{row.id}"
    req.after(lambda: flows.after_note(req.runtime, req.slack, case_id, key, message))


@review_form(listeners, ReviewCallback.FINDINGS, field=ReviewBlock.FINDINGS)
def record(req: Submitted[Any, CaseMeta]) -> None:
    values = req.payload.answered()
    values.pop(ReviewBlock.DOCUMENT.value, None)
    values["document_file_id"] = _document(req.payload)
    form = validated(FindingsForm, values, today(req.runtime))
    session, case_id, cipher = req.session, req.ids.case, req.runtime.cipher
    screen(session, cipher, case_id, {"findings_summary": form.findings_summary})
    changed = record_findings(
        session, req.calendar, req.now, cipher, case_id, form, actor=req.actor
    )
    req.after(lambda: flows.after_findings(req.runtime, req.slack, case_id, changed))


# The overview report: its draft, each agency's answer on it, the Board's acceptance ----------

for (name, summary, action, audience), build in zip(
    REPORT, (draft_opener, _acceptance_modal), strict=True
):
    openers(
        report_listeners, name, f"{summary} (in the case channel)", action.value, build, audience
    )


@review_form(report_listeners, ReviewCallback.DRAFT_READY, field=ReviewBlock.DOCUMENT)
def draft_ready(req: Submitted[Any, CaseMeta]) -> None:
    draft = mark_draft_ready(
        req.session,
        req.now,
        req.ids.case,
        document_file_id=_document(req.payload),
        actor=req.actor,
    )
    draft_id = draft.id
    req.enqueue(Job.DRAFT_SENT, draft_id=draft_id)


@report_listeners.action(ReviewAction.CONFIRM_REPRESENTED.value, access=OPEN)
def confirm(req: Request[Any]) -> str | None:
    meta = draft_and_agency(req.payload.action.value)
    if meta is None:
        raise RefusedError(NOT_FOUND)
    answer = answer_draft(
        req.session,
        req.now,
        req.runtime.cipher,
        meta.draft,
        meta.agency,
        actor=req.actor,
        represented=True,
    )
    req.after(lambda: flows.after_agency_answer(req.runtime, req.slack, *_ids(meta)))
    return None if answer.changed else "Your agency has answered already; nothing has changed."


@report_listeners.action(ReviewAction.OPEN_NOT_REPRESENTED.value, access=OPEN)
def open_not_represented(req: Request[Any]) -> None:
    meta = draft_and_agency(req.payload.action.value)
    if meta is None:
        raise RefusedError(ANSWERER)
    reference, agency = draft_to_answer(req.session, meta, req.actor)
    req.open_view(not_represented_modal(reference, agency, meta.draft, meta.agency))


@review_form(
    report_listeners,
    ReviewCallback.NOT_REPRESENTED,
    form=NotRepresentedForm,
    meta=DraftMeta,
    field=ReviewBlock.NOT_REPRESENTED,
)
def not_represented(req: Submitted[NotRepresentedForm, DraftMeta]) -> None:
    meta = req.ids
    answer_draft(
        req.session,
        req.now,
        req.runtime.cipher,
        meta.draft,
        meta.agency,
        actor=req.actor,
        represented=False,
        detail=req.answers.not_represented,
    )
    req.after(lambda: flows.after_agency_answer(req.runtime, req.slack, *_ids(meta)))


@review_form(
    report_listeners,
    ReviewCallback.REPORT_ACCEPTED,
    form=AcceptanceForm,
    field=ReviewBlock.ACCEPTED_ON,
)
def accept(req: Submitted[AcceptanceForm, CaseMeta]) -> None:
    copies = req.runtime.partnership.board.report_copies
    draft = record_acceptance(
        req.session,
        req.calendar,
        req.now,
        req.ids.case,
        req.answers,
        actor=req.actor,
        copy_to=copies,
    )
    draft_id = draft.id
    req.enqueue(Job.DRAFT_ACCEPTED, draft_id=draft_id)


def _skeleton_after(req: Request[Any]) -> None:
    """The skeleton made once the click is answered; the person is told where it is."""
    may_make_skeleton(req.session, req.case.id, req.actor)
    case_id, url = req.case.id, req.payload.response_url

    def make() -> None:
        answer = flows.make_skeleton(req.runtime, req.slack, case_id, req.actor)
        req.slack.respond(url, req.actor, answer)

    req.after(make)


@report_listeners.command(
    "report skeleton",
    "/scr report skeleton",
    "make the overview report's skeleton in Word, with the case's facts (in the case channel)",
    access=IN_CHANNEL,
    audience=PANEL_CHAIR,
)
def skeleton_command(req: Request[Any]) -> str:
    _skeleton_after(req)
    return "Making the overview report's skeleton…"


@report_listeners.action(ReviewAction.MAKE_SKELETON.value, access=BY_VALUE)
def skeleton_button(req: Request[Any]) -> None:
    _skeleton_after(req)


@report_listeners.action(ReviewAction.TASK_FORM.value, value=True, access=OPEN)
def open_task_form(req: Request[Any]) -> None:
    req.open_view(task_form(req))


def _ids(meta: DraftMeta) -> tuple[int, int]:
    return meta.draft, meta.agency


def _document(payload: ViewSubmission) -> str | None:
    """The file attached in the form's document input, if any."""
    return next(iter(payload.file_ids(ReviewBlock.DOCUMENT.value)), None)


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    listeners.register(app, runtime, router)
    review_imr.listeners.register(app, runtime, router)
    report_listeners.register(app, runtime, router)
