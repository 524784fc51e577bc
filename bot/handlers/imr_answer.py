"""The panel chair's answer to a submitted management review: read it, accept it, or return
it to its author with comments and a new due date."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.flows.imr import after_chair_answer
from bot.handlers import review_common as common
from bot.handlers.commands import CommandRouter
from bot.handlers.imr import NOT_OPEN, review_id_of
from bot.handlers.payloads import BlockAction, ViewSubmission
from bot.ids import ReviewAction, ReviewBlock, ReviewCallback
from bot.runtime import Runtime
from bot.services import audit
from bot.services.imr import ImrStatus, load_review
from bot.services.imr_submission import ReturnForm, accept_imr, imr_content, return_imr
from bot.services.review import ReviewRefusedError
from bot.services.review_access import leads_review
from bot.views.imr import Draft, return_modal, review_view
from storage.models import Agency, Case, ManagementReview


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    app.action(ReviewAction.VIEW_IMR.value)(_view(runtime))
    app.action(ReviewAction.IMR_ACCEPT.value)(_accept(runtime))
    app.action(ReviewAction.OPEN_IMR_RETURN.value)(_open_return(runtime))
    app.view(ReviewCallback.IMR_RETURN.value)(_submit_return(runtime))


def _names(runtime: Runtime, row: ManagementReview) -> tuple[str, str]:
    with runtime.db.session() as session:
        agency = session.get(Agency, row.agency_id)
        case = session.get(Case, row.case_id)
        return (case.reference if case else "", agency.name if agency else "")


def _chair_only(runtime: Runtime, payload: BlockAction) -> ManagementReview | str:
    review_id = review_id_of(payload)
    with runtime.db.session() as session:
        row = session.get(ManagementReview, review_id) if review_id is not None else None
        if row is None:
            return NOT_OPEN
        if not leads_review(session, row.case_id, payload.user.id):
            return "The panel chair reads, accepts and returns the management reviews."
        return row


def _view(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        row = _chair_only(runtime, payload)
        if isinstance(row, str):
            respond(text=row, replace_original=False)
            return
        content = imr_content(runtime.cipher, row)
        reference, agency = _names(runtime, row)
        draft = Draft(content.sections, content.recommendations)
        view = review_view(reference, agency, draft, row.document_file_id)
        client.views_open(trigger_id=payload.trigger_id, view=view)
        with runtime.db.session() as session:
            audit.record(
                session,
                at=runtime.clock.now(),
                actor=payload.user.id,
                action="imr.viewed",
                case_id=row.case_id,
                agency_id=row.agency_id,
            )

    return handle


def _accept(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        review_id = review_id_of(payload) or 0
        try:
            with runtime.db.session() as session:
                outcome = accept_imr(session, runtime.clock.now(), review_id, actor=payload.user.id)
        except ReviewRefusedError as exc:
            respond(text=str(exc), replace_original=False)
            return
        if not outcome.changed:
            respond(
                text=f"This review is {outcome.status.value}; nothing has changed.",
                replace_original=False,
            )
        after_chair_answer(runtime, client, review_id)

    return handle


def _open_return(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        row = _chair_only(runtime, payload)
        if isinstance(row, str) or row.status != ImrStatus.SUBMITTED:
            respond(text=row if isinstance(row, str) else NOT_OPEN, replace_original=False)
            return
        cal = runtime.working_calendar()
        due = cal.add_working_days(cal.london_date(runtime.clock.now()), 10)
        reference, agency = _names(runtime, row)
        view = return_modal(reference, agency, row.id, due)
        client.views_open(trigger_id=payload.trigger_id, view=view)

    return handle


def _submit_return(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        review_id = int(payload.view.private_metadata)
        values = payload.values()
        raw = {
            "comments": values.get(ReviewBlock.COMMENTS.value) or "",
            "new_due": values.get(ReviewBlock.NEW_DUE.value),
        }
        now = runtime.clock.now()
        cal = runtime.working_calendar()
        form = common.validated(ack, ReturnForm, raw, {"today": cal.london_date(now)})
        if form is None:
            return
        field = ReviewBlock.COMMENTS.value
        try:
            with runtime.db.session() as session:
                row = load_review(session, review_id)
                if common.names_child(runtime, session, ack, row.case_id, {field: form.comments}):
                    return
                outcome = return_imr(
                    session, cal, now, runtime.cipher, review_id, form, actor=payload.user.id
                )
        except ReviewRefusedError as exc:
            common.refused(ack, field, exc)
            return
        if not outcome.changed:
            ack(
                response_action="errors",
                errors={field: f"This review is {outcome.status.value}; nothing has changed."},
            )
            return
        ack()
        after_chair_answer(runtime, client, review_id)

    return handle
