"""Chronology files in and out of Slack: a CSV shared in a case channel or the bot's DM is
fetched with the bot token, checked whole and stored whole or not at all; the integrated
chronology goes back to the case channel as a CSV and a Word document.

File names and cells are never repeated to Slack or the log: either may name the child."""

from __future__ import annotations

import logging
import re
import urllib.request
from dataclasses import dataclass
from urllib.error import URLError
from urllib.parse import quote, urlsplit, urlunsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.flows.first_month import after_change, announce, upload_files
from bot.runtime import Runtime
from bot.services import audit
from bot.services.cases import case_by_channel, case_by_reference, is_case_member
from bot.services.chronology_csv import (
    MAX_FILE_BYTES,
    TOO_LARGE,
    ParsedFile,
    Problem,
    parse_csv,
    problems_summary,
)
from bot.services.chronology_export import chronology_csv, chronology_docx, file_stem
from bot.services.chronology_export_ledger import claim_export, release_export
from bot.services.chronology_store import (
    SubmissionRefusedError,
    Submitter,
    claim_file,
    finish_file,
    integrated_entries,
    release_file,
    review_period,
    submitter,
)
from bot.services.partnership import agencies_of
from bot.views.chronology import entries_added_text, export_comment, file_rejected_message, plain
from bot.views.messages import Message
from storage.models import Case, CaseAgency

log = logging.getLogger(__name__)

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


def _info(client: WebClient, file_id: str) -> _FileInfo:
    data = client.files_info(file=file_id)["file"]
    name = str(data.get("name") or "")
    return _FileInfo(
        name=name,
        is_csv=str(data.get("filetype") or "") == "csv" or name.lower().endswith(".csv"),
        size=int(data.get("size") or 0),
        url=str(data.get("url_private_download") or data.get("url_private") or ""),
    )


def _download(runtime: Runtime, url: str) -> bytes:
    """Fetch with the bot token, only from Slack's file host (or the configured API host,
    for a stand-in), and no more than the size limit."""
    parts = urlsplit(url)
    api = urlsplit(runtime.settings.slack_api_base_url)
    if not (
        (parts.scheme == "https" and parts.netloc == "files.slack.com")
        or (parts.scheme == api.scheme and parts.netloc == api.netloc)
    ):
        raise URLError("not a Slack file URL")
    token = runtime.settings.slack_bot_token.get_secret_value()
    safe = urlunsplit(parts._replace(path=quote(parts.path, safe="/%:@")))
    request = urllib.request.Request(safe, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:
        return bytes(response.read(MAX_FILE_BYTES + 1))


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
        except SubmissionRefusedError as exc:
            return str(exc)


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


def _reply(client: WebClient, shared: SharedFile, in_case_channel: bool, message: Message) -> None:
    try:
        if in_case_channel:
            client.chat_postEphemeral(
                channel=shared.channel_id,
                user=shared.user_id,
                **message.as_kwargs(),  # type: ignore[arg-type]
            )
        else:
            client.chat_postMessage(channel=shared.user_id, **message.as_kwargs())  # type: ignore[arg-type]
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("could not answer an uploaded file: %s", type(exc).__name__)


def receive_file(runtime: Runtime, client: WebClient, shared: SharedFile) -> str:
    """Take a shared file as chronology entries. Returns what happened (accepted, rejected,
    duplicate, ignored or refused) for the caller's records."""
    with runtime.db.session() as session:
        in_case_channel = case_by_channel(session, shared.channel_id) is not None
    try:
        info = _info(client, shared.file_id)
    except SlackApiError as exc:
        log.warning("shared file not readable: %s", exc.response.get("error"))
        return "ignored"
    if not info.is_csv:
        if not in_case_channel:
            _reply(client, shared, False, plain(NOT_CSV))
        return "ignored"
    who = _who(runtime, shared, info.name)
    if isinstance(who, str):
        _reply(client, shared, in_case_channel, plain(who))
        return "refused"
    now = runtime.clock.now()
    batch_id = claim_file(runtime.db, who, file_id=shared.file_id, actor=shared.user_id, now=now)
    if batch_id is None:
        return "duplicate"
    if info.size > MAX_FILE_BYTES:
        parsed = ParsedFile(problems=[Problem(None, TOO_LARGE)])
    else:
        try:
            raw = _download(runtime, info.url)
        except (URLError, OSError, ValueError) as exc:
            log.warning("chronology file not fetched: %s", type(exc).__name__)
            release_file(runtime.db, batch_id)
            _reply(client, shared, in_case_channel, plain(NOT_FETCHED))
            return "refused"
        with runtime.db.session() as session:
            period = review_period(session, who.case_id)
        today = runtime.working_calendar().london_date(now)
        parsed = parse_csv(raw, agency_name=who.agency_name, today=today, period=period)
    result = finish_file(runtime.db, runtime.cipher, batch_id, parsed, runtime.clock.now())
    if result.status == "rejected":
        message = file_rejected_message(
            who.reference, who.agency_name, problems_summary(result.problems)
        )
        _reply(client, shared, in_case_channel, message)
        return "rejected"
    text = entries_added_text(
        who.reference,
        who.agency_name,
        added=result.added,
        skipped=result.skipped,
        total=result.total,
        source=f"from a file shared by <@{shared.user_id}>",
    )
    if not in_case_channel:
        _reply(client, shared, False, plain(text))
    announce(runtime, client, who.case_id, text)
    after_change(runtime, client, who.case_id, who.agency_id)
    return "accepted"


# Export ---------------------------------------------------------------------------------

ALREADY_EXPORTED = (
    "The integrated chronology was exported a moment ago and has not changed since: "
    "the files are in the case channel."
)


def export_chronology(runtime: Runtime, client: WebClient, case_id: int, actor: str) -> str:
    """Upload the integrated chronology (CSV and Word) to the case channel. Returns a line
    for the person who asked."""
    now = runtime.clock.now()
    with runtime.db.session() as session:
        case = session.get(Case, case_id)
        if case is None or not is_case_member(session, case, actor):
            return "Only members of the case can export its chronology."
        reference, channel = case.reference, case.channel_id
        entries, agencies = integrated_entries(session, runtime.cipher, case_id)
    if channel is None:
        return f"{reference} has no case channel yet; try again once it is set up."
    if not claim_export(runtime.db, case_id, actor=actor, now=now):
        return ALREADY_EXPORTED
    stem = file_stem(reference)
    today = runtime.working_calendar().london_date(now)
    files = [
        (f"{stem}.csv", chronology_csv(entries)),
        (
            f"{stem}.docx",
            chronology_docx(entries, reference=reference, agencies=agencies, made_on=today),
        ),
    ]
    try:
        ids = upload_files(
            client,
            channel=channel,
            files=files,
            comment=export_comment(reference, len(entries), agencies, actor),
        )
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("chronology of %s not uploaded: %s", reference, type(exc).__name__)
        release_export(runtime.db, case_id, now)
        return "Slack did not take the files just now; please try again in a minute."
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
    return (
        f"{reference}: the integrated chronology ({len(entries)} entries) is in the case channel."
    )
