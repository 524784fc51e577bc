"""What the review's listeners share: opening a case's modal from `/scr ...` in its channel
or from a button carrying its id (the permission is checked before anything opens), and
reading a submission's answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.handlers.commands import CommandContext, Handler
from bot.handlers.payloads import BlockAction, ViewSubmission
from bot.ids import INPUT_ACTION
from bot.runtime import Runtime
from bot.services.cases import case_by_channel
from bot.services.identifying import case_identifiers, naming_fields
from bot.services.review import ReviewRefusedError, review_case
from bot.services.review_forms import form_errors
from storage.models import Case

IN_A_CASE_CHANNEL = "Please use this in the case's own channel."
NOT_FOUND = "That is no longer open to you."

FormT = TypeVar("FormT", bound=BaseModel)

Opener = Callable[[Session, Case, str, date], View | str]
"""Builds the modal for (case, user, today), or returns a refusal to show them."""


def _open(
    runtime: Runtime,
    client: WebClient,
    opener: Opener,
    case_lookup: Callable[[Session], Case | None],
    user: str,
    trigger_id: str,
) -> str | None:
    today = runtime.working_calendar().london_date(runtime.clock.now())
    with runtime.db.session() as session:
        case = case_lookup(session)
        result: View | str = NOT_FOUND if case is None else opener(session, case, user, today)
    if isinstance(result, str):
        return result
    client.views_open(trigger_id=trigger_id, view=result)
    return None


def command(runtime: Runtime, opener: Opener) -> Handler:
    """`/scr ...` in a case channel opens the case's modal."""

    def handle(ctx: CommandContext) -> None:
        channel = ctx.command.channel_id
        with runtime.db.session() as session:
            known = case_by_channel(session, channel) is not None
        if not known:
            ctx.ack(text=IN_A_CASE_CHANNEL, response_type="ephemeral")
            return
        ctx.ack()
        refusal = _open(
            runtime,
            ctx.client,
            opener,
            lambda s: case_by_channel(s, channel),
            ctx.command.user_id,
            ctx.command.trigger_id,
        )
        if refusal:
            ctx.respond(text=refusal, response_type="ephemeral")

    return handle


def button(runtime: Runtime, opener: Opener) -> Any:
    """A button whose value is the case id opens the case's modal."""

    def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        payload = BlockAction.model_validate(body)
        value = payload.action.value or ""
        refusal = _open(
            runtime,
            client,
            opener,
            lambda s: s.get(Case, int(value)) if value.isdigit() else None,
            payload.user.id,
            payload.trigger_id,
        )
        if refusal:
            respond(text=refusal, replace_original=False)

    return handle


def file_ids(payload: ViewSubmission, block_id: str) -> list[str]:
    """The files chosen in a file_input (the generic parser does not read them)."""
    element = payload.view.state.values.get(block_id, {}).get(INPUT_ACTION) or {}
    return [str(f.get("id")) for f in element.get("files") or [] if isinstance(f, dict)]


def validated(
    ack: Ack, form: type[FormT], raw: dict[str, Any], context: dict[str, Any]
) -> FormT | None:
    """The form, or None once the errors have gone back inline."""
    try:
        return form.model_validate(raw, context=context)
    except ValidationError as exc:
        ack(response_action="errors", errors=form_errors(exc))
        return None


def names_child(
    runtime: Runtime, session: Session, ack: Ack, case_id: int, texts: dict[str, str]
) -> bool:
    """True (and the errors sent back inline) when any of ``texts`` names the child."""
    naming = naming_fields(texts, case_identifiers(session, runtime.cipher, case_id))
    if naming:
        ack(response_action="errors", errors=naming)
    return bool(naming)


def refused(ack: Ack, field: str, exc: ReviewRefusedError) -> None:
    ack(response_action="errors", errors={field: str(exc)})


def in_review(session: Session, case: Case) -> str | None:
    """Why the review's forms cannot open for this case, or None when they can."""
    try:
        review_case(session, case.id)
    except ReviewRefusedError as exc:
        return str(exc)
    return None
