"""A case's documents kept by the bot (the web case room's papers): stored encrypted with the
case's data key, listed on the case's page and downloaded by its members only.

Documents can be large: they are encrypted before the transaction that stores them opens,
and decrypted after the one that reads them has closed, so that no transaction waits on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.crypto import CaseCipher, EncryptionKeyError, FieldCipher
from bot.services.cases import audit
from storage.db import Database
from storage.models import Case, CaseDocument

STORED = "document.stored"
DOWNLOADED = "portal.document_downloaded"

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV = "text/csv"
CONTENT_TYPES = {".csv": CSV, ".docx": DOCX, ".pdf": "application/pdf"}
OTHER = "application/octet-stream"


class DocumentKind(StrEnum):
    CHRONOLOGY = "chronology"
    CHRONOLOGY_FILE = "chronology_file"
    PRO_FORMA = "pro_forma"
    MANAGEMENT_REVIEW = "management_review"
    OVERVIEW_DRAFT = "overview_draft"
    OVERVIEW_SKELETON = "overview_skeleton"
    TERMS = "terms_of_reference"
    FINDINGS = "findings"


def content_type_of(filename: str) -> str:
    dot = filename.rfind(".")
    return CONTENT_TYPES.get(filename[dot:].lower(), OTHER) if dot >= 0 else OTHER


@dataclass(frozen=True)
class NewDocument:
    """A document to keep. ``title`` and ``filename`` are the bot's own words (the case
    reference, the kind, an agency's name), never a name someone typed."""

    kind: DocumentKind
    title: str
    filename: str
    content: bytes


@dataclass(frozen=True)
class StoredDocument:
    id: int
    title: str
    filename: str
    size: int
    version: int


@dataclass(frozen=True)
class DocumentListing:
    id: int
    title: str
    filename: str
    size: int
    version: int
    created_at: datetime


@dataclass(frozen=True)
class SealedDocument:
    """A document read for a download, still encrypted: `content()` opens it (after the
    reading transaction has closed)."""

    filename: str
    content_type: str
    sealed: bytes
    cipher: CaseCipher

    def content(self) -> bytes:
        return self.cipher.decrypt_bytes(self.sealed)


def _case_cipher(db: Database, cipher: FieldCipher, case_id: int) -> CaseCipher:
    """The case's cipher, its key row made (and committed) on first use."""
    with db.session() as session:
        return cipher.for_case(session, case_id)


def store_documents(
    db: Database,
    cipher: FieldCipher,
    case_id: int,
    documents: Sequence[NewDocument],
    *,
    actor: str,
    now: datetime,
) -> list[StoredDocument]:
    """Keep ``documents`` (encrypted) as the next version of each; the storing is audited."""
    sealed = _case_cipher(db, cipher, case_id)
    encrypted = [sealed.encrypt_bytes(doc.content) for doc in documents]
    stored = []
    with db.session() as session:
        for doc, content in zip(documents, encrypted, strict=True):
            last = session.scalar(
                select(func.max(CaseDocument.version)).where(
                    CaseDocument.case_id == case_id,
                    CaseDocument.kind == doc.kind.value,
                    CaseDocument.title == doc.title,
                )
            )
            row = CaseDocument(
                case_id=case_id,
                kind=doc.kind.value,
                title=doc.title,
                filename=doc.filename,
                content=content,
                size=len(doc.content),
                content_type=content_type_of(doc.filename),
                version=(last or 0) + 1,
                created_at=now,
                created_by=actor,
            )
            session.add(row)
            session.flush()
            audit.record(
                session,
                at=now,
                actor=actor,
                action=STORED,
                case_id=case_id,
                document_id=row.id,
                kind=doc.kind.value,
                version=row.version,
                size=row.size,
            )
            stored.append(StoredDocument(row.id, doc.title, doc.filename, row.size, row.version))
    return stored


def is_kept(db: Database, case_id: int, kind: DocumentKind, title: str) -> bool:
    """Whether a document of that kind and title is kept already (a retried step)."""
    with db.session() as session:
        return (
            session.scalar(
                select(CaseDocument.id)
                .where(
                    CaseDocument.case_id == case_id,
                    CaseDocument.kind == kind.value,
                    CaseDocument.title == title,
                )
                .limit(1)
            )
            is not None
        )


def is_kept_in(session: Session, case_id: int, kind: DocumentKind) -> bool:
    """Whether the case has any document of that kind in the case room."""
    found = session.scalar(
        select(CaseDocument.id)
        .where(CaseDocument.case_id == case_id, CaseDocument.kind == kind.value)
        .limit(1)
    )
    return found is not None


def case_documents(session: Session, case_id: int) -> list[DocumentListing]:
    """The case's documents, each title's newest version first."""
    return [
        DocumentListing(r.id, r.title, r.filename, r.size, r.version, r.created_at)
        for r in session.execute(
            select(
                CaseDocument.id,
                CaseDocument.title,
                CaseDocument.filename,
                CaseDocument.size,
                CaseDocument.version,
                CaseDocument.created_at,
            )
            .where(CaseDocument.case_id == case_id)
            .order_by(CaseDocument.kind, CaseDocument.title, CaseDocument.version.desc())
        )
    ]


def document_download(
    session: Session,
    cipher: FieldCipher,
    case: Case,
    document_id: int,
    user_id: str,
    now: datetime,
) -> SealedDocument | None:
    """Document ``document_id`` of ``case`` (whose membership the caller has checked), its
    download audited; None when the case has no such document."""
    row = session.get(CaseDocument, document_id)
    if row is None or row.case_id != case.id:
        return None
    try:
        case_cipher = cipher.for_case(session, case.id)
    except EncryptionKeyError:
        return None  # erased under the retention policy
    audit.record(
        session,
        at=now,
        actor=user_id,
        action=DOWNLOADED,
        case_id=case.id,
        document=row.filename,
        document_id=row.id,
    )
    return SealedDocument(row.filename, row.content_type, bytes(row.content), case_cipher)
