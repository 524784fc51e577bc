"""The review's frame: appointing the panel chair and their answer, the terms of reference,
an extension agreed with OFSTED, and a "not met" path's findings."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.flows.card_refresh import refresh_card
from bot.flows.review import after_answer, ask_appointee, post_terms, to_channel
from bot.handlers import review_common as common
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction, ViewSubmission
from bot.ids import ReviewAction, ReviewBlock, ReviewCallback
from bot.runtime import Runtime
from bot.services.cases import load_case
from bot.services.decision.findings import record_findings
from bot.services.decision.schema import FindingsForm
from bot.services.engine import involved_agencies
from bot.services.partnership import active_agencies
from bot.services.review import (
    TERMS_TEXTS,
    ReviewRefusedError,
    TermsForm,
    completion_date,
    current_terms,
    save_terms,
    terms_context,
    terms_form,
)
from bot.services.review_access import leads_review, may_appoint_panel_chair, may_record_for_board
from bot.services.review_chair import answer_appointment, appoint_panel_chair
from bot.services.review_extension import ExtensionForm, agree_extension
from bot.views.review import (
    AgencyOption,
    extension_message,
    extension_modal,
    findings_message,
    findings_modal,
    terms_modal,
)
from bot.views.review_chair import panel_chair_modal
from storage.models import Case

PATHS = {"audit": "smaller-scale audit", "management_reviews": "individual management reviews"}


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    openers = (
        ("review chair", "appoint the review panel chair", ReviewAction.OPEN_PANEL_CHAIR, _chair),
        (
            "review terms",
            "set or edit the terms of reference",
            ReviewAction.OPEN_TERMS,
            terms_opener,
        ),
        (
            "review extension",
            "record an extension agreed with OFSTED",
            ReviewAction.OPEN_EXTENSION,
            _extension,
        ),
        (
            "review findings",
            'record a "not met" path\'s findings and close the case',
            ReviewAction.OPEN_FINDINGS,
            findings_opener,
        ),
    )
    for name, summary, action, make in openers:
        opener = partial(make, runtime)
        usage, what = f"/scr {name}", f"{summary} (in the case channel)"
        router.add(name, usage, what, common.command(runtime, opener))
        app.action(action.value)(common.button(runtime, opener))
    app.view(ReviewCallback.PANEL_CHAIR.value)(_submit_chair(runtime))
    app.action(ReviewAction.CHAIR_NO_INVOLVEMENT.value)(_answer(runtime, no_involvement=True))
    app.action(ReviewAction.CHAIR_INVOLVED.value)(_answer(runtime, no_involvement=False))
    app.view(ReviewCallback.TERMS.value)(_submit_terms(runtime))
    app.view(ReviewCallback.EXTENSION.value)(_submit_extension(runtime))
    app.view(ReviewCallback.FINDINGS.value)(_submit_findings(runtime))


def _chair(runtime: Runtime, session: Session, case: Case, user: str, today: date) -> View | str:
    if not may_appoint_panel_chair(session, user):
        return "The Board Chair, the CPU or the business unit appoint the panel chair."
    return common.in_review(session, case) or panel_chair_modal(case.reference, case.id)


def terms_opener(
    runtime: Runtime, session: Session, case: Case, user: str, today: date
) -> View | str:
    refusal = common.in_review(session, case)
    if refusal:
        return refusal
    if not leads_review(session, case.id, user):
        return "The panel chair sets the terms of reference."
    current = current_terms(session, case.id)
    return terms_modal(
        case.reference,
        case.id,
        [AgencyOption(a.id, a.name) for a in active_agencies(session)],
        terms_form(runtime.cipher, current) if current else None,
        default_agencies=[a.agency_id for a in involved_agencies(session, case.id)],
        completion=completion_date(session, case.id),
    )


def _extension(
    runtime: Runtime, session: Session, case: Case, user: str, today: date
) -> View | str:
    refusal = common.in_review(session, case)
    if refusal:
        return refusal
    if not (may_record_for_board(session, user) or leads_review(session, case.id, user)):
        return "The panel chair, the Board Chair or the business unit record extensions."
    return extension_modal(case.reference, case.id, today, completion_date(session, case.id))


def findings_opener(
    runtime: Runtime, session: Session, case: Case, user: str, today: date
) -> View | str:
    if case.stage not in PATHS or case.closed_at is not None:
        return "Findings are recorded on the audit or management review path."
    if not leads_review(session, case.id, user):
        return "The panel chair records the findings."
    return findings_modal(case.reference, case.id, today, PATHS[case.stage])


def _submit_chair(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        case_id = int(payload.view.private_metadata)
        chosen = payload.values().get(ReviewBlock.PANEL_CHAIR.value)
        if not chosen:
            ack(response_action="errors", errors={ReviewBlock.PANEL_CHAIR.value: "Who chairs it?"})
            return
        try:
            with runtime.db.session() as session:
                row = appoint_panel_chair(
                    session, runtime.clock.now(), case_id, str(chosen), actor=payload.user.id
                )
                appointment_id = row.id
        except ReviewRefusedError as exc:
            common.refused(ack, ReviewBlock.PANEL_CHAIR.value, exc)
            return
        ack()
        ask_appointee(runtime, client, appointment_id)

    return handle


def _answer(runtime: Runtime, *, no_involvement: bool) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        value = payload.action.value or ""
        if not value.isdigit():
            respond(text=common.NOT_FOUND, replace_original=False)
            return
        try:
            with runtime.db.session() as session:
                answer = answer_appointment(
                    session,
                    runtime.clock.now(),
                    int(value),
                    actor=payload.user.id,
                    no_involvement=no_involvement,
                )
        except ReviewRefusedError as exc:
            respond(text=str(exc), replace_original=False)
            return
        if not answer.changed:
            respond(text=f"You answered this already ({answer.status}).", replace_original=False)
        after_answer(runtime, client, answer)

    return handle


def _submit_terms(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        case_id = int(payload.view.private_metadata)
        values = payload.answered()
        values[ReviewBlock.AGENCIES.value] = [
            int(v) for v in values.get(ReviewBlock.AGENCIES.value, [])
        ]
        now = runtime.clock.now()
        cal = runtime.working_calendar()
        with runtime.db.session() as session:
            context = terms_context(session, case_id, cal.london_date(now))
        form = common.validated(ack, TermsForm, values, context)
        if form is None:
            return
        try:
            with runtime.db.session() as session:
                texts = {key: str(getattr(form, key)) for key in TERMS_TEXTS}
                if common.names_child(runtime, session, ack, case_id, texts):
                    return
                save_terms(session, cal, now, runtime.cipher, case_id, form, actor=payload.user.id)
        except ReviewRefusedError as exc:
            common.refused(ack, ReviewBlock.KEY_ISSUES.value, exc)
            return
        ack()
        post_terms(runtime, client, case_id)

    return handle


def _submit_extension(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        case_id = int(payload.view.private_metadata)
        values = payload.answered()
        now = runtime.clock.now()
        cal = runtime.working_calendar()
        with runtime.db.session() as session:
            current = completion_date(session, case_id)
        context = {"today": cal.london_date(now), "current": current}
        form = common.validated(ack, ExtensionForm, values, context)
        if form is None:
            return
        field = ReviewBlock.EXTENSION_REASON.value
        try:
            with runtime.db.session() as session:
                if common.names_child(
                    runtime, session, ack, case_id, {field: form.extension_reason}
                ):
                    return
                row = agree_extension(
                    session, cal, now, runtime.cipher, case_id, form, actor=payload.user.id
                )
                key = f"extension:{row.id}"
                message = extension_message(
                    load_case(session, case_id).reference,
                    row.agreed_on,
                    row.previous_completion,
                    row.new_completion,
                )
        except ReviewRefusedError as exc:
            common.refused(ack, field, exc)
            return
        ack()
        to_channel(runtime, client, case_id, key, message)
        refresh_card(runtime, client, case_id)

    return handle


def _submit_findings(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        case_id = int(payload.view.private_metadata)
        values = payload.answered()
        documents = common.file_ids(payload, ReviewBlock.DOCUMENT.value)
        values.pop(ReviewBlock.DOCUMENT.value, None)
        values["document_file_id"] = documents[0] if documents else None
        now = runtime.clock.now()
        cal = runtime.working_calendar()
        form = common.validated(ack, FindingsForm, values, {"today": cal.london_date(now)})
        if form is None:
            return
        field = ReviewBlock.FINDINGS.value
        try:
            with runtime.db.session() as session:
                if common.names_child(
                    runtime, session, ack, case_id, {field: form.findings_summary}
                ):
                    return
                case = session.get(Case, case_id)
                path = PATHS.get(case.stage, "") if case else ""
                reference = case.reference if case else ""
                changed = record_findings(
                    session, cal, now, runtime.cipher, case_id, form, actor=payload.user.id
                )
        except ReviewRefusedError as exc:
            common.refused(ack, field, exc)
            return
        ack()
        if changed:
            message = findings_message(reference, path, form.shared_on, payload.user.id)
            to_channel(runtime, client, case_id, "findings", message)
        refresh_card(runtime, client, case_id)

    return handle
