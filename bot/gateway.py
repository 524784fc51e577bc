"""The one door to Slack's Web API for everything the bot does there.

Every side effect (post, post once, update, open or update a view, upload, invite, pin,
archive, look a person up) goes through `SlackGateway`. It is the only place that catches
slack_sdk's errors: whatever went wrong (an error answer, a timeout, a dropped connection)
reaches the caller as one `SlackError` carrying Slack's error code. It is also the one place
that decides what a failure means:

- *retry*: 429 and 5xx answers and dropped connections are retried by the client's retry
  handlers (`bot.slack_client`); what still fails is a `SlackError` whose `retryable` is
  true, and the caller leaves the work for the worker to resume;
- *adopt*: an answer lost after Slack acted (a channel created, a message posted) is found
  again rather than done twice (`create_private_channel`, `post_once`);
- *give up*: answers that will never change for this input (a deactivated user, a guest
  who cannot be invited) are reported, not retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.views import View
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookClient
from sqlalchemy import (
    BindParameter,
    Result,
    String,
    bindparam,
    delete,
    insert,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.views.messages import Message
from storage.db import Database
from storage.models import PostAttempt, SentMessage
from storage.models.base import table_of
from storage.types import UTCDateTime

if TYPE_CHECKING:
    from bot.pacing import ConversationTurns

log = logging.getLogger(__name__)

INVITE_BATCH = 100
"""Slack takes at most 100 users in one `conversations.invite` call."""

POST_ONCE_EVENT = "scr_bot_post"
"""The `metadata.event_type` of every message posted once; its payload names the ledger key."""

SIDE_BY_SIDE = 4
"""Posts of one batch in flight at once (`SlackGateway.post_each_once`): the conversations
differ, so Slack's limit of about one message a second to each is not what bounds them."""
_POSTERS = ThreadPoolExecutor(SIDE_BY_SIDE * 4, thread_name_prefix="scr-post")
"""The threads posting batches' lanes side by side, shared by the process's batches (the
outbox runs up to eight at once)."""

ADOPT_MARGIN = timedelta(minutes=5)
"""How far before a post attempt began its message is looked for (the bot's clock and
Slack's may differ)."""

ADOPT_PAGE_SIZE = 200
ADOPT_PAGES = 5
"""At most this many pages of history are read when looking for a post in doubt."""

HARMLESS = frozenset({"already_in_channel", "cant_invite_self", "already_pinned"})
"""Answers that mean the wanted state holds already."""

PERSON_GONE = frozenset(
    {
        "user_not_found",
        "user_is_deactivated",
        "account_inactive",
        "user_disabled",
        "users_not_found",
    }
)
"""Answers about one person that no retry will change."""

CANNOT_INVITE = PERSON_GONE | frozenset(
    {
        "user_is_restricted",
        "user_is_ultra_restricted",
        "ura_max_channels",
        "cant_invite",
        "org_user_not_in_team",
    }
)
"""Per-user refusals of an invitation: the rest of a batch is invited one by one."""


class SlackError(Exception):
    """A Web API call that did not do what was asked. The message names the method and
    Slack's error code only: never the arguments, which may carry what a user typed."""

    def __init__(
        self, method: str, code: str, *, retryable: bool, retry_after: float | None = None
    ) -> None:
        super().__init__(f"{method}: {code}")
        self.method = method
        self.code = code
        self.retryable = retryable
        self.retry_after = retry_after
        """Seconds Slack asked us to wait (its `Retry-After` on a 429), if it said."""

    @property
    def person_gone(self) -> bool:
        return self.code in PERSON_GONE


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


@dataclass(frozen=True)
class OnePost:
    """A message to post once: its ledger key, where it goes, what it says; ``then``, a
    Slack step that follows it at once (a card's pin), run once it is in Slack, by this
    attempt or an earlier one, and before the next post of its batch."""

    key: str
    channel: str
    message: Message
    then: Callable[[Posted], object] | None = None

    @property
    def short_key(self) -> str:
        """The key's last part (a user id or a step's name), for a log line."""
        return self.key.rsplit(":", 1)[-1]


@dataclass
class _Batch:
    """What a batch of posts has done so far, shared by its lanes (each of its own posts:
    no two lanes write one key)."""

    begun: dict[str, Posted | datetime | None]
    went: dict[str, Posted] = field(default_factory=dict)
    forget: list[str] = field(default_factory=list)
    tried: set[str] = field(default_factory=set)


def _in_order_then_side_by_side(
    posts: Sequence[OnePost], side_by_side: bool
) -> tuple[list[OnePost], list[list[OnePost]]]:
    """The posts to go first, in order, and those that may then go side by side: up to
    `SIDE_BY_SIDE` lanes, each with whole conversations' posts, in order. A key given twice
    goes once."""
    unique: dict[str, OnePost] = {}
    for post in posts:
        unique.setdefault(post.key, post)
    if not side_by_side:
        return list(unique.values()), []
    first = [post for post in unique.values() if post.then is not None]
    conversations: dict[str, list[OnePost]] = {}
    for post in unique.values():
        if post.then is None:
            conversations.setdefault(post.channel, []).append(post)
    lanes: list[list[OnePost]] = [[] for _ in range(min(SIDE_BY_SIDE, len(conversations)))]
    for n, conversation in enumerate(conversations.values()):
        lanes[n % len(lanes)].extend(conversation)
    return first, lanes


Record = Callable[[Session, dict[str, str], bool], object]
"""What a batch of posts keeps on the caller's rows: given the session, the ts of its
messages in Slack by key, and whether the batch is finished (`SlackGateway.post_each_once`)."""


@dataclass(frozen=True)
class Invited:
    """What an invitation round did: who is in now, and who could not be added and why."""

    added: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


def _as_error(method: str, exc: Exception) -> SlackError:
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        code = str(exc.response.get("error") or f"http_{status}")
        retry_after = None
        if status == 429:
            headers = exc.response.headers or {}
            retry_after = float(headers.get("Retry-After") or headers.get("retry-after") or 60)
        return SlackError(
            method, code, retryable=status == 429 or status >= 500, retry_after=retry_after
        )
    return SlackError(method, type(exc).__name__, retryable=True)


def call_api(client: WebClient, method: str, **arguments: Any) -> SlackResponse:
    """One Web API call with no gateway around it yet (the bot's own identity at start-up);
    every failure becomes one `SlackError`."""
    method_of_client = getattr(client, method.replace(".", "_"))
    try:
        response: SlackResponse = method_of_client(**_without_none(arguments))
    except (SlackApiError, SlackClientError, OSError) as exc:
        raise _as_error(method, exc) from None
    return response


class SlackGateway:
    """Slack's Web API as the bot uses it. One per unit of work; cheap to make. With
    ``turns`` (the outbox's jobs, several running at once), a post Slack refuses as rate
    limited waits its turn in that conversation and goes again (`ConversationTurns`)."""

    def __init__(
        self,
        client: WebClient,
        db: Database,
        clock: Clock,
        turns: ConversationTurns | None = None,
    ) -> None:
        self.client = client
        self.db = db
        self.clock = clock
        self.turns = turns

    # The one call site ------------------------------------------------------------------

    def call(self, method: str, **arguments: Any) -> SlackResponse:
        """Call a Web API method by its documented name (`chat.postMessage`) through
        slack_sdk's method of that name; every failure becomes one `SlackError`."""
        return call_api(self.client, method, **arguments)

    # Messages ---------------------------------------------------------------------------

    def post(self, channel: str, message: Message, **options: Any) -> Posted:
        response = self.call("chat.postMessage", channel=channel, **message.as_kwargs(), **options)
        return Posted(str(response.get("channel") or channel), str(response["ts"]))

    def post_once(
        self,
        key: str,
        channel: str,
        message: Message,
        *,
        case_id: int | None = None,
        record: Callable[[Session, str], object] | None = None,
    ) -> str:
        """Post unless the ledger says ``key`` went already; recorded as soon as Slack
        confirms, so a retried step never posts twice. Returns the message's ts.

        The message carries Slack `metadata` naming ``key`` (`post_metadata`), so a post
        whose answer was lost after Slack acted (a timeout, a dropped connection, a 5xx) can
        be found again: before posting, an attempt is written down (`PostAttempt`), and it is
        removed once the ts is in the ledger or Slack refused the post outright. Only when
        an earlier attempt was left in doubt does the next one read the channel's history
        since that attempt for the bot's own message carrying ``key`` and adopt it rather
        than post again. Looking only then keeps the ordinary post at one Slack call (no
        `conversations.history`, nor `conversations.open` for a DM, on every message), and
        the attempt, being in the database, is still there after a crash or restart.

        ``record(session, ts)`` keeps what the caller needs of the message (a card's ts on its
        case) in the transaction that writes the ledger, or that finds it there: the two
        never disagree, and it costs no transaction of its own."""

        def kept(session: Session, went: dict[str, str], _finished: bool) -> None:
            if record is not None and key in went:
                record(session, went[key])

        posted = self.post_each_once([OnePost(key, channel, message)], case_id=case_id, record=kept)
        return posted[key]

    def post_each_once(
        self,
        posts: Sequence[OnePost],
        *,
        case_id: int | None = None,
        refused: Callable[[OnePost, SlackError], object] | None = None,
        record: Record | None = None,
        before: Callable[[Session], object] | None = None,
        side_by_side: bool = False,
    ) -> dict[str, str]:
        """`post_once` for several messages (a set-up's card and DMs): the ledger is read and the
        attempts written down in one transaction before the first post, and what went is
        recorded in one after the last (or as soon as one fails). A post Slack refuses for
        good is given to ``refused``, and the rest still go; without ``refused`` it is
        raised, like a failure worth retrying always is. Returns the ts of each message
        that is in Slack now, by key; ``record(session, ts by key, finished)`` is given them
        in the transactions that read or write them in the ledger (as `post_once`'s), and is
        told in the last whether every post went or was refused for good (``finished``: a
        set-up complete), so that the caller writes what follows from them in one go.

        ``before(session)`` writes what the caller's steps before these posts did (a channel
        made) in the transaction that writes down their attempts: no Slack call comes
        between, so it is one transaction, as is the last ``record`` with the ledger's
        entries. A post's ``then`` (a pin) runs between it and the next post.

        ``side_by_side``: the posts with a ``then`` (a card to pin) go first, in order, and
        the others (DMs, each to its own person) then go side by side, up to `SIDE_BY_SIDE`
        at once, each conversation's in order: against Slack's round trips a set-up's DMs
        take one post's time rather than one each. A failure worth retrying in one of them
        is raised once the others in flight have ended and been recorded."""
        begun = self._attempts(posts, record, before)
        batch = _Batch(begun)
        finished = False
        try:
            first, rest = _in_order_then_side_by_side(posts, side_by_side)
            self._post_lane(first, batch, case_id, refused)
            lanes = [
                _POSTERS.submit(self._post_lane, lane, batch, case_id, refused) for lane in rest
            ]
            failures = [exc for lane in lanes if (exc := lane.exception()) is not None]
            if failures:
                raise failures[0]
            finished = True
        finally:
            # the attempts written for posts not reached were never in doubt
            batch.forget += [
                key for key, state in begun.items() if state is None and key not in batch.tried
            ]
            # on record in the batch's order, whichever went first
            order = dict.fromkeys(post.key for post in posts)
            went = {key: batch.went[key] for key in order if key in batch.went}
            self._settle(went, batch.forget, case_id, record, finished=finished)
        earlier = {key: state.ts for key, state in begun.items() if isinstance(state, Posted)}
        return {**earlier, **{key: posted.ts for key, posted in went.items()}}

    def _post_lane(
        self,
        lane: Sequence[OnePost],
        batch: _Batch,
        case_id: int | None,
        refused: Callable[[OnePost, SlackError], object] | None,
    ) -> None:
        """The posts of one lane of a batch, in order (each with its ``then``); a failure
        worth retrying, or one with nobody to give it to, ends the lane, leaving its posts
        not reached to a later attempt."""
        for post in lane:
            batch.tried.add(post.key)
            state = batch.begun[post.key]
            landed = state if isinstance(state, Posted) else None
            if isinstance(state, datetime):  # an attempt left in doubt
                landed = self._find_own_post(post.key, post.channel, since=state)
                if landed is not None:
                    log.info("case %s: %s adopted from Slack", case_id, post.short_key)
                    batch.went[post.key] = landed
            if landed is None:
                try:
                    landed = batch.went[post.key] = self._post_in_turn(post)
                except SlackError as exc:
                    if exc.retryable:
                        raise
                    batch.forget.append(post.key)  # Slack answered no: nothing was posted
                    if refused is None:
                        raise
                    refused(post, exc)
                    continue
            if post.then is not None:
                post.then(landed)

    def _post_in_turn(self, post: OnePost) -> Posted:
        def send() -> Posted:
            return self.post(post.channel, post.message, metadata=post_metadata(post.key))

        return send() if self.turns is None else self.turns.post(post.channel, send, self.clock)

    def _attempts(
        self,
        posts: Sequence[OnePost],
        record: Record | None = None,
        before: Callable[[Session], object] | None = None,
    ) -> dict[str, Posted | datetime | None]:
        """For each post's key: where it went, if the ledger has it; else when an earlier
        attempt to post it began, if one was left in doubt; otherwise None, and this
        attempt is written down (all in one transaction, after ``before``)."""
        keys = list(dict.fromkeys(post.key for post in posts))
        with self.db.session() as session:
            if before is not None:
                before(session)
            found: dict[str, Posted | datetime | None] = {}
            for key, channel, ts, started_at in _ledger(session, keys):
                if ts is not None:
                    found[key] = Posted(channel, ts)
                else:  # an attempt left in doubt, unless its message is in the ledger
                    found.setdefault(key, started_at)
            now = self.clock.now()
            new = [
                post
                for post in {post.key: post for post in posts}.values()
                if post.key not in found
            ]
            if new:  # one statement for them all
                session.execute(
                    _ATTEMPT, [{"key": p.key, "channel": p.channel, "started_at": now} for p in new]
                )
            found.update((post.key, None) for post in new)
            in_ledger = {k: state.ts for k, state in found.items() if isinstance(state, Posted)}
            if record is not None and in_ledger:
                record(session, in_ledger, False)
        return found

    def _settle(
        self,
        went: dict[str, Posted],
        forget: list[str],
        case_id: int | None,
        record: Record | None = None,
        *,
        finished: bool,
    ) -> None:
        """Record what went in the ledger (and, with ``record``, on the caller's rows, told
        whether the batch ``finished``) and drop the attempts that are settled."""
        told = record is not None and (bool(went) or finished)
        if not went and not forget and not told:
            return
        with self.db.session() as session:
            now = self.clock.now()
            if went:
                session.execute(
                    _SENT,
                    [
                        {
                            "key": k,
                            "case_id": case_id,
                            "channel": p.channel,
                            "ts": p.ts,
                            "sent_at": now,
                        }
                        for k, p in went.items()
                    ],
                )
            if went or forget:
                session.execute(_SETTLED, {"keys": [*went, *forget]})
            if record is not None and told:
                record(session, {key: posted.ts for key, posted in went.items()}, finished)

    def _find_own_post(self, key: str, channel: str, *, since: datetime) -> Posted | None:
        """The bot's message carrying ``key`` in ``channel``'s history since ``since`` (less
        a margin for the two clocks), reading at most `ADOPT_PAGES` pages. A user id is
        read as the bot's DM with that user (`conversations.open` gives its id)."""
        conversation = self.dm_channel(channel) if channel[:1] in ("U", "W") else channel
        oldest = f"{(since - ADOPT_MARGIN).timestamp():.6f}"
        cursor = None
        for _ in range(ADOPT_PAGES):
            page = self.call(
                "conversations.history",
                channel=conversation,
                oldest=oldest,
                limit=ADOPT_PAGE_SIZE,
                include_all_metadata=True,
                cursor=cursor,
            )
            for found in page.get("messages") or []:
                if _carries(found, key):
                    return Posted(conversation, str(found["ts"]))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    def try_post_once(
        self, key: str, channel: str, message: Message, *, case_id: int | None = None
    ) -> bool:
        """`post_once` for a message whose news is stored already: when Slack fails, the
        failure is logged (Slack's code, never the message) and False returned, for a later
        step to catch up."""
        try:
            self.post_once(key, channel, message, case_id=case_id)
        except SlackError as exc:
            log.warning(
                "case %s: %s not posted yet (%s)", case_id, key.rsplit(":", 1)[-1], exc.code
            )
            return False
        return True

    def sent(self, key: str) -> Posted | None:
        """Where the message posted once under ``key`` is, if it went."""
        with self.db.reading() as session:
            row = session.scalar(select(SentMessage).where(SentMessage.key == key))
            return None if row is None else Posted(row.channel, row.ts)

    def sent_under(self, prefix: str) -> list[Posted]:
        """Where the messages posted once under keys starting with ``prefix`` are."""
        with self.db.reading() as session:
            rows = session.scalars(select(SentMessage).where(SentMessage.key.startswith(prefix)))
            return [Posted(row.channel, row.ts) for row in rows]

    def update(self, channel: str, ts: str, message: Message) -> None:
        self.call("chat.update", channel=channel, ts=ts, **message.as_kwargs())

    def try_update(self, channel: str, ts: str, message: Message) -> bool:
        """`update`, or (when Slack fails) a log line and False: a later step redraws it."""
        try:
            self.update(channel, ts, message)
        except SlackError as exc:
            log.warning("message %s not updated (%s)", ts, exc.code)
            return False
        return True

    def ephemeral(self, channel: str, user: str, text: str) -> None:
        self.call("chat.postEphemeral", channel=channel, user=user, text=text)

    def respond(self, response_url: str | None, user: str, text: str) -> None:
        """Answer ``user`` only: through the request's response_url when Slack gave one
        (usable after the request's own answer), else in their DM."""
        if not response_url:
            self.call("chat.postMessage", channel=user, text=text)
            return
        try:
            response = WebhookClient(response_url).send(
                text=text, response_type="ephemeral", replace_original=False
            )
        except (SlackClientError, OSError) as exc:
            raise _as_error("response_url", exc) from None
        if response.status_code != 200:
            code = f"http_{response.status_code}"
            raise SlackError("response_url", code, retryable=response.status_code >= 500)

    def dm_channel(self, user: str) -> str:
        """The id of the bot's DM with ``user`` (needed to upload a file into it)."""
        return str(self.call("conversations.open", users=user)["channel"]["id"])

    def history(self, channel: str, *, oldest: str | None = None, limit: int = 100) -> list[Any]:
        response = self.call("conversations.history", channel=channel, oldest=oldest, limit=limit)
        return list(response.get("messages") or [])

    # Views ------------------------------------------------------------------------------

    def open_view(self, trigger_id: str, view: View) -> None:
        self.call("views.open", trigger_id=trigger_id, view=view.to_dict())

    def update_view(self, view_id: str, view: View, *, hash_: str | None = None) -> None:
        self.call("views.update", view_id=view_id, view=view.to_dict(), hash=hash_)

    def publish_home(self, user: str, view: View) -> None:
        self.call("views.publish", user_id=user, view=view.to_dict())

    # Files ------------------------------------------------------------------------------

    def upload(
        self,
        channel: str,
        *,
        filename: str,
        content: str | bytes,
        title: str | None = None,
        comment: str | None = None,
    ) -> str:
        """Share a file in a channel or DM (Slack's three-step upload); returns its id."""
        response = self.call(
            "files.upload_v2",
            channel=channel,
            filename=filename,
            title=title or filename,
            content=content,
            initial_comment=comment,
        )
        files = response.get("files") or [response.get("file") or {}]
        return str(files[0].get("id", ""))

    def upload_files(
        self, channel: str, *, files: Sequence[tuple[str, str | bytes]], comment: str | None = None
    ) -> list[str]:
        """Share several files in one message (``files``: name and content); their ids."""
        response = self.call(
            "files.upload_v2",
            channel=channel,
            initial_comment=comment,
            file_uploads=[
                {"content": content, "filename": name, "title": name} for name, content in files
            ],
        )
        return [str(f.get("id", "")) for f in response.get("files") or []]

    def file_info(self, file_id: str) -> dict[str, Any]:
        return dict(self.call("files.info", file=file_id)["file"])

    # People -----------------------------------------------------------------------------

    def user(self, user: str) -> dict[str, Any]:
        return dict(self.call("users.info", user=user)["user"])

    def user_by_email(self, email: str) -> dict[str, Any]:
        return dict(self.call("users.lookupByEmail", email=email)["user"])

    # Channels ---------------------------------------------------------------------------

    def create_private_channel(self, name: str, *, adopt: bool) -> dict[str, Any] | None:
        """Create ``name`` as a private channel. When the name is taken, a channel of that
        name the bot is already in is adopted if ``adopt`` (a create whose answer was lost);
        otherwise None: the caller tries another name."""
        try:
            return dict(self.call("conversations.create", name=name, is_private=True)["channel"])
        except SlackError as exc:
            if exc.code != "name_taken":
                raise
        return self._own_channel_named(name) if adopt else None

    def _own_channel_named(self, name: str) -> dict[str, Any] | None:
        cursor = None
        while True:
            page = self.call(
                "users.conversations",
                types="private_channel",
                exclude_archived=True,
                limit=200,
                cursor=cursor,
            )
            for channel in page.get("channels") or []:
                if channel.get("name") == name:
                    return dict(channel)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    def invite(self, channel: str, users: Sequence[str]) -> Invited:
        """Invite in batches of 100. When Slack refuses a batch because of one person, the
        rest of it are invited one by one; those who cannot be added are reported with
        Slack's reason, and the others are in."""
        added: list[str] = []
        refused: dict[str, str] = {}
        for start in range(0, len(users), INVITE_BATCH):
            batch = list(users[start : start + INVITE_BATCH])
            try:
                self._invite(channel, batch)
                added += batch
                continue
            except SlackError as exc:
                if exc.code not in CANNOT_INVITE and exc.code not in HARMLESS:
                    raise
            for user in batch:
                try:
                    self._invite(channel, [user])
                except SlackError as exc:
                    if exc.code not in CANNOT_INVITE:
                        raise
                    refused[user] = exc.code
                    continue
                added.append(user)
        return Invited(added, refused)

    def _invite(self, channel: str, users: Iterable[str]) -> None:
        try:
            self.call("conversations.invite", channel=channel, users=",".join(users))
        except SlackError as exc:
            if exc.code not in HARMLESS:
                raise

    def pin(self, channel: str, ts: str) -> None:
        try:
            self.call("pins.add", channel=channel, timestamp=ts)
        except SlackError as exc:
            if exc.code not in HARMLESS:
                raise

    def archive(self, channel: str) -> None:
        try:
            self.call("conversations.archive", channel=channel)
        except SlackError as exc:
            if exc.code != "already_archived":
                raise

    def kick(self, channel: str, user: str) -> None:
        try:
            self.call("conversations.kick", channel=channel, user=user)
        except SlackError as exc:
            if exc.code != "not_in_channel":
                raise

    def rename(self, channel: str, name: str) -> None:
        self.call("conversations.rename", channel=channel, name=name)


_KEYS: BindParameter[str] = bindparam("keys", expanding=True)
_SENT_MESSAGES, _ATTEMPTS = table_of(SentMessage).c, table_of(PostAttempt).c

_LEDGER = union_all(
    select(
        _SENT_MESSAGES.key,
        _SENT_MESSAGES.channel,
        _SENT_MESSAGES.ts,
        type_coerce(null(), UTCDateTime()).label("started_at"),
    ).where(_SENT_MESSAGES.key.in_(_KEYS)),
    select(
        _ATTEMPTS.key,
        _ATTEMPTS.channel,
        type_coerce(null(), String()).label("ts"),
        _ATTEMPTS.started_at,
    ).where(_ATTEMPTS.key.in_(_KEYS)),
)
_ATTEMPT = insert(table_of(PostAttempt))
_SETTLED = delete(table_of(PostAttempt)).where(_ATTEMPTS.key.in_(_KEYS))
_SENT = insert(table_of(SentMessage))
"""The ledger's statements, built once (a set-up runs each twice), on the tables: no ORM
object is made or read of them."""


def _ledger(session: Session, keys: Sequence[str]) -> Result[str, str, str | None, datetime | None]:
    """What the ledger holds of ``keys`` in one statement: each message sent (its channel
    and ts) and each attempt left in doubt (when it began)."""
    return session.execute(_LEDGER, {"keys": list(keys)})


def post_metadata(key: str) -> dict[str, Any]:
    """Slack message metadata naming a post-once message by its ledger key."""
    return {"event_type": POST_ONCE_EVENT, "event_payload": {"key": key}}


def _carries(message: dict[str, Any], key: str) -> bool:
    """Whether ``message`` (from history) is a bot's post-once message for ``key``."""
    metadata = message.get("metadata") or {}
    return (
        bool(message.get("bot_id"))
        and metadata.get("event_type") == POST_ONCE_EVENT
        and (metadata.get("event_payload") or {}).get("key") == key
    )


def _without_none(arguments: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in arguments.items() if v is not None}
