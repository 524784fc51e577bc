"""What a case sends the national panel: the button (on the case card, a reminder or App
Home) and the `/scr` command (in the case channel) that open the record of the serious
incident notification or of the rapid review report, and the records' submissions."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.handlers.adapter import Access, CaseFrom, Listeners, Reply, Request, Submitted, ViewMeta
from bot.handlers.commands import CommandRouter
from bot.handlers.payloads import BlockAction
from bot.ids import Job, NationalPanelAction, NationalPanelCallback
from bot.process.states import TaskKind
from bot.runtime import Runtime
from bot.services.cases.schema import Audience
from bot.services.national_panel.schema import NoticeRecorded, NotificationForm, ReportSentForm
from bot.services.national_panel.service import (
    form_for_task,
    form_in_case,
    record_notification,
    record_report_sent,
)
from bot.services.reminders.tasks import EngineContext
from bot.views.national_panel import notice_modal, recorded_view

listeners = Listeners()
IN_CHANNEL = Access(case=CaseFrom.CHANNEL, member=False)
BUSINESS_UNIT = frozenset({Audience.BUSINESS_UNIT})


def _ctx(req: Request[Any]) -> EngineContext:
    return EngineContext(req.session, req.calendar, req.now, days_before=req.runtime.days_before)


def _today(runtime: Runtime) -> dict[str, Any]:
    return {"today": runtime.working_calendar().london_date(runtime.clock.now())}


def _recorded(req: Request[Any], done: NoticeRecorded) -> Reply:
    if done.changed:
        req.enqueue(Job.CASE_CARD, case_id=done.case_id)
    return Reply(update=recorded_view(done))


@listeners.action(
    NationalPanelAction.OPEN_NOTIFICATION.value,
    NationalPanelAction.OPEN_REPORT_SENT.value,
    value=True,
)
def open_form(req: Request[BlockAction]) -> None:
    req.open_view(notice_modal(form_for_task(_ctx(req), req.number or 0, req.actor)))


@listeners.command(
    "notification",
    "/scr notification",
    "record the serious incident notification sent to the national panel (in the case channel)",
    access=IN_CHANNEL,
    audience=BUSINESS_UNIT,
    reads=True,
)
def notification_command(req: Request[Any]) -> None:
    form = form_in_case(_ctx(req), req.case, TaskKind.NOTIFY_NATIONAL_PANEL, req.actor)
    req.open_view(notice_modal(form))


@listeners.command(
    "rapid report",
    "/scr rapid report",
    "record the rapid review report sent to the national panel (in the case channel)",
    access=IN_CHANNEL,
    audience=BUSINESS_UNIT,
    reads=True,
)
def report_command(req: Request[Any]) -> None:
    form = form_in_case(_ctx(req), req.case, TaskKind.RAPID_REVIEW_REPORT, req.actor)
    req.open_view(notice_modal(form))


@listeners.submission(
    NationalPanelCallback.NOTIFICATION.value, form=NotificationForm, meta=ViewMeta, context=_today
)
def notification_recorded(req: Submitted[NotificationForm, ViewMeta]) -> Reply:
    cipher = req.runtime.cipher
    return _recorded(
        req, record_notification(_ctx(req), cipher, req.ids.task or 0, req.answers, actor=req.actor)
    )


@listeners.submission(
    NationalPanelCallback.REPORT_SENT.value, form=ReportSentForm, meta=ViewMeta, context=_today
)
def report_recorded(req: Submitted[ReportSentForm, ViewMeta]) -> Reply:
    cipher = req.runtime.cipher
    return _recorded(
        req, record_report_sent(_ctx(req), cipher, req.ids.task or 0, req.answers, actor=req.actor)
    )


def register(app: App, runtime: Runtime, router: CommandRouter) -> None:
    listeners.register(app, runtime, router)
