"""Management reviews and interviews: the panel chair's request (`/scr imr request`), the
author's submission form (`/scr imr submit`, with recommendation rows added on demand), the
panel chair's reading, acceptance or return with comments; and `/scr interview`, which
arranges an interview with a worker (with its calendar invitation), `/scr interview
move|cancel` (or the buttons on the reviewer's message about it), then its outcome.

A module of its own because the management reviews' forms are the review's largest part:
with the frame's listeners in one module it would pass 600 lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from slack_sdk.models.views import View

from bot.calendar.invites import new_uid
from bot.flows import interviews
from bot.flows import review as flows
from bot.handlers.adapter import (
    Access,
    CaseFrom,
    Listeners,
    Reply,
    Request,
    Submitted,
    parse_meta,
)
from bot.handlers.imr_form import imr_form_of
from bot.handlers.payloads import ViewSubmission
from bot.ids import Job, ReviewAction, ReviewBlock, ReviewCallback
from bot.runtime import Runtime
from bot.services.cases.access import load_case
from bot.services.cases.schema import Audience
from bot.services.panel.delivery import uid_domain
from bot.services.review.imr import (
    accept_imr,
    imr_content,
    own_review,
    read_imr,
    request_choices,
    request_imr,
    return_imr,
    submit_imr,
    to_return,
    to_submit,
)
from bot.services.review.interviews import (
    cancel_interview,
    interview_agencies,
    interview_facts,
    interview_to_record,
    interviews_to_change,
    move_interview,
    record_outcome,
    schedule_interview,
    to_change,
)
from bot.services.review.schema import (
    CaseMeta,
    ImrForm,
    ImrRequestForm,
    InterviewForm,
    InterviewMeta,
    MoveForm,
    OutcomeForm,
    ReturnForm,
    ReviewMeta,
)
from bot.views.interviews import (
    change_choices,
    move_modal,
    outcome_modal,
    outcome_recorded,
    schedule_modal,
)
from bot.views.review import (
    Choice,
    Draft,
    request_modal,
    return_modal,
    review_view,
    submission_modal,
)

ListenerT = TypeVar("ListenerT", bound=Callable[..., Any])

RETURN_DAYS = 10
"""Working days a returned review is given by default."""

OPEN = Access(member=False)
"""Not only the case's members: the services check who may act."""
IN_CHANNEL = Access(case=CaseFrom.CHANNEL, member=False)
BY_VALUE = Access(case=CaseFrom.VALUE, member=False)

listeners = Listeners()
"""The management reviews' and interviews' listeners: `bot.handlers.review.register` binds
them between the frame's and the overview report's, the order of `/scr help`."""


def today(runtime: Runtime) -> dict[str, Any]:
    """The context of a form whose dates are checked against today."""
    return {"today": runtime.working_calendar().london_date(runtime.clock.now())}


def review_form(
    listeners: Listeners,
    callback: ReviewCallback,
    *,
    form: type[BaseModel] | None = None,
    meta: type[BaseModel] = CaseMeta,
    field: ReviewBlock,
) -> Callable[[ListenerT], ListenerT]:
    """A review modal's submission: answers checked against today, the ids it carries in
    ``meta``, a refusal shown on ``field`` unless it names its own."""
    declare = listeners.submission(
        callback.value,
        form=form,
        meta=meta,
        access=OPEN,
        context=today,
        refusal_field=field.value,
    )
    return cast(Callable[[ListenerT], ListenerT], declare)


def submission_modal_for(req: Request[Any], review_id: int | None, slots: int = 0) -> View:
    """The author's form for a review waiting for them (``slots``: its recommendation rows,
    at least one and at least as many as the last submission had)."""
    found = to_submit(req.session, req.runtime.cipher, review_id, req.actor)
    content = found.content
    draft = Draft(content.sections, content.recommendations, content.comments, content.independent)
    rows = slots or max(1, len(content.recommendations))
    return submission_modal(found.reference, found.agency, found.review.id, rows, draft)


def imr_form(payload: ViewSubmission, slots: int) -> ImrForm:
    """The submission's answers as the form."""
    documents = payload.file_ids(ReviewBlock.DOCUMENT.value)
    return imr_form_of(payload.values(), documents[0] if documents else None, slots)


# Requests ---------------------------------------------------------------------------------


@listeners.action(ReviewAction.OPEN_IMR_REQUEST.value, access=BY_VALUE)
@listeners.command(
    "imr request",
    "/scr imr request",
    "request an agency's management review (in the case channel)",
    access=IN_CHANNEL,
    audience=frozenset({Audience.PANEL_CHAIR}),
    reads=True,
)
def open_request(req: Request[Any]) -> None:
    found = request_choices(req.session, req.case, req.actor, req.today)
    choices = [Choice(a.id, a.name) for a in found.agencies]
    req.open_view(request_modal(req.case.reference, req.case.id, choices, found.default_due))


@review_form(listeners, ReviewCallback.IMR_REQUEST, form=ImrRequestForm, field=ReviewBlock.AGENCY)
def request(req: Submitted[ImrRequestForm, CaseMeta]) -> None:
    row = request_imr(
        req.session, req.calendar, req.now, req.ids.case, req.answers, actor=req.actor
    )
    review_id = row.id
    req.enqueue(Job.IMR_AUTHOR_ASKED, review_id=review_id)


# Submissions ------------------------------------------------------------------------------


@listeners.command(
    "imr submit",
    "/scr imr submit",
    "submit your agency's management review (in the case channel)",
    access=IN_CHANNEL,
    audience=frozenset({Audience.AGENCY}),
    reads=True,
)
def open_own(req: Request[Any]) -> None:
    req.open_view(submission_modal_for(req, own_review(req.session, req.case, req.actor)))


@listeners.action(ReviewAction.OPEN_IMR_SUBMIT.value, value=True, access=OPEN)
def open_submission(req: Request[Any]) -> None:
    req.open_view(submission_modal_for(req, req.number))


@listeners.action(ReviewAction.IMR_ADD_RECOMMENDATION.value, access=OPEN)
def add_row(req: Request[Any]) -> None:
    shown = req.payload.view
    if shown is None:
        return
    meta = parse_meta(shown.private_metadata, ReviewMeta)
    view = submission_modal_for(req, meta.review, meta.slots + 1)
    req.after(lambda: req.slack.update_view(shown.id, view, hash_=shown.hash))


@review_form(listeners, ReviewCallback.IMR_SUBMIT, meta=ReviewMeta, field=ReviewBlock.CHRONOLOGY)
def submit(req: Submitted[Any, ReviewMeta]) -> None:
    form = imr_form(req.payload, req.ids.slots)
    review_id, runtime = req.ids.review, req.runtime
    submit_imr(req.session, req.calendar, req.now, runtime.cipher, review_id, form, actor=req.actor)
    req.enqueue(Job.IMR_SUBMITTED, review_id=review_id)


# The panel chair's answers ----------------------------------------------------------------


@listeners.action(ReviewAction.VIEW_IMR.value, value=True, access=OPEN)
def read(req: Request[Any]) -> None:
    found = read_imr(req.session, req.now, req.number, req.actor)
    sealed = req.runtime.cipher.for_case(req.session, found.review.case_id)
    content = imr_content(sealed, found.review)
    draft = Draft(content.sections, content.recommendations, independent=content.independent)
    document = found.review.document_file_id
    req.open_view(review_view(found.reference, found.agency, draft, document))


@listeners.action(ReviewAction.IMR_ACCEPT.value, value=True, access=OPEN)
def accept(req: Request[Any]) -> str | None:
    review_id = req.number or 0
    outcome = accept_imr(req.session, req.now, review_id, actor=req.actor)
    req.enqueue(Job.IMR_CHAIR_ANSWERED, review_id=review_id)
    if outcome.changed:
        return None
    return f"This review is {outcome.status.value}; nothing has changed."


@listeners.action(ReviewAction.OPEN_IMR_RETURN.value, value=True, access=OPEN)
def open_return(req: Request[Any]) -> None:
    found = to_return(req.session, req.number, req.actor)
    due = req.calendar.add_working_days(req.today, RETURN_DAYS)
    req.open_view(return_modal(found.reference, found.agency, found.review.id, due))


@review_form(
    listeners,
    ReviewCallback.IMR_RETURN,
    form=ReturnForm,
    meta=ReviewMeta,
    field=ReviewBlock.COMMENTS,
)
def return_it(req: Submitted[ReturnForm, ReviewMeta]) -> None:
    review_id, runtime = req.ids.review, req.runtime
    return_imr(
        req.session,
        req.calendar,
        req.now,
        runtime.cipher,
        review_id,
        req.answers,
        actor=req.actor,
    )
    req.enqueue(Job.IMR_CHAIR_ANSWERED, review_id=review_id)


# Interviews -------------------------------------------------------------------------------


@listeners.action(ReviewAction.OPEN_INTERVIEW.value, access=BY_VALUE)
@listeners.command(
    "interview",
    "/scr interview",
    "arrange an interview with a worker for your agency's review (in the case channel)",
    access=IN_CHANNEL,
    audience=frozenset({Audience.AGENCY}),
    reads=True,
)
def open_schedule(req: Request[Any]) -> None:
    agencies = interview_agencies(req.session, req.case, req.actor)
    choices = [Choice(a.id, a.name) for a in agencies]
    req.open_view(schedule_modal(req.case.reference, req.case.id, choices, req.today))


@review_form(listeners, ReviewCallback.INTERVIEW, form=InterviewForm, field=ReviewBlock.AGENCY)
def schedule(req: Submitted[InterviewForm, CaseMeta]) -> None:
    runtime = req.runtime
    uid = new_uid(uid_domain(runtime.settings.smtp_from))
    row = schedule_interview(
        req.session,
        req.calendar,
        req.now,
        runtime.cipher,
        req.ids.case,
        req.answers,
        actor=req.actor,
        uid=uid,
    )
    interview_id = row.id
    req.after(lambda: interviews.send_interview(runtime, req.slack, interview_id))


def _choices(req: Request[Any], *, cancel: bool) -> Reply | None:
    """`/scr interview move|cancel`: the one interview's form or prompt, else a choice."""
    rows = interviews_to_change(req.session, req.case, req.actor)
    facts = [interview_facts(req.session, req.runtime.cipher, r.id) for r in rows]
    if len(facts) == 1 and not cancel:
        req.open_view(move_modal(facts[0], req.today))
        return None
    shown = change_choices(facts, cancel=cancel)
    return Reply(text=shown.text, blocks=shown.blocks)


@listeners.command(
    "interview move",
    "/scr interview move",
    "move an interview you arranged to another time or place (in the case channel)",
    access=IN_CHANNEL,
    audience=frozenset({Audience.AGENCY}),
)
def move_command(req: Request[Any]) -> Reply | None:
    return _choices(req, cancel=False)


@listeners.command(
    "interview cancel",
    "/scr interview cancel",
    "cancel an interview you arranged (in the case channel)",
    access=IN_CHANNEL,
    audience=frozenset({Audience.AGENCY}),
)
def cancel_command(req: Request[Any]) -> Reply | None:
    return _choices(req, cancel=True)


@listeners.action(ReviewAction.OPEN_INTERVIEW_MOVE.value, value=True, access=OPEN)
def open_move(req: Request[Any]) -> None:
    row = to_change(req.session, req.number, req.actor)
    req.open_view(move_modal(interview_facts(req.session, req.runtime.cipher, row.id), req.today))


@review_form(
    listeners,
    ReviewCallback.INTERVIEW_MOVE,
    form=MoveForm,
    meta=InterviewMeta,
    field=ReviewBlock.INTERVIEW_DATE,
)
def move(req: Submitted[MoveForm, InterviewMeta]) -> None:
    runtime, interview_id = req.runtime, req.ids.interview
    moved = move_interview(
        req.session,
        req.calendar,
        req.now,
        runtime.cipher,
        interview_id,
        req.answers,
        actor=req.actor,
    )
    if moved:
        req.after(lambda: interviews.send_interview(runtime, req.slack, interview_id))


@listeners.action(ReviewAction.INTERVIEW_CANCEL.value, value=True, access=OPEN)
def cancel(req: Request[Any]) -> str | None:
    interview_id, runtime = req.number or 0, req.runtime
    if not cancel_interview(req.session, req.now, interview_id, actor=req.actor):
        return "This interview is cancelled already; nothing has changed."
    req.after(lambda: interviews.send_interview(runtime, req.slack, interview_id))
    return None


@listeners.action(ReviewAction.OPEN_INTERVIEW_OUTCOME.value, value=True, access=OPEN)
def open_outcome(req: Request[Any]) -> None:
    row = interview_to_record(req.session, req.number, req.actor)
    facts = interview_facts(req.session, req.runtime.cipher, row.id)
    req.open_view(outcome_modal(facts, req.today))


@review_form(
    listeners,
    ReviewCallback.INTERVIEW_OUTCOME,
    form=OutcomeForm,
    meta=InterviewMeta,
    field=ReviewBlock.DISAGREEMENT,
)
def record(req: Submitted[OutcomeForm, InterviewMeta]) -> None:
    form, interview_id = req.answers, req.ids.interview
    row = record_outcome(
        req.session, req.now, req.runtime.cipher, interview_id, form, actor=req.actor
    )
    if row is None:
        return
    case_id, reference = row.case_id, load_case(req.session, row.case_id).reference
    message = outcome_recorded(reference, form.agreed, req.actor, form.shared_on)
    key = f"interview:{interview_id}:outcome"
    req.after(lambda: flows.to_channel(req.runtime, req.slack, case_id, key, message))
    req.after(lambda: interviews.redraw_interview(req.runtime, req.slack, interview_id))
