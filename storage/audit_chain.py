"""The audit trail's hash chain: each entry's hash covers its own fields and the hash of the
entry before it, so an entry edited, deleted or inserted behind the bot's back breaks the chain
from that point on.

The serialisation is fixed (format 1). Migration 0003 carries a frozen copy to chain the rows
that existed before it; change neither without a new format and a migration.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
"""The `prev_hash` of the first entry."""


def canonical_detail(detail: dict[str, Any]) -> dict[str, Any]:
    """The detail as the JSON column gives it back (string keys, lists not tuples), so that the
    hash taken on writing matches the one taken on reading."""
    normalised: dict[str, Any] = json.loads(json.dumps(detail, default=str))
    return normalised


def entry_hash(
    *,
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    case_id: int | None,
    detail: dict[str, Any],
) -> str:
    """SHA-256 (hex) over a canonical JSON serialisation of the entry and the previous hash."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    payload = json.dumps(
        {
            "v": 1,
            "prev": prev_hash,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "case_id": case_id,
            "detail": detail,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
