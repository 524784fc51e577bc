"""Importing an action plan from the CSV file attached to the import modal.

Before the modal is answered, the file is fetched from Slack (with the bot token, from the
address `files.info` gives, briefly) and every row checked: a bad file is refused inline,
whole, with its rows and reasons. After the answer, the owners are looked up in Slack and
the plan is stored whole, or not at all; the person importing gets the outcome in a DM.
Cells are never written to the log."""

from __future__ import annotations

import logging
import re
import urllib.request
from dataclasses import dataclass
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.flows.card_refresh import refresh_card
from bot.flows.monitoring import context, post_once_quietly, tell_owners
from bot.runtime import Runtime
from bot.services import audit
from bot.services.action_plan import SLACK_USER, PlanRefusedError, has_left, recommendations
from bot.services.action_plan_import import MAX_BYTES, PlanRow, forms, parse_plan, store_plan
from bot.services.partnership import active_agencies
from bot.views.plan_list import import_outcome_message
from storage.models import Case, Recommendation

log = logging.getLogger(__name__)

INFO_TIMEOUT = 1
DOWNLOAD_TIMEOUT = 1.5
"""The file is checked before the modal is answered, inside Slack's 3 seconds."""
NOT_FETCHED = "I could not fetch the file from Slack just now; please upload it again."
NOT_CSV = "Please upload a CSV file (save the spreadsheet as “CSV UTF-8”)."


@dataclass(frozen=True)
class ImportRequest:
    case_id: int
    actor: str
    view_id: str
    rows: tuple[PlanRow, ...]


def _fetch(runtime: Runtime, client: WebClient, file_id: str) -> bytes | str:
    """The file's bytes, or why they could not be had. The address comes from files.info,
    not from the payload, and the token goes only to Slack's own file host."""
    try:
        info = client.files_info(file=file_id)["file"]
    except (SlackApiError, SlackClientError, OSError):
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
    runtime: Runtime, client: WebClient, case_id: int, file_id: str
) -> tuple[PlanRow, ...] | list[str]:
    """The file's rows, or every problem found in it. Slack is given little time and no
    retries here: a slow answer means "try again", not a late acknowledgement."""
    quick = WebClient(token=client.token, base_url=client.base_url, timeout=INFO_TIMEOUT)
    data = _fetch(runtime, quick, file_id)
    if isinstance(data, str):
        return [data]
    with runtime.db.session() as session:
        agencies = {a.name.casefold(): a.id for a in active_agencies(session)}
        taken = {r.number for r in recommendations(session, case_id)}
    parsed = parse_plan(data, agencies=agencies, taken_numbers=taken)
    if parsed.problems:
        return [str(p) for p in parsed.problems]
    return parsed.rows


def _resolve_owners(
    runtime: Runtime, client: WebClient, rows: tuple[PlanRow, ...]
) -> tuple[dict[int, str], list[str]]:
    """Each row's owner as a Slack member id: ids checked with users.info, emails looked up
    with users.lookupByEmail. Returns the ids by row, and the problems found."""
    found: dict[str, str | None] = {}
    owners: dict[int, str] = {}
    problems: list[str] = []
    for row in rows:
        if row.owner not in found:
            found[row.owner] = _lookup(client, row.owner)
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


def _lookup(client: WebClient, owner: str) -> str | None:
    try:
        if re.fullmatch(SLACK_USER, owner):
            user = client.users_info(user=owner)["user"]
        else:
            user = client.users_lookupByEmail(email=owner)["user"]
    except (SlackApiError, SlackClientError, OSError):
        return None
    if user.get("deleted") or user.get("is_bot"):
        return None
    return str(user["id"])


def finish_import(runtime: Runtime, client: WebClient, request: ImportRequest) -> None:
    """Look the owners up and store the plan, or none of it; a repeat stores nothing more."""
    with runtime.db.session() as session:
        case = session.get(Case, request.case_id)
        assert case is not None
        reference = case.reference
        done = imported_from(session, request.view_id)
    problems: list[str] = []
    if not done:
        owners, problems = _resolve_owners(runtime, client, request.rows)
        if not problems:
            try:
                done = _store(runtime, request, owners)
            except PlanRefusedError as exc:
                problems = [str(exc)]
    if problems:
        with runtime.db.session() as session:
            audit.record(
                session,
                at=runtime.clock.now(),
                actor=request.actor,
                action="action_plan.import_refused",
                case_id=request.case_id,
                problems=len(problems),
            )
    message = import_outcome_message(reference, request.case_id, len(done), problems)
    key = f"plan-import:{request.view_id}"
    post_once_quietly(runtime, client, key, request.actor, message, request.case_id)
    if done:
        tell_owners(runtime, client, done)
        refresh_card(runtime, client, request.case_id)


def _store(runtime: Runtime, request: ImportRequest, owners: dict[int, str]) -> list[int]:
    try:
        with runtime.db.session() as session:
            case = session.get(Case, request.case_id)
            assert case is not None
            store_plan(
                context(runtime, session),
                case,
                forms(request.rows, owners),
                actor=request.actor,
                cipher=runtime.cipher,
                view_id=request.view_id,
            )
    except IntegrityError as exc:
        raise PlanRefusedError("Another change to the plan came first; please try again.") from exc
    with runtime.db.session() as session:
        return imported_from(session, request.view_id)


def imported_from(session: Session, view_id: str) -> list[int]:
    return list(
        session.scalars(
            select(Recommendation.id)
            .where(Recommendation.source_view_id == view_id)
            .order_by(Recommendation.number)
        )
    )
