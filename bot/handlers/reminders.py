"""My work: the App Home tab, `/scr my`, and the "Mark done" button on reminders and lists."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.flows.cases import refresh_card
from bot.handlers.commands import CommandContext, CommandRouter, Handler
from bot.handlers.payloads import BlockAction
from bot.ids import Action
from bot.runtime import Runtime
from bot.services.reminders.my_tasks import (
    NOT_YOURS,
    DoneOutcome,
    mark_done,
    my_cases,
    my_open_tasks,
)
from bot.views.reminders import home_view, my_work_message, task_done_message


class HomeOpened(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user: str
    tab: str = "home"


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    router.add("my", "/scr my", "my open tasks and cases", _my(runtime))
    app.event("app_home_opened")(_home_opened(runtime))
    app.action(Action.MARK_DONE.value)(_mark_done(runtime))
    app.action(Action.OPEN_CHANNEL.value)(_link_clicked)


def publish_home(
    runtime: Runtime, client: WebClient, user_id: str, *, notice: str | None = None
) -> None:
    cal = runtime.working_calendar()
    now = runtime.clock.now()
    with runtime.db.session() as session:
        tasks = my_open_tasks(session, user_id, now, cal)
        cases = my_cases(session, user_id)
    view = home_view(tasks, cases, cal.london_date(now), notice=notice)
    client.views_publish(user_id=user_id, view=view.to_dict())


def _home_opened(runtime: Runtime) -> Any:
    def handle(event: dict[str, Any], client: WebClient) -> None:
        opened = HomeOpened.model_validate(event)
        if opened.tab == "home":
            publish_home(runtime, client, opened.user)

    return handle


def _my(runtime: Runtime) -> Handler:
    def handle(ctx: CommandContext) -> None:
        user = ctx.command.user_id
        cal = runtime.working_calendar()
        now = runtime.clock.now()
        with runtime.db.session() as session:
            tasks = my_open_tasks(session, user, now, cal)
            cases = my_cases(session, user)
        message = my_work_message(tasks, cases, cal.london_date(now))
        ctx.ack(text=message.text, blocks=message.blocks, response_type="ephemeral")

    return handle


def _mark_done(runtime: Runtime) -> Any:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        user = payload.user.id
        value = payload.action.value or ""
        cal = runtime.working_calendar()
        now = runtime.clock.now()
        outcome = (
            mark_done(runtime.db, cal, now, int(value), user)
            if value.isdigit()
            else DoneOutcome(False, NOT_YOURS)
        )
        if outcome.changed and outcome.case_id is not None:
            refresh_card(runtime, client, outcome.case_id)
        if payload.container.view_id is not None:
            publish_home(runtime, client, user, notice=outcome.refusal)
        elif outcome.refusal is not None or outcome.line is None:
            respond(text=outcome.refusal or NOT_YOURS, replace_original=False)
        else:
            done = task_done_message(
                outcome.line, user, cal.london_date(now), already=not outcome.changed
            )
            respond(text=done.text, blocks=done.blocks, replace_original=True)

    return handle


def _link_clicked(ack: Ack) -> None:
    """A link button opens its URL in Slack; the click needs only an acknowledgement."""
    ack()
