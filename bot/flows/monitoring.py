"""Monitoring in Slack, through the gateway: telling owners what they own, importing an action
plan from a CSV file, the Board's round summaries with the pro forma files, the sign-off and
archive, owners who leave, and the worker's monitoring pass.

A DM that must go once goes through the sent-message ledger (`SlackGateway.post_once`), a
round summary through its claimed row, so a retry after Slack fails neither loses nor
repeats it. Cells of an imported file are never written to the log.
"""

from __future__ import annotations

import hashlib
import logging
import re
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient

from bot.flows.cases import refresh_card
from bot.flows.documents import case_page_link, keep, kept_in_case_room
from bot.gateway import SlackError, SlackGateway
from bot.runtime import Runtime
from bot.services.cases import guard
from bot.services.cases.documents import DocumentKind, NewDocument, is_kept
from bot.services.monitoring import board, departures, plan_import, rounds
from bot.services.monitoring.departures import LeftVia, Reassignment
from bot.services.monitoring.plan import has_left, owner_of
from bot.services.monitoring.plan_import import MAX_BYTES, PlanRow
from bot.services.monitoring.schema import SLACK_USER, RoundSummary, SummaryKind
from bot.services.refusal import RefusedError
from bot.services.reminders.tasks import EngineContext
from bot.views.messages import Message
from bot.views.monitoring import (
    import_outcome_message,
    interval_set,
    nobody_left_message,
    owner_assigned_message,
    reassigned_message,
    signed_off_message,
    summary_in_case_room,
    summary_text,
)
from storage.models import Agency, Case, CaseSignOff, Recommendation
from storage.states import TaskStatus

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

INFO_TIMEOUT = 1
DOWNLOAD_TIMEOUT = 1.5
"""The file is checked before the modal is answered, inside Slack's 3 seconds."""
NOT_FETCHED = "I could not fetch the file from Slack just now; please upload it again."
NOT_CSV = "Please upload a CSV file (save the spreadsheet as “CSV UTF-8”)."
RETRY_AFTER = timedelta(minutes=5)
LEAVERS_CHECKED_FOR = "partnership_leavers_checked_for"
"""runtime.extra: the partnership (its people) for which no leaver was left on an open case."""


def context(runtime: Runtime, session: Session) -> EngineContext:
    return EngineContext(session, runtime.working_calendar(), runtime.clock.now())


def _post_once(slack: SlackGateway, key: str, channel: str, message: Message, case_id: int) -> bool:
    """Post once (the ledger's ``key``); a Slack failure is logged, not raised: the change
    it tells of is stored already."""
    try:
        slack.post_once(key, channel, message, case_id=case_id)
    except SlackError as exc:
        log.warning("a message about case %s was not sent: %s", case_id, exc.code)
        return False
    return True


# Owners -----------------------------------------------------------------------------------


def tell_owners(runtime: Runtime, slack: SlackGateway, rec_ids: Iterable[int]) -> int:
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
        sent += _post_once(slack, key, owner, message, case_id)
    return sent


def _first_due(ctx: EngineContext, case: Case, rec: Recommendation) -> date | None:
    tasks = rounds.tasks_of(ctx.session, case.id, rec_id=rec.id)
    due = [t.due_at for t in tasks if t.status == TaskStatus.OPEN]
    return ctx.cal.london_date(min(due)) if due else None


def tell_reassigned(runtime: Runtime, slack: SlackGateway, moved: list[Reassignment]) -> None:
    """The new owner is told; with nobody to take it, the Board business unit is."""
    with runtime.db.session() as session:
        admins = board.board_business_unit(session)
    for change in moved:
        if change.owner is not None:
            message = reassigned_message(
                change.reference, change.number, change.agency, change.previous
            )
            key = f"rec-reassigned:{change.recommendation_id}:{change.previous}:{change.owner}"
            _post_once(slack, key, change.owner, message, change.case_id)
            continue
        message = nobody_left_message(
            change.reference, change.number, change.agency, change.previous
        )
        for admin in admins:
            key = f"rec-orphaned:{change.recommendation_id}:{change.previous}:{admin}"
            _post_once(slack, key, admin, message, change.case_id)
    for case_id in sorted({change.case_id for change in moved}):
        refresh_card(runtime, slack.client, case_id)


def saved(runtime: Runtime, slack: SlackGateway, case_id: int, told: list[int]) -> None:
    """After a change to the plan: the owners of ``told`` are told, and the card redrawn."""
    if told:
        tell_owners(runtime, slack, told)
    refresh_card(runtime, slack.client, case_id)


def interval_changed(runtime: Runtime, slack: SlackGateway, change: rounds.IntervalChange) -> None:
    """The case channel hears of the Board's new interval; the card shows the new deadlines."""
    if change.channel is not None and change.due is not None:
        message = interval_set(change.reference, change.months, change.first_round, change.due)
        key = f"case:{change.case_id}:interval:{change.version}"
        slack.try_post_once(key, change.channel, message, case_id=change.case_id)
    refresh_card(runtime, slack.client, change.case_id)


# Importing a plan -------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRequest:
    case_id: int
    actor: str
    view_id: str
    rows: tuple[PlanRow, ...]


def _fetch(runtime: Runtime, slack: SlackGateway, file_id: str) -> bytes | str:
    """The file's bytes, or why they could not be had. The address comes from files.info,
    not from the payload, and the token goes only to Slack's own file host."""
    try:
        info = slack.file_info(file_id)
    except SlackError:
        return NOT_FETCHED
    name = str(info.get("name") or "").lower()
    if info.get("filetype") != "csv" and not name.endswith(".csv"):
        return NOT_CSV
    if int(info.get("size") or 0) > MAX_BYTES:
        return f"The file is larger than {MAX_BYTES // 1000} kB."
    url = urlsplit(str(info.get("url_private_download") or ""))
    api = urlsplit(runtime.settings.slack_api_base_url)
    slack_host = url.scheme == "https" and url.netloc == "files.slack.com"
    if not (slack_host or (url.scheme, url.netloc) == (api.scheme, api.netloc)):
        return NOT_FETCHED
    token = runtime.settings.slack_bot_token.get_secret_value()
    request = urllib.request.Request(url.geturl(), headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:
            return bytes(response.read(MAX_BYTES + 1))
    except (URLError, OSError):
        return NOT_FETCHED


def check_file(
    runtime: Runtime, slack: SlackGateway, case_id: int, file_id: str, *, actor: str
) -> tuple[PlanRow, ...] | list[str]:
    """The file's rows, or every problem found in it (the refusal audited). Slack is given
    little time and no retries here: a slow answer means "try again", not a late
    acknowledgement."""
    client = slack.client
    quick = WebClient(token=client.token, base_url=client.base_url, timeout=INFO_TIMEOUT)
    data = _fetch(runtime, SlackGateway(quick, slack.db, slack.clock), file_id)
    with runtime.db.session() as session:
        if isinstance(data, str):
            problems = [data]
        else:
            parsed = plan_import.parse_for_case(session, runtime.cipher, case_id, data)
            if not parsed.problems:
                return parsed.rows
            problems = [str(p) for p in parsed.problems]
        plan_import.import_refused(
            session, case_id=case_id, actor=actor, now=runtime.clock.now(), problems=len(problems)
        )
    return problems


def _resolve_owners(
    runtime: Runtime, slack: SlackGateway, rows: tuple[PlanRow, ...]
) -> tuple[dict[int, str], list[str]]:
    """Each row's owner as a Slack member id: ids checked with users.info, emails looked up
    with users.lookupByEmail. Returns the ids by row, and the problems found."""
    found: dict[str, str | None] = {}
    owners: dict[int, str] = {}
    problems: list[str] = []
    for row in rows:
        if row.owner not in found:
            found[row.owner] = _lookup(slack, row.owner)
        user_id = found[row.owner]
        if user_id is None:
            problems.append(f"Row {row.line}: the owner is not an active member of this Slack.")
            continue
        with runtime.db.session() as session:
            left = has_left(session, user_id)
        if left:
            problems.append(f"Row {row.line}: the owner has left; choose someone else.")
            continue
        owners[row.line] = user_id
    return owners, problems


def _lookup(slack: SlackGateway, owner: str) -> str | None:
    try:
        by_id = re.fullmatch(SLACK_USER, owner)
        user = slack.user(owner) if by_id else slack.user_by_email(owner)
    except SlackError:
        return None
    if user.get("deleted") or user.get("is_bot"):
        return None
    return str(user["id"])


def finish_import(runtime: Runtime, slack: SlackGateway, request: ImportRequest) -> None:
    """Look the owners up and store the plan, or none of it; a repeat stores nothing more."""
    with runtime.db.session() as session:
        case = session.get(Case, request.case_id)
        assert case is not None
        reference = case.reference
        done = plan_import.imported_from(session, request.view_id)
    problems: list[str] = []
    if not done:
        owners, problems = _resolve_owners(runtime, slack, request.rows)
        if not problems:
            try:
                done = plan_import.store_plan(
                    runtime.db,
                    runtime.working_calendar(),
                    runtime.clock.now(),
                    request.case_id,
                    plan_import.forms(request.rows, owners),
                    actor=request.actor,
                    cipher=runtime.cipher,
                    view_id=request.view_id,
                )
            except RefusedError as exc:
                problems = [exc.message]
    if problems:
        with runtime.db.session() as session:
            plan_import.import_refused(
                session,
                case_id=request.case_id,
                actor=request.actor,
                now=runtime.clock.now(),
                problems=len(problems),
            )
    message = import_outcome_message(reference, request.case_id, len(done), problems)
    _post_once(slack, f"plan-import:{request.view_id}", request.actor, message, request.case_id)
    if done:
        saved(runtime, slack, request.case_id, done)


# Returns and the Board --------------------------------------------------------------------


def return_received(runtime: Runtime, slack: SlackGateway, outcome: rounds.SubmitOutcome) -> None:
    """After a return is stored: the card, and the Board's summary if the round is complete."""
    refresh_card(runtime, slack.client, outcome.case_id)
    if outcome.round_complete:
        complete = board.SummaryDue(outcome.case_id, outcome.round_no, SummaryKind.COMPLETE)
        send_summary(runtime, slack, complete)


def send_summary(runtime: Runtime, slack: SlackGateway, due: board.SummaryDue) -> bool:
    """The round's summary and pro forma (Word and CSV) to the Board business unit's DMs,
    once per round and kind, whoever's worker gets there."""
    now = runtime.clock.now()
    if not board.claim(runtime.db, due, now):
        return False
    with runtime.db.session() as session:
        case = session.get(Case, due.case_id)
        assert case is not None
        summary = board.round_summary(
            session,
            case,
            due.round_no,
            kind=due.kind,
            now=now,
            cipher=runtime.cipher,
            cal=runtime.working_calendar(),
        )
        admins = board.board_business_unit(session)
        channel_id = case.channel_id
    stem = board.file_stem(summary.reference, summary.due)
    files = [f"{stem}.docx", f"{stem}.csv"]
    if kept_in_case_room(runtime):
        return _keep_summary(runtime, slack, due, summary, admins, channel_id, files)
    try:
        dms = [slack.dm_channel(admin) for admin in admins]
        if dms:
            slack.call(
                "files.upload_v2",
                file_uploads=[
                    {"content": content, "filename": name, "title": name}
                    for content, name in zip(
                        (board.pro_forma_docx(summary), board.pro_forma_csv(summary)),
                        files,
                        strict=True,
                    )
                ],
                **({"channel": dms[0]} if len(dms) == 1 else {"channels": dms}),
                initial_comment=summary_text(summary, channel_id),
            )
    except SlackError as exc:
        log.warning("round summary for case %s not sent: %s", due.case_id, exc.code)
        board.release(runtime.db, due, now + RETRY_AFTER)
        return False
    board.mark_sent(runtime.db, due, now)
    with runtime.db.session() as session:
        board.summary_sent(session, due, now=now, recipients=len(dms), files=files)
    return True


def _keep_summary(
    runtime: Runtime,
    slack: SlackGateway,
    due: board.SummaryDue,
    summary: RoundSummary,
    admins: list[str],
    channel_id: str | None,
    files: list[str],
) -> bool:
    """The pro forma (Word and CSV) kept in the case room; the business unit's DMs get the
    summary and a link to the case's page. Kept and posted once: a retry does what is left."""
    now = runtime.clock.now()
    which = "all returns in" if due.kind == SummaryKind.COMPLETE else "deadline passed"
    title = f"Pro forma, progress returns round {due.round_no}, {which}"
    documents = [
        NewDocument(
            DocumentKind.PRO_FORMA, f"{title} (Word)", files[0], board.pro_forma_docx(summary)
        ),
        NewDocument(
            DocumentKind.PRO_FORMA, f"{title} (CSV)", files[1], board.pro_forma_csv(summary)
        ),
    ]
    if not is_kept(runtime.db, due.case_id, DocumentKind.PRO_FORMA, documents[0].title):
        keep(runtime, due.case_id, documents, actor="bot")
    link = case_page_link(runtime, summary.reference)
    message = summary_in_case_room(summary, channel_id, link)
    key = f"pro-forma:{due.case_id}:{due.round_no}:{due.kind}"
    try:
        for admin in admins:
            slack.post_once(f"{key}:{admin}", admin, message, case_id=due.case_id)
    except SlackError as exc:
        log.warning("round summary for case %s not sent: %s", due.case_id, exc.code)
        board.release(runtime.db, due, now + RETRY_AFTER)
        return False
    board.mark_sent(runtime.db, due, now)
    with runtime.db.session() as session:
        board.summary_sent(session, due, now=now, recipients=len(admins), files=files)
    return True


def finish_sign_off(runtime: Runtime, slack: SlackGateway, case_id: int) -> None:
    """After the sign-off is stored: the notice in the channel, the card, then the archive."""
    with runtime.db.session() as session:
        case = session.get(Case, case_id)
        signed = session.get(CaseSignOff, case_id)
        if case is None or signed is None or case.channel_id is None:
            return
        channel, reference = case.channel_id, case.reference
        on = runtime.working_calendar().london_date(signed.signed_off_at)
        message = signed_off_message(reference, signed.signed_off_by, on)
    _post_once(slack, f"signed-off:{case_id}", channel, message, case_id)
    refresh_card(runtime, slack.client, case_id)
    archive_channel(runtime, slack, case_id)


def archive_channel(runtime: Runtime, slack: SlackGateway, case_id: int) -> bool:
    with runtime.db.session() as session:
        case = session.get(Case, case_id)
        channel = case.channel_id if case is not None else None
    if channel is None:
        return False
    try:
        slack.archive(channel)
    except SlackError as exc:
        board.archive_failed(runtime.db, case_id, exc.code or "slack_error")
        return False
    board.mark_archived(runtime.db, case_id, runtime.clock.now())
    return True


# The worker's pass ------------------------------------------------------------------------


@dataclass
class MonitoringReport:
    owners_checked: int = 0
    departures: int = 0
    rounds_opened: int = 0
    summaries_sent: int = 0
    archived: int = 0
    cards: set[int] = field(default_factory=set)


def remove_partnership_leavers(runtime: Runtime, client: WebClient) -> int:
    """People the partnership file no longer names are taken out of their open cases'
    channels and off those cases (audited); their recommendations go to their agency's
    review lead, as for anyone who leaves. A kick Slack refuses is tried again next tick.
    The open cases' members are read only when the partnership has changed since this
    process last took everyone out (it changes when the file is loaded), so an idle tick does
    not read every case."""
    with runtime.db.reading() as session:
        people = guard.partnership_people(session)
        if runtime.extra.get(LEAVERS_CHECKED_FOR) == people:
            return 0
        leavers = guard.partnership_leavers(session)
    slack = SlackGateway(client, runtime.db, runtime.clock)
    gone: set[str] = set()
    refused = False
    for leaver in leavers:
        if leaver.channel_id is not None:
            try:
                slack.kick(leaver.channel_id, leaver.user)
            except SlackError as exc:
                log.warning("case %s: a leaver not removed (%s)", leaver.case_id, exc.code)
                refused = True
                continue
        with runtime.db.session() as session:
            guard.drop_leaver(session, leaver, now=runtime.clock.now())
        gone.add(leaver.user)
    for user in sorted(gone):
        with runtime.db.session() as session:
            ctx = EngineContext(session, runtime.working_calendar(), runtime.clock.now())
            moved = departures.user_left(ctx, user, via=LeftVia.PARTNERSHIP, actor="partnership")
        tell_reassigned(runtime, slack, moved)
    if not refused:
        runtime.extra[LEAVERS_CHECKED_FOR] = people
    return len(gone)


def monitoring_pass(runtime: Runtime, client: WebClient) -> MonitoringReport:
    """The worker's part, in working hours: check the owners about to be nudged, open each
    case's current round (closing the previous one), tell the Board about rounds complete
    or past their deadline, and finish archiving signed-off channels."""
    report = MonitoringReport()
    cal = runtime.working_calendar()
    if not cal.is_working_time(runtime.clock.now()):
        return report
    slack = SlackGateway(client, runtime.db, runtime.clock)
    check_owners(runtime, slack, report)
    with runtime.db.reading() as session:
        case_ids = rounds.rounds_to_check(session, runtime.clock.now())
    for case_id in case_ids:
        if rounds.open_round(runtime.db, cal, runtime.clock.now(), case_id):
            report.rounds_opened += 1
            report.cards.add(case_id)
    with runtime.db.reading() as session:
        due = board.summaries_due(session, runtime.clock.now())
    for item in due:
        if send_summary(runtime, slack, item):
            report.summaries_sent += 1
            report.cards.add(item.case_id)
    with runtime.db.reading() as session:
        pending = board.archive_pending(session)
    for case_id in pending:
        report.archived += archive_channel(runtime, slack, case_id)
    for case_id in sorted(report.cards):
        refresh_card(runtime, client, case_id)
    return report


def check_owners(runtime: Runtime, slack: SlackGateway, report: MonitoringReport) -> None:
    """Before their nudges go, ask Slack whether the owners are still here."""
    with runtime.db.reading() as session:
        people = departures.owners_about_to_be_nudged(session, runtime.clock.now())
    for person in people:
        report.owners_checked += 1
        try:
            gone = bool(slack.user(person).get("deleted"))
        except SlackError as exc:
            gone = exc.person_gone
            if not gone:
                log.warning("users.info failed before a nudge: %s", exc.code)
                if exc.retryable:
                    return  # Slack is struggling: the next pass checks again
                continue
        if gone:
            report.departures += 1
            with runtime.db.session() as session:
                moved = departures.user_left(
                    context(runtime, session), person, via=LeftVia.USERS_INFO, actor="bot"
                )
            tell_reassigned(runtime, slack, moved)
