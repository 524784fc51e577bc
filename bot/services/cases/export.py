"""Everything held on one case, for an inspection or a subject access request.

The export takes every row held on the case (bot/services/cases/records.py: found through the
models' metadata, so a table added later is not left out). Encrypted columns (`LargeBinary`,
under the case's data key) are decrypted; the wrapped data key itself is left out. One JSON
document per table and a `manifest.json` go into a ZIP built in memory, and the whole ZIP is
encrypted with a key derived from a password:

    b"SCRX1" + 16-byte salt + Fernet token
    key = urlsafe_b64encode(Scrypt(salt, length=32, n=2**15, r=8, p=1).derive(password))

Nothing of the archive is written in the clear, and the password is never stored or logged.
"""

from __future__ import annotations

import base64
import enum
import io
import json
import os
import secrets
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import LargeBinary, Table, select
from sqlalchemy.orm import Session

from bot.crypto import CaseCipher, FieldCipher
from bot.services.cases import audit
from bot.services.cases.records import case_tables, is_key_material
from storage.models import Case, CaseKey

MAGIC = b"SCRX1"
SALT_BYTES = 16
MIN_PASSWORD_LENGTH = 12
FORMAT = "scr-bot case export 1"


class ExportRefusedError(Exception):
    """Why a case cannot be exported, worded for the person running the command (names the
    reference only, never anything held on the case)."""


@dataclass(frozen=True)
class ExportSummary:
    reference: str
    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def derive_key(password: str, salt: bytes) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1)
    return base64.urlsafe_b64encode(kdf.derive(password.encode("utf-8")))


def seal(archive: bytes, password: str) -> bytes:
    salt = secrets.token_bytes(SALT_BYTES)
    return MAGIC + salt + Fernet(derive_key(password, salt)).encrypt(archive)


def unseal(data: bytes, password: str) -> bytes:
    """The ZIP inside an export; ValueError if it is not one or the password is wrong."""
    if not data.startswith(MAGIC) or len(data) <= len(MAGIC) + SALT_BYTES:
        raise ValueError("not a scr-bot case export")
    salt = data[len(MAGIC) : len(MAGIC) + SALT_BYTES]
    try:
        return Fernet(derive_key(password, salt)).decrypt(data[len(MAGIC) + SALT_BYTES :])
    except InvalidToken as exc:
        raise ValueError("wrong password, or the file is damaged") from exc


def check_password(password: str, repeated: str) -> None:
    if password != repeated:
        raise ExportRefusedError("the passwords do not match")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ExportRefusedError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")


def export_case(
    session: Session,
    cipher: FieldCipher,
    *,
    reference: str,
    password: str,
    out: Path,
    at: datetime,
    actor: str,
) -> ExportSummary:
    """Write the sealed export of `reference` to `out` (a new file, never overwritten) and
    audit it in the same transaction: a failed write leaves no audit entry behind."""
    case = exportable(session, reference)
    tables = gather(session, cipher, case.id)
    rows = {name: len(found) for name, found in tables.items()}
    manifest = {
        "format": FORMAT,
        "reference": reference,
        "exported_at": at.isoformat(),
        "exported_by": actor,
        "rows": rows,
    }
    sealed = seal(_zip(manifest, tables), password)
    audit.record(
        session,
        at=at,
        actor=actor,
        action="case.exported",
        case_id=case.id,
        file=out.name,
        rows=sum(rows.values()),
    )
    _write_new(out, sealed)
    return ExportSummary(reference=reference, rows=rows)


def exportable(session: Session, reference: str) -> Case:
    """The case to export, or ExportRefusedError saying why it cannot be."""
    case = session.scalar(select(Case).where(Case.reference == reference))
    if case is None:
        raise ExportRefusedError(f"no case with the reference {reference}")
    key = session.get(CaseKey, case.id)
    if case.personal_data is None or (key is not None and key.destroyed_at is not None):
        raise ExportRefusedError(
            f"{reference} no longer holds its personal data (purged under the retention "
            "policy): there is nothing to export"
        )
    return case


def gather(session: Session, cipher: FieldCipher, case_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row that belongs to the case, by table name, decrypted (key material left out)."""
    sealed = cipher.for_case(session, case_id)
    return {
        found.table.name: [_row(sealed, found.table, row) for row in found.rows]
        for found in case_tables(session, case_id)
    }


def _row(cipher: CaseCipher, table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in row.items():
        if is_key_material(table, name):
            continue
        if value is not None and isinstance(table.c[name].type, LargeBinary):
            out[name] = _decrypted(cipher, value)
        else:
            out[name] = _plain(value)
    return out


def _decrypted(cipher: CaseCipher, token: bytes) -> Any:
    text = cipher.decrypt_text(bytes(token))
    if text[:1] in {"{", "["}:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _zip(manifest: dict[str, Any], tables: dict[str, list[dict[str, Any]]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", _json(manifest))
        for name, rows in tables.items():
            archive.writestr(f"{name}.json", _json(rows))
    return buffer.getvalue()


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def _write_new(out: Path, data: bytes) -> None:
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise ExportRefusedError(f"{out.name} already exists: choose a new file") from exc
    except OSError as exc:
        raise ExportRefusedError(f"cannot create {out.name}: {exc.strerror}") from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
