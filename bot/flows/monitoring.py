"""Monitoring in Slack: telling owners what they own, the Board's round summaries with the
pro forma files, the sign-off and archive, and the worker's monitoring pass.

A DM that must go once goes through the sent-message ledger, a round summary through its
claimed row, so a retry after Slack fails neither loses nor repeats it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.flows.card_refresh import refresh_card
from bot.flows.round_summaries import send_summary
from bot.flows.sent_once import post_once
from bot.runtime import Runtime
from bot.services import owner_changes as departures
from bot.services import progress_returns as returns
from bot.services import round_summary as summaries
from bot.services.action_plan import owner_of
from bot.services.engine import EngineContext
from bot.services.owner_changes import LeftVia, Reassignment
from bot.services.partnership import Role, users_with_role
from bot.services.sign_off import archive_failed, archive_pending, mark_archived
from bot.views.messages import Message
from bot.views.plan_list import nobody_left_message, owner_assigned_message, reassigned_message
from bot.views.progress import signed_off_message
from storage.models import Agency, Case, CaseSignOff, Recommendation

log = logging.getLogger(__name__)

SLACK_TROUBLE = (SlackApiError, SlackClientError, OSError)
GONE = frozenset({"user_not_found", "account_inactive", "user_disabled"})


def context(runtime: Runtime, session: Session) -> EngineContext:
    return EngineContext(session, runtime.working_calendar(), runtime.clock.now())


def post_once_quietly(
    runtime: Runtime, client: WebClient, key: str, channel: str, message: Message, case_id: int
) -> bool:
    """Post once (the ledger's ``key``); a Slack failure is logged, not raised: the change
    it tells of is stored already."""
    try:
        post_once(
            runtime.db,
            client,
            key=key,
            channel=channel,
            message=message,
            now=runtime.clock.now(),
            case_id=case_id,
        )
    except SLACK_TROUBLE as exc:
        log.warning("a message about case %s was not sent: %s", case_id, type(exc).__name__)
        return False
    return True


def tell_owners(runtime: Runtime, client: WebClient, rec_ids: Iterable[int]) -> int:
    """DM each owner, once, which of these recommendations are theirs (one DM per owner and
    case, however many recommendations)."""
    owned: dict[tuple[str, int], list[tuple[int, int, str, date | None]]] = {}
    references: dict[int, str] = {}
    with runtime.db.session() as session:
        ctx = context(runtime, session)
        for rec_id in rec_ids:
            rec = session.get(Recommendation, rec_id)
            case = session.get(Case, rec.case_id) if rec is not None else None
            agency = session.get(Agency, rec.agency_id) if rec is not None else None
            owner = owner_of(session, rec) if rec is not None else None
            if rec is None or case is None or agency is None or owner is None:
                continue
            references[case.id] = case.reference
            first = _first_due(ctx, case, rec)
            owned.setdefault((owner, case.id), []).append((rec.id, rec.number, agency.name, first))
    sent = 0
    for (owner, case_id), recs in owned.items():
        numbers = [number for _, number, _, _ in recs]
        agencies = list(dict.fromkeys(agency for _, _, agency, _ in recs))
        dues = [due for _, _, _, due in recs if due is not None]
        message = owner_assigned_message(
            references[case_id], numbers, agencies, min(dues) if dues else None
        )
        ids = ",".join(str(rec_id) for rec_id, _, _, _ in recs)
        key = f"rec-owner:{owner}:{hashlib.sha256(ids.encode()).hexdigest()[:24]}"
        sent += post_once_quietly(runtime, client, key, owner, message, case_id)
    return sent


def _first_due(ctx: EngineContext, case: Case, rec: Recommendation) -> date | None:
    tasks = returns.tasks_of(ctx.session, case.id, rec_id=rec.id)
    due = [t.due_at for t in tasks if t.status == "open"]
    return ctx.cal.london_date(min(due)) if due else None


def tell_reassigned(runtime: Runtime, client: WebClient, moved: list[Reassignment]) -> None:
    """The new owner is told; with nobody to take it, the Board business unit is."""
    with runtime.db.session() as session:
        admins = [
            a for a in users_with_role(session, Role.ADMIN) if not departures.has_left(session, a)
        ]
    for change in moved:
        if change.owner is not None:
            message = reassigned_message(
                change.reference, change.number, change.agency, change.previous
            )
            key = f"rec-reassigned:{change.recommendation_id}:{change.previous}:{change.owner}"
            post_once_quietly(runtime, client, key, change.owner, message, change.case_id)
            continue
        message = nobody_left_message(
            change.reference, change.number, change.agency, change.previous
        )
        for admin in admins:
            key = f"rec-orphaned:{change.recommendation_id}:{change.previous}:{admin}"
            post_once_quietly(runtime, client, key, admin, message, change.case_id)
    for case_id in sorted({change.case_id for change in moved}):
        refresh_card(runtime, client, case_id)


def user_has_left(
    runtime: Runtime, client: WebClient, user_id: str, *, via: LeftVia, actor: str
) -> list[Reassignment]:
    """Record the departure and hand their recommendations on (a repeat finds none to move)."""
    with runtime.db.session() as session:
        departures.record_departure(session, user_id, via=via, actor=actor, now=runtime.clock.now())
        moved = departures.reassign_from(context(runtime, session), user_id, actor=actor)
    tell_reassigned(runtime, client, moved)
    return moved


def finish_sign_off(runtime: Runtime, client: WebClient, case_id: int) -> bool:
    """After the sign-off is stored: the notice in the channel, the card, then the archive."""
    with runtime.db.session() as session:
        case = session.get(Case, case_id)
        signed = session.get(CaseSignOff, case_id)
        if case is None or signed is None or case.channel_id is None:
            return False
        channel, reference = case.channel_id, case.reference
        on = runtime.working_calendar().london_date(signed.signed_off_at)
        message = signed_off_message(reference, signed.signed_off_by, on)
    post_once_quietly(runtime, client, f"signed-off:{case_id}", channel, message, case_id)
    refresh_card(runtime, client, case_id)
    return archive_channel(runtime, client, case_id)


def archive_channel(runtime: Runtime, client: WebClient, case_id: int) -> bool:
    with runtime.db.session() as session:
        case = session.get(Case, case_id)
        channel = case.channel_id if case is not None else None
    if channel is None:
        return False
    try:
        client.conversations_archive(channel=channel)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "")
        if error != "already_archived":
            archive_failed(runtime.db, case_id, error or "slack_error")
            return False
    except (SlackClientError, OSError) as exc:
        archive_failed(runtime.db, case_id, type(exc).__name__)
        return False
    mark_archived(runtime.db, case_id, runtime.clock.now())
    return True


@dataclass
class MonitoringReport:
    owners_checked: int = 0
    departures: int = 0
    rounds_opened: int = 0
    summaries_sent: int = 0
    archived: int = 0
    cards: set[int] = field(default_factory=set)


def monitoring_pass(runtime: Runtime, client: WebClient) -> MonitoringReport:
    """The worker's part, in working hours: check the owners about to be nudged, open each
    case's current round (closing the previous one), tell the Board about rounds complete
    or past their deadline, and finish archiving signed-off channels."""
    report = MonitoringReport()
    cal = runtime.working_calendar()
    if not cal.is_working_time(runtime.clock.now()):
        return report
    check_owners(runtime, client, report)
    with runtime.db.session() as session:
        case_ids = [case.id for case in returns.cases_in_monitoring(session)]
    for case_id in case_ids:
        if open_round(runtime, case_id):
            report.rounds_opened += 1
            report.cards.add(case_id)
    with runtime.db.session() as session:
        due = summaries.summaries_due(session, runtime.clock.now())
    for item in due:
        if send_summary(runtime, client, item):
            report.summaries_sent += 1
            report.cards.add(item.case_id)
    with runtime.db.session() as session:
        pending = archive_pending(session)
    for case_id in pending:
        report.archived += archive_channel(runtime, client, case_id)
    for case_id in sorted(report.cards):
        refresh_card(runtime, client, case_id)
    return report


def open_round(runtime: Runtime, case_id: int) -> bool:
    """Open the case's current round if its previous deadline has passed (returns still
    missing from the round before that lapse). False when there is nothing to open, or
    another worker opened it first."""
    try:
        with runtime.db.session() as session:
            ctx = context(runtime, session)
            case = session.get(Case, case_id)
            round_no = returns.current_round(ctx, case) if case is not None else None
            if case is None or round_no is None:
                return False
            if returns.round_row(session, case_id, round_no) is not None:
                return False
            if not returns.open_recommendations(session, case_id):
                return False
            returns.ensure_round(ctx, case, round_no)
            returns.supersede_old_returns(ctx, case, round_no)
            return True
    except IntegrityError:
        return False


def check_owners(runtime: Runtime, client: WebClient, report: MonitoringReport) -> None:
    """Before their nudges go, ask Slack whether the owners are still here."""
    with runtime.db.session() as session:
        people = departures.owners_about_to_be_nudged(session, runtime.clock.now())
    for person in people:
        report.owners_checked += 1
        try:
            user = client.users_info(user=person)["user"]
            gone = bool(user.get("deleted"))
        except SlackApiError as exc:
            gone = str(exc.response.get("error") or "") in GONE
            if not gone:
                log.warning("users.info failed before a nudge: %s", exc.response.get("error"))
                continue
        except (SlackClientError, OSError) as exc:
            log.warning("users.info failed before a nudge: %s", type(exc).__name__)
            return
        if gone:
            report.departures += 1
            user_has_left(runtime, client, person, via=LeftVia.USERS_INFO, actor="bot")
