"""The Serious Case Review's frame: its terms of reference (every edit a new version) and
its completion date, which only an extension agreed with OFSTED moves past four months
from the decision."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.process.calendar import WorkingCalendar, add_calendar_months
from bot.services import audit
from bot.services.decision.schema import Outcome
from bot.services.decision.service import decision_of
from bot.services.engine import (
    EngineContext,
    add_agency,
    involved_agencies,
    open_tasks,
    remove_agency,
)
from bot.services.first_month.chronology import set_review_period
from bot.services.review_access import leads_review, lock_case
from bot.services.review_forms import FormFieldError, london_date
from bot.services.task_changes import complete_task, move_deadline
from bot.views.format import day
from storage.models import Case, ReviewExtension, Task, TermsOfReference

LONG_TEXT = 3000
REVIEW_MONTHS = 4
DEPENDENT_KINDS = ("overview_report",)
"""Tasks due on the completion date: an agreed extension moves them (and their reminders)."""
NOT_IN_REVIEW = "This case is not in a Serious Case Review."

Long = Annotated[str, Field(max_length=LONG_TEXT)]


class ReviewRefusedError(Exception):
    """Raised with a message that is safe to show the person who tried."""


def review_case(session: Session, case_id: int) -> Case:
    case = lock_case(session, case_id)
    decision = decision_of(session, case_id)
    if case is None or decision is None or decision.outcome != Outcome.SCR.value:
        raise ReviewRefusedError(NOT_IN_REVIEW)
    if case.stage != "review" or case.closed_at is not None:
        raise ReviewRefusedError("The review stage of this case is over.")
    return case


def decided_on(session: Session, case_id: int) -> date:
    decision = decision_of(session, case_id)
    if decision is None:
        raise ReviewRefusedError(NOT_IN_REVIEW)
    return london_date(decision.decided_at)


def completion_limit(session: Session, case_id: int) -> date:
    """Four calendar months from the decision, or the latest extension agreed with OFSTED."""
    extended = session.scalar(
        select(ReviewExtension.new_completion)
        .where(ReviewExtension.case_id == case_id)
        .order_by(ReviewExtension.id.desc())
        .limit(1)
    )
    return extended or add_calendar_months(decided_on(session, case_id), REVIEW_MONTHS)


def completion_date(session: Session, case_id: int) -> date:
    """When the review is to be complete: the latest extension, else the terms of reference."""
    extended = session.scalar(
        select(ReviewExtension.new_completion)
        .where(ReviewExtension.case_id == case_id)
        .order_by(ReviewExtension.id.desc())
        .limit(1)
    )
    terms = current_terms(session, case_id)
    return extended or (terms.completion_date if terms else completion_limit(session, case_id))


# terms of reference ----------------------------------------------------------------------


class Proceeding(StrEnum):
    CORONER = "coroner"
    CRIMINAL = "criminal"
    OTHER = "other"


PROCEEDING_LABELS = {
    Proceeding.CORONER: "Coroner's inquest",
    Proceeding.CRIMINAL: "Criminal proceedings",
    Proceeding.OTHER: "Other proceedings",
}
TERMS_TEXTS = ("key_issues", "others", "family_involvement", "liaison", "media")


def form_context(info: ValidationInfo, key: str) -> date:
    value = (info.context or {}).get(key)
    if not isinstance(value, date):
        raise RuntimeError(f"form validation needs context[{key!r}]")
    return value


class TermsForm(BaseModel):
    """The terms of reference; field names are the modal's block ids."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    key_issues: Annotated[str, Field(min_length=1, max_length=LONG_TEXT)]
    period_from: date
    period_to: date
    agency_ids: Annotated[list[int], Field(min_length=1)]
    others: Long = ""
    family_involvement: Long = ""
    proceedings: list[Proceeding] = Field(default_factory=list)
    liaison: Long = ""
    media: Long = ""
    completion_date: date

    @model_validator(mode="after")
    def _dates(self, info: ValidationInfo) -> TermsForm:
        today, limit = form_context(info, "today"), form_context(info, "limit")
        if self.period_to < self.period_from:
            raise FormFieldError("period_to", "The period cannot end before it starts.")
        if self.period_to > today:
            raise FormFieldError("period_to", "The period under review cannot end in the future.")
        if self.proceedings and not self.liaison:
            raise FormFieldError("liaison", "Please say how the review will liaise with them.")
        if self.completion_date <= today:
            raise FormFieldError("completion_date", "The completion date must be in the future.")
        if self.completion_date > limit:
            raise FormFieldError(
                "completion_date",
                f"The review must be complete by {day(limit)}; a later date needs an extension "
                "agreed with OFSTED.",
            )
        return self

    def sealed(self) -> dict[str, Any]:
        """What is stored encrypted: the free text and the period under review."""
        return {
            **{key: getattr(self, key) for key in TERMS_TEXTS},
            "period_from": self.period_from.isoformat(),
            "period_to": self.period_to.isoformat(),
        }


def current_terms(session: Session, case_id: int) -> TermsOfReference | None:
    return session.scalar(
        select(TermsOfReference)
        .where(TermsOfReference.case_id == case_id)
        .order_by(TermsOfReference.version.desc())
        .limit(1)
    )


def terms_form(cipher: FieldCipher, row: TermsOfReference) -> TermsForm:
    """A stored version back as the form that made it (to show, or to edit)."""
    sealed = cipher.decrypt_json(row.content)
    return TermsForm.model_construct(
        **{key: sealed[key] for key in TERMS_TEXTS},
        period_from=date.fromisoformat(sealed["period_from"]),
        period_to=date.fromisoformat(sealed["period_to"]),
        agency_ids=list(row.agency_ids),
        proceedings=[Proceeding(p) for p in row.proceedings],
        completion_date=row.completion_date,
    )


def terms_context(session: Session, case_id: int, today: date) -> dict[str, date]:
    return {"today": today, "limit": completion_limit(session, case_id)}


def save_terms(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    cipher: FieldCipher,
    case_id: int,
    form: TermsForm,
    *,
    actor: str,
) -> TermsOfReference:
    """A new version of the terms. The agencies asked to contribute become the involved
    agencies (each with its management review); the period under review bounds the
    chronologies; the completion date sets the overview report's deadline."""
    case = review_case(session, case_id)
    if not leads_review(session, case_id, actor):
        raise ReviewRefusedError("The panel chair sets the terms of reference.")
    previous = current_terms(session, case_id)
    row = TermsOfReference(
        case_id=case_id,
        version=(previous.version + 1) if previous else 1,
        content=cipher.encrypt_json(form.sealed()),
        agency_ids=sorted(set(form.agency_ids)),
        proceedings=[p.value for p in form.proceedings],
        completion_date=form.completion_date,
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    ctx = EngineContext(session, cal, now)
    set_review_period(session, case, form.period_from, form.period_to, actor=actor, now=now)
    _contributors(ctx, case, set(form.agency_ids), row.version, actor, cipher)
    move_dependents(ctx, case_id, form.completion_date, actor, f"terms of reference v{row.version}")
    if previous is None:
        for task in open_tasks(session, case_id):
            if task.kind == "terms_of_reference":
                complete_task(ctx, task, actor=actor, check_permission=False)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="terms.saved",
        case_id=case_id,
        version=row.version,
        agencies=row.agency_ids,
        completion=form.completion_date.isoformat(),
    )
    return row


def _contributors(
    ctx: EngineContext, case: Case, wanted: set[int], version: int, actor: str, cipher: FieldCipher
) -> None:
    involved = {a.agency_id for a in involved_agencies(ctx.session, case.id)}
    for agency_id in sorted(wanted - involved):
        add_agency(ctx, case, agency_id, actor=actor)
    reason = cipher.encrypt_text(f"Not asked to contribute (terms of reference v{version}).")
    for agency_id in sorted(involved - wanted):
        remove_agency(ctx, case, agency_id, actor=actor, reason=reason)


def move_dependents(
    ctx: EngineContext, case_id: int, completion: date, actor: str, why: str
) -> list[Task]:
    moved = []
    new_due = ctx.cal.day_end(completion)
    for task in open_tasks(ctx.session, case_id):
        if task.kind in DEPENDENT_KINDS and task.due_at != new_due:
            move_deadline(ctx, task, new_due=new_due, actor=actor, reason=why)
            moved.append(task)
    return moved
