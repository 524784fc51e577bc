"""A case's documents kept by the bot in the web case room, instead of files in Slack.

The content is encrypted with the case's data key (so it is erased with the case); the title
and file name are made by the bot from the case reference and the kind of document, never
from a file name someone typed, so neither carries personal data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class CaseDocument(Base):
    """One version of one document of a case: ``version`` counts up for each document of the
    same ``kind`` and ``title`` on the case (the chronology exported again, a new draft)."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_case_id_kind", "case_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(120))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(32))
