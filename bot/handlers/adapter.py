"""The listener adapter: every Slack listener is declared through `Listeners` and written as
a short function of one `Request`.

What every listener would otherwise repeat happens here, once:

1. acknowledge within Slack's three seconds (a button at once; a command or a form with the
   answer it gives);
2. validate the payload (pydantic): a malformed one (no user, wrong types, a non-numeric
   button value or metadata, an unknown option) gets a clear answer and one log line that
   never carries the payload;
3. open one database session, find the case (from the channel, the button's value or the
   modal's metadata) and check that the actor may act on it;
4. call the listener; a `RefusedError` becomes the person's answer (inline on the form's field, or
   an ephemeral message, or a DM when Slack gave no `response_url`) and nothing is stored;
5. commit, answer, and only then run the Slack side effects the listener asked for
   (`Request.after`), so that no Slack call is made while a transaction is open; jobs it
   queued in its transaction (`Request.enqueue`: the outbox) are drained at once, outside
   the request, by whatever drains the outbox in this process.

Listeners therefore never open a session, run a query, catch `SlackApiError` or parse JSON.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.crypto import CaseDataErasedError
from bot.gateway import SlackError, SlackGateway
from bot.handlers.commands import CommandContext, CommandRouter
from bot.handlers.form_errors import errors_by_block
from bot.handlers.payloads import BlockAction, SlashCommand, ViewSubmission
from bot.ids import Job
from bot.process.working_days import WorkingCalendar
from bot.runtime import Runtime
from bot.services import outbox
from bot.services.cases.access import case_by_channel, case_by_id, is_case_member
from bot.services.cases.schema import EVERYONE, Audience
from bot.services.refusal import InvalidFormError, RefusedError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Case

log = logging.getLogger(__name__)

OUT_OF_DATE = "That button or form is out of date; please use the latest message."
IN_A_CASE_CHANNEL = "Please use this in the case's own channel."
NOT_OPEN_TO_YOU = "That case is not open to you."
ERASED = (
    "That case's personal data has been erased under the retention policy: only its anonymised "
    "record remains."
)

MAX_ID = 2**31 - 1
"""Ids from payloads above this are refused before they reach the database."""

ANSWER_WITHIN = 2.8
"""Seconds from a form's arrival within which its answer must be ready: Slack waits three,
and a submission it has already shown the person an error for must not be stored."""


class CaseFrom(Enum):
    """Where a listener's case comes from."""

    NOWHERE = "nowhere"
    CHANNEL = "channel"  # the channel the command was typed in, or the button was clicked in
    VALUE = "value"  # the button's value is the case id
    META = "meta"  # the modal's private_metadata {"case": id}


class MalformedPayloadError(Exception):
    """A payload that is not what this listener's own views send: answered, never raised."""


class TooLateError(Exception):
    """The answer would reach Slack after it gave up waiting: nothing is stored."""


def stamp_arrival(context: BoltContext, next: Callable[[], object]) -> object:
    """Bolt middleware: when the request arrived (before it waits for a listener thread)."""
    context["arrived"] = time.monotonic()
    return next()


class ViewMeta(BaseModel):
    """The ids a modal carries in its private_metadata: hints, re-checked by every listener."""

    model_config = ConfigDict(extra="ignore")

    case: int | None = None
    agency: int | None = None
    task: int | None = None
    meeting: int | None = None
    channel: str | None = None
    ts: str | None = None


T = TypeVar("T")
PayloadT = TypeVar("PayloadT", bound=BaseModel)
FormT = TypeVar("FormT", bound=BaseModel)
MetaT = TypeVar("MetaT", bound=BaseModel)


@dataclass(frozen=True)
class Reply:
    """What the person sees in answer: a message only they see, or (for a form) the modal
    replaced, a new one pushed on top, or inline ``errors`` ({block id: message}) that keep
    what the listener stored (unlike a `RefusedError`, whose transaction is rolled back).
    ``later``: a command is acknowledged at once and the message follows through its
    response_url. ``replace``: a click's message replaces the message clicked."""

    text: str | None = None
    blocks: Sequence[Block] = ()
    update: View | None = None
    push: View | None = None
    errors: dict[str, str] = field(default_factory=dict)
    later: bool = False
    replace: bool = False


@dataclass
class Request(Generic[PayloadT]):
    """One listener call: the validated payload, the actor, the case (checked), a session."""

    runtime: Runtime
    session: Session
    slack: SlackGateway
    actor: str
    payload: PayloadT
    case_or_none: Case | None
    number: int | None = None
    args: list[str] = field(default_factory=list)
    trigger_id: str = ""
    effects: list[Callable[[], object]] = field(default_factory=list)

    @property
    def case(self) -> Case:
        if self.case_or_none is None:
            raise RefusedError(NOT_OPEN_TO_YOU)
        return self.case_or_none

    @property
    def now(self) -> datetime:
        return self.runtime.clock.now()

    @property
    def calendar(self) -> WorkingCalendar:
        return self.runtime.working_calendar()

    @property
    def today(self) -> date:
        return self.calendar.london_date(self.now)

    def after(self, effect: Callable[[], object]) -> None:
        """Run ``effect`` once the transaction is committed and the person answered."""
        self.effects.append(effect)

    def enqueue(self, job: Job, *, dedupe_key: str | None = None, **ids: int | str) -> None:
        """Queue ``job`` (ids only) in this request's transaction: it runs after the commit,
        off the request's thread, with the outbox's retries."""
        outbox.enqueue(self.session, job, now=self.now, dedupe_key=dedupe_key, **ids)

    def open_view(self, view: View) -> None:
        """Open a modal with this request's trigger (after the answer, within its 3 s)."""
        trigger = self.trigger_id
        self.after(lambda: self.slack.open_view(trigger, view))

    def before_answer(self, step: Callable[[], T]) -> T:
        """Run a Slack step whose outcome the answer depends on (a file to read before the
        form closes). What the listener did so far is committed first, so that no
        transaction is open while Slack is called."""
        self.session.commit()
        return step()


@dataclass
class Submitted(Request[ViewSubmission], Generic[FormT, MetaT]):
    """A form's submission: its answers validated into ``form``, its metadata into ``meta``."""

    form: FormT | None = None
    meta: MetaT | None = None

    @property
    def answers(self) -> FormT:
        assert self.form is not None
        return self.form

    @property
    def ids(self) -> MetaT:
        assert self.meta is not None
        return self.meta


Listener = Callable[[Request[Any]], Reply | str | None]
Check = Callable[["Session", "Case", str], bool]


def parse_id(raw: object) -> int:
    """A positive id from a payload, or `MalformedPayloadError`."""
    text = str(raw or "")
    if not text.isdigit() or len(text) > 10 or not 0 < int(text) <= MAX_ID:
        raise MalformedPayloadError("not an id")
    return int(text)


def parse_meta(raw: str, model: type[MetaT]) -> MetaT:
    try:
        meta = model.model_validate(json.loads(raw or "{}"))
    except (ValueError, ValidationError):
        raise MalformedPayloadError("private_metadata") from None
    for name in ("case", "agency", "task", "meeting"):
        value = getattr(meta, name, None)
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            raise MalformedPayloadError("private_metadata")
    return meta


def _as_reply(result: Reply | str | None) -> Reply:
    if isinstance(result, Reply):
        return result
    return Reply(text=result)


@dataclass(frozen=True)
class Access:
    """Where a listener's case comes from and who may act on it: a case member (``member``)
    for whom ``may`` holds; anyone else is refused with ``refusal``."""

    case: CaseFrom = CaseFrom.NOWHERE
    member: bool = True
    may: Check | None = None
    refusal: str = NOT_OPEN_TO_YOU

    def check(self, session: Session, case: Case, actor: str) -> None:
        if self.member and not is_case_member(session, case, actor):
            raise RefusedError(NOT_OPEN_TO_YOU)
        if self.may is not None and not self.may(session, case, actor):
            raise RefusedError(self.refusal)


@dataclass(frozen=True)
class _Command:
    name: str
    usage: str
    summary: str
    access: Access
    respond: bool
    audience: frozenset[Audience]
    reads: bool


@dataclass(frozen=True)
class _Action:
    action_ids: tuple[str, ...]
    access: Access
    value: bool


@dataclass(frozen=True)
class _Submission:
    callback_id: str
    form: type[BaseModel] | None
    meta: type[BaseModel]
    access: Access
    context: Callable[[Runtime], dict[str, Any]] | None
    refusal_field: str | None


@dataclass(frozen=True)
class _Event:
    event_type: str
    model: type[BaseModel]
    people_only: bool


class Listeners:
    """A domain's listeners, declared at import time with the decorators below and bound to
    an app by `register` (once per app: tests and the demo build several)."""

    def __init__(self) -> None:
        self._declared: list[Callable[[_Bound], None]] = []

    def register(self, app: App, runtime: Runtime, router: CommandRouter) -> None:
        bound = _Bound(app, runtime, router)
        for declaration in self._declared:
            declaration(bound)

    def _keep(self, declaration: Callable[[_Bound], None]) -> None:
        self._declared.append(declaration)

    def command(
        self,
        name: str,
        usage: str,
        summary: str,
        *,
        access: Access = Access(),
        respond: bool = False,
        audience: frozenset[Audience] = EVERYONE,
        reads: bool = False,
    ) -> Callable[[Callable[[Request[SlashCommand]], Reply | str | None]], Any]:
        """`/scr <name> ...`: the reply is the ephemeral answer. With ``respond`` the command
        is acknowledged at once and the reply is sent to its response_url (a message the
        person can click on, rather than the acknowledgement's text). ``audience``: whom
        the command is for (the services still check each use), for `/scr help`.
        ``reads``: the command only reads (a read-only session, which on SQLite does not
        wait for the write lock), so a modal opens at once while referrals are stored."""
        spec = _Command(name, usage, summary, access, respond, audience, reads)

        def declare(fn: Callable[[Request[SlashCommand]], Reply | str | None]) -> Any:
            self._keep(lambda bound: bound.command(fn, spec))
            return fn

        return declare

    def action(
        self, *action_ids: str, access: Access = Access(), value: bool = False
    ) -> Callable[[Callable[[Request[BlockAction]], Reply | str | None]], Any]:
        """A button or menu. ``value``: the element's value is an id (`Request.number`)."""
        spec = _Action(action_ids, access, value)

        def declare(fn: Callable[[Request[BlockAction]], Reply | str | None]) -> Any:
            self._keep(lambda bound: bound.action(fn, spec))
            return fn

        return declare

    def submission(
        self,
        callback_id: str,
        *,
        form: type[FormT] | None = None,
        meta: type[MetaT] = ViewMeta,  # type: ignore[assignment]
        access: Access = Access(),
        context: Callable[[Runtime], dict[str, Any]] | None = None,
        refusal_field: str | None = None,
    ) -> Callable[[Callable[[Submitted[FormT, MetaT]], Reply | str | None]], Any]:
        """A modal's submission. Its answers are validated into ``form`` (errors go back
        inline, on their blocks); a refusal goes inline on its field, else on
        ``refusal_field``, else on the first input."""
        spec = _Submission(callback_id, form, meta, access, context, refusal_field)

        def declare(fn: Callable[[Submitted[FormT, MetaT]], Reply | str | None]) -> Any:
            self._keep(lambda bound: bound.submission(fn, spec))
            return fn

        return declare

    def event(
        self, event_type: str, model: type[PayloadT], *, people_only: bool = False
    ) -> Callable[[Callable[[Request[PayloadT]], None]], Any]:
        """An Events API event, validated into ``model`` (its ``user``, if any, is the actor).
        Nobody is answered: a malformed or refused event is logged and dropped.
        ``people_only``: an event the bot itself caused is dropped too."""
        spec = _Event(event_type, model, people_only)

        def declare(fn: Callable[[Request[PayloadT]], None]) -> Any:
            self._keep(lambda bound: bound.event(fn, spec))
            return fn

        return declare


Build = Callable[["Session", SlackGateway], Request[Any]]


class _Bound:
    """The declarations of every domain, made into Bolt listeners of one app."""

    def __init__(self, app: App, runtime: Runtime, router: CommandRouter) -> None:
        self.app = app
        self.runtime = runtime
        self.router = router

    def command(self, fn: Callable[[Any], Reply | str | None], spec: _Command) -> None:
        def handle(ctx: CommandContext) -> None:
            if spec.respond:
                ctx.ack()
            answer = partial(_answer_command, ctx, spec.respond, partial(self._dm, ctx.client))
            build = partial(self._command_request, ctx, spec.access)
            self._run(
                fn,
                kind=f"/scr {spec.name}",
                answer=answer,
                build=build,
                client=ctx.client,
                reads=spec.reads,
            )

        self.router.add(spec.name, spec.usage, spec.summary, handle, spec.audience)

    def action(self, fn: Callable[[Any], Reply | str | None], spec: _Action) -> None:
        def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
            ack()
            tell = partial(self._tell, client, body, respond)
            payload = _validated(BlockAction, body)
            if payload is None or not payload.actions:
                _log_malformed("block_actions", spec.action_ids[0])
                tell(OUT_OF_DATE)
                return

            def answer(reply: Reply) -> None:
                if reply.text:
                    tell(reply.text, replace=reply.replace, blocks=reply.blocks)

            build = partial(self._action_request, payload, spec)
            self._run(fn, kind=spec.action_ids[0], answer=answer, build=build, client=client)

        for action_id in spec.action_ids:
            self.app.action(action_id)(handle)

    def submission(self, fn: Callable[[Any], Reply | str | None], spec: _Submission) -> None:
        def handle(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
            payload = _validated(ViewSubmission, body)
            if payload is None:
                _log_malformed("view_submission", spec.callback_id)
                ack(response_action="errors", errors={"": OUT_OF_DATE})
                return
            first = spec.refusal_field or next(iter(payload.view.state.values), "")
            self._run(
                fn,
                kind=spec.callback_id,
                answer=partial(_answer_submission, ack),
                build=partial(self._submission_request, payload, spec),
                client=client,
                refuse=partial(_refuse_submission, ack, first),
                deadline=context.get("arrived", time.monotonic()) + ANSWER_WITHIN,
            )

        self.app.view(spec.callback_id)(handle)

    def event(self, fn: Callable[[Any], None], spec: _Event) -> None:
        def handle(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
            event = body.get("event")
            payload = _validated(spec.model, event) if isinstance(event, dict) else None
            if payload is None:
                _log_malformed("event", spec.event_type)
                return
            actor = str(getattr(payload, "user", "") or "")
            if spec.people_only and actor in {context.bot_user_id, context.bot_id}:
                return
            self._run(
                fn,
                kind=spec.event_type,
                answer=lambda reply: None,
                build=partial(self._request, payload=payload, actor=actor, case=None),
                client=client,
                refuse=lambda exc: log.info("%s event not acted on", spec.event_type),
            )

        self.app.event(spec.event_type)(handle)

    # Building the request -----------------------------------------------------------------

    def _command_request(
        self, ctx: CommandContext, access: Access, session: Session, slack: SlackGateway
    ) -> Request[Any]:
        command = ctx.command
        return self._request(
            session,
            slack,
            payload=command,
            actor=command.user_id,
            case=self._case(session, access.case, channel=command.channel_id),
            access=access,
            args=list(ctx.args),
            trigger_id=command.trigger_id,
        )

    def _action_request(
        self, payload: BlockAction, spec: _Action, session: Session, slack: SlackGateway
    ) -> Request[Any]:
        raw = payload.action.value or _selected(payload)
        number = parse_id(raw) if spec.value or spec.access.case is CaseFrom.VALUE else None
        channel = payload.container.channel_id or (payload.channel.id if payload.channel else None)
        return self._request(
            session,
            slack,
            payload=payload,
            actor=payload.user.id,
            case=self._case(session, spec.access.case, channel=channel, number=number),
            access=spec.access,
            number=number,
            trigger_id=payload.trigger_id,
        )

    def _submission_request(
        self, payload: ViewSubmission, spec: _Submission, session: Session, slack: SlackGateway
    ) -> Request[Any]:
        ids = parse_meta(payload.view.private_metadata, spec.meta)
        context = spec.context(self.runtime) if spec.context else {}
        answers = validated(spec.form, payload.answered(), context) if spec.form else None
        number = getattr(ids, "case", None)
        request = self._request(
            session,
            slack,
            payload=payload,
            actor=payload.user.id,
            case=self._case(session, spec.access.case, number=number),
            access=spec.access,
        )
        return Submitted(**vars(request), form=answers, meta=ids)

    def _request(
        self,
        session: Session,
        slack: SlackGateway,
        *,
        payload: BaseModel,
        actor: str,
        case: Case | None,
        access: Access = Access(),
        **extra: Any,
    ) -> Request[Any]:
        """The listener's request, once ``actor`` has been checked against ``case``;
        ``extra``: the request's number, args and trigger id, where the payload has them."""
        if case is not None:
            access.check(session, case, actor)
        return Request(
            runtime=self.runtime,
            session=session,
            slack=slack,
            actor=actor,
            payload=payload,
            case_or_none=case,
            **extra,
        )

    def _case(
        self,
        session: Session,
        where: CaseFrom,
        *,
        channel: str | None = None,
        number: int | None = None,
    ) -> Case | None:
        if where is CaseFrom.NOWHERE:
            return None
        if where is CaseFrom.CHANNEL:
            found = case_by_channel(session, channel) if channel else None
            if found is None:
                raise RefusedError(IN_A_CASE_CHANNEL)
            return found
        if number is None:
            raise MalformedPayloadError("no case id")
        found = case_by_id(session, number)
        if found is None:
            raise RefusedError(NOT_OPEN_TO_YOU)
        return found

    # Running and answering ------------------------------------------------------------------

    def _run(
        self,
        fn: Callable[[Any], Reply | str | None],
        *,
        kind: str,
        answer: Callable[[Reply], None],
        build: Build,
        client: WebClient,
        refuse: Callable[[RefusedError], None] | None = None,
        deadline: float | None = None,
        reads: bool = False,
    ) -> None:
        """One transaction, then the answer and the effects (``deadline``: see `_not_done`)."""
        try:
            with self._unit(reads) as session:
                request = build(session, SlackGateway(client, self.runtime.db, self.runtime.clock))
                reply = _as_reply(fn(request))
                if deadline is not None and time.monotonic() > deadline:
                    raise TooLateError
        except (TooLateError, MalformedPayloadError, RefusedError, CaseDataErasedError) as exc:
            _not_done(kind, exc, refuse or (lambda e: answer(Reply(text=e.message))))
            return
        answer(reply)
        self._after(kind, request, session)

    def _after(self, kind: str, request: Request[Any], session: Session) -> None:
        """The effects of an answered request; the outbox's bell if it queued a job."""
        _run_effects(kind, request.effects)
        if session.info.pop(outbox.QUEUED, False):
            self.runtime.bell.ring()

    def _unit(self, reads: bool) -> AbstractContextManager[Session]:
        """A listener's transaction; read-only for one that only reads (on SQLite it does not
        wait for the write lock)."""
        return self.runtime.db.reading() if reads else self.runtime.db.session()

    def _tell(
        self,
        client: WebClient,
        body: dict[str, Any],
        respond: Respond,
        text: str,
        *,
        replace: bool = False,
        blocks: Sequence[Block] = (),
    ) -> None:
        """Answer a click only its clicker sees: in place, else by DM (App Home, modals)."""
        try:
            if body.get("response_url"):
                shown = [b.to_dict() for b in blocks] or None
                respond(
                    text=text, blocks=shown, replace_original=replace, response_type="ephemeral"
                )
                return
            who = body.get("user")
            user = who.get("id") if isinstance(who, dict) else None
            if isinstance(user, str) and user:
                self._dm(client, user, text)
        except (SlackError, OSError) as exc:
            log.warning("could not answer a click (%s)", type(exc).__name__)

    def _dm(
        self, client: WebClient, user: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """Answer someone in their DM with the bot (when Slack gave no response_url)."""
        try:
            SlackGateway(client, self.runtime.db, self.runtime.clock).call(
                "chat.postMessage", channel=user, text=text, blocks=blocks
            )
        except SlackError as exc:
            log.warning("could not answer in a DM (%s)", type(exc).__name__)


def _answer_command(
    ctx: CommandContext, respond: bool, dm: Callable[..., None], reply: Reply
) -> None:
    """The command's answer: in the acknowledgement, or after it through the response_url
    (by DM when the command came without one)."""
    blocks = [b.to_dict() for b in reply.blocks] or None
    if not respond and reply.text and not reply.later:
        ctx.ack(text=reply.text, blocks=blocks, response_type="ephemeral")
        return
    if not respond:
        ctx.ack()
    if not reply.text:
        return
    if ctx.command.response_url:
        ctx.respond(text=reply.text, blocks=blocks, response_type="ephemeral")
    else:
        dm(ctx.command.user_id, reply.text, blocks)


def _answer_submission(ack: Ack, reply: Reply) -> None:
    if reply.errors:
        ack(response_action="errors", errors=dict(reply.errors))
    elif reply.update is not None:
        ack(response_action="update", view=reply.update.to_dict())
    elif reply.push is not None:
        ack(response_action="push", view=reply.push.to_dict())
    else:
        ack()


def _refuse_submission(ack: Ack, first: str, exc: RefusedError) -> None:
    errors = exc.errors if isinstance(exc, InvalidFormError) else {}
    ack(response_action="errors", errors=errors or {exc.field or first: str(exc)})


def _run_effects(kind: str, effects: Sequence[Callable[[], object]]) -> None:
    """The Slack steps a listener asked for, after its answer: a failure is logged (the
    change they tell of is stored) and the rest still run."""
    for effect in effects:
        try:
            effect()
        except SlackError as exc:
            log.warning("%s: a Slack step after the answer failed (%s)", kind, exc)


def _not_done(kind: str, exc: Exception, refuse: Callable[[RefusedError], None]) -> None:
    """A listener whose transaction was rolled back: refused, malformed, or (a form) finished
    too late, which is not answered, so that Slack's error is the truth: nothing was stored."""
    if isinstance(exc, TooLateError):
        log.warning("%s: answered too late for Slack; nothing stored", kind)
    elif isinstance(exc, MalformedPayloadError):
        _log_malformed(kind, str(exc))
        refuse(RefusedError(OUT_OF_DATE))
    elif isinstance(exc, RefusedError):
        refuse(exc)
    else:
        refuse(RefusedError(ERASED))


def _validated(model: type[PayloadT], body: dict[str, Any]) -> PayloadT | None:
    try:
        return model.model_validate(body)
    except ValidationError:
        return None


def _selected(payload: BlockAction) -> str | None:
    option = payload.action.selected_option
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def validated(form: type[FormT], values: dict[str, Any], context: dict[str, Any]) -> FormT:
    """``values`` as ``form``, or an `InvalidFormError` carrying its errors by block (for a
    listener that shapes a submission's answers before they are validated)."""
    try:
        return form.model_validate(values, context=context)
    except ValidationError as exc:
        raise InvalidFormError(errors_by_block(exc, form)) from None


def _log_malformed(kind: str, what: str) -> None:
    """One line, naming the listener and what was wrong: never the payload."""
    log.warning("refused a malformed %s payload (%s)", kind, what)
