"""What the decision's and the review's forms share: errors that land on the right input,
and the check that nothing typed names the child."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import ValidationError

from bot.process.calendar import LONDON


class FormFieldError(ValueError):
    """A form error that belongs to one input (raised from a model validator)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def form_errors(exc: ValidationError) -> dict[str, str]:
    """{field: message}, one per field, worded for the person filling the form in."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        problem = (err.get("ctx") or {}).get("error")
        if isinstance(problem, FormFieldError):
            errors.setdefault(problem.field, str(problem))
            continue
        field = str(err["loc"][0]) if err["loc"] else ""
        errors.setdefault(field, _friendly(err["type"], err))
    return errors


def _friendly(kind: str, err: object) -> str:
    if kind in {"missing", "string_too_short", "too_short", "bool_type", "bool_parsing"}:
        return "This is required."
    if kind == "string_too_long":
        limit = err["ctx"]["max_length"]  # type: ignore[index]
        return f"Please keep this under {limit} characters."
    if kind.startswith("date"):
        return "Please choose a date."
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")  # type: ignore[index]
    return "Please check this answer."


def london_date(instant: datetime) -> date:
    return instant.astimezone(LONDON).date()
