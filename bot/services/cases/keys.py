"""`scr-bot keys rotate`: every case's data key re-wrapped under the newest master key, every
value still under a master key (from before per-case keys) moved under its case's data key,
and every referral waiting to be opened re-sealed under the newest master key.

It runs beside the bot. Each case is one short transaction, and each change is a
compare-and-set (`UPDATE ... WHERE column = the value read`), so a value the bot changed
meanwhile, or a key erased meanwhile, is left as the bot left it. The data keys themselves do
not change: a process still holding a data key, or one configured with "new,old", reads
everything throughout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, and_, select, update
from sqlalchemy.orm import Session

from bot.crypto import CaseCipher, FieldCipher, is_case_token
from bot.services.cases.records import case_tables, encrypted_columns
from storage.claim import claim
from storage.db import Database
from storage.models import Case, CaseKey, ReceivedReferral


@dataclass
class RotationReport:
    cases: int = 0
    rewrapped: int = 0
    already_current: int = 0
    created: int = 0
    erased: int = 0
    values_moved: int = 0
    resealed: int = 0

    def lines(self) -> list[str]:
        return [
            f"cases: {self.cases}",
            f"data keys re-wrapped under the first master key: {self.rewrapped}",
            f"data keys already under it: {self.already_current}",
            f"data keys made for cases that had none: {self.created}",
            f"erased cases (no key to re-wrap): {self.erased}",
            f"values moved from the master key to their case's data key: {self.values_moved}",
            f"referrals waiting to be opened, re-sealed under the first master key: "
            f"{self.resealed}",
        ]


def rotate(db: Database, cipher: FieldCipher) -> RotationReport:
    report = RotationReport()
    with db.session() as session:
        case_ids = list(session.scalars(select(Case.id).order_by(Case.id)))
    report.cases = len(case_ids)
    for case_id in case_ids:
        with db.session() as session:
            if not _rewrap(session, cipher, case_id, report):
                continue
            report.values_moved += move_legacy_values(session, cipher.for_case(session, case_id))
    with db.session() as session:
        report.resealed = _reseal_received(session, cipher)
    return report


def _reseal_received(session: Session, cipher: FieldCipher) -> int:
    """The referrals received and not yet opened (seconds' worth, unless the worker is
    down), sealed again under the first master key, so the old one can go."""
    resealed = 0
    for row_id, sealed in session.execute(select(ReceivedReferral.id, ReceivedReferral.sealed)):
        old = bytes(sealed)
        if cipher.wrapped_under_first(old):
            continue
        resealed += claim(
            session,
            ReceivedReferral,
            ReceivedReferral.id == row_id,
            ReceivedReferral.sealed == old,
            sealed=cipher.rewrap(old),
        )
    return resealed


def _rewrap(session: Session, cipher: FieldCipher, case_id: int, report: RotationReport) -> bool:
    """False for an erased case (nothing of it is readable, nothing to move)."""
    row = session.get(CaseKey, case_id)
    if row is None:
        cipher.for_case(session, case_id)
        report.created += 1
        return True
    if row.wrapped_key is None:
        report.erased += 1
        return False
    old = bytes(row.wrapped_key)
    if cipher.wrapped_under_first(old):
        report.already_current += 1
        return True
    swapped = session.execute(
        update(CaseKey)
        .where(CaseKey.case_id == case_id, CaseKey.wrapped_key == old)
        .values(wrapped_key=cipher.rewrap(old))
        .execution_options(synchronize_session=False)
    )
    session.expire(row)
    if cast(CursorResult[Any], swapped).rowcount:
        report.rewrapped += 1
    return True


def move_legacy_values(session: Session, sealed: CaseCipher) -> int:
    """Re-encrypt the case's values still under a master key under its data key (so that
    destroying the data key erases them too). Returns how many moved."""
    moved = 0
    for found in case_tables(session, sealed.case_id):
        columns = encrypted_columns(found.table)
        if not columns:
            continue
        keys = list(found.table.primary_key.columns)
        for row in found.rows:
            for column in columns:
                value = row[column.name]
                if value is None or is_case_token(bytes(value)):
                    continue
                where: list[Any] = [key == row[key.name] for key in keys]
                result = session.execute(
                    update(found.table)
                    .where(and_(*where), column == bytes(value))
                    .values({column.name: sealed.reencrypt(bytes(value))})
                )
                moved += cast(CursorResult[Any], result).rowcount
    if moved:
        session.expire_all()
    return moved
