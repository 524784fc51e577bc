"""Progress returns and the Board's closing: the return form from a nudge's button, the
Board marking a recommendation implemented (or closing it), and the case's sign-off."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError

from bot.flows.card_refresh import refresh_card
from bot.flows.monitoring import context, finish_sign_off
from bot.flows.round_summaries import send_summary
from bot.handlers.commands import CommandRouter
from bot.handlers.form_errors import errors_by_block
from bot.handlers.payloads import BlockAction, ViewSubmission
from bot.ids import MonitoringAction, MonitoringCallback
from bot.ids import MonitoringBlock as B
from bot.runtime import Runtime
from bot.services import audit
from bot.services import progress_returns as returns
from bot.services.action_plan import (
    NOT_THE_BOARD,
    PlanRefusedError,
    RecStatus,
    close_recommendation,
)
from bot.services.return_submission import (
    ReturnForm,
    ReturnRefusedError,
    subject_for,
    submit_return,
)
from bot.services.round_summary import COMPLETE, SummaryDue
from bot.services.sign_off import SignOffRefusedError, sign_off
from bot.views.action_plan import Verb, meta_id, notice_view, read_metadata
from bot.views.progress import return_modal, return_received_view
from storage.models import Agency, Case, Recommendation

NOT_YOURS = "This progress return is not yours to send."


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    app.action(MonitoringAction.SEND_RETURN.value)(_open_return(runtime))
    app.view(MonitoringCallback.PROGRESS_RETURN.value)(_submit_return(runtime))
    app.view(MonitoringCallback.CLOSE.value)(_close(runtime))
    app.action(MonitoringAction.SIGN_OFF.value)(_sign_off(runtime))


def _open_return(runtime: Runtime) -> Any:
    """From a nudge, the App Home or the owner's DM: the form for one recommendation's return
    (the task id in the button is only a hint: ownership is checked again here)."""

    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        value = payload.action.value or ""
        cal = runtime.working_calendar()
        try:
            if not value.isdigit():
                raise ReturnRefusedError(NOT_YOURS)
            with runtime.db.session() as session:
                subject = subject_for(session, int(value), payload.user.id, runtime.cipher)
                agency = session.get(Agency, subject.agency_id)
                name = agency.name if agency is not None else "?"
                audit.record(
                    session,
                    at=runtime.clock.now(),
                    actor=payload.user.id,
                    action="progress.form_opened",
                    case_id=subject.case_id,
                    task_id=subject.task_id,
                )
            view = return_modal(subject, name, cal.london_date(runtime.clock.now()))
        except ReturnRefusedError as exc:
            view = notice_view("Progress return", str(exc))
        client.views_open(trigger_id=payload.trigger_id, view=view)

    return handle


def _submit_return(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        task_id = meta_id(read_metadata(payload.view.private_metadata), "task")
        values = payload.answered()
        today = runtime.working_calendar().london_date(runtime.clock.now())
        try:
            form = ReturnForm.model_validate(values, context={"today": today})
        except ValidationError as exc:
            ack(response_action="errors", errors=errors_by_block(exc, ReturnForm))
            return
        try:
            with runtime.db.session() as session:
                outcome = submit_return(
                    context(runtime, session),
                    task_id,
                    form,
                    actor=payload.user.id,
                    cipher=runtime.cipher,
                    view_id=payload.view.id,
                )
        except ReturnRefusedError as exc:
            ack(response_action="errors", errors={B.PROGRESS.value: str(exc)})
            return
        received = return_received_view(
            outcome.reference, outcome.number, outcome.round_no, amended=outcome.amended
        )
        ack(response_action="update", view=received.to_dict())
        if not outcome.changed:
            return
        refresh_card(runtime, client, outcome.case_id)
        if outcome.round_complete:
            send_summary(runtime, client, SummaryDue(outcome.case_id, outcome.round_no, COMPLETE))

    return handle


def _close(runtime: Runtime) -> Any:
    """The Board marks a recommendation implemented, or closes it with a reason."""

    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        payload = ViewSubmission.model_validate(body)
        meta = read_metadata(payload.view.private_metadata)
        note = str(payload.values().get(B.CLOSE_NOTE.value) or "")
        implemented = meta.get("verb") == Verb.IMPLEMENTED.value
        outcome = RecStatus.IMPLEMENTED if implemented else RecStatus.CLOSED
        with runtime.db.session() as session:
            rec = session.get(Recommendation, meta_id(meta, "rec"))
            if rec is None:
                ack(response_action="errors", errors={B.CLOSE_NOTE.value: NOT_THE_BOARD})
                return
            try:
                close_recommendation(
                    context(runtime, session),
                    rec,
                    outcome,
                    note=note,
                    actor=payload.user.id,
                    cipher=runtime.cipher,
                )
            except PlanRefusedError as exc:
                ack(response_action="errors", errors={B.CLOSE_NOTE.value: str(exc)})
                return
            case = session.get(Case, rec.case_id)
            assert case is not None
            text = f"{case.reference}: recommendation {rec.number} is {outcome.value}."
            if not returns.open_recommendations(session, case.id):
                text += " None is open now: the Board can sign the case off from `/scr actions`."
            case_id = case.id
        ack(response_action="update", view=notice_view("Action plan", text).to_dict())
        refresh_card(runtime, client, case_id)

    return handle


def _sign_off(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        value = payload.action.value or ""
        try:
            with runtime.db.session() as session:
                case = session.get(Case, int(value)) if value.isdigit() else None
                if case is None:
                    raise SignOffRefusedError(NOT_THE_BOARD)
                changed = sign_off(context(runtime, session), case, actor=payload.user.id)
                reference, case_id = case.reference, case.id
        except SignOffRefusedError as exc:
            respond(text=str(exc), replace_original=False)
            return
        except IntegrityError:
            changed = False
        if not changed:
            respond(text="This case was signed off already.", replace_original=False)
            return
        respond(
            text=f"{reference} is signed off. Its reminders have stopped; the channel is archived.",
            replace_original=True,
        )
        finish_sign_off(runtime, client, case_id)

    return handle
