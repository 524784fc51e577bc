"""The overview report: the panel chair marks the draft ready (`/scr report ready`), each
contributing agency answers by button, and the Board's acceptance is recorded
(`/scr report accepted`), which starts monitoring."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.flows.overview_report import after_acceptance, after_agency_answer, send_draft
from bot.handlers import review_common as common
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction, ViewSubmission
from bot.ids import ReviewAction, ReviewBlock, ReviewCallback
from bot.runtime import Runtime
from bot.services.cases import load_case
from bot.services.overview_report import (
    AcceptanceForm,
    agency_names,
    answer_draft,
    mark_draft_ready,
    record_acceptance,
)
from bot.services.review import ReviewRefusedError
from bot.services.review_access import acts_for_agency, leads_review, may_record_for_board
from bot.views.overview_report import acceptance_modal, draft_modal, not_represented_modal
from storage.models import Case, OverviewDraft


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    for name, summary, action, opener in (
        (
            "report ready",
            "send the overview report's draft to the agencies",
            ReviewAction.OPEN_DRAFT_READY,
            draft_opener,
        ),
        (
            "report accepted",
            "record the Board's acceptance of the overview report",
            ReviewAction.OPEN_REPORT_ACCEPTED,
            _acceptance_opener,
        ),
    ):
        bound = partial(opener, runtime)
        router.add(
            name, f"/scr {name}", f"{summary} (in the case channel)", common.command(runtime, bound)
        )
        app.action(action.value)(common.button(runtime, bound))
    app.view(ReviewCallback.DRAFT_READY.value)(_submit_draft(runtime))
    app.action(ReviewAction.CONFIRM_REPRESENTED.value)(_confirm(runtime))
    app.action(ReviewAction.OPEN_NOT_REPRESENTED.value)(_open_not_represented(runtime))
    app.view(ReviewCallback.NOT_REPRESENTED.value)(_submit_not_represented(runtime))
    app.view(ReviewCallback.REPORT_ACCEPTED.value)(_submit_acceptance(runtime))


def draft_opener(
    runtime: Runtime, session: Session, case: Case, user: str, today: date
) -> View | str:
    if not leads_review(session, case.id, user):
        return "The panel chair marks the overview report's draft ready."
    return common.in_review(session, case) or draft_modal(case.reference, case.id)


def _acceptance_opener(
    runtime: Runtime, session: Session, case: Case, user: str, today: date
) -> View | str:
    if not may_record_for_board(session, user):
        return "The Board Chair or the business unit record the acceptance."
    return common.in_review(session, case) or acceptance_modal(case.reference, case.id, today)


def _submit_draft(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        case_id = int(payload.view.private_metadata)
        documents = common.file_ids(payload, ReviewBlock.DOCUMENT.value)
        try:
            with runtime.db.session() as session:
                draft = mark_draft_ready(
                    session,
                    runtime.clock.now(),
                    case_id,
                    document_file_id=documents[0] if documents else None,
                    actor=payload.user.id,
                )
                draft_id = draft.id
        except ReviewRefusedError as exc:
            common.refused(ack, ReviewBlock.DOCUMENT.value, exc)
            return
        ack()
        send_draft(runtime, client, draft_id)

    return handle


def _parse(value: str | None) -> tuple[int, int] | None:
    draft, _, agency = (value or "").partition(":")
    return (int(draft), int(agency)) if draft.isdigit() and agency.isdigit() else None


def _confirm(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        parsed = _parse(payload.action.value)
        if parsed is None:
            respond(text=common.NOT_FOUND, replace_original=False)
            return
        try:
            with runtime.db.session() as session:
                answer = answer_draft(
                    session,
                    runtime.clock.now(),
                    runtime.cipher,
                    *parsed,
                    actor=payload.user.id,
                    represented=True,
                )
        except ReviewRefusedError as exc:
            respond(text=str(exc), replace_original=False)
            return
        if not answer.changed:
            respond(
                text="Your agency has answered already; nothing has changed.",
                replace_original=False,
            )
        after_agency_answer(runtime, client, *parsed)

    return handle


def _open_not_represented(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        parsed = _parse(payload.action.value)
        view: View | None = None
        if parsed is not None:
            draft_id, agency_id = parsed
            with runtime.db.session() as session:
                draft = session.get(OverviewDraft, draft_id)
                if draft is not None and acts_for_agency(
                    session, draft.case_id, agency_id, payload.user.id
                ):
                    view = not_represented_modal(
                        load_case(session, draft.case_id).reference,
                        agency_names(session, [agency_id]).get(agency_id, ""),
                        f"{draft_id}:{agency_id}",
                    )
        if view is None:
            respond(text="Someone who acts for that agency answers for it.", replace_original=False)
            return
        client.views_open(trigger_id=payload.trigger_id, view=view)

    return handle


def _submit_not_represented(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        parsed = _parse(payload.view.private_metadata)
        field = ReviewBlock.NOT_REPRESENTED.value
        detail = str(payload.values().get(field) or "").strip()
        if parsed is None or not detail:
            ack(response_action="errors", errors={field: "Please say what is not represented."})
            return
        try:
            with runtime.db.session() as session:
                draft = session.get(OverviewDraft, parsed[0])
                case_id = draft.case_id if draft else 0
                if common.names_child(runtime, session, ack, case_id, {field: detail}):
                    return
                answer_draft(
                    session,
                    runtime.clock.now(),
                    runtime.cipher,
                    *parsed,
                    actor=payload.user.id,
                    represented=False,
                    detail=detail,
                )
        except ReviewRefusedError as exc:
            common.refused(ack, field, exc)
            return
        ack()
        after_agency_answer(runtime, client, *parsed)

    return handle


def _submit_acceptance(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        case_id = int(payload.view.private_metadata)
        values = payload.answered()
        now = runtime.clock.now()
        cal = runtime.working_calendar()
        form = common.validated(ack, AcceptanceForm, values, {"today": cal.london_date(now)})
        if form is None:
            return
        try:
            with runtime.db.session() as session:
                draft = record_acceptance(session, cal, now, case_id, form, actor=payload.user.id)
                draft_id = draft.id
        except ReviewRefusedError as exc:
            common.refused(ack, ReviewBlock.ACCEPTED_ON.value, exc)
            return
        ack()
        after_acceptance(runtime, client, draft_id)

    return handle
