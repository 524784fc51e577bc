"""Management reviews: the panel chair's request (`/scr imr request`), the author's
submission form (with rows added on demand), and the panel chair's reading, acceptance or
return with comments."""

from __future__ import annotations

import logging
from datetime import date
from functools import partial
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.flows.imr import ask_author, tell_chair_submitted
from bot.handlers import review_common as common
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction, ViewSubmission
from bot.ids import ReviewAction, ReviewBlock, ReviewCallback
from bot.process.calendar import add_calendar_months
from bot.runtime import Runtime
from bot.services.engine import involved_agencies
from bot.services.imr import (
    IMR_KINDS,
    ImrRequestForm,
    ImrStatus,
    load_review,
    request_imr,
    request_limit,
)
from bot.services.imr_submission import (
    ImrForm,
    RecommendationRow,
    imr_content,
    submit_imr,
)
from bot.services.partnership import active_agencies
from bot.services.review import ReviewRefusedError, decided_on
from bot.services.review_access import acts_for_agency, leads_review
from bot.services.review_forms import form_errors
from bot.views.imr import (
    REC_FIELDS,
    Choice,
    Draft,
    rec_block,
    request_modal,
    submission_modal,
)
from storage.models import Agency, Case, ManagementReview

log = logging.getLogger(__name__)

NOT_OPEN = "This management review is not waiting for you."


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    opener = partial(_request_opener, runtime)
    router.add(
        "imr request",
        "/scr imr request",
        "request an agency's management review (panel chair, in the case channel)",
        common.command(runtime, opener),
    )
    router.add(
        "imr submit",
        "/scr imr submit",
        "submit your agency's management review (in the case channel)",
        common.command(runtime, partial(_own_review_opener, runtime)),
    )
    app.action(ReviewAction.OPEN_IMR_REQUEST.value)(common.button(runtime, opener))
    app.view(ReviewCallback.IMR_REQUEST.value)(_submit_request(runtime))
    app.action(ReviewAction.OPEN_IMR_SUBMIT.value)(_open_submission(runtime))
    app.action(ReviewAction.IMR_ADD_RECOMMENDATION.value)(_add_row(runtime))
    app.view(ReviewCallback.IMR_SUBMIT.value)(_submit(runtime))


def _request_opener(
    runtime: Runtime, session: Session, case: Case, user: str, today: date
) -> View | str:
    if case.stage not in IMR_KINDS or case.closed_at is not None:
        return "Management reviews are not part of this case's work now."
    if not leads_review(session, case.id, user):
        return "The panel chair requests the management reviews."
    if case.stage == "review":
        agencies = [session.get(Agency, a.agency_id) for a in involved_agencies(session, case.id)]
    else:
        agencies = list(active_agencies(session))
    choices = [Choice(a.id, a.name) for a in agencies if a is not None]
    default_due = add_calendar_months(decided_on(session, case.id), 2)
    return request_modal(case.reference, case.id, choices, max(default_due, today))


def _submit_request(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        case_id = int(payload.view.private_metadata)
        values = payload.values()
        raw = {
            "agency_id": values.get(ReviewBlock.AGENCY.value),
            "author": values.get(ReviewBlock.AUTHOR.value),
            "due_on": values.get(ReviewBlock.DUE.value),
        }
        now = runtime.clock.now()
        cal = runtime.working_calendar()
        with runtime.db.session() as session:
            case = session.get(Case, case_id)
            limit = request_limit(session, case) if case is not None else None
        form = common.validated(
            ack, ImrRequestForm, raw, {"today": cal.london_date(now), "limit": limit}
        )
        if form is None:
            return
        try:
            with runtime.db.session() as session:
                row = request_imr(session, cal, now, case_id, form, actor=payload.user.id)
                review_id = row.id
        except ReviewRefusedError as exc:
            common.refused(ack, ReviewBlock.AGENCY.value, exc)
            return
        ack()
        ask_author(runtime, client, review_id)

    return handle


def submission_view(
    runtime: Runtime, session: Session, row: ManagementReview, user: str, slots: int | None = None
) -> View | str:
    if not acts_for_agency(session, row.case_id, row.agency_id, user):
        return "Only the review's author or the agency's leads can submit it."
    if row.status not in (ImrStatus.REQUESTED, ImrStatus.RETURNED):
        return f"This management review is {row.status} already."
    content = imr_content(runtime.cipher, row)
    draft = Draft(content.sections, content.recommendations, content.comments)
    agency = session.get(Agency, row.agency_id)
    reference = session.get(Case, row.case_id)
    count = slots if slots is not None else max(1, len(content.recommendations))
    return submission_modal(
        reference.reference if reference else "",
        agency.name if agency else "",
        row.id,
        count,
        draft,
    )


def _own_review_opener(
    runtime: Runtime, session: Session, case: Case, user: str, today: date
) -> View | str:
    rows = session.scalars(
        select(ManagementReview).where(
            ManagementReview.case_id == case.id,
            ManagementReview.status.in_([ImrStatus.REQUESTED.value, ImrStatus.RETURNED.value]),
        )
    )
    mine = [r for r in rows if acts_for_agency(session, case.id, r.agency_id, user)]
    if not mine:
        return NOT_OPEN
    return submission_view(runtime, session, mine[0], user)


def review_id_of(payload: BlockAction) -> int | None:
    value = payload.action.value or ""
    return int(value) if value.isdigit() else None


def _open_submission(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        review_id = review_id_of(payload)
        result: View | str = NOT_OPEN
        if review_id is not None:
            with runtime.db.session() as session:
                row = session.get(ManagementReview, review_id)
                if row is not None:
                    result = submission_view(runtime, session, row, payload.user.id)
        if isinstance(result, str):
            respond(text=result, replace_original=False)
            return
        client.views_open(trigger_id=payload.trigger_id, view=result)

    return handle


def _add_row(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        if payload.view is None:
            return
        review_text, _, slots_text = payload.view.private_metadata.partition(":")
        with runtime.db.session() as session:
            row = session.get(ManagementReview, int(review_text))
            view = (
                submission_view(runtime, session, row, payload.user.id, int(slots_text) + 1)
                if row is not None
                else NOT_OPEN
            )
        if not isinstance(view, View):
            return
        try:
            client.views_update(view_id=payload.view.id, hash=payload.view.hash, view=view)
        except SlackApiError as exc:
            log.info("recommendation row not added (%s)", exc.response.get("error"))

    return handle


def _rows(values: dict[str, Any], slots: int) -> tuple[list[RecommendationRow], dict[str, str]]:
    rows: list[RecommendationRow] = []
    errors: dict[str, str] = {}
    for number in range(1, slots + 1):
        raw = {key: values.get(rec_block(prefix, number)) for prefix, key, _ in REC_FIELDS}
        raw = {k: v for k, v in raw.items() if v not in (None, "")}
        if not raw:
            continue
        try:
            rows.append(RecommendationRow.model_validate(raw))
        except ValidationError as exc:
            for key, message in form_errors(exc).items():
                prefix = next(p for p, k, _ in REC_FIELDS if k == key)
                errors.setdefault(rec_block(prefix, number), message)
    return rows, errors


def _submit(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        review_text, _, slots_text = payload.view.private_metadata.partition(":")
        review_id, slots = int(review_text), int(slots_text)
        values = payload.values()
        rows, errors = _rows(values, slots)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        documents = common.file_ids(payload, ReviewBlock.DOCUMENT.value)
        raw = {s: values.get(s) or "" for s in ("chronology", "analysis", "learning")}
        form = common.validated(
            ack,
            ImrForm,
            {
                **raw,
                "recommendations": rows,
                "document_file_id": documents[0] if documents else None,
            },
            {},
        )
        if form is None:
            return
        texts = dict(raw)
        for number, rec in enumerate(rows, start=1):
            for prefix, key, _ in REC_FIELDS:
                if key != "by_when":
                    texts[rec_block(prefix, number)] = str(getattr(rec, key))
        try:
            with runtime.db.session() as session:
                row = load_review(session, review_id)
                if common.names_child(runtime, session, ack, row.case_id, texts):
                    return
                outcome = submit_imr(
                    session,
                    runtime.working_calendar(),
                    runtime.clock.now(),
                    runtime.cipher,
                    review_id,
                    form,
                    actor=payload.user.id,
                )
        except ReviewRefusedError as exc:
            common.refused(ack, ReviewBlock.CHRONOLOGY.value, exc)
            return
        if not outcome.changed:
            ack(response_action="errors", errors={ReviewBlock.CHRONOLOGY.value: NOT_OPEN})
            return
        ack()
        tell_chair_submitted(runtime, client, review_id)

    return handle
