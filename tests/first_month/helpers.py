"""Helpers for the first-month tests: the case channel, people's briefing DMs, tasks and
chronology rows read back from the database."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from bot.ids import INPUT_ACTION
from bot.testing.harness import Harness
from bot.testing.standin import Message
from storage.models import AuditEvent, Case, ChronologyEntry, Task
from tests.flow_helpers import agency_id, cases, refer

HEADING = (
    "Date",
    "Agency",
    "Name of worker",
    "Event/action",
    "Child seen",
    "Wishes and feelings sought",
)


def open_case(harness: Harness) -> Case:
    refer(harness)
    return cases(harness)[-1]


def channel_of(harness: Harness) -> str:
    case = cases(harness)[-1]
    assert case.channel_id is not None
    return case.channel_id


def briefing(harness: Harness, user: str) -> Message:
    """The bot's latest DM to ``user`` that asks for records to be secured."""
    found = [m for m in harness.standin.dms_to(user) if "secure its records" in m.text]
    assert found, f"{user} got no briefing DM"
    return found[-1]


def card(harness: Harness) -> Message:
    case = cases(harness)[-1]
    assert case.channel_id and case.card_ts
    [message] = [m for m in harness.standin.messages_in(case.channel_id) if m.ts == case.card_ts]
    return message


def card_text(harness: Harness) -> str:
    return str(card(harness).blocks)


def agency_on_card(harness: Harness, agency: str) -> list[str]:
    """The case card's lines for ``agency``: its name, then one labelled value a line."""
    fields = [f["text"] for b in card(harness).blocks for f in b.get("fields") or []]
    [found] = [f for f in fields if f.startswith(f"*{agency}*")]
    return str(found).splitlines()


def task(harness: Harness, kind: str, agency: str | None = None) -> Task:
    with harness.runtime.db.session() as session:
        query = select(Task).where(Task.case_id == cases(harness)[-1].id, Task.kind == kind)
        if agency is not None:
            query = query.where(Task.agency_id == agency_id(harness, agency))
        return session.scalars(query).one()


def values(answers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{block_id: value} as SlackDriver.submit_view takes it."""
    return {block: {INPUT_ACTION: value} for block, value in answers.items()}


def audit_actions(harness: Harness) -> list[str]:
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def entries(harness: Harness, agency: str | None = None) -> list[ChronologyEntry]:
    with harness.runtime.db.session() as session:
        query = select(ChronologyEntry).order_by(ChronologyEntry.id)
        if agency is not None:
            query = query.where(ChronologyEntry.agency_id == agency_id(harness, agency))
        return list(session.scalars(query))


def csv_bytes(
    rows: Iterable[Iterable[str]],
    *,
    heading: Iterable[str] = HEADING,
    bom: bool = False,
    delimiter: str = ",",
) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(list(heading))
    for row in rows:
        writer.writerow(list(row))
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def share_file(
    harness: Harness,
    user: str,
    content: bytes,
    *,
    channel: str | None = None,
    filename: str = "chronology.csv",
) -> str:
    """``user`` shares a file (in the case channel unless ``channel`` is given); Slack tells
    the bot. Returns the file id."""
    where = channel or channel_of(harness)
    file_id = harness.standin.add_user_file(user, where, filename, content, "csv")
    response = harness.driver.file_shared(user, file_id, where)
    assert response.status == 200
    harness.wait()
    return file_id


def replies_to(harness: Harness, user: str) -> list[str]:
    """What the bot said only to ``user`` (ephemerals) or in their DM, oldest first."""
    ephemeral = [m.text for m in harness.standin.ephemerals_for(user)]
    return ephemeral + [m.text for m in harness.standin.dms_to(user)]
