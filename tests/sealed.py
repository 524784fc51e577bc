"""Reading a case's encrypted values in tests, as the bot does: through the case's data key."""

from __future__ import annotations

from typing import Any

from bot.runtime import Runtime


def read_text(runtime: Runtime, case_id: int, token: bytes | None) -> str:
    assert token is not None
    with runtime.db.session() as session:
        return runtime.cipher.for_case(session, case_id).decrypt_text(token)


def read_json(runtime: Runtime, case_id: int, token: bytes | None) -> Any:
    assert token is not None
    with runtime.db.session() as session:
        return runtime.cipher.for_case(session, case_id).decrypt_json(token)
