"""Scene: the first month. The CPU involves Police; designated persons confirm they have
notified the CPU and secured their records; the CPU works through its checklist; agencies
send their chronologies (a CSV refused, then accepted; an entry by modal) and synopses;
the integrated chronology is exported to the case channel (and written to a folder)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from docx import Document
from sqlalchemy import select

from bot.demo.story import Story
from bot.demo.web import kept_files
from bot.ids import INPUT_ACTION, FirstMonthAction, FirstMonthBlock
from bot.jobs.worker import tick
from bot.services.cases.access import active_agencies
from bot.services.first_month.files import HEADINGS, file_stem
from bot.services.first_month.schema import entry_block_id
from bot.testing.standin import Message
from bot.views.format import LONDON
from storage.models import Case

CPU = "U0CPU1"
HEALTH_DP, HEALTH_LEAD = "U0DPH", "U0RLH"
POLICE_DP, POLICE_LEAD = "U0DPP", "U0RLP"
HEALTH_ROWS = [
    ("14.03.24", "Health", "Nurse A Rao", "New birth visit; no concerns noted", "yes", "n/a"),
    ("02/09/2025", "Health", "Dr K Okafor", "Minor injury; explanation accepted", "yes", "no"),
    ("18.11.26", "Health", "A&E registrar", "Admitted with head injury", "yes", "no"),
]
POLICE_BAD = [
    ("2025-06-01", "Police", "PC Hale", "Domestic incident attended", "no", "no"),
    ("02.12.26", "Police", "DS Rao", "Scene attended", "", ""),
]
POLICE_ROWS = [
    ("01.06.25", "Police", "PC Hale", "Domestic incident; child asleep upstairs", "no", "no"),
    ("18.11.26", "Police", "DS Rao", "Attended hospital; scene secured", "", ""),
]


def _answers(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block: {INPUT_ACTION: value} for block, value in values.items()}


def _csv(rows: Sequence[Sequence[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerows([HEADINGS, *rows])
    return out.getvalue().encode("utf-8-sig")


def _briefing(story: Story, user: str) -> Message:
    return [m for m in story.harness.standin.dms_to(user) if "secure its records" in m.text][-1]


def _card(story: Story, channel: str, card_ts: str) -> Message:
    return next(m for m in story.harness.standin.messages_in(channel) if m.ts == card_ts)


def _from_dm(story: Story, user: str, kind: str, answers: dict[str, Any], title: str) -> None:
    harness = story.harness
    dm = _briefing(story, user)
    with story.step(
        f"{story.name(user)} presses “{title}” in their DM, fills in the short form and saves"
    ):
        harness.driver.block_action(
            user,
            FirstMonthAction.TASK.value,
            block_id=f"{FirstMonthBlock.BRIEFING_ITEM.value}_{kind}",
            channel_id=dm.channel,
            message_ts=dm.ts,
        )
        harness.wait()
        harness.driver.submit_view(user, _answers(answers))


def _share(story: Story, user: str, where: str, content: bytes, what: str) -> None:
    harness = story.harness
    place = "the case channel" if harness.standin.channels.get(where) else "their DM with the bot"
    with story.step(f"{story.name(user)} uploads {what} into {place}"):
        file_id = harness.standin.add_user_file(
            user, where, "scr-2026-001-chronology.csv", content, "csv"
        )
        harness.driver.file_shared(user, file_id, where)


def _click(story: Story, user: str, action: FirstMonthAction, message: Message) -> None:
    story.harness.driver.block_action(
        user, action.value, channel_id=message.channel, message_ts=message.ts
    )
    story.harness.wait()


def first_month(story: Story, reference: str, folder: Path) -> None:
    """Plays the first month of ``reference``; the exported chronology lands in ``folder``."""
    harness = story.harness
    with harness.runtime.db.session() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        channel, card_ts = case.channel_id, case.card_ts
        police = next(a.id for a in active_agencies(session) if a.name == "Police")
    assert channel is not None and card_ts is not None

    story.scene("the first checks")
    with story.step(f"{story.name(CPU)} types `/scr agency add Police` in the case channel"):
        harness.driver.slash_command(CPU, "agency add Police", channel_id=channel)
    _from_dm(
        story,
        HEALTH_DP,
        "cpu_other_children_considered",
        {FirstMonthBlock.OTHER_CHILDREN.value: "Sibling: strategy discussion"},
        "Consider other children (Health referred the case; its notification was the referral)",
    )
    _from_dm(
        story,
        POLICE_DP,
        "dp_notified",
        {
            FirstMonthBlock.WHEN_DATE.value: "2026-11-27",
            FirstMonthBlock.BY_WHOM.value: "DS Reid, designated officer",
            FirstMonthBlock.CONCERN_FROM.value: "PC Hart, response officer",
            FirstMonthBlock.CONCERN_ON.value: "2026-11-26",
        },
        "Confirm CPU notified, with the worker whose concern reached them",
    )
    _from_dm(
        story,
        POLICE_DP,
        "records_secured",
        {
            FirstMonthBlock.WHEN_DATE.value: "2026-11-27",
            FirstMonthBlock.SYSTEMS.value: "Niche RMS, PNC, body-worn video",
        },
        "Confirm records secured",
    )
    checks = (
        (FirstMonthAction.CP_PLAN, {FirstMonthBlock.CP_PLAN.value: "previously"}),
        (FirstMonthAction.ORGANISATIONS, {FirstMonthBlock.ORGANISATIONS.value: [str(police)]}),
        (
            FirstMonthAction.CHAIR_INFORMED,
            {FirstMonthBlock.WHEN_DATE.value: "2026-11-27", FirstMonthBlock.HOW.value: "Phone"},
        ),
    )
    with story.step(f"{story.name(CPU)} records the CPU's three checks from the case card"):
        for action, answers in checks:
            _click(story, CPU, action, _card(story, channel, card_ts))
            harness.driver.submit_view(CPU, _answers(answers))
            harness.wait()

    harness.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=LONDON))
    story.scene("the first reminders; the chronologies arrive")
    with story.step(
        "Tue 1 Dec 09:00: the worker's tick sends what is due (Health's records)", worker=True
    ):
        tick(harness.runtime)

    police_dm = harness.standin.im_with(POLICE_LEAD)
    _share(story, HEALTH_DP, channel, _csv(HEALTH_ROWS), "Health's chronology (CSV)")
    _share(story, POLICE_LEAD, police_dm, _csv(POLICE_BAD), "Police's chronology with mistakes")
    _share(story, POLICE_LEAD, police_dm, _csv(POLICE_ROWS), "Police's corrected chronology")

    with story.step(f"{story.name(POLICE_DP)} adds one more entry with the case card's modal"):
        _click(story, POLICE_DP, FirstMonthAction.CHRONOLOGY_ADD, _card(story, channel, card_ts))
        harness.driver.submit_view(
            POLICE_DP,
            _answers(
                {
                    entry_block_id("entry_date", 1): "2026-11-19",
                    entry_block_id("worker", 1): "DC Moss",
                    entry_block_id("event", 1): "Strategy discussion with Children's Services",
                }
            ),
        )
    for user in (HEALTH_LEAD, POLICE_LEAD):
        with story.step(f"{story.name(user)} sends the synopsis and marks the chronology complete"):
            _click(story, user, FirstMonthAction.SYNOPSIS, _briefing(story, user))
            synopsis = "Brief synopsis of the agency's involvement with the child."
            harness.driver.submit_view(user, _answers({FirstMonthBlock.SYNOPSIS.value: synopsis}))
            harness.wait()
            _click(story, user, FirstMonthAction.CHRONOLOGY_COMPLETE, _briefing(story, user))
            harness.driver.submit_view(user, {})

    harness.clock.advance(timedelta(hours=2))
    with story.step(f"{story.name(CPU)} presses “Export chronology” on the case card"):
        _click(story, CPU, FirstMonthAction.CHRONOLOGY_EXPORT, _card(story, channel, card_ts))
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_stem(reference)
    uploaded = [
        (stored.name, stored.content)
        for stored in harness.standin.files.values()
        if stored.user == harness.standin.bot_user_id
    ]
    for name, content in [*uploaded, *kept_files(harness, reference, CPU)]:
        if name.startswith(stem):
            (folder / name).write_bytes(content)
            story.say(f"  ➜ {name} ({len(content):,} bytes) written to {folder}", short=False)
    story.say(f"  ➜ the files are written to {folder}", verbose=False)
    document = Document(str(folder / f"{stem}.docx"))
    rows = document.tables[0].rows
    story.say("  ➜ the Word document's table:", short=False)
    story.say(f"  ➜ the Word document's table ({len(rows) - 1} entries):", verbose=False)
    for index, row in enumerate(rows):
        story.say("    ┃ " + " | ".join(cell.text for cell in row.cells), short=index < 2)
