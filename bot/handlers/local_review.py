"""A local review's own steps: the reviewer's form (from its task's button), the date the
review is to be published by (`/scr review publication` in the case channel, or a button whose
value is the case id) and the button recording the review published."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.flows.review import after_note
from bot.handlers.adapter import Listeners, Request, Submitted, ViewMeta
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction
from bot.handlers.review_imr import BY_VALUE, IN_CHANNEL, OPEN
from bot.ids import ReviewAction, ReviewBlock, ReviewCallback
from bot.runtime import Runtime
from bot.services.cases.schema import Audience
from bot.services.refusal import RefusedError
from bot.services.reminders.tasks import EngineContext
from bot.services.review.local_review import (
    NOT_YOURS,
    appoint_reviewer,
    record_published,
    reviewer_task,
)
from bot.services.review.publication import plan_date, planning
from bot.services.review.schema import PlannedDateForm, ReviewerForm
from bot.views.local_review import (
    date_planned_message,
    planned_date_modal,
    published_message,
    reviewer_modal,
)

listeners = Listeners()


def _engine(req: Request[Any]) -> EngineContext:
    return EngineContext(req.session, req.calendar, req.now, days_before=req.runtime.days_before)


@listeners.action(ReviewAction.OPEN_REVIEWER.value, value=True, access=OPEN)
def open_reviewer(req: Request[BlockAction]) -> None:
    task, case = reviewer_task(req.session, req.number or 0, req.actor)
    req.open_view(reviewer_modal(case.reference, task.id))


@listeners.submission(
    ReviewCallback.REVIEWER.value,
    form=ReviewerForm,
    meta=ViewMeta,
    access=OPEN,
    refusal_field=ReviewBlock.REVIEWER_NAME.value,
)
def reviewer_named(req: Submitted[ReviewerForm, ViewMeta]) -> None:
    if req.ids.task is None:
        raise RefusedError(NOT_YOURS)
    cipher = req.runtime.cipher
    done = appoint_reviewer(_engine(req), cipher, req.ids.task, req.answers, actor=req.actor)
    if done.changed:
        req.after(lambda: after_note(req.runtime, req.slack, done.case_id, "", None))


def open_planned_date(req: Request[Any]) -> None:
    req.open_view(planned_date_modal(planning(req.session, req.calendar, req.case, req.actor)))


listeners.command(
    "review publication",
    "/scr review publication",
    "set the date the review is to be published (in the case channel)",
    access=IN_CHANNEL,
    audience=frozenset({Audience.BUSINESS_UNIT, Audience.BOARD_CHAIR, Audience.PANEL_CHAIR}),
)(open_planned_date)
listeners.action(ReviewAction.OPEN_PLANNED_DATE.value, access=BY_VALUE)(open_planned_date)


@listeners.submission(
    ReviewCallback.PLANNED_DATE.value,
    form=PlannedDateForm,
    meta=ViewMeta,
    access=OPEN,
    refusal_field=ReviewBlock.PLANNED_DATE.value,
)
def date_planned(req: Submitted[PlannedDateForm, ViewMeta]) -> None:
    if req.ids.case is None:
        raise RefusedError(NOT_YOURS)
    on = req.answers.planned_date
    done = plan_date(req.session, req.calendar, req.now, req.ids.case, on, actor=req.actor)
    message = date_planned_message(done, req.actor)
    key = f"planned:{done.case_id}:{on.isoformat()}:{req.now.isoformat()}"
    req.after(lambda: after_note(req.runtime, req.slack, done.case_id, key, message))


@listeners.action(ReviewAction.PUBLISHED.value, value=True, access=OPEN)
def published(req: Request[BlockAction]) -> str:
    done = record_published(_engine(req), req.number or 0, actor=req.actor)
    if done.changed:
        message = published_message(done.reference, req.actor)
        key = f"published:{done.case_id}"
        req.after(lambda: after_note(req.runtime, req.slack, done.case_id, key, message))
        return f"{done.reference}: the review is recorded published."
    return f"{done.reference}: the review was recorded published already."


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    listeners.register(app, runtime, router)
