"""Setting up a stored case in Slack: private channel, invitations, pinned card, CPU DMs.

Each step is on record before the next depends on it (a post, its attempt written down
first, is adopted from Slack if its answer was lost), so a retry after Slack fails resumes
where it stopped: never a second channel, card or DM."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.flows.first_month import briefing_dms, dm_not_sent
from bot.gateway import Invited, OnePost, Posted, SlackError, SlackGateway
from bot.runtime import Runtime
from bot.services.referral.opening import (
    SetupState,
    late_referral,
    postpone_setup,
    record_card,
    record_channel,
    record_invited,
    setup_state,
)
from bot.views.cases import case_card_message
from bot.views.referral import (
    NotInvited,
    case_ready,
    members_not_invited,
    opening_late,
    opening_late_for_business_unit,
    referral_arrived,
    setup_pending,
)

log = logging.getLogger(__name__)

MAX_NAME_ATTEMPTS = 20


class ChannelNameUnavailableError(RuntimeError):
    def __init__(self, base: str) -> None:
        super().__init__(f"no free channel name for {base} after {MAX_NAME_ATTEMPTS} tries")


@dataclass(frozen=True)
class SetupResult:
    case_id: int
    complete: bool
    error: str | None = None


class CaseSetup:
    """The set-up reads the case once (with the card it is to post) and carries what each
    step records forward, rather than reading the case again at every step."""

    def __init__(self, runtime: Runtime, slack: SlackGateway) -> None:
        self.runtime = runtime
        self.db = runtime.db
        self.clock = runtime.clock
        self.slack = slack

    def run(
        self,
        case_id: int,
        *,
        ending: Callable[[Session], object] | None = None,
        resumed: bool = False,
    ) -> SetupResult:
        """Run by the outbox's case set-up job, whose lease makes it the only run of this
        case's set-up until it ends or its drainer is gone; ``ending(session)`` finishes
        that job in the transaction that records the set-up complete. ``resumed``: the job
        ran before, maybe as far as a channel Slack made and the database never heard of
        (its drainer gone with the database), which is then adopted, not made again."""
        made: tuple[str, str] | None = None  # a channel made, its record yet to come
        try:
            state = self.load(case_id)
            if state.complete:
                return SetupResult(case_id, complete=True)
            if resumed:
                state = replace(state, tried_before=True)
            state = self._ensure_channel(state)
            made = state.channel_made
            invited = _invite(self.slack, state)
            self._post_card_and_tell(case_id, state, invited, ending)
        except (SlackError, ChannelNameUnavailableError) as exc:
            code = exc.code if isinstance(exc, SlackError) else type(exc).__name__
            self._postpone(case_id, code, made)
            return SetupResult(case_id, complete=False, error=code)
        except BaseException:
            self._postpone(case_id, "internal_error", made)
            raise
        return SetupResult(case_id, complete=True)

    def load(self, case_id: int) -> SetupState:
        cal = self.runtime.working_calendar()
        return setup_state(self.db, case_id, card_on=(cal.london_date(self.clock.now()), cal))

    def _postpone(self, case_id: int, code: str, made: tuple[str, str] | None = None) -> None:
        postpone_setup(self.db, case_id, code, self.clock.now(), made)
        state = setup_state(self.db, case_id)
        log.warning("set-up of case %s postponed after Slack error %s", state.reference, code)
        try:
            self.slack.post_once(
                f"case:{case_id}:setup-pending",
                state.referrer,
                setup_pending(state.reference),
                case_id=case_id,
            )
        except SlackError as exc:
            log.info("could not tell the referrer of %s yet (%s)", state.reference, exc.code)

    def _ensure_channel(self, state: SetupState) -> SetupState:
        """The case's private channel, named from its reference, created exactly once: a
        create whose answer was lost is adopted on retry, a name taken by another channel
        moves on to the next free one. It is recorded with the card's attempt, the next
        transaction (`SetupState.channel_made`)."""
        if state.channel_id:
            return state
        base = state.reference.lower()
        for attempt in range(MAX_NAME_ATTEMPTS):
            name = base if attempt == 0 else f"{base}-{attempt + 1}"
            channel = self.slack.create_private_channel(name, adopt=state.tried_before)
            if channel is not None:
                made = (str(channel["id"]), str(channel["name"]))
                return replace(state, channel_id=made[0], channel_made=made)
        raise ChannelNameUnavailableError(base)

    def _post_card_and_tell(
        self,
        case_id: int,
        state: SetupState,
        invited: Invited | None = None,
        ending: Callable[[Session], object] | None = None,
    ) -> None:
        """The card posted and pinned, then the CPU told, the agencies involved from the
        start briefed, and the referrer led into the channel (by their own DM when nothing
        else reaches them), in one batch of posts: the channel just made and who was just
        ``invited`` are recorded with their attempts (an invitation is harmless to repeat,
        should that transaction never come, and the channel is adopted), and the card's ts
        and pin with their ledger entries, as is the set-up complete (ending its job) once
        every post went. A DM Slack refuses for good (a deactivated account) is logged and
        the rest go, so one person Slack cannot reach does not hold up the case; the card
        refused, or Slack not answering, is retried. Who Slack would not add is recorded,
        and told to the business unit, before the batch."""
        channel = state.channel_id
        assert channel is not None
        card_key = f"case:{case_id}:card"
        made = state.channel_made
        pin = {"done": state.card_pinned, "recorded": state.card_pinned}

        def pinned_since() -> bool:
            """Whether the card was pinned since its pin was last recorded."""
            since = pin["done"] and not pin["recorded"]
            pin["recorded"] = pin["done"]
            return since

        def record_setup_steps(session: Session) -> None:
            now = self.clock.now()
            if made is not None:
                record_channel(session, case_id, *made, now)
            if invited is not None:
                record_invited(session, case_id, invited.added, now, invited.refused)
            record_card(session, case_id, now, pinned=pinned_since())

        def pin_card(card: Posted) -> None:
            if not pin["done"]:
                self.slack.pin(card.channel, card.ts)
                pin["done"] = True

        if invited is not None and invited.refused:
            with self.db.session() as session:
                record_setup_steps(session)
            _tell_business_unit(self.slack, state, case_id, invited.refused)
            made = invited = None
        posts = []
        if state.card_ts is None:
            card = state.card or self.load(case_id).card
            assert card is not None
            # posted once: a post whose answer was lost is found and adopted, not doubled
            posts.append(OnePost(card_key, channel, case_card_message(card), then=pin_card))
        else:
            pin_card(Posted(channel, state.card_ts))
        posts += _told_of_referral(case_id, state)

        def refused(post: OnePost, exc: SlackError) -> None:
            if post.key == card_key:
                raise exc
            dm_not_sent(post, exc)

        def record(session: Session, sent: dict[str, str], finished: bool) -> None:
            now, ts = self.clock.now(), sent.get(card_key)
            record_card(session, case_id, now, ts=ts, pinned=pinned_since(), complete=finished)
            if finished and ending is not None:
                ending(session)

        self.slack.post_each_once(
            posts,
            case_id=case_id,
            refused=refused,
            record=record,
            before=record_setup_steps,
            side_by_side=True,
        )


def _told_of_referral(case_id: int, state: SetupState) -> list[OnePost]:
    """The set-up's DMs: the CPU's, each agency's briefing, and the referrer's own when
    neither reaches them (one message, not two)."""
    channel = state.channel_id
    assert channel is not None
    arrived = referral_arrived(state.reference, state.referring_agency, channel)
    posts = [OnePost(f"case:{case_id}:referral-dm:{user}", user, arrived) for user in state.cpu]
    posts += briefing_dms(state.briefings, channel)
    if all(post.channel != state.referrer for post in posts):
        ready = case_ready(state.reference, channel)
        posts.append(OnePost(f"case:{case_id}:ready:{state.referrer}", state.referrer, ready))
    return posts


def tell_opening_late(runtime: Runtime, slack: SlackGateway, view_id: str, code: str) -> None:
    """A referral whose case could not be opened (the database, a master key missing) and
    that has waited `OPENING_LATE`: its referrer and the business unit told, once each. A
    database that cannot even say so is left to the next attempt."""
    try:
        late = late_referral(runtime.db, view_id, runtime.clock.now())
    except SQLAlchemyError as exc:
        log.info("a late referral could not be looked up (%s)", type(exc).__name__)
        return
    if late is None:
        return
    to_admins = opening_late_for_business_unit(late.referrer, late.received_at, code)
    admins = [
        OnePost(f"referral:{view_id}:late:{user}", user, to_admins)
        for user in late.admins
        if user != late.referrer
    ]
    try:
        # the business unit first: the referrer is told whether anyone was
        told = (
            slack.post_each_once(admins, refused=dm_not_sent, side_by_side=True) if admins else {}
        )
        to_referrer = opening_late(late.received_at, business_unit_told=bool(told))
        key = f"referral:{view_id}:late:{late.referrer}"
        slack.post_each_once([OnePost(key, late.referrer, to_referrer)], refused=dm_not_sent)
    except SlackError as exc:
        log.info("could not tell of a late referral yet (%s)", exc.code)


def invite_members(
    runtime: Runtime, slack: SlackGateway, case_id: int, state: SetupState | None = None
) -> SetupState:
    """Invite every case member not yet in the channel (also for people added later). Who
    Slack will not add (a guest, a deactivated account) is left out, the rest go in, and the
    business unit is told once who was left out and why. ``state``: the set-up's, when it
    has just read the case."""
    state = state or setup_state(runtime.db, case_id)
    invited = _invite(slack, state)
    if invited is None:
        return state
    with runtime.db.session() as session:
        record_invited(session, case_id, invited.added, runtime.clock.now(), invited.refused)
    if invited.refused:
        _tell_business_unit(slack, state, case_id, invited.refused)
    return replace(state, uninvited=[u for u in state.uninvited if u not in invited.added])


def _invite(slack: SlackGateway, state: SetupState) -> Invited | None:
    """Slack's side of `invite_members`; None when everyone is in the channel already."""
    assert state.channel_id is not None
    return slack.invite(state.channel_id, state.uninvited) if state.uninvited else None


BECAUSE: dict[str, NotInvited] = {
    "user_not_found": NotInvited.NOT_FOUND,
    "users_not_found": NotInvited.NOT_FOUND,
    "org_user_not_in_team": NotInvited.NOT_FOUND,
    "user_is_deactivated": NotInvited.DEACTIVATED,
    "account_inactive": NotInvited.DEACTIVATED,
    "user_disabled": NotInvited.DEACTIVATED,
    "user_is_restricted": NotInvited.GUEST,
    "user_is_ultra_restricted": NotInvited.RESTRICTED,
    "ura_max_channels": NotInvited.RESTRICTED,
}
"""What Slack's refusal of one invitee (conversations.invite's error codes) says about them."""

ASK_THE_ACCOUNT = frozenset({"cant_invite", "user_is_restricted"})
"""Refusals that do not say enough: `cant_invite` is also what a deactivated account gets,
and `user_is_restricted` does not tell a multi-channel guest from a single-channel one."""


def _tell_business_unit(
    slack: SlackGateway, state: SetupState, case_id: int, refused: Mapping[str, str]
) -> None:
    """One DM to each business unit member per set of people left out, keyed by that set,
    so a retried set-up does not say it again."""
    assert state.channel_id is not None
    for user, code in sorted(refused.items()):
        log.warning("case %s: user %s cannot be invited (%s)", state.reference, user, code)
    people = {user: _why_not_invited(slack, user, code) for user, code in sorted(refused.items())}
    message = members_not_invited(state.reference, state.channel_id, people)
    left_out = hashlib.sha256(",".join(sorted(refused)).encode()).hexdigest()[:16]
    posts = [
        OnePost(f"case:{case_id}:not-invited:{left_out}:{admin}", admin, message)
        for admin in state.admins
        if admin not in refused
    ]
    slack.post_each_once(posts, case_id=case_id, refused=dm_not_sent, side_by_side=True)


def _why_not_invited(slack: SlackGateway, user: str, code: str) -> NotInvited:
    reason = BECAUSE.get(code, NotInvited.REFUSED)
    if code not in ASK_THE_ACCOUNT:
        return reason
    try:
        account = slack.user(user)
    except SlackError as exc:
        return NotInvited.NOT_FOUND if exc.code == "user_not_found" else reason
    if account.get("deleted"):
        return NotInvited.DEACTIVATED
    if account.get("is_ultra_restricted"):
        return NotInvited.RESTRICTED
    if account.get("is_restricted"):
        return NotInvited.GUEST
    return reason
