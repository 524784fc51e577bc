"""An extension of the review's completion date agreed with OFSTED: recorded with its reason
(encrypted), and every task due on the completion date moves with its reminders."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from sqlalchemy.orm import Session

from bot.crypto import FieldCipher
from bot.process.calendar import WorkingCalendar
from bot.services import audit
from bot.services.engine import EngineContext
from bot.services.review import (
    LONG_TEXT,
    ReviewRefusedError,
    completion_date,
    form_context,
    move_dependents,
    review_case,
)
from bot.services.review_access import leads_review, may_record_for_board
from bot.services.review_forms import FormFieldError
from bot.views.format import day
from storage.models import ReviewExtension


class ExtensionForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    agreed_on: date
    new_completion: date
    extension_reason: Annotated[str, Field(min_length=1, max_length=LONG_TEXT)]

    @model_validator(mode="after")
    def _dates(self, info: ValidationInfo) -> ExtensionForm:
        today, current = form_context(info, "today"), form_context(info, "current")
        if self.agreed_on > today:
            raise FormFieldError("agreed_on", "The date agreed cannot be in the future.")
        if self.new_completion <= current:
            raise FormFieldError(
                "new_completion",
                f"The review is already due by {day(current)}: choose a later date.",
            )
        return self


def agree_extension(
    session: Session,
    cal: WorkingCalendar,
    now: datetime,
    cipher: FieldCipher,
    case_id: int,
    form: ExtensionForm,
    *,
    actor: str,
) -> ReviewExtension:
    """Record the extension and move every task due on the completion date, with its
    reminders."""
    review_case(session, case_id)
    if not (may_record_for_board(session, actor) or leads_review(session, case_id, actor)):
        raise ReviewRefusedError(
            "The panel chair, the Board Chair or the business unit record extensions."
        )
    previous = completion_date(session, case_id)
    row = ReviewExtension(
        case_id=case_id,
        agreed_on=form.agreed_on,
        previous_completion=previous,
        new_completion=form.new_completion,
        reason=cipher.encrypt_text(form.extension_reason),
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    ctx = EngineContext(session, cal, now)
    moved = move_dependents(ctx, case_id, form.new_completion, actor, f"extension {row.id}")
    audit.record(
        session,
        at=now,
        actor=actor,
        action="review.extended",
        case_id=case_id,
        previous=previous.isoformat(),
        completion=form.new_completion.isoformat(),
        tasks=[task.id for task in moved],
    )
    return row
