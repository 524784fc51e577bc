"""The ids a modal carries in its private_metadata, parsed like any other payload: they
are only hints of what was open, and every handler re-checks them."""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.handlers.payloads import ViewSubmission


class Meta(BaseModel):
    model_config = ConfigDict(extra="ignore")

    case: int | None = None
    agency: int | None = None
    task: int | None = None

    @classmethod
    def parse(cls, raw: str) -> Meta:
        try:
            return cls.model_validate(json.loads(raw or "{}"))
        except (ValueError, ValidationError):
            return cls()


def first_input(payload: ViewSubmission) -> str:
    """Where to show an error that belongs to the whole form: its first input."""
    return next(iter(payload.view.state.values), "")
