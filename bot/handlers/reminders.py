"""My work: the App Home tab, `/scr my`, and the "Mark done" button on reminders and lists."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from slack_bolt import App

from bot.flows.cases import refresh_card
from bot.handlers.adapter import Listeners, Reply, Request
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction, SlashCommand
from bot.ids import Action
from bot.runtime import Runtime
from bot.services.reminders.my_tasks import (
    NOT_YOURS,
    all_open_cases,
    mark_done,
    my_cases,
    my_open_tasks,
    oversees_all,
)
from bot.views.reminders import home_view, my_work_message, task_done_message


class HomeOpened(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user: str
    tab: str = "home"


listeners = Listeners()


def _publish_home(req: Request[Any], user: str, *, notice: str | None = None) -> None:
    """Read ``user``'s work now; publish it as their App Home once the request is answered."""
    tasks = my_open_tasks(req.session, user, req.now, req.calendar)
    cases = my_cases(req.session, user)
    overview = None
    if oversees_all(req.session, user):
        overview = all_open_cases(req.session, user, req.now, req.calendar)
    view = home_view(tasks, cases, req.today, notice=notice, overview=overview)
    req.after(lambda: req.slack.publish_home(user, view))


@listeners.command("my", "/scr my", "your open tasks and cases")
def show_my_work(req: Request[SlashCommand]) -> Reply:
    tasks = my_open_tasks(req.session, req.actor, req.now, req.calendar)
    cases = my_cases(req.session, req.actor)
    message = my_work_message(tasks, cases, req.today)
    return Reply(text=message.text, blocks=message.blocks)


@listeners.event("app_home_opened", HomeOpened)
def home_opened(req: Request[HomeOpened]) -> None:
    if req.payload.tab == "home":
        _publish_home(req, req.payload.user)


@listeners.action(Action.MARK_DONE.value, value=True)
def mark_task_done(req: Request[BlockAction]) -> Reply | None:
    task_id = req.number or 0
    outcome = mark_done(req.runtime.db, req.calendar, req.now, task_id, req.actor)
    case_id = outcome.case_id
    if outcome.changed and case_id is not None:
        req.after(lambda: refresh_card(req.runtime, req.slack, case_id))
    if req.payload.container.view_id is not None:
        _publish_home(req, req.actor, notice=outcome.refusal)
        return None
    if outcome.refusal is not None or outcome.line is None:
        return Reply(text=outcome.refusal or NOT_YOURS)
    done = task_done_message(outcome.line, req.actor, req.today, already=not outcome.changed)
    return Reply(text=done.text, blocks=done.blocks, replace=True)


@listeners.action(Action.OPEN_CHANNEL.value)
def link_clicked(req: Request[BlockAction]) -> None:
    """A link button opens its URL in Slack; the click needs only an acknowledgement."""


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    listeners.register(app, runtime, router)
