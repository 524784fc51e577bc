"""Why the bot will not do what was asked, worded for the person who asked.

Every domain's refusals are `RefusedError`: the listener adapter turns one into the answer the
person sees (an inline error on the form's field when it names one, otherwise an ephemeral
message), and nothing of the refused request is stored."""

from __future__ import annotations


class RefusedError(Exception):
    """A refusal to show the person. ``field`` is the form's block id it is about, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidFormError(RefusedError):
    """Several inline errors at once: {block id: message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values()), "Please check the form."))
        self.errors = dict(errors)


class FormFieldError(ValueError):
    """A form model's error that belongs to one input (raised from a model validator): the
    listener adapter shows it inline on that block."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
