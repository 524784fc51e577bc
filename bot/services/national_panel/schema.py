"""The national panel's forms and what they come to, shared by the services and the views:
the serious incident notification (the date it was sent, the national panel's reference)
and the rapid review report (the date it was sent).

Field names are the modals' block ids (`bot.ids.NationalPanelBlock`). The checks that need
the case (not before the referral, or the notification; no child-identifying text) are the
service's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from bot.process.states import TaskKind
from bot.process.working_days import day
from bot.services.refusal import FormFieldError

REFERENCE_LENGTH = 60
"""The national panel's notification reference is a short code, not a description."""
IN_THE_FUTURE = "This date cannot be in the future."

NOTIFICATION = "notification"
REPORT = "rapid_review_report"
NOTICE_KINDS: dict[str, str] = {
    TaskKind.NOTIFY_NATIONAL_PANEL: NOTIFICATION,
    TaskKind.RAPID_REVIEW_REPORT: REPORT,
}
"""The tasks completed by recording what was sent to the national panel: the kind of record
each one makes."""


def _today(info: ValidationInfo) -> date:
    value = (info.context or {}).get("today")
    if not isinstance(value, date):
        raise RuntimeError("form validation needs context['today']")
    return value


class NotificationForm(BaseModel):
    """The serious incident notification, sent: on what date, with what reference."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    np_notified_on: date
    np_reference: Annotated[str, Field(min_length=1, max_length=REFERENCE_LENGTH)]

    @model_validator(mode="after")
    def _date(self, info: ValidationInfo) -> NotificationForm:
        if self.np_notified_on > _today(info):
            raise FormFieldError("np_notified_on", IN_THE_FUTURE)
        return self


class ReportSentForm(BaseModel):
    """The rapid review report, sent to the national panel: on what date."""

    model_config = ConfigDict(extra="forbid")

    np_report_sent_on: date

    @model_validator(mode="after")
    def _date(self, info: ValidationInfo) -> ReportSentForm:
        if self.np_report_sent_on > _today(info):
            raise FormFieldError("np_report_sent_on", IN_THE_FUTURE)
        return self


@dataclass(frozen=True)
class NoticeForm:
    """What the form for one task shows: the case, the task's title (from its process
    definition), its deadline, and the earliest date it may name."""

    kind: str
    task_id: int
    reference: str
    title: str
    due: date
    last_working_day: date
    """The deadline's day, or the working day before it when it falls on a closed day."""
    today: date
    earliest: date


@dataclass(frozen=True)
class Notice:
    """What was sent: ``kind`` is `NOTIFICATION` or `REPORT`; ``reference`` the national
    panel's, for a notification."""

    kind: str
    sent_on: date
    reference: str | None = None


@dataclass(frozen=True)
class NextTask:
    title: str
    due: date


@dataclass(frozen=True)
class NoticeRecorded:
    """What a submission came to. ``changed`` is False when it was recorded already (a double
    submission): ``notice`` and ``recorded_by`` are then the first one's."""

    case_id: int
    case_reference: str
    notice: Notice
    recorded_by: str
    changed: bool
    next_tasks: tuple[NextTask, ...] = ()


@dataclass(frozen=True)
class NationalPanelCard:
    """The case card's part: what was sent, and the open tasks each with the action id of
    its form's button."""

    notices: tuple[Notice, ...] = ()
    buttons: tuple[tuple[str, int], ...] = ()
    """(task kind, task id) of each open task completed by recording what was sent."""


def notice_words(notice: Notice) -> str:
    """ "Notified the national panel on Thu 24 Dec 2026, reference NP-1234"."""
    if notice.kind == NOTIFICATION:
        return f"Notified the national panel on {day(notice.sent_on)}, reference {notice.reference}"
    return f"Sent the rapid review report to the national panel on {day(notice.sent_on)}"
