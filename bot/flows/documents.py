"""A case's documents in the web case room: with the room configured, the bot keeps the
documents it makes (and the files people share) there, encrypted, and Slack gets a link to the
case's page instead of a file."""

from __future__ import annotations

from collections.abc import Sequence

from bot.portal.app import PREFIX
from bot.runtime import Runtime
from bot.services.cases.documents import NewDocument, StoredDocument, store_documents


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
