"""The first month in Slack, through the gateway: each involved agency's designated persons
are DM'd what to do (once each, kept up to date as their tasks are done); an agency joining a
case is invited and announced; a chronology CSV shared in a case channel or the bot's DM is
fetched, checked whole and stored whole or not at all; the integrated chronology goes back to
the case channel as a CSV and a Word document.

File names and cells are never repeated to Slack or the log: either may name the child."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.error import URLError

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.flows.cases import refresh_card
from bot.flows.documents import case_page_link, download, keep, kept_in_case_room
from bot.gateway import OnePost, SlackError, SlackGateway
from bot.runtime import Runtime
from bot.services.cases import audit
from bot.services.cases.access import (
    agencies_of,
    case_by_channel,
    case_by_reference,
    is_case_member,
    load_case,
)
from bot.services.cases.documents import DocumentKind, NewDocument
from bot.services.first_month.agencies import AgencyChange
from bot.services.first_month.chronology import (
    Submitter,
    batch_outcome,
    claim_export,
    claim_file,
    finish_file,
    integrated_entries,
    release_export,
    release_file,
    review_period,
    submitter,
)
from bot.services.first_month.files import (
    MAX_FILE_BYTES,
    TOO_LARGE,
    ParsedFile,
    Problem,
    chronology_csv,
    chronology_docx,
    file_stem,
    parse_csv,
    problems_summary,
)
from bot.services.first_month.schema import Briefing
from bot.services.first_month.tasks import agency_briefings, briefing_for
from bot.services.refusal import RefusedError
from bot.views.first_month import (
    agency_added_text,
    agency_removed_text,
    briefing_message,
    entries_added_text,
    export_comment,
    file_rejected_message,
    plain,
)
from bot.views.messages import Message
from storage.models import Case, CaseAgency, SentMessage

log = logging.getLogger(__name__)


# Briefings and announcements ------------------------------------------------------------


def briefing_key(case_id: int, agency_id: int, user_id: str) -> str:
    return f"case:{case_id}:briefing:{agency_id}:{user_id}"


def brief_agency(runtime: Runtime, slack: SlackGateway, case_id: int, agency_id: int) -> None:
    """DM the agency's designated persons and review leads (who own its chronology), once
    each (the ledger holds back what was sent already). Someone Slack will never reach (a
    deactivated account) is logged and skipped, so one person cannot hold up the rest;
    Slack not answering is raised for a retry."""
    cal = runtime.working_calendar()
    today = cal.london_date(runtime.clock.now())
    with runtime.db.reading() as session:
        planned = agency_briefings(session, case_id, [agency_id], cal, today)
    slack.post_each_once(
        briefing_dms(planned), case_id=case_id, refused=dm_not_sent, side_by_side=True
    )


def briefing_dms(
    planned: Sequence[tuple[Briefing, list[str]]], channel_id: str | None = None
) -> list[OnePost]:
    """Each briefing as its people's DMs, each as that person reads it; ``channel_id``: the
    case channel, when it was made after the briefings were read (the set-up's)."""
    posts = []
    for briefing, people in planned:
        if channel_id is not None:
            briefing = replace(briefing, channel_id=channel_id)
        posts += [
            OnePost(
                briefing_key(briefing.case_id, briefing.agency_id, user),
                user,
                briefing_message(briefing.for_reader(user)),
            )
            for user in people
        ]
    return posts


def dm_not_sent(post: OnePost, exc: SlackError) -> None:
    """A DM Slack refuses for good (the person cannot be reached: a deactivated account) is
    logged, not retried: the others still go."""
    log.warning("DM %s not sent (%s)", post.key, exc.code)


def refresh_briefings(runtime: Runtime, slack: SlackGateway, case_id: int, agency_id: int) -> None:
    """Redraw the agency's DMs after a task changed; a failure leaves the old text, which
    still works (its buttons re-check the task)."""
    cal = runtime.working_calendar()
    with runtime.db.session() as session:
        briefing = briefing_for(
            session, case_id, agency_id, cal, cal.london_date(runtime.clock.now())
        )
        prefix = f"case:{case_id}:briefing:{agency_id}:"
        sent = list(
            session.execute(
                select(SentMessage.key, SentMessage.channel, SentMessage.ts).where(
                    SentMessage.key.startswith(prefix, autoescape=True)
                )
            )
        )
    for key, channel, ts in sent:
        message = briefing_message(briefing.for_reader(key.removeprefix(prefix)))
        try:
            slack.update(channel, ts, message)
        except SlackError as exc:
            log.warning("briefing DM of %s not updated: %s", briefing.reference, exc.code)


def after_change(
    runtime: Runtime, slack: SlackGateway, case_id: int, agency_id: int | None
) -> None:
    """Bring Slack in step with a stored change: the case card, and the agency's DMs."""
    refresh_card(runtime, slack.client, case_id)
    if agency_id is not None:
        refresh_briefings(runtime, slack, case_id, agency_id)


def announce(runtime: Runtime, slack: SlackGateway, case_id: int, text: str) -> None:
    with runtime.db.session() as session:
        channel = load_case(session, case_id).channel_id
    if channel is None:
        return
    try:
        slack.post(channel, plain(text))
    except SlackError as exc:
        log.warning("case channel not told: %s", exc.code)


def recorded(
    runtime: Runtime, slack: SlackGateway, case_id: int, agency_id: int | None, text: str
) -> None:
    """Tell the case channel what was recorded, and bring the card and the DMs in step."""
    announce(runtime, slack, case_id, text)
    after_change(runtime, slack, case_id, agency_id)


def entries_recorded(runtime: Runtime, slack: SlackGateway, batch_id: int) -> None:
    """Entries sent on the case's web page: the case channel told, as after the Slack form,
    and the card and the DMs brought in step."""
    with runtime.db.session() as session:
        outcome = batch_outcome(session, batch_id)
    if outcome is None:
        return
    who = outcome.who
    text = entries_added_text(
        who.reference,
        who.agency_name,
        added=outcome.added,
        skipped=outcome.skipped,
        total=outcome.total,
        source=f"by <@{outcome.actor}> in the case room",
    )
    recorded(runtime, slack, who.case_id, who.agency_id, text)


# Agencies joining and leaving -----------------------------------------------------------


def welcome_agency(
    runtime: Runtime, slack: SlackGateway, change: AgencyChange, announcement: str | None
) -> bool:
    """An agency joins a case in Slack: its designated persons are invited to the case
    channel and DM'd what to do, the channel is told, and the card redrawn. Each step is safe
    to run again, so repeating the command finishes what Slack interrupted. Returns False
    when Slack failed part-way (the change itself is stored)."""
    with runtime.db.session() as session:
        channel = load_case(session, change.case_id).channel_id
    from bot.flows.referral import invite_members  # set-up briefs agencies through this module

    try:
        if channel is not None:
            invite_members(runtime, slack, change.case_id)
        brief_agency(runtime, slack, change.case_id, change.agency_id)
        if channel is not None and announcement:
            slack.post(channel, plain(announcement))
    except SlackError as exc:
        log.warning("agency %s not fully welcomed: %s", change.agency_id, type(exc).__name__)
        return False
    finally:
        after_change(runtime, slack, change.case_id, None)
    return True


def agency_changed(
    runtime: Runtime, slack: SlackGateway, change: AgencyChange, actor: str, *, removing: bool
) -> None:
    if removing:
        text = agency_removed_text(change.reference, change.agency_name, actor)
        recorded(runtime, slack, change.case_id, None, text)
        return
    text = agency_added_text(change.reference, change.agency_name, actor, change.new_members)
    welcome_agency(runtime, slack, change, None if change.already else text)


# Chronology files in --------------------------------------------------------------------

DOWNLOAD_TIMEOUT = 30
REFERENCE_IN_NAME = re.compile(r"scr[-_ ]?(\d{4})[-_ ]?(\d{3})", re.IGNORECASE)
WHICH_CASE = (
    "I could not tell which case this chronology is for. Upload it in the case channel, or "
    "put the case reference in the file name (e.g. scr-2026-001-chronology.csv)."
)
NOT_CSV = "I read chronology files in CSV format only (save the spreadsheet as CSV UTF-8)."
NOT_FETCHED = "I could not fetch the file from Slack just now; please upload it again."


@dataclass(frozen=True)
class SharedFile:
    file_id: str
    user_id: str
    channel_id: str


@dataclass(frozen=True)
class _FileInfo:
    name: str
    is_csv: bool
    size: int
    url: str


def _info(slack: SlackGateway, file_id: str) -> _FileInfo:
    data = slack.file_info(file_id)
    name = str(data.get("name") or "")
    return _FileInfo(
        name=name,
        is_csv=str(data.get("filetype") or "") == "csv" or name.lower().endswith(".csv"),
        size=int(data.get("size") or 0),
        url=str(data.get("url_private_download") or data.get("url_private") or ""),
    )


def _download(runtime: Runtime, url: str) -> bytes:
    return download(runtime, url, MAX_FILE_BYTES)


def _who(runtime: Runtime, shared: SharedFile, name: str) -> Submitter | str:
    """The case and agency the file is for, or why it cannot be taken."""
    with runtime.db.session() as session:
        case = case_by_channel(session, shared.channel_id)
        if case is None:
            case = _case_for_dm(session, shared.user_id, name)
            if case is None:
                return WHICH_CASE
        try:
            return submitter(session, case, shared.user_id, None)
        except RefusedError as exc:
            return exc.message


def _case_for_dm(session: Session, user_id: str, name: str) -> Case | None:
    """From a DM: the case named in the file name, else the user's only open case."""
    match = REFERENCE_IN_NAME.search(name)
    if match:
        return case_by_reference(session, f"SCR-{match.group(1)}-{match.group(2)}")
    agency_ids = [a.id for a in agencies_of(session, user_id)]
    cases = list(
        session.scalars(
            select(Case)
            .join(CaseAgency, CaseAgency.case_id == Case.id)
            .where(
                CaseAgency.agency_id.in_(agency_ids),
                CaseAgency.removed_at.is_(None),
                Case.closed_at.is_(None),
            )
            .distinct()
        )
    )
    return cases[0] if len(cases) == 1 else None


def _reply(
    slack: SlackGateway, shared: SharedFile, in_case_channel: bool, message: Message
) -> None:
    try:
        if in_case_channel:
            slack.call(
                "chat.postEphemeral",
                channel=shared.channel_id,
                user=shared.user_id,
                **message.as_kwargs(),
            )
        else:
            slack.post(shared.user_id, message)
    except SlackError as exc:
        log.warning("could not answer an uploaded file: %s", exc.code)


def _parsed(runtime: Runtime, who: Submitter, info: _FileInfo) -> tuple[bytes, ParsedFile] | None:
    """The file and its entries checked; None when it could not be fetched."""
    if info.size > MAX_FILE_BYTES:
        return b"", ParsedFile(problems=[Problem(None, TOO_LARGE)])
    try:
        raw = _download(runtime, info.url)
    except (URLError, OSError, ValueError) as exc:
        log.warning("chronology file not fetched: %s", type(exc).__name__)
        return None
    with runtime.db.session() as session:
        period = review_period(session, who.case_id)
    today = runtime.working_calendar().london_date(runtime.clock.now())
    return raw, parse_csv(raw, agency_name=who.agency_name, today=today, period=period)


def _keep_file(runtime: Runtime, who: Submitter, raw: bytes, actor: str) -> str:
    """A copy of an accepted chronology file in the case room (named by the bot, never by the
    file's own name); the words that say so, or "" without the case room."""
    if not kept_in_case_room(runtime):
        return ""
    agency = re.sub(r"[^a-z0-9]+", "-", who.agency_name.lower()).strip("-") or "agency"
    document = NewDocument(
        DocumentKind.CHRONOLOGY_FILE,
        f"Chronology file from {who.agency_name}",
        f"{who.reference.lower()}-chronology-{agency}.csv",
        raw,
    )
    keep(runtime, who.case_id, [document], actor=actor)
    return f" A copy of the file is kept in {case_page_link(runtime, who.reference)}."


def receive_file(runtime: Runtime, slack: SlackGateway, shared: SharedFile) -> str:
    """Take a shared file as chronology entries. Returns what happened (accepted, rejected,
    duplicate, ignored or refused) for the caller's records."""
    with runtime.db.session() as session:
        in_case_channel = case_by_channel(session, shared.channel_id) is not None
    try:
        info = _info(slack, shared.file_id)
    except SlackError as exc:
        log.warning("shared file not readable: %s", exc.code)
        return "ignored"
    if not info.is_csv:
        if not in_case_channel:
            _reply(slack, shared, False, plain(NOT_CSV))
        return "ignored"
    who = _who(runtime, shared, info.name)
    if isinstance(who, str):
        _reply(slack, shared, in_case_channel, plain(who))
        return "refused"
    now = runtime.clock.now()
    batch_id = claim_file(runtime.db, who, file_id=shared.file_id, actor=shared.user_id, now=now)
    if batch_id is None:
        return "duplicate"
    fetched = _parsed(runtime, who, info)
    if fetched is None:
        release_file(runtime.db, batch_id)
        _reply(slack, shared, in_case_channel, plain(NOT_FETCHED))
        return "refused"
    raw, parsed = fetched
    result = finish_file(runtime.db, runtime.cipher, batch_id, parsed, runtime.clock.now())
    if result.status == "rejected":
        message = file_rejected_message(
            who.reference, who.agency_name, problems_summary(result.problems)
        )
        _reply(slack, shared, in_case_channel, message)
        return "rejected"
    text = entries_added_text(
        who.reference,
        who.agency_name,
        added=result.added,
        skipped=result.skipped,
        total=result.total,
        source=f"from a file shared by <@{shared.user_id}>",
    ) + _keep_file(runtime, who, raw, shared.user_id)
    if not in_case_channel:
        _reply(slack, shared, False, plain(text))
    recorded(runtime, slack, who.case_id, who.agency_id, text)
    return "accepted"


# The integrated chronology out ----------------------------------------------------------

NOT_A_MEMBER = "Only members of the case can export its chronology."
ALREADY_EXPORTED = (
    "The integrated chronology was exported a moment ago and has not changed since: "
    "the files are in the case channel."
)
ALREADY_KEPT = (
    "The integrated chronology was exported a moment ago and has not changed since: "
    "the files are on the case's page in the case room."
)


def export_chronology(runtime: Runtime, slack: SlackGateway, case_id: int, actor: str) -> str:
    """Upload the integrated chronology (CSV and Word) to the case channel. Returns a line
    for the person who asked."""
    return exported_chronology(runtime, slack, case_id, actor)[1]


def exported_chronology(
    runtime: Runtime, slack: SlackGateway, case_id: int, actor: str
) -> tuple[bool, str]:
    """`export_chronology`, and whether the files are there (exported now, or a moment ago
    and unchanged since)."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        case = session.get(Case, case_id)
        if case is None or not is_case_member(session, case, actor):
            return False, NOT_A_MEMBER
        reference, channel = case.reference, case.channel_id
        entries, agencies = integrated_entries(session, runtime.cipher, case_id)
    if channel is None:
        return False, f"{reference} has no case channel yet; try again once it is set up."
    if not claim_export(runtime.db, case_id, actor=actor, now=now):
        return True, ALREADY_KEPT if kept_in_case_room(runtime) else ALREADY_EXPORTED
    stem = file_stem(reference)
    today = runtime.working_calendar().london_date(now)
    docx = chronology_docx(entries, reference=reference, agencies=agencies, made_on=today)
    comment = export_comment(reference, len(entries), agencies, actor)
    csv = chronology_csv(entries)
    if kept_in_case_room(runtime):
        return True, _keep_chronology(
            runtime,
            slack,
            case_id,
            actor,
            (reference, channel, comment, len(entries), len(agencies)),
            [
                NewDocument(
                    DocumentKind.CHRONOLOGY,
                    CHRONOLOGY_CSV_TITLE,
                    f"{stem}.csv",
                    chronology_csv(entries),
                ),
                NewDocument(DocumentKind.CHRONOLOGY, CHRONOLOGY_DOCX_TITLE, f"{stem}.docx", docx),
            ],
        )
    try:
        ids = slack.upload_files(
            channel,
            files=[(f"{stem}.csv", csv), (f"{stem}.docx", docx)],
            comment=comment,
        )
    except SlackError as exc:
        log.warning("chronology of %s not uploaded: %s", reference, exc.code)
        release_export(runtime.db, case_id, now)
        return False, "Slack did not take the files just now; please try again in a minute."
    with runtime.db.session() as session:
        audit.record(
            session,
            at=now,
            actor=actor,
            action="chronology.exported",
            case_id=case_id,
            entries=len(entries),
            agencies=len(agencies),
            files=ids,
        )
    return True, (
        f"{reference}: the integrated chronology ({len(entries)} entries) is in the case channel."
    )


CHRONOLOGY_CSV_TITLE = "Integrated chronology (CSV)"
CHRONOLOGY_DOCX_TITLE = "Integrated chronology (Word)"


def _keep_chronology(
    runtime: Runtime,
    slack: SlackGateway,
    case_id: int,
    actor: str,
    facts: tuple[str, str, str, int, int],
    documents: list[NewDocument],
) -> str:
    """The exported chronology kept in the case room, and the case channel told where."""
    reference, channel, comment, entries, agencies = facts
    now = runtime.clock.now()
    stored = keep(runtime, case_id, documents, actor=actor)
    link = case_page_link(runtime, reference)
    try:
        slack.post(channel, plain(f"{comment}\nThe CSV and Word files are in {link}."))
    except SlackError as exc:
        log.warning("chronology of %s kept; channel not told: %s", reference, exc.code)
    with runtime.db.session() as session:
        audit.record(
            session,
            at=now,
            actor=actor,
            action="chronology.exported",
            case_id=case_id,
            entries=entries,
            agencies=agencies,
            documents=[d.id for d in stored],
        )
    return f"{reference}: the integrated chronology ({entries} entries) is in {link}."
