"""Setting up a stored case in Slack: private channel, invitations, pinned card, CPU DMs.

Each step records its result before the next begins, so a retry after Slack fails resumes
where it stopped: never a second channel, card or DM."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.flows.cases import card_message
from bot.flows.first_month import brief_involved_agencies
from bot.gateway import SlackError, SlackGateway
from bot.runtime import Runtime
from bot.services.referral.opening import (
    claim_setup,
    postpone_setup,
    record_card,
    record_card_pinned,
    record_channel,
    record_invited,
    record_setup_complete,
    setup_state,
)
from bot.views.referral import case_ready, referral_arrived, setup_pending

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
    def __init__(self, runtime: Runtime, slack: SlackGateway) -> None:
        self.runtime = runtime
        self.db = runtime.db
        self.clock = runtime.clock
        self.slack = slack

    def run(self, case_id: int) -> SetupResult:
        if not claim_setup(self.db, case_id, self.clock.now()):
            return SetupResult(case_id, complete=setup_state(self.db, case_id).complete)
        try:
            self._ensure_channel(case_id)
            invite_members(self.runtime, self.slack, case_id)
            self._post_and_pin_card(case_id)
            self._tell_cpu_and_referrer(case_id)
            brief_involved_agencies(self.db, self.slack, case_id)
        except (SlackError, ChannelNameUnavailableError) as exc:
            code = exc.code if isinstance(exc, SlackError) else type(exc).__name__
            self._postpone(case_id, code)
            return SetupResult(case_id, complete=False, error=code)
        except BaseException:
            self._postpone(case_id, "internal_error")
            raise
        record_setup_complete(self.db, case_id, self.clock.now())
        return SetupResult(case_id, complete=True)

    def _postpone(self, case_id: int, code: str) -> None:
        postpone_setup(self.db, case_id, code, self.clock.now())
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

    def _ensure_channel(self, case_id: int) -> None:
        """The case's private channel, named from its reference, created exactly once: a
        create whose answer was lost is adopted on retry, a name taken by another channel
        moves on to the next free one."""
        state = setup_state(self.db, case_id)
        if state.channel_id:
            return
        base = state.reference.lower()
        for attempt in range(MAX_NAME_ATTEMPTS):
            name = base if attempt == 0 else f"{base}-{attempt + 1}"
            channel = self.slack.create_private_channel(name, adopt=state.tried_before)
            if channel is not None:
                record_channel(self.db, case_id, channel["id"], channel["name"], self.clock.now())
                return
        raise ChannelNameUnavailableError(base)

    def _post_and_pin_card(self, case_id: int) -> None:
        state = setup_state(self.db, case_id)
        assert state.channel_id is not None
        card_ts = state.card_ts
        if card_ts is None:
            card_ts = self.slack.post(state.channel_id, card_message(self.runtime, case_id)).ts
            record_card(self.db, case_id, card_ts)
        if not state.card_pinned:
            self.slack.pin(state.channel_id, card_ts)
            record_card_pinned(self.db, case_id, self.clock.now())

    def _tell_cpu_and_referrer(self, case_id: int) -> None:
        state = setup_state(self.db, case_id)
        channel = state.channel_id
        assert channel is not None
        arrived = referral_arrived(state.reference, state.referring_agency, channel)
        for user in state.cpu:
            self.slack.post_once(
                f"case:{case_id}:referral-dm:{user}", user, arrived, case_id=case_id
            )
        self.slack.post_once(
            f"case:{case_id}:ready:{state.referrer}",
            state.referrer,
            case_ready(state.reference, channel),
            case_id=case_id,
        )


def invite_members(runtime: Runtime, slack: SlackGateway, case_id: int) -> None:
    """Invite every case member not yet in the channel (also for people added later); who
    cannot be invited (a deactivated account) is logged and left out."""
    state = setup_state(runtime.db, case_id)
    assert state.channel_id is not None
    if not state.uninvited:
        return
    invited = slack.invite(state.channel_id, state.uninvited)
    for user, code in invited.refused.items():
        log.warning("user %s cannot be invited (%s)", user, code)
    record_invited(runtime.db, case_id, invited.added, runtime.clock.now())
