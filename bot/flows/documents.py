"""A case's documents in the web case room: with the room configured, the bot keeps the
documents it makes (and the files people share) there, encrypted, and Slack gets a link to the
case's page instead of a file."""

from __future__ import annotations

import logging
import re
import urllib.request
from collections.abc import Sequence
from urllib.error import URLError
from urllib.parse import quote, urlsplit, urlunsplit

from bot.gateway import SlackError, SlackGateway
from bot.portal.app import PREFIX
from bot.runtime import Runtime
from bot.services.cases.documents import (
    DocumentKind,
    NewDocument,
    StoredDocument,
    is_kept,
    store_documents,
)

DOWNLOAD_TIMEOUT = 30
MAX_DOCUMENT_BYTES = 25 * 1024 * 1024
KNOWN_TYPES = frozenset({"docx", "doc", "pdf", "odt", "rtf", "txt", "csv", "xlsx"})

log = logging.getLogger(__name__)


def kept_in_case_room(runtime: Runtime) -> bool:
    """Whether a case's documents stay in the case room (else they are uploaded to Slack)."""
    return runtime.settings.portal_enabled


def case_page_url(runtime: Runtime, reference: str) -> str:
    return f"{runtime.settings.public_url}{PREFIX}/cases/{reference}"


def case_page_link(runtime: Runtime, reference: str) -> str:
    """The case page as a Slack link: `<url|SCR-2026-001 in the case room>`."""
    return f"<{case_page_url(runtime, reference)}|{reference} in the case room>"


def keep(
    runtime: Runtime, case_id: int, documents: Sequence[NewDocument], *, actor: str
) -> list[StoredDocument]:
    return store_documents(
        runtime.db, runtime.cipher, case_id, documents, actor=actor, now=runtime.clock.now()
    )


def download(runtime: Runtime, url: str, limit: int) -> bytes:
    """Fetch a file shared in Slack with the bot token, only from Slack's file host (or the
    configured API host, for a stand-in), and no more than ``limit`` bytes (and one more, so
    that a caller can tell a file too large)."""
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
        return bytes(response.read(limit + 1))


def keep_shared_file(
    runtime: Runtime,
    slack: SlackGateway,
    file_id: str,
    case: tuple[int, str],
    kind: DocumentKind,
    title: str,
    *,
    actor: str,
) -> bool:
    """A copy of a file someone attached in Slack (a management review) kept in the case
    room under ``title`` (the bot's words) and a name made from the case reference; once per
    title. False when it could not be fetched (the file stays in Slack)."""
    case_id, reference = case
    if is_kept(runtime.db, case_id, kind, title):
        return True
    try:
        info = slack.file_info(file_id)
        kind_of_file = str(info.get("filetype") or "").lower()
        url = str(info.get("url_private_download") or info.get("url_private") or "")
        content = download(runtime, url, MAX_DOCUMENT_BYTES)
    except SlackError as exc:
        log.warning("attached file of %s not read: %s", reference, exc.code)
        return False
    except (URLError, OSError, ValueError) as exc:
        log.warning("attached file of %s not fetched: %s", reference, type(exc).__name__)
        return False
    if len(content) > MAX_DOCUMENT_BYTES:
        log.warning("attached file of %s too large to keep", reference)
        return False
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    suffix = kind_of_file if kind_of_file in KNOWN_TYPES else "bin"
    name = f"{reference.lower()}-{slug}.{suffix}"
    keep(runtime, case_id, [NewDocument(kind, title, name, content)], actor=actor)
    return True
