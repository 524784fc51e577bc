"""The Board's steps after the overview report: the button (in the case channel's checklist,
a reminder or App Home) that opens a step's record, and the record's submission."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.flows.after_report import after_step
from bot.handlers.adapter import Listeners, Request, Submitted, ViewMeta
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction
from bot.ids import ReviewAction, ReviewCallback
from bot.runtime import Runtime
from bot.services.refusal import RefusedError
from bot.services.review.after_report import NOT_OPEN, record_step, step_to_record
from bot.services.review.schema import ReportStepForm
from bot.views.after_report import step_modal

listeners = Listeners()


def _today(runtime: Runtime) -> dict[str, Any]:
    return {"today": runtime.working_calendar().london_date(runtime.clock.now())}


@listeners.action(ReviewAction.OPEN_REPORT_STEP.value, value=True)
def open_step(req: Request[BlockAction]) -> None:
    step = step_to_record(req.session, req.number or 0, req.actor)
    req.open_view(step_modal(step.reference, step.title, step.task_id, req.today, req.actor))


@listeners.submission(
    ReviewCallback.REPORT_STEP.value, form=ReportStepForm, meta=ViewMeta, context=_today
)
def step_recorded(req: Submitted[ReportStepForm, ViewMeta]) -> None:
    if req.ids.task is None:
        raise RefusedError(NOT_OPEN)
    case_id = record_step(
        req.session,
        req.calendar,
        req.now,
        req.runtime.cipher,
        req.ids.task,
        req.answers,
        actor=req.actor,
    )
    if case_id is not None:
        req.after(lambda: after_step(req.runtime, req.slack, case_id))


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    listeners.register(app, runtime, router)
