"""Setting up a stored case in Slack: private channel, invitations, pinned card, CPU DMs.

Each step records its result before the next begins, so a retry after Slack fails resumes
where it stopped: never a second channel, card or DM."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import or_, select, update

from bot.clock import Clock
from bot.flows.case_channel import ChannelNameUnavailableError, ensure_case_channel
from bot.flows.first_month import brief_involved_agencies
from bot.flows.sent_once import post_once
from bot.gateway import SlackError
from bot.services import audit
from bot.services.cases import load_case
from bot.services.partnership import Role, users_with_role
from bot.views import messages
from bot.views.case_card import CaseCard, case_card_blocks, case_card_text
from storage.db import Database
from storage.models import Case, CaseMember

log = logging.getLogger(__name__)

INVITE_BATCH = 100
LEASE = timedelta(minutes=5)
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))

CardBuilder = Callable[[int], CaseCard]


@dataclass(frozen=True)
class SetupResult:
    case_id: int
    complete: bool
    error: str | None = None


def claim_setup(db: Database, case_id: int, now: datetime) -> bool:
    """Take the case's set-up for LEASE; a crashed holder's lease simply runs out."""
    with db.session() as session:
        result = session.execute(
            update(Case)
            .where(
                Case.id == case_id,
                or_(
                    Case.setup_status == "pending",
                    (Case.setup_status == "running") & (Case.setup_retry_at <= now),
                ),
                or_(Case.setup_retry_at.is_(None), Case.setup_retry_at <= now),
            )
            .values(setup_status="running", setup_retry_at=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def setups_due(db: Database, now: datetime) -> list[int]:
    with db.session() as session:
        return list(
            session.scalars(
                select(Case.id)
                .where(
                    Case.setup_status.in_(("pending", "running")),
                    or_(Case.setup_retry_at.is_(None), Case.setup_retry_at <= now),
                )
                .order_by(Case.id)
            )
        )


class CaseSetup:
    def __init__(
        self, db: Database, client: WebClient, clock: Clock, build_card: CardBuilder
    ) -> None:
        self.db = db
        self.client = client
        self.clock = clock
        self.build_card = build_card

    def run(self, case_id: int) -> SetupResult:
        now = self.clock.now()
        if not claim_setup(self.db, case_id, now):
            return SetupResult(case_id, complete=self._is_complete(case_id))
        try:
            ensure_case_channel(self.db, self.client, self.clock, case_id)
            self.invite_members(case_id)
            self._post_and_pin_card(case_id)
            self._notify_cpu(case_id)
            self._tell_referrer(case_id)
            brief_involved_agencies(self.db, self.client, self.clock, case_id)
        except (
            SlackApiError,
            SlackClientError,
            SlackError,
            OSError,
            ChannelNameUnavailableError,
        ) as exc:
            code = _error_code(exc)
            self._postpone(case_id, code)
            return SetupResult(case_id, complete=False, error=code)
        except BaseException:
            self._postpone(case_id, "internal_error")
            raise
        with self.db.session() as session:
            case = load_case(session, case_id)
            case.setup_status, case.setup_retry_at, case.setup_last_error = "complete", None, None
            audit.record(
                session,
                at=self.clock.now(),
                actor="bot",
                action="case.setup_complete",
                case_id=case_id,
            )
        return SetupResult(case_id, complete=True)

    def _is_complete(self, case_id: int) -> bool:
        with self.db.session() as session:
            return load_case(session, case_id).setup_status == "complete"

    def _postpone(self, case_id: int, code: str) -> None:
        now = self.clock.now()
        with self.db.session() as session:
            case = load_case(session, case_id)
            case.setup_attempts += 1
            wait = BACKOFF[min(case.setup_attempts, len(BACKOFF)) - 1]
            case.setup_status, case.setup_retry_at, case.setup_last_error = (
                "pending",
                now + wait,
                code,
            )
            audit.record(
                session,
                at=now,
                actor="bot",
                action="case.setup_postponed",
                case_id=case_id,
                error=code,
                attempt=case.setup_attempts,
            )
            reference, referrer = case.reference, case.referred_by
        log.warning("set-up of case %s postponed after Slack error %s", reference, code)
        try:
            post_once(
                self.db,
                self.client,
                key=f"case:{case_id}:setup-pending",
                channel=referrer,
                message=messages.setup_pending(reference),
                now=now,
                case_id=case_id,
            )
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.info("could not tell the referrer of %s yet (%s)", reference, _error_code(exc))

    def invite_members(self, case_id: int) -> None:
        """Invite every case member not yet in the channel (also for people added later)."""
        with self.db.session() as session:
            case = load_case(session, case_id)
            channel = case.channel_id
            pending = [m.slack_user_id for m in case.members if m.invited_at is None]
        assert channel is not None
        for start in range(0, len(pending), INVITE_BATCH):
            batch = pending[start : start + INVITE_BATCH]
            invited = self._invite_batch(channel, batch)
            with self.db.session() as session:
                now = self.clock.now()
                rows = session.scalars(
                    select(CaseMember).where(
                        CaseMember.case_id == case_id, CaseMember.slack_user_id.in_(invited)
                    )
                )
                for row in rows:
                    row.invited_at = now
                audit.record(
                    session,
                    at=now,
                    actor="bot",
                    action="case.members_invited",
                    case_id=case_id,
                    users=sorted(invited),
                )

    def _invite_batch(self, channel: str, users: list[str]) -> list[str]:
        """Invite; when Slack refuses the batch for one user, invite the rest one by one."""
        try:
            self.client.conversations_invite(channel=channel, users=",".join(users))
            return users
        except SlackApiError as exc:
            if exc.response.get("error") not in {
                "already_in_channel",
                "user_not_found",
                "cant_invite_self",
                "user_is_deactivated",
            }:
                raise
        done: list[str] = []
        for user in users:
            try:
                self.client.conversations_invite(channel=channel, users=user)
            except SlackApiError as exc:
                code = exc.response.get("error")
                if code not in {"already_in_channel", "cant_invite_self"}:
                    if code in {"user_not_found", "user_is_deactivated"}:
                        log.warning("user %s cannot be invited (%s)", user, code)
                        continue
                    raise
            done.append(user)
        return done

    def _post_and_pin_card(self, case_id: int) -> None:
        with self.db.session() as session:
            case = load_case(session, case_id)
            channel, card_ts, pinned = case.channel_id, case.card_ts, case.card_pinned
        assert channel is not None
        if card_ts is None:
            card = self.build_card(case_id)
            response = self.client.chat_postMessage(
                channel=channel,
                text=case_card_text(card),
                blocks=[b.to_dict() for b in case_card_blocks(card)],
            )
            card_ts = str(response["ts"])
            with self.db.session() as session:
                load_case(session, case_id).card_ts = card_ts
        if not pinned:
            try:
                self.client.pins_add(channel=channel, timestamp=card_ts)
            except SlackApiError as exc:
                if exc.response.get("error") != "already_pinned":
                    raise
            with self.db.session() as session:
                load_case(session, case_id).card_pinned = True
                audit.record(
                    session,
                    at=self.clock.now(),
                    actor="bot",
                    action="case.card_pinned",
                    case_id=case_id,
                )

    def _notify_cpu(self, case_id: int) -> None:
        with self.db.session() as session:
            case = load_case(session, case_id)
            reference, agency, channel = case.reference, case.referring_agency.name, case.channel_id
            cpu = users_with_role(session, Role.CPU)
        assert channel is not None
        for user in cpu:
            post_once(
                self.db,
                self.client,
                key=f"case:{case_id}:referral-dm:{user}",
                channel=user,
                message=messages.referral_arrived(reference, agency, channel),
                now=self.clock.now(),
                case_id=case_id,
            )

    def _tell_referrer(self, case_id: int) -> None:
        with self.db.session() as session:
            case = load_case(session, case_id)
            reference, referrer, channel = case.reference, case.referred_by, case.channel_id
        assert channel is not None
        post_once(
            self.db,
            self.client,
            key=f"case:{case_id}:ready:{referrer}",
            channel=referrer,
            message=messages.case_ready(reference, channel),
            now=self.clock.now(),
            case_id=case_id,
        )


def _error_code(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or f"http_{exc.response.status_code}")
    if isinstance(exc, SlackError):
        return exc.code
    return type(exc).__name__
