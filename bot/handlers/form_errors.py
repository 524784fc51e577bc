"""A modal's validation errors, worded for the person filling it in."""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from bot.services.monitoring.schema import MAX_NUMBER
from bot.services.refusal import FormFieldError


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
        kind = err["type"]
        if kind in {"missing", "string_too_short", "too_short", "bool_type", "bool_parsing"}:
            message = "This is required."
        elif kind == "string_too_long":
            message = f"Please keep this under {err['ctx']['max_length']} characters."
        elif kind in {"int_parsing", "greater_than_equal", "less_than_equal", "int_type"}:
            message = f"Please give a whole number from 1 to {MAX_NUMBER}."
        elif kind == "value_error":
            message = str(err["msg"]).removeprefix("Value error, ")
        elif kind.startswith("date"):
            message = "Please give a valid date."
        else:
            message = "Please check this answer."
        name = str(err["loc"][0])
        field = form.model_fields.get(name)
        block = field.alias if field is not None and field.alias else name
        errors.setdefault(block, message)
    return errors
