"""The action plan's modals as submitted: a recommendation added or edited, and a CSV file
to import. Nothing is stored from an invalid submission; a duplicate delivery stores once."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.flows.card_refresh import refresh_card
from bot.flows.monitoring import context, tell_owners
from bot.flows.plan_import import ImportRequest, check_file, finish_import
from bot.handlers.commands import CommandRouter
from bot.handlers.form_errors import errors_by_block
from bot.handlers.payloads import ViewSubmission
from bot.ids import INPUT_ACTION, MonitoringCallback
from bot.ids import MonitoringBlock as B
from bot.runtime import Runtime
from bot.services import audit
from bot.services.action_plan import (
    NOT_ALLOWED,
    PlanRefusedError,
    RecommendationForm,
    add_recommendation,
    may_manage,
    problems,
    update_recommendation,
)
from bot.views.action_plan import meta_id, notice_view, problems_text, read_metadata
from storage.models import Case, Recommendation


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    app.view(MonitoringCallback.RECOMMENDATION.value)(_save(runtime))
    app.view(MonitoringCallback.PLAN_IMPORT.value)(_import(runtime))


def _save(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        meta = read_metadata(payload.view.private_metadata)
        user = payload.user.id
        values = payload.answered()
        try:
            form = RecommendationForm.model_validate(values)
        except ValidationError as exc:
            ack(response_action="errors", errors=errors_by_block(exc, RecommendationForm))
            return
        tell = False
        with runtime.db.session() as session:
            case = session.get(Case, meta_id(meta, "case"))
            rec_id = meta_id(meta, "rec")
            rec = session.get(Recommendation, rec_id) if rec_id else None
            refusal = _save_refusal(session, case, rec, user, rec_id)
            if refusal is not None:
                ack(response_action="errors", errors={B.NUMBER.value: refusal})
                return
            assert case is not None
            if rec is None and _already_saved(session, payload.view.id):
                ack()
                return
            wrong = problems(session, case, form, rec_id=rec.id if rec else None)
            if wrong:
                ack(response_action="errors", errors=wrong)
                return
            ctx = context(runtime, session)
            try:
                if rec is None:
                    rec = add_recommendation(
                        ctx, case, form, actor=user, cipher=runtime.cipher, view_id=payload.view.id
                    )
                    tell = True
                else:
                    changed = update_recommendation(
                        ctx, rec, form, actor=user, cipher=runtime.cipher
                    )
                    tell = "owner" in changed
            except PlanRefusedError as exc:
                ack(response_action="errors", errors={B.NUMBER.value: str(exc)})
                return
            saved_id, case_id = rec.id, case.id
        ack()
        if tell:
            tell_owners(runtime, client, [saved_id])
        refresh_card(runtime, client, case_id)

    return handle


def _save_refusal(
    session: Session, case: Case | None, rec: Recommendation | None, user: str, rec_id: int
) -> str | None:
    if case is None or (rec_id and (rec is None or rec.case_id != case.id)):
        return "This recommendation is no longer in the plan."
    if not may_manage(session, user):
        return NOT_ALLOWED
    if case.closed_at is not None:
        return f"{case.reference} is closed."
    return None


def _already_saved(session: Session, view_id: str) -> bool:
    found = session.scalar(
        select(Recommendation.id).where(Recommendation.source_view_id == view_id).limit(1)
    )
    return found is not None


def _import(runtime: Runtime) -> Any:
    """The file is checked before the answer (a bad one is refused inline, whole); its
    owners are looked up and the plan stored after it."""

    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        meta = read_metadata(payload.view.private_metadata)
        user = payload.user.id
        element = payload.view.state.values.get(B.PLAN_FILE.value, {}).get(INPUT_ACTION, {})
        files = [f for f in element.get("files") or [] if isinstance(f, dict) and f.get("id")]
        if not files:
            ack(response_action="errors", errors={B.PLAN_FILE.value: "Attach the CSV file."})
            return
        with runtime.db.session() as session:
            case = session.get(Case, meta_id(meta, "case"))
            refusal = _save_refusal(session, case, None, user, 0)
            reference = case.reference if case is not None else ""
        if refusal is not None or case is None:
            ack(response_action="errors", errors={B.PLAN_FILE.value: refusal or NOT_ALLOWED})
            return
        checked = check_file(runtime, client, case.id, str(files[0]["id"]))
        if isinstance(checked, list):
            text = "Nothing was imported. " + problems_text(checked)
            ack(response_action="errors", errors={B.PLAN_FILE.value: text})
            _refused(runtime, case.id, user, len(checked))
            return
        reading = notice_view(
            "Import action plan",
            f"{reference}: {len(checked)} recommendations read. Their owners are being "
            "checked; I will send you the outcome in a DM.",
        )
        ack(response_action="update", view=reading.to_dict())
        finish_import(runtime, client, ImportRequest(case.id, user, payload.view.id, checked))

    return handle


def _refused(runtime: Runtime, case_id: int, actor: str, problems: int) -> None:
    with runtime.db.session() as session:
        audit.record(
            session,
            at=runtime.clock.now(),
            actor=actor,
            action="action_plan.import_refused",
            case_id=case_id,
            problems=problems,
        )
