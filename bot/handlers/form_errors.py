"""A modal's validation errors, worded for the person filling it in."""

from __future__ import annotations

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.services.monitoring.schema import MAX_NUMBER
from bot.services.refusal import FormFieldError


def _worded(err: ErrorDetails) -> str:
    kind = err["type"]
    if kind in {"missing", "string_too_short", "too_short", "bool_type", "bool_parsing"}:
        return "This is required."
    if kind == "string_too_long":
        return f"Please keep this under {err['ctx']['max_length']} characters."
    if kind in {"int_parsing", "greater_than_equal", "less_than_equal", "int_type"}:
        return f"Please give a whole number from 1 to {MAX_NUMBER}."
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    if kind.startswith("date"):
        return "Please give a valid date."
    return "Please check this answer."


def errors_by_block(exc: ValidationError, form: type[BaseModel]) -> dict[str, str]:
    """{block id: message}, one message per block: the form models' aliases are their
    modal's block ids (an error on a default value names the field, not its alias); a
    `FormFieldError` from a model validator lands on the block it names."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        problem = (err.get("ctx") or {}).get("error")
        if isinstance(problem, FormFieldError):
            errors.setdefault(problem.field, str(problem))
            continue
        if not err["loc"]:
            continue
        message = _worded(err)
        name = str(err["loc"][0])
        field = form.model_fields.get(name)
        block = field.alias if field is not None and field.alias else name
        errors.setdefault(block, message)
    return errors
