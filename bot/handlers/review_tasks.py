"""The button on a reminder or a task list for one of the decision's or the review's tasks:
it opens the form that completes that task (its value is the task id), after the same
permission checks as the form's own command."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.handlers.commands import CommandRouter
from bot.handlers.decision import notice_opener, recommendation_opener
from bot.handlers.imr import submission_view
from bot.handlers.overview_report import draft_opener
from bot.handlers.payloads import BlockAction
from bot.handlers.review import findings_opener, terms_opener
from bot.handlers.review_common import NOT_FOUND
from bot.ids import ReviewAction
from bot.runtime import Runtime
from bot.services.imr import IMR_KINDS, review_for
from storage.models import Case, Task

NOT_REQUESTED = (
    "This management review has not been requested yet: the panel chair names its author."
)


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    app.action(ReviewAction.TASK_FORM.value)(_open(runtime))


def _view_for(
    runtime: Runtime, session: Session, task: Task, case: Case, user: str, today: date
) -> View | str:
    kind = task.kind
    if "notify_" in kind:
        return notice_opener(session, case, user, today, kind.split("notify_", 1)[1])
    if kind == "initial_panel_outcome":
        return recommendation_opener(runtime, session, case, user, today)
    if kind == "terms_of_reference":
        return terms_opener(runtime, session, case, user, today)
    if kind == "overview_report":
        return draft_opener(runtime, session, case, user, today)
    if kind.endswith("findings_shared"):
        return findings_opener(runtime, session, case, user, today)
    if kind in IMR_KINDS.values() and task.agency_id is not None:
        review = review_for(session, case.id, task.agency_id)
        return NOT_REQUESTED if review is None else submission_view(runtime, session, review, user)
    return NOT_FOUND


def _open(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        value = payload.action.value or ""
        today = runtime.working_calendar().london_date(runtime.clock.now())
        view: View | str = NOT_FOUND
        with runtime.db.session() as session:
            task = session.get(Task, int(value)) if value.isdigit() else None
            case = session.get(Case, task.case_id) if task is not None else None
            if task is not None and case is not None and task.status == "open":
                view = _view_for(runtime, session, task, case, payload.user.id, today)
        if isinstance(view, str):
            respond(text=view, replace_original=False)
            return
        client.views_open(trigger_id=payload.trigger_id, view=view)

    return handle
