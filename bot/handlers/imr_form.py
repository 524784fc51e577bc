"""A management review's answers (by the Slack modal's block ids, which the case page's form
uses too) as the form, each problem on its own input."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from bot.handlers.form_errors import errors_by_block
from bot.ids import ReviewBlock
from bot.services.refusal import InvalidFormError
from bot.services.review.schema import (
    REC_FIELDS,
    SECTIONS,
    ImrForm,
    RecommendationRow,
    rec_block,
)


def imr_form_of(values: dict[str, Any], document: str | None, slots: int) -> ImrForm:
    """Answers by block id (the modal's, or the case page's form) as the form; every problem
    by its block (`InvalidFormError`)."""
    answers: dict[str, Any] = {s: values.get(s) or "" for s in SECTIONS}
    answers["independent"] = values.get(ReviewBlock.INDEPENDENT.value)
    rows = _recommendation_rows(values, slots)
    try:
        return ImrForm.model_validate(
            {**answers, "recommendations": rows, "document_file_id": document}, context={}
        )
    except ValidationError as exc:
        raise InvalidFormError(errors_by_block(exc, ImrForm)) from None


def _recommendation_rows(values: dict[str, Any], slots: int) -> list[RecommendationRow]:
    """Each recommendation row validated on its own, so that an error lands on that row's
    input."""
    prefixes = {key: prefix for prefix, key, _ in REC_FIELDS}
    rows: list[RecommendationRow] = []
    errors: dict[str, str] = {}
    for number in range(1, slots + 1):
        raw = {key: values.get(rec_block(prefix, number)) for prefix, key, _ in REC_FIELDS}
        raw = {k: v for k, v in raw.items() if v not in (None, "")}
        if not raw:
            continue
        try:
            rows.append(RecommendationRow.model_validate(raw))
        except ValidationError as exc:
            for key, message in errors_by_block(exc, RecommendationRow).items():
                errors.setdefault(rec_block(prefixes[key], number), message)
    if errors:
        raise InvalidFormError(errors)
    return rows
