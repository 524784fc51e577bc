"""My work: the App Home tab, `/scr my`, and the buttons of each task on reminders and lists:
"Mark done" (in a message of the day, only the item clicked changes), and Snooze, Not needed
and Hand over with their forms."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from slack_bolt import App

from bot.handlers.adapter import Listeners, Reply, Request, Submitted, ViewMeta
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction, SlashCommand
from bot.ids import Action, ItemCallback, Job
from bot.runtime import Runtime
from bot.services.refusal import RefusedError
from bot.services.reminders.my_tasks import (
    NOT_YOURS,
    all_open_cases,
    mark_done,
    my_cases,
    my_open_tasks,
    oversees_all,
)
from bot.services.reminders.schema import (
    HandOverAnswers,
    ItemAction,
    ItemDone,
    NotNeededAnswers,
    SnoozeAnswers,
)
from bot.services.reminders.task_actions import (
    hand_over,
    item_form,
    mark_not_needed,
    snooze,
)
from bot.services.reminders.tasks import EngineContext
from bot.views.reminders import (
    home_view,
    my_work_message,
    task_done_message,
    with_item_settled,
)
from bot.views.task_actions import handed_over_message, item_done_view, item_modal


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


@listeners.command("my", "/scr my", "your open tasks and cases", reads=True)
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
        req.enqueue(Job.CASE_CARD, case_id=case_id)
    if req.payload.container.view_id is not None:
        _publish_home(req, req.actor, notice=outcome.refusal)
        return None
    if outcome.refusal is not None or outcome.line is None:
        return Reply(text=outcome.refusal or NOT_YOURS)
    done = task_done_message(outcome.line, req.actor, req.today, already=not outcome.changed)
    clicked = req.payload.message
    settled = with_item_settled(clicked.blocks, task_id, done.text) if clicked else None
    if clicked is not None and settled is not None:
        return Reply(text=clicked.text, blocks=settled, replace=True)
    return Reply(text=done.text, blocks=done.blocks, replace=True)


ITEM_ACTIONS = {
    Action.SNOOZE.value: ItemAction.SNOOZE,
    Action.NOT_NEEDED.value: ItemAction.NOT_NEEDED,
    Action.HAND_OVER.value: ItemAction.HAND_OVER,
}


def _engine(req: Request[Any]) -> EngineContext:
    return EngineContext(req.session, req.calendar, req.now, days_before=req.runtime.days_before)


@listeners.action(*ITEM_ACTIONS, value=True)
def open_item_form(req: Request[BlockAction]) -> None:
    """Snooze, Not needed or Hand over: its form, once the clicker may (else they are told
    why, only them)."""
    action = ITEM_ACTIONS[req.payload.action.action_id]
    req.open_view(item_modal(item_form(_engine(req), req.number or 0, req.actor, action)))


def _task_id(req: Submitted[Any, ViewMeta]) -> int:
    if req.ids.task is None:
        raise RefusedError(NOT_YOURS)
    return req.ids.task


def _item_done(req: Submitted[Any, ViewMeta], done: ItemDone) -> Reply:
    """The form shows what it came to; the clicker's App Home, the case card (a task closed)
    and the new owner (a task handed over) are brought up to date."""
    if done.changed:
        _publish_home(req, req.actor)
        if done.action is ItemAction.NOT_NEEDED:
            req.enqueue(Job.CASE_CARD, case_id=done.case_id)
        if done.handed_to is not None:
            to, key = done.handed_to, f"handed_over:{done.line.task_id}:{req.now.isoformat()}"
            told = handed_over_message(done.line, req.actor, req.today)
            req.after(lambda: req.slack.try_post_once(key, to, told, case_id=done.case_id))
    return Reply(update=item_done_view(done, req.today))


@listeners.submission(ItemCallback.SNOOZE.value, form=SnoozeAnswers)
def submit_snooze(req: Submitted[SnoozeAnswers, ViewMeta]) -> Reply:
    done = snooze(_engine(req), req.runtime.cipher, _task_id(req), req.actor, req.answers)
    return _item_done(req, done)


@listeners.submission(ItemCallback.NOT_NEEDED.value, form=NotNeededAnswers)
def submit_not_needed(req: Submitted[NotNeededAnswers, ViewMeta]) -> Reply:
    cipher = req.runtime.cipher
    done = mark_not_needed(_engine(req), cipher, _task_id(req), req.actor, req.answers)
    return _item_done(req, done)


@listeners.submission(ItemCallback.HAND_OVER.value, form=HandOverAnswers)
def submit_hand_over(req: Submitted[HandOverAnswers, ViewMeta]) -> Reply:
    done = hand_over(_engine(req), _task_id(req), req.actor, req.answers)
    return _item_done(req, done)


@listeners.action(Action.OPEN_CHANNEL.value)
def link_clicked(req: Request[BlockAction]) -> None:
    """A link button opens its URL in Slack; the click needs only an acknowledgement."""


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    listeners.register(app, runtime, router)
